"""Child processes of the local stack that never outlive it.

Why so careful: the local job starts servers (moto, Prefect) that hold ports and a
SQLite database. Each child runs in its own process group (so stopping it stops
anything it spawned), asks the kernel to kill it if this process dies (Linux
PR_SET_PDEATHSIG, covers `kill -9` of the parent), and is listed in a PID file so
the next run cleans up whatever a crashed run left behind. Ctrl-C and SIGTERM
unwind through normal `finally` blocks (see `terminate_on_signals`).

Linux delivers the parent-death signal when the *thread* that started the child
exits: start long-lived servers from a thread that lives as long as they should.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from finks_local.ports import wait_http

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """preexec_fn: SIGTERM this child when the parent process exits (Linux only)."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def python_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for a Python child that must import what this process imports.

    Under `pants run` the code and its requirements live inside a PEX; the child
    interpreter only sees them through PYTHONPATH.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    env.pop("PEX_EXTRA_SYS_PATH", None)
    env.update(extra or {})
    return env


def _cmdline(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_group(
    pgid: int, grace: float = 10.0, leader: subprocess.Popen[bytes] | None = None
) -> None:
    """SIGTERM a process group, wait up to `grace` seconds, then SIGKILL what is left.

    `leader`: our own child leading the group; it is reaped while we wait (an exited but
    unreaped leader is a zombie, still a member of its group, and would look alive).
    """
    try:
        os.killpg(pgid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if leader is not None:
            leader.poll()
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


@dataclass
class ManagedProcess:
    """A started child: its Popen, a name for messages, and where its output goes."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    argv: tuple[str, ...] = ()
    grace: float = 10.0  # seconds between SIGTERM and SIGKILL when stopping

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def wait_ready(self, url: str, *, timeout: float) -> None:
        """Block until ``url`` answers below 500 (``wait_http``); stop the process if it
        died, took longer than ``timeout`` seconds, or the wait was interrupted."""
        try:
            wait_http(url, timeout=timeout, what=self.name, alive=self.running, log=self.log_path)
        except BaseException:
            self.stop()
            raise

    def stop(self, grace: float | None = None) -> None:
        if self.popen.poll() is None:
            kill_group(self.popen.pid, self.grace if grace is None else grace, self.popen)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)


class ChildServer:
    """What every server started as a child offers: its process, pid, log and liveness."""

    process: ManagedProcess

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def log_path(self) -> Path:
        return self.process.log_path

    def running(self) -> bool:
        return self.process.running()


@dataclass
class ProcessRegistry:
    """Started children plus the PID file that lets the next run reap leftovers."""

    pid_file: Path
    children: list[ManagedProcess] = field(default_factory=list)

    def reap_stale(self, say: Callable[[str], None]) -> int:
        """Kill process groups a previous (crashed) run recorded; returns how many."""
        if not self.pid_file.exists():
            return 0
        try:
            entries = json.loads(self.pid_file.read_text()).get("children", [])
        except (OSError, ValueError):
            entries = []
        killed = 0
        for entry in entries:
            pid = int(entry.get("pid", 0))
            # Same pid AND same command line: a recycled pid of an unrelated process is spared.
            if pid > 0 and alive(pid) and _cmdline(pid).strip() == entry.get("cmdline"):
                say(f"stopping {entry.get('name', 'process')} (pid {pid}) left by a previous run")
                kill_group(pid)
                killed += 1
        self.pid_file.unlink(missing_ok=True)
        return killed

    def _write(self) -> None:
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "owner": os.getpid(),
            "children": [
                {"name": c.name, "pid": c.pid, "cmdline": " ".join(c.argv)}
                for c in self.children
                if c.running()
            ],
        }
        tmp = self.pid_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2))
        tmp.replace(self.pid_file)

    def start(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        log_path: Path,
        *,
        grace: float = 10.0,
        cwd: Path | None = None,
    ) -> ManagedProcess:
        """Start `argv` in its own session, output appended to `log_path`, and record it.

        `grace`: how long `stop` waits after SIGTERM before SIGKILL. `cwd`: where the
        child runs (e.g. an empty directory, to prove it needs no repository).
        """
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            popen = subprocess.Popen(
                list(argv),
                env=dict(env),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=cwd,
                start_new_session=True,
                preexec_fn=_die_with_parent,  # - no threads touch the child
            )
        child = ManagedProcess(
            name=name, popen=popen, log_path=log_path, argv=tuple(argv), grace=grace
        )
        self.children.append(child)
        self._write()
        return child

    def stop_all(self) -> None:
        """Stop children in reverse start order and remove the PID file."""
        for child in reversed(self.children):
            child.stop()
        self.children.clear()
        self.pid_file.unlink(missing_ok=True)


class Interrupted(KeyboardInterrupt):
    """SIGTERM/SIGHUP turned into the same unwinding as Ctrl-C."""


@contextlib.contextmanager
def terminate_on_signals() -> Iterator[None]:
    """Make SIGTERM and SIGHUP raise like Ctrl-C so every `finally` stops its children."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        raise Interrupted(f"received signal {signal.Signals(signum).name}")

    previous: dict[signal.Signals, Any] = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(ValueError, OSError):  # not the main thread
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for restored, old in previous.items():
            signal.signal(restored, old)
