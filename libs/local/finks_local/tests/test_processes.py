from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from finks_local.processes import ProcessRegistry, alive, python_env

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def _wait_dead(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().split()[2] == "Z":  # zombie: dead, not yet reaped by its parent
                    return True
        except OSError:
            return True
        time.sleep(0.05)
    return not alive(pid)


def test_stop_all_stops_children_and_their_children(tmp_path: Path) -> None:
    registry = ProcessRegistry(tmp_path / "pids.json")
    # A child that itself spawns a grandchild: stopping the group must take both.
    code = (
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']); "
        "print(p.pid, flush=True); time.sleep(120)"
    )
    child = registry.start("parent", [sys.executable, "-c", code], python_env(), tmp_path / "log")
    deadline = time.monotonic() + 10
    while not child.log_path.read_text().strip() and time.monotonic() < deadline:
        time.sleep(0.05)
    grandchild = int(child.log_path.read_text().split()[0])
    assert json.loads((tmp_path / "pids.json").read_text())["children"][0]["pid"] == child.pid
    registry.stop_all()
    assert _wait_dead(child.pid) and _wait_dead(grandchild)
    assert not (tmp_path / "pids.json").exists()


def test_next_run_reaps_what_a_crashed_run_left(tmp_path: Path) -> None:
    pid_file = tmp_path / "pids.json"
    crashed = ProcessRegistry(pid_file)
    left = crashed.start("moto S3 server", SLEEPER, python_env(), tmp_path / "log")
    # The crashed run never called stop_all; its PID file is still there.
    messages: list[str] = []
    assert ProcessRegistry(pid_file).reap_stale(messages.append) == 1
    assert _wait_dead(left.pid)
    left.popen.wait(timeout=5)
    assert "moto S3 server" in messages[0]
    assert not pid_file.exists()


def test_reaping_spares_a_recycled_pid(tmp_path: Path) -> None:
    stranger = subprocess.Popen(SLEEPER, start_new_session=True)
    try:
        pid_file = tmp_path / "pids.json"
        pid_file.write_text(
            json.dumps(
                {"children": [{"name": "old", "pid": stranger.pid, "cmdline": "something else"}]}
            )
        )
        assert ProcessRegistry(pid_file).reap_stale(lambda _m: None) == 0
        assert stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()


def test_a_child_runs_where_it_is_told(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    registry = ProcessRegistry(tmp_path / "pids.json")
    code = "import os; print(os.getcwd(), flush=True)"
    child = registry.start(
        "cwd probe", [sys.executable, "-c", code], python_env(), tmp_path / "log", cwd=empty
    )
    child.popen.wait(timeout=30)
    assert child.log_path.read_text().strip() == str(empty)
    registry.stop_all()
