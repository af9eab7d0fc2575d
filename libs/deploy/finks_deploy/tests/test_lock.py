"""The per-environment deploy lock: conditional writes on a real moto server."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

import finks_config
from finks_deploy import LockHeldError, lock
from finks_deploy.store import ArtifactStore
from finks_deploy.tests.conftest import DemoRepo


@pytest.fixture
def dev(
    demo_repo: DemoRepo, buckets: dict[str, str], overrides: dict[str, str]
) -> finks_config.Config:
    return finks_config.load_config(None, "dev", overrides)


def test_only_one_of_many_concurrent_deploys_gets_the_lock(dev: finks_config.Config) -> None:
    winners: list[str] = []
    losers: list[str] = []
    barrier = threading.Barrier(6)

    def contend(name: str) -> None:
        barrier.wait()
        try:
            lock.acquire(dev, project=name, sha="a" * 40, actor=name, timeout=0)
            winners.append(name)
        except LockHeldError:
            losers.append(name)

    threads = [threading.Thread(target=contend, args=(f"p{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1 and len(losers) == 5
    holder = lock.current_holder(dev)
    assert holder is not None and holder["project"] == winners[0]


def test_waiter_gets_the_lock_once_the_holder_releases(dev: finks_config.Config) -> None:
    held = lock.acquire(dev, project="first", sha="a" * 40, actor="ci", timeout=0)
    messages: list[str] = []
    timer = threading.Timer(0.5, lock.release, args=(dev, held))
    timer.start()
    second = lock.acquire(
        dev,
        project="second",
        sha="b" * 40,
        actor="ci",
        timeout=20,
        poll=0.1,
        progress=messages.append,
    )
    timer.join()
    assert "waiting for the deploy lock: first @" in messages[0]
    assert lock.current_holder(dev) == second.body
    assert lock.release(dev, second)


def test_expired_lock_is_taken_over(dev: finks_config.Config) -> None:
    long_ago = datetime.now(UTC) - timedelta(hours=3)
    stale = lock.acquire(dev, project="crashed", sha="c" * 40, actor="ci", now=lambda: long_ago)
    messages: list[str] = []
    fresh = lock.acquire(
        dev, project="next", sha="d" * 40, actor="ci", timeout=0, progress=messages.append
    )
    assert "took over an expired deploy lock (crashed @" in messages[0]
    # The crashed holder coming back must not delete the new holder's lock.
    assert not lock.release(dev, stale)
    assert lock.current_holder(dev) == fresh.body


def test_env_lock_is_released_when_the_body_fails(dev: finks_config.Config) -> None:
    with pytest.raises(RuntimeError), lock.env_lock(dev, project="p", sha="e" * 40, actor="ci"):
        assert lock.current_holder(dev) is not None
        raise RuntimeError("deploy failed")
    assert lock.current_holder(dev) is None


def test_locks_are_per_environment(dev: finks_config.Config, overrides: dict[str, str]) -> None:
    staging = finks_config.load_config(None, "staging", overrides)
    lock.acquire(dev, project="p", sha="f" * 40, actor="ci", timeout=0)
    held = lock.acquire(staging, project="p", sha="f" * 40, actor="ci", timeout=0)
    assert ArtifactStore(staging).get_json(lock.LOCK_KEY) is not None
    assert lock.release(staging, held)
