"""Named per-environment locks (``deploy``, ``warehouse``) renewed by a heartbeat.

One conditional write (``put_object(IfNoneMatch="*")``) wins: S3 answers 412 to the
others (moto does the same). While the holder works, a heartbeat thread rewrites the
lock conditionally on its own ETag, so the ETag keeps changing. A waiter takes a lock
over only after it has watched the *same* ETag for the lock's whole ``ttl``: the
holder stopped renewing (crashed, killed, lost its network). That needs no clock
agreement between machines, and a long ``pulumi up`` keeps its lock for hours.
The take-over is itself conditional on the stale ETag, so two waiters cannot both
win; release deletes the lock only while it is still ours (``IfMatch``).
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import finks_config
from finks_deploy.errors import LockHeldError
from finks_deploy.store import ArtifactStore

DEPLOY = "deploy"
WAREHOUSE = "warehouse"
DEFAULT_TIMEOUT = 900.0
DEFAULT_TTL = 120.0
POLL_SECONDS = 2.0

Progress = Callable[[str], None]


def _stamp() -> str:
    """Wall-clock time for people reading the lock; never used to decide anything."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class HeldLock:
    """Proof of holding a lock: its name, our owner id, and the ETag we wrote last."""

    name: str
    owner: str
    etag: str
    body: dict[str, Any]
    lost: bool = False
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)


def describe_holder(body: dict[str, Any]) -> str:
    """``pipelines deploy @ 1a2b3c by alice on host pid 42 since ...`` for waiting messages."""
    return (
        f"{body.get('holder', '?')} on {body.get('host', '?')} pid {body.get('pid', '?')}"
        f" since {body.get('acquired_at', '?')} (renewed {body.get('renewed_at', '?')})"
    )


def lock_uri(config: finks_config.Config, name: str) -> str:
    return f"s3://{config.artifacts_bucket}/{config.lock_key(name)}"


def acquire(
    config: finks_config.Config,
    name: str,
    *,
    holder: str,
    timeout: float = DEFAULT_TIMEOUT,
    ttl: float = DEFAULT_TTL,
    poll: float = POLL_SECONDS,
    progress: Progress | None = None,
    extra: dict[str, Any] | None = None,
) -> HeldLock:
    """Take lock ``name`` of ``config``'s environment, waiting up to ``timeout`` seconds."""
    store = ArtifactStore(config)
    key = config.lock_key(name)
    owner = uuid.uuid4().hex
    deadline = time.monotonic() + timeout
    watched: tuple[str, float] | None = None  # (etag, when we first saw it)
    announced = False
    body = {
        **(extra or {}),
        "name": name,
        "owner": owner,
        "holder": holder,
        "environment": str(config.environment),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "ttl_seconds": ttl,
    }
    while True:
        body["acquired_at"] = body["renewed_at"] = _stamp()
        etag = store.put_json(key, body, if_none_match=True)
        if etag is not None:
            return HeldLock(name=name, owner=owner, etag=etag, body=dict(body))
        current = store.get_json(key)
        if current is None:
            continue  # released between our write and our read: try again at once
        now = time.monotonic()
        if watched is None or watched[0] != current.etag:
            watched = (current.etag, now)
        elif now - watched[1] >= _ttl_of(current.data, ttl):
            # Unchanged for a whole ttl: its holder stopped renewing. Take it, only if
            # nobody else did first.
            etag = store.put_json(key, body, if_match=current.etag)
            if etag is not None:
                if progress:
                    progress(
                        f"took over the {name} lock: {describe_holder(current.data)} stopped"
                        " renewing it"
                    )
                return HeldLock(name=name, owner=owner, etag=etag, body=dict(body))
            continue
        if now >= deadline:
            raise LockHeldError(
                f"the {config.environment} {name} lock is held by {describe_holder(current.data)}"
                f"; retry when it finishes (it is released at the end, or taken over"
                f" {_ttl_of(current.data, ttl):.0f}s after its holder stops renewing it;"
                f" if you are sure it is gone, delete {lock_uri(config, name)})"
            )
        if progress and not announced:
            progress(f"waiting for the {name} lock: {describe_holder(current.data)}")
            announced = True
        time.sleep(max(0.05, min(poll, deadline - now)))


def _ttl_of(body: dict[str, Any], default: float) -> float:
    try:
        return float(body.get("ttl_seconds", default))
    except (TypeError, ValueError):
        return default


def renew(config: finks_config.Config, held: HeldLock) -> bool:
    """Rewrite the lock (new ETag) if it is still ours; False (and ``held.lost``) otherwise."""
    with held._guard:
        if held.lost:
            return False
        body = {**held.body, "renewed_at": _stamp()}
        etag = ArtifactStore(config).put_json(config.lock_key(held.name), body, if_match=held.etag)
        if etag is None:
            held.lost = True
            return False
        held.etag, held.body = etag, body
        return True


def release(config: finks_config.Config, held: HeldLock) -> bool:
    """Delete the lock if it is still ours; False when someone took it over."""
    with held._guard:
        if held.lost:
            return False
        return ArtifactStore(config).delete(config.lock_key(held.name), if_match=held.etag)


def current_holder(config: finks_config.Config, name: str = DEPLOY) -> dict[str, Any] | None:
    """The lock document as stored, or None when nobody holds ``name``."""
    stored = ArtifactStore(config).get_json(config.lock_key(name))
    return stored.data if stored else None


class Heartbeat:
    """Renews a held lock every ``interval`` seconds on a daemon thread until stopped."""

    def __init__(self, config: finks_config.Config, held: HeldLock, interval: float) -> None:
        self._config, self._held, self._interval = config, held, interval
        self._stop = threading.Event()
        self.last_error: Exception | None = None
        self._thread = threading.Thread(
            target=self._run, name=f"finks-lock-{held.name}", daemon=True
        )

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=max(5.0, self._interval * 2))

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                if not renew(self._config, self._held):
                    return  # taken over: nothing left to renew
            except Exception as error:  # a network blip: the next beat tries within the ttl
                self.last_error = error


@contextmanager
def named_lock(
    config: finks_config.Config,
    name: str,
    *,
    holder: str,
    timeout: float = DEFAULT_TIMEOUT,
    ttl: float = DEFAULT_TTL,
    heartbeat: float | None = None,
    poll: float = POLL_SECONDS,
    progress: Progress | None = None,
    extra: dict[str, Any] | None = None,
) -> Iterator[HeldLock]:
    """Hold lock ``name`` (renewed every ``heartbeat``, default ttl/4) for the ``with`` body."""
    held = acquire(
        config,
        name,
        holder=holder,
        timeout=timeout,
        ttl=ttl,
        poll=poll,
        progress=progress,
        extra=extra,
    )
    beat = Heartbeat(config, held, heartbeat if heartbeat is not None else ttl / 4).start()
    try:
        yield held
    finally:
        beat.stop()
        release(config, held)
