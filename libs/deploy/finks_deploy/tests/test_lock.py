"""Named per-env locks with a heartbeat: conditional writes on a real moto server."""

from __future__ import annotations

import threading
import time

import pytest

import finks_config
from finks_deploy import LockHeldError, lock
from finks_deploy.tests.conftest import DemoRepo


@pytest.fixture
def dev(
    demo_repo: DemoRepo, buckets: dict[str, str], overrides: dict[str, str]
) -> finks_config.Config:
    return finks_config.load_config(None, "dev", overrides)


def test_only_one_of_many_concurrent_holders_gets_the_lock(dev: finks_config.Config) -> None:
    winners: list[str] = []
    losers: list[str] = []
    barrier = threading.Barrier(6)

    def contend(name: str) -> None:
        barrier.wait()
        try:
            lock.acquire(dev, "deploy", holder=name, timeout=0)
            winners.append(name)
        except LockHeldError:
            losers.append(name)

    threads = [threading.Thread(target=contend, args=(f"p{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1 and len(losers) == 5
    holder = lock.current_holder(dev, "deploy")
    assert holder is not None and holder["holder"] == winners[0]


def test_waiter_gets_the_lock_once_the_holder_releases(dev: finks_config.Config) -> None:
    held = lock.acquire(dev, "deploy", holder="first deploy", timeout=0)
    messages: list[str] = []
    timer = threading.Timer(0.5, lock.release, args=(dev, held))
    timer.start()
    second = lock.acquire(
        dev, "deploy", holder="second deploy", timeout=20, poll=0.1, progress=messages.append
    )
    timer.join()
    assert messages[0].startswith("waiting for the deploy lock: first deploy on ")
    assert lock.current_holder(dev, "deploy") == second.body
    assert lock.release(dev, second)


def test_heartbeat_keeps_a_long_holder_s_lock(dev: finks_config.Config) -> None:
    """A holder that outlives its ttl keeps the lock while it renews it."""
    # ttl 3 s, renewed every 0.25 s: generous enough for a loaded 2-core CI machine.
    with lock.named_lock(dev, "deploy", holder="long pulumi up", ttl=3.0, heartbeat=0.25):
        started = time.monotonic()
        with pytest.raises(LockHeldError, match="held by long pulumi up"):
            lock.acquire(dev, "deploy", holder="impatient", timeout=7.0, poll=0.1)
        assert time.monotonic() - started >= 7.0  # waited over two ttls, never took over
        assert lock.current_holder(dev, "deploy")["holder"] == "long pulumi up"  # type: ignore[index]
    assert lock.current_holder(dev, "deploy") is None


def test_a_holder_that_stopped_renewing_is_taken_over(dev: finks_config.Config) -> None:
    crashed = lock.acquire(dev, "deploy", holder="crashed deploy", ttl=0.5, timeout=0)
    messages: list[str] = []
    fresh = lock.acquire(
        dev, "deploy", holder="next deploy", timeout=10, poll=0.1, progress=messages.append
    )
    assert any("took over the deploy lock: crashed deploy" in m for m in messages)
    # The crashed holder coming back can neither renew nor delete the new holder's lock.
    assert not lock.renew(dev, crashed) and crashed.lost
    assert not lock.release(dev, crashed)
    assert lock.current_holder(dev, "deploy") == fresh.body


def test_lock_is_released_when_the_body_fails(dev: finks_config.Config) -> None:
    with pytest.raises(RuntimeError), lock.named_lock(dev, "warehouse", holder="dbt deploy"):
        assert lock.current_holder(dev, "warehouse") is not None
        raise RuntimeError("deploy failed")
    assert lock.current_holder(dev, "warehouse") is None


def test_names_and_environments_are_separate_locks(
    dev: finks_config.Config, overrides: dict[str, str]
) -> None:
    staging = finks_config.load_config(None, "staging", overrides)
    with lock.named_lock(dev, "deploy", holder="a"), lock.named_lock(dev, "warehouse", holder="b"):
        held = lock.acquire(staging, "deploy", holder="c", timeout=0)
        assert lock.current_holder(dev, "warehouse")["holder"] == "b"  # type: ignore[index]
        assert lock.lock_uri(staging, "deploy") == (
            "s3://staging-artifacts/deploys/_locks/deploy.json"
        )
        assert lock.release(staging, held)
