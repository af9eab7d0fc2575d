"""The embedded platform: one stack per state directory, servers that never outlive it."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.request
from datetime import date
from pathlib import Path

import pytest

from finks_local.processes import alive, python_env
from finks_local.state import StateDirBusy
from finks_pipelines.local_stack import local_paths, running_local_stack

AS_OF = date(2026, 11, 27)
# A first local run: starts the stack, lands one bronze object, reports, waits for "go".
FIRST_RUN = """
import json, sys
from datetime import date
from finks_config.aws import client
from finks_pipelines.local_stack import local_paths, running_local_stack
with running_local_stack(local_paths(sys.argv[1]), lambda m: None, as_of=date(2026, 11, 27),
                         command="first run") as stack:
    s3 = client(stack.config(), "s3")
    s3.put_object(Bucket="local-bronze-zone", Key="fmp/prices/first.json", Body=b"first")
    print(json.dumps({"moto": stack.moto_url, "prefect": stack.prefect_url}), flush=True)
    sys.stdin.readline()
"""


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return bool(resp.status < 500)
    except OSError:
        return False


def _start_first(state: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", FIRST_RUN, str(state)],
        env=python_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line, "the first run did not start its stack"
    return proc, json.loads(line)


def test_a_second_stack_on_the_same_state_dir_is_refused_and_the_first_is_untouched(
    tmp_path: Path,
) -> None:
    state = tmp_path / "local"
    first, urls = _start_first(state)
    try:
        said: list[str] = []
        with (
            pytest.raises(StateDirBusy) as busy,
            running_local_stack(local_paths(state), said.append, as_of=AS_OF),
        ):
            pytest.fail("two stacks on one state directory")
        message = str(busy.value)
        assert f"pid {first.pid}" in message and "first run" in message
        assert "--state-dir" in message and str(state) in message
        assert said == []  # refused before starting or stopping anything
        # The first run's servers still answer, and it finishes normally.
        assert _answers(f"{urls['moto']}/moto-api/") and _answers(f"{urls['prefect']}/health")
        assert first.communicate("go\n", timeout=120)[0] == ""
        assert first.returncode == 0
    finally:
        first.kill()
    manifest = json.loads((state / "s3" / "local-bronze-zone.manifest.json").read_text())
    assert "fmp/prices/first.json" in manifest


def test_a_waiting_stack_starts_when_the_first_finishes_and_sees_its_state(
    tmp_path: Path,
) -> None:
    state = tmp_path / "local"
    first, _urls = _start_first(state)
    said: list[str] = []
    try:
        assert first.stdin is not None
        stdin = first.stdin
        # The first run finishes (and saves its S3 state) while the second one waits.
        threading.Timer(2.0, lambda: (stdin.write("go\n"), stdin.flush())).start()
        with running_local_stack(local_paths(state), said.append, as_of=AS_OF, wait=180) as stack:
            assert stack.restored_objects == 1
            pids = [int(m.split("(pid ")[1].split(")")[0]) for m in said if "(pid " in m]
    finally:
        first.kill()
        first.wait()
    assert any(f"held by pid {first.pid}" in m for m in said[:1]), said
    assert "Prefect API starting (database kept)" in said
    assert len(pids) == 2 and not any(alive(p) for p in pids)
    assert not (state / "stack.pids.json").exists()
