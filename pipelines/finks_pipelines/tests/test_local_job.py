"""The README's main job: `pipelines:deploy -- --env local`, end to end, twice, and Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from finks_pipelines.deploy import main
from finks_pipelines.processes import alive


def _pids(out: str) -> list[int]:
    return [int(p) for p in re.findall(r"\(pid (\d+)", out)]


def _gone(pids: list[int], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(alive(p) and _not_zombie(p) for p in pids):
            return True
        time.sleep(0.1)
    return False


def _not_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_local_main_job_end_to_end_then_reuses_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "local"
    monkeypatch.setenv("PIPELINE_LOOKBACK_DAYS", "40")
    argv = ["--env", "local", "--state-dir", str(state), "--symbols", "AAPL,XOM"]

    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("[LOCAL]")
    assert "first run: creating its database" in out
    assert "[LOCAL] Pipeline completed: medallion-local ok" in out
    summary = out[out.index("gold summary (local_analytics):") :]
    for mart in ("dim_company", "fct_daily_prices", "fct_fundamentals", "mart_sector_performance"):
        assert re.search(rf"{mart}\s+[1-9]\d* rows", summary), summary
    assert "symbols (2): AAPL, XOM" in summary
    assert "data-quality checks: 15/15 passed" in summary
    assert str(state / "warehouse.duckdb") in summary or "warehouse.duckdb" in summary
    first_pids = _pids(out)
    assert len(first_pids) == 2 and _gone(first_pids)
    assert not (state / "stack.pids.json").exists()
    with duckdb.connect(str(state / "warehouse.duckdb"), read_only=True) as con:
        symbols = con.execute(
            "select symbol from local_analytics.dim_company order by 1"
        ).fetchall()
    assert symbols == [("AAPL",), ("XOM",)]

    # Second invocation reuses the state: Prefect database kept (no migrations), bronze and
    # the deploy ledger restored, deployments unchanged. (--no-run keeps the suite short;
    # that a re-run skips what bronze already holds is tested in test_flows.)
    assert main([*argv, "--no-run"]) == 0
    out = capsys.readouterr().out
    assert "(database kept)" in out
    restored = re.search(r"restored (\d+) objects", out)
    assert restored and int(restored.group(1)) >= 8
    assert "artifact unchanged" in out
    assert "deployment medallion-local/local: unchanged" in out
    assert _gone(_pids(out))


def test_ctrl_c_during_start_up_leaves_no_process(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    code = "import sys; from finks_pipelines.deploy import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "--env", "local", "--state-dir", str(tmp_path / "s")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    for line in proc.stdout:
        lines.append(line)
        if "Prefect API starting" in line:
            break
    pids = _pids("".join(lines))
    assert len(pids) == 1, lines  # moto is up; the Prefect server is starting
    pid_file = tmp_path / "s" / "stack.pids.json"
    recorded = [int(p) for p in re.findall(r'"pid": (\d+)', pid_file.read_text())]
    assert len(recorded) == 2
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, "".join(lines) + rest
    assert "interrupted" in rest
    assert _gone(recorded)
    assert not pid_file.exists()
