"""One run per state directory: an exclusive lock the kernel releases if the holder dies.

Why a lock: two local runs in one checkout would share the Prefect database, the S3
mirror and the warehouse file, and the second one's start-up would stop the first
one's servers as "left by a crashed run". The lock is `flock` on `<root>/.lock`, so a
killed holder never leaves a stale lock behind; `<root>/lock.json` says who holds it
(pid, start time, host, command) so the one waiting or refused can be told.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

LOCK_FILE = ".lock"
HOLDER_FILE = "lock.json"


class StateDirBusy(Exception):
    """Another live process holds the state directory."""

    def __init__(self, root: Path, holder: dict[str, Any] | None) -> None:
        self.root = root
        self.holder = holder or {}
        super().__init__(
            f"another local run holds {root}: {describe(self.holder)}; wait for it to finish,"
            " or give this run its own state with --state-dir DIR"
        )


def describe(holder: dict[str, Any]) -> str:
    """`pid 4242 on host, started 2026-12-01T10:00:00Z (pipelines:deploy --env local)`."""
    if not holder:
        return "a process that has not described itself yet"
    text = f"pid {holder.get('pid', '?')}"
    if holder.get("host") and holder.get("host") != socket.gethostname():
        text += f" on {holder['host']}"
    text += f", started {holder.get('started_at', '?')}"
    if holder.get("command"):
        text += f" ({holder['command']})"
    return text


def read_holder(root: Path) -> dict[str, Any] | None:
    """Who holds (or last held) the state directory, as it described itself."""
    try:
        data = json.loads((root / HOLDER_FILE).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _try_lock(handle: TextIO) -> bool:
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def hold_state_dir(
    root: Path,
    *,
    command: str,
    wait: float = 0.0,
    say: Callable[[str], None] | None = None,
    poll: float = 0.5,
) -> Iterator[dict[str, Any]]:
    """Hold `root` exclusively for the block; wait up to `wait` seconds, then StateDirBusy.

    `started_at` is this process's wall-clock start (information for people, never logic).
    """
    root.mkdir(parents=True, exist_ok=True)
    handle = (root / LOCK_FILE).open("a+")
    try:
        deadline = time.monotonic() + wait
        announced = False
        while not _try_lock(handle):
            holder = read_holder(root)
            if time.monotonic() >= deadline:
                raise StateDirBusy(root, holder)
            if say and not announced:
                say(f"waiting for {root}: held by {describe(holder or {})}")
                announced = True
            time.sleep(poll)
        me = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": command,
        }
        tmp = root / f"{HOLDER_FILE}.tmp"
        tmp.write_text(json.dumps(me, indent=1))
        tmp.replace(root / HOLDER_FILE)
        try:
            yield me
        finally:
            with contextlib.suppress(OSError):
                (root / HOLDER_FILE).unlink()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()
