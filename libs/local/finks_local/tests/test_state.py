"""One run per state directory: the second waits or is refused, naming the holder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from finks_local.processes import python_env
from finks_local.state import StateDirBusy, hold_state_dir, read_holder

HOLDER = """
import sys, time
from pathlib import Path
from finks_local.state import hold_state_dir
with hold_state_dir(Path(sys.argv[1]), command="first run"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _hold(root: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root), str(seconds)],
        env=python_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_second_run_is_refused_naming_the_holder_and_the_fix(tmp_path: Path) -> None:
    first = _hold(tmp_path, 60)
    try:
        (tmp_path / "warehouse.duckdb").write_text("the first run's state")
        with pytest.raises(StateDirBusy) as busy, hold_state_dir(tmp_path, command="second run"):
            pytest.fail("the second run must not get the state directory")
        message = str(busy.value)
        assert f"pid {first.pid}" in message and "started 20" in message
        assert "first run" in message and "--state-dir" in message and str(tmp_path) in message
        assert "\n" not in message
        assert (tmp_path / "warehouse.duckdb").read_text() == "the first run's state"
        assert read_holder(tmp_path)["pid"] == first.pid  # type: ignore[index]
    finally:
        first.kill()
        first.wait()


def test_second_run_waits_for_the_first_and_says_who_it_waits_for(tmp_path: Path) -> None:
    first = _hold(tmp_path, 2)
    said: list[str] = []
    started = time.monotonic()
    with hold_state_dir(tmp_path, command="second run", wait=60, say=said.append) as me:
        waited = time.monotonic() - started
        assert me["pid"] == os.getpid() and read_holder(tmp_path) == me
    first.wait()
    assert waited > 0.5
    assert len(said) == 1 and f"held by pid {first.pid}" in said[0] and "first run" in said[0]
    assert read_holder(tmp_path) is None  # released


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    first = _hold(tmp_path, 60)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    with hold_state_dir(tmp_path, command="after a crash") as me:
        assert read_holder(tmp_path) == me
