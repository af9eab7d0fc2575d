"""pipelines:warehouse: the query hint works with nothing but the repository's own lockfile."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from finks_pipelines.tests.test_report import make_gold
from finks_pipelines.warehouse import main


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    make_gold(tmp_path / "warehouse.duckdb")
    return tmp_path


def test_one_statement_prints_its_result(
    state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sql = "select symbol, count(*) as days from fct_daily_prices group by 1 order by 1"
    assert main(["--state-dir", str(state_dir), sql]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "[LOCAL] local warehouse"
    assert "AAPL" in out and "XOM" in out and "60" in out


def test_statements_from_stdin(
    state_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "sys.stdin", io.StringIO("select 41 +\n 1 as answer;\nselect nope;\n.quit\n")
    )
    assert main(["--state-dir", str(state_dir)]) == 0
    out = capsys.readouterr().out
    assert "42" in out
    assert "error: " in out and "nope" in out  # a bad statement is one line, the session goes on


def test_it_never_writes(state_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--state-dir", str(state_dir), "delete from dim_company"]) == 1
    assert "read-only" in capsys.readouterr().out.lower()


def test_no_warehouse_yet_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--state-dir", str(tmp_path), "select 1"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "no local warehouse at" in line and "pipelines:deploy -- --env local" in line


def test_cloud_envs_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--env", "prod", "select 1"]) == 2
    assert "--env local" in capsys.readouterr().err
