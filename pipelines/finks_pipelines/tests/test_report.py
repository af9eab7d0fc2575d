"""The gold report: charts and checks from a DuckDB gold schema (Chromium: test_view_browser)."""

from __future__ import annotations

import struct
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from finks_config import Config
from finks_pipelines import gold
from finks_pipelines.checks.records import CheckOutcome
from finks_pipelines.report import (
    ChecksSection,
    cumulative,
    load_gold,
    newest_day,
    write_report,
)

SCHEMA = "local_analytics"
AS_OF = date(2026, 11, 27)


def make_gold(path: Path, days: int = 60) -> None:
    """A small gold schema with the marts' columns the report reads (two symbols, two sectors)."""
    with duckdb.connect(str(path)) as con:
        con.execute(f"create schema {SCHEMA}")
        con.execute(
            f"create table {SCHEMA}.dim_company (symbol varchar, company_name varchar,"
            " sector varchar)"
        )
        con.execute(
            f"insert into {SCHEMA}.dim_company values ('AAPL', 'Apple Inc.', 'Technology'),"
            " ('XOM', 'Exxon Mobil', 'Energy')"
        )
        con.execute(
            f"create table {SCHEMA}.fct_daily_prices (symbol varchar, price_date date,"
            " close_price double, volatility_20d double)"
        )
        con.execute(
            f"create table {SCHEMA}.mart_sector_performance (sector varchar, price_date date,"
            " avg_daily_return double)"
        )
        for i in range(days):
            day = AS_OF - timedelta(days=days - 1 - i)
            vol = None if i < 20 else 0.01 + i / 10000
            con.execute(
                f"insert into {SCHEMA}.fct_daily_prices values (?, ?, ?, ?), (?, ?, ?, ?)",
                ["AAPL", day, 100 + i, vol, "XOM", day, 50 - i / 10, vol],
            )
            con.execute(
                f"insert into {SCHEMA}.mart_sector_performance values (?, ?, ?), (?, ?, ?)",
                ["Technology", day, 0.01, "Energy", day, -0.002],
            )
        # the columns the gold checks read besides the report's (keys, returns)
        con.execute(
            f"create table {SCHEMA}.prices as select symbol || '|' || price_date as price_id, *,"
            " lag(close_price) over (partition by symbol order by price_date) as previous_close"
            f" from {SCHEMA}.fct_daily_prices"
        )
        con.execute(f"drop table {SCHEMA}.fct_daily_prices")
        con.execute(
            f"create table {SCHEMA}.fct_daily_prices as select *,"
            f" close_price / previous_close - 1 as daily_return from {SCHEMA}.prices"
        )
        con.execute(f"drop table {SCHEMA}.prices")
        con.execute(
            f"alter table {SCHEMA}.mart_sector_performance add column sector_day_id varchar"
        )
        con.execute(
            f"update {SCHEMA}.mart_sector_performance"
            " set sector_day_id = sector || '|' || price_date"
        )


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    make_gold(path)
    return path


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return int(width), int(height)


def test_as_of_defaults_to_the_newest_day_in_gold(warehouse: Path) -> None:
    assert newest_day(gold.duckdb_query(warehouse), SCHEMA) == AS_OF
    data = load_gold(gold.duckdb_query(warehouse), SCHEMA)
    assert data.as_of == AS_OF
    assert sorted(data.prices) == ["AAPL", "XOM"]
    assert data.prices["AAPL"][-1].close == 159.0
    assert data.prices["AAPL"][0].volatility_20d is None
    assert data.companies["XOM"] == ("Exxon Mobil", "Energy")
    earlier = load_gold(gold.duckdb_query(warehouse), SCHEMA, as_of=AS_OF - timedelta(days=10))
    assert max(p.day for p in earlier.prices["AAPL"]) == AS_OF - timedelta(days=10)


def test_cumulative_sector_return_compounds() -> None:
    days = [date(2026, 1, d) for d in (5, 6, 7)]
    series = cumulative(list(zip(days, [0.1, 0.1, -0.5], strict=True)))
    assert [round(v, 4) for _, v in series] == [0.1, 0.21, -0.395]


def test_report_writes_html_with_charts_and_checks(warehouse: Path, tmp_path: Path) -> None:
    config = Config.model_validate({"environment": "local", "s3_bucket_prefix": "local"})
    section = ChecksSection(
        [
            CheckOutcome("fct_daily_prices: unique on keys", True, "0 duplicates"),
            CheckOutcome("fct_daily_prices: latest trading day", False, "2026-11-26 < 2026-11-27"),
        ],
        "from the last run (flow run abc)",
    )
    out = tmp_path / "report"
    (out).mkdir()
    (out / "prices_gone.png").write_bytes(b"stale")
    page = write_report(config, gold.duckdb_query(warehouse), out, section)
    text = page.read_text()
    assert page == out / "index.html"
    assert "[LOCAL] Finks gold report: local_analytics, as of 2026-11-27" in text
    assert '<p id="checks-summary">1/2 passed &mdash; from the last run (flow run abc)</p>' in text
    assert '<tr class="failed"><td>FAIL</td><td>fct_daily_prices: latest trading day' in text
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert pngs == ["prices_aapl.png", "prices_xom.png", "sectors.png"]  # stale chart removed
    for name in pngs:
        assert f'src="{name}"' in text
        width, height = _png_size(out / name)
        assert width >= 600 and height >= 350


def test_the_command_writes_the_local_report(
    warehouse: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from finks_pipelines.report import main

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert main(["--env", "local", "--state-dir", str(warehouse.parent)]) == 0
    out = capsys.readouterr().out.splitlines()
    page = warehouse.parent / "report" / "index.html"
    assert out[0] == "[LOCAL] gold report" and out[-1] == f"[LOCAL] gold report: {page}"
    assert "recomputed from gold as of 2026-11-27 (no run record was readable)" in page.read_text()


def test_the_command_without_a_warehouse_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from finks_pipelines.report import main

    assert main(["--env", "local", "--state-dir", str(tmp_path)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "no local warehouse at" in line and "pipelines:deploy -- --env local" in line
