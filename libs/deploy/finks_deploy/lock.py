"""A per-environment deploy lock: one conditional write in the artifacts bucket.

``put_object(IfNoneMatch="*")`` succeeds for exactly one writer (S3 answers 412
to the others; moto implements the same), so two deploys to one environment
never interleave. A lock whose holder died is taken over once it expires: the
take-over is itself conditional on the stale lock's ETag, so two waiters cannot
both win. Release deletes the lock only if it is still ours (``IfMatch``).
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import finks_config
from finks_deploy.errors import LockHeldError
from finks_deploy.store import LEDGER_ROOT, ArtifactStore

LOCK_KEY = f"{LEDGER_ROOT}/_lock.json"
DEFAULT_TTL = timedelta(hours=1)
DEFAULT_TIMEOUT = 900.0
POLL_SECONDS = 2.0


@dataclass(frozen=True)
class HeldLock:
    """Proof of holding the lock: the owner id and the ETag we wrote."""

    owner: str
    etag: str
    body: dict[str, Any]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def describe_holder(body: dict[str, Any]) -> str:
    return (
        f"{body.get('project', '?')} @ {str(body.get('sha', '?'))[:12]} by {body.get('actor', '?')}"
        f" on {body.get('host', '?')} since {body.get('acquired_at', '?')}"
        f" (expires {body.get('expires_at', '?')})"
    )


def acquire(
    config: finks_config.Config,
    *,
    project: str,
    sha: str,
    actor: str,
    ttl: timedelta = DEFAULT_TTL,
    timeout: float = DEFAULT_TIMEOUT,
    poll: float = POLL_SECONDS,
    progress: Callable[[str], None] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> HeldLock:
    """Take the environment's deploy lock, waiting up to ``timeout`` seconds for a holder."""
    store = ArtifactStore(config)
    owner = uuid.uuid4().hex
    deadline = time.monotonic() + timeout
    announced = False
    while True:
        moment = now()
        body = {
            "owner": owner,
            "environment": str(config.environment),
            "project": project,
            "sha": sha,
            "actor": actor,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "acquired_at": _stamp(moment),
            "expires_at": _stamp(moment + ttl),
        }
        etag = store.put_json(LOCK_KEY, body, if_none_match=True)
        if etag is not None:
            return HeldLock(owner=owner, etag=etag, body=body)
        current = store.get_json(LOCK_KEY)
        if current is None:
            continue  # released between our write and our read: try again at once
        if _expired(current.data, moment):
            # Take over a dead holder's lock, only if nobody else did first.
            etag = store.put_json(LOCK_KEY, body, if_match=current.etag)
            if etag is not None:
                if progress:
                    progress(f"took over an expired deploy lock ({describe_holder(current.data)})")
                return HeldLock(owner=owner, etag=etag, body=body)
            continue
        if time.monotonic() >= deadline:
            raise LockHeldError(
                f"another deploy to {config.environment} holds the lock:"
                f" {describe_holder(current.data)}; retry when it finishes, or if its"
                f" process is gone delete s3://{store.bucket}/{LOCK_KEY}"
                " (it also expires by itself)"
            )
        if progress and not announced:
            progress(f"waiting for the deploy lock: {describe_holder(current.data)}")
            announced = True
        time.sleep(max(0.05, min(poll, deadline - time.monotonic())))


def _expired(body: dict[str, Any], moment: datetime) -> bool:
    try:
        return _parse(str(body["expires_at"])) <= moment
    except (KeyError, ValueError):
        return True  # unreadable lock: treat as stale rather than blocking forever


def release(config: finks_config.Config, held: HeldLock) -> bool:
    """Delete the lock if it is still ours; False when it expired and someone took it over."""
    return ArtifactStore(config).delete(LOCK_KEY, if_match=held.etag)


def current_holder(config: finks_config.Config) -> dict[str, Any] | None:
    """The lock document as stored, or None when nobody deploys to this environment."""
    stored = ArtifactStore(config).get_json(LOCK_KEY)
    return stored.data if stored else None


@contextmanager
def env_lock(
    config: finks_config.Config,
    *,
    project: str,
    sha: str,
    actor: str,
    timeout: float = DEFAULT_TIMEOUT,
    ttl: timedelta = DEFAULT_TTL,
    progress: Callable[[str], None] | None = None,
) -> Iterator[HeldLock]:
    """Hold the environment's deploy lock for the ``with`` body; always released."""
    held = acquire(
        config, project=project, sha=sha, actor=actor, timeout=timeout, ttl=ttl, progress=progress
    )
    try:
        yield held
    finally:
        release(config, held)
