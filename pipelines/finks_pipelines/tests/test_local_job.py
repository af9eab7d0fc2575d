"""The README's main job, `pipelines:deploy -- --env local`: day after day, two at once, Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from finks_config.calendar import last_trading_day
from finks_local.processes import alive, python_env
from finks_pipelines.deploy import main

SYMBOLS = "AAPL,XOM"
# Wednesday, Thanksgiving (closed), Saturday, Monday: the calendar's hard cases in a row.
DAYS = (date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 28), date(2026, 11, 30))
MAIN = "import sys; from finks_pipelines.deploy import main; sys.exit(main(sys.argv[1:]))"


def _pids(out: str) -> list[int]:
    return [int(p) for p in re.findall(r"\(pid (\d+)", out)]


def _not_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _gone(pids: list[int], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(alive(p) and _not_zombie(p) for p in pids):
            return True
        time.sleep(0.1)
    return False


def _latest(state: Path) -> tuple[date, int, int]:
    """(latest price date, rows, distinct (symbol, date)) of the state dir's gold prices."""
    with duckdb.connect(str(state / "warehouse.duckdb"), read_only=True) as con:
        row = con.execute(
            "select max(price_date), count(*), count(distinct (symbol, price_date))"
            " from local_analytics.fct_daily_prices"
        ).fetchone()
    assert row is not None
    return row[0], row[1], row[2]


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INGEST_BACKFILL_DAYS", "40")  # a new symbol's history: small and fast


def test_the_main_job_day_after_day_keeps_state_and_passes_every_check(
    tmp_path: Path, small: None, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "local"
    rows_before = 0
    for n, day in enumerate(DAYS):
        argv = ["--env", "local", "--state-dir", str(state), "--symbols", SYMBOLS]
        assert main([*argv, "--as-of", day.isoformat()]) == 0, capsys.readouterr()
        out = capsys.readouterr().out
        assert out.startswith("[LOCAL]")
        assert f"[LOCAL] Pipeline completed: medallion-local-{day} ok" in out
        assert re.search(r"data checks \(as of " + str(day) + r"\): (\d+)/\1 passed", out), out
        summary = out[out.index("gold summary (local_analytics):") :]
        assert "symbols (2): AAPL, XOM" in summary
        if n == 0:
            assert "first run: creating its database" in out
            for mart in (
                "dim_company",
                "fct_daily_prices",
                "fct_fundamentals",
                "mart_sector_performance",
            ):
                assert re.search(rf"{mart}\s+[1-9]\d* rows", summary), summary
        else:
            assert "(database kept)" in out
            assert int(re.search(r"restored (\d+) objects", out).group(1)) >= 6  # type: ignore[union-attr]
        latest, rows, distinct = _latest(state)
        assert latest == last_trading_day(day) and rows == distinct and rows >= rows_before
        rows_before = rows
        assert _gone(_pids(out)) and not (state / "stack.pids.json").exists()


def _start(argv: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", MAIN, *argv],
        env=python_env({"INGEST_BACKFILL_DAYS": "40"}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _read_until(proc: subprocess.Popen[str], marker: str) -> list[str]:
    assert proc.stdout is not None
    lines: list[str] = []
    for line in proc.stdout:
        lines.append(line)
        if marker in line:
            return lines
    raise AssertionError(f"{marker!r} never printed:\n{''.join(lines)}")


def test_two_local_runs_at_once_the_second_is_refused_and_the_first_finishes(
    tmp_path: Path,
) -> None:
    state = tmp_path / "local"
    argv = [
        "--env",
        "local",
        "--state-dir",
        str(state),
        "--symbols",
        "MSFT",
        "--as-of",
        "2026-11-27",
    ]
    first = _start(argv)
    try:
        head = _read_until(first, "moto S3 server on")
        second = _start(argv)
        out, _ = second.communicate(timeout=120)
        assert second.returncode == 2, out
        lines = out.strip().splitlines()
        assert lines[0].startswith("[LOCAL]")
        error = next(line for line in lines if "another local run holds" in line)
        assert f"pid {first.pid}" in error and "started 20" in error and "--state-dir" in error
        assert "Traceback" not in out and "moto" not in out.split(error)[1]
        rest, _ = first.communicate(timeout=900)
    finally:
        first.kill()
    assert first.returncode == 0, "".join(head) + rest
    assert "[LOCAL] Pipeline completed: medallion-local-2026-11-27 ok" in rest
    assert _latest(state)[0] == date(2026, 11, 27)


def test_ctrl_c_during_start_up_leaves_no_process(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            MAIN,
            "--env",
            "local",
            "--state-dir",
            str(tmp_path / "s"),
            "--as-of",
            "2026-11-27",
        ],
        env={**os.environ, **python_env()},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = _read_until(proc, "Prefect API starting")
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
