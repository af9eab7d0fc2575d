"""Gold data checks on real DuckDB warehouses: right on day 1 and day 300; each rule bites."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pytest

from finks_config.calendar import trading_days
from finks_pipelines.gold import duckdb_query
from finks_pipelines.quality import GoldReport, inspect_gold

SCHEMA = "local_analytics"
LATEST = "fct_daily_prices: latest price_date = 2026-11-27 (last trading day <= as-of 2026-11-27)"
SECTOR = {"AAPL": "Technology", "MSFT": "Technology", "JPM": "Financial Services"}
Mutate = Callable[[duckdb.DuckDBPyConnection], None]


def warehouse(
    path: Path,
    *,
    start: date,
    end: date,
    symbols: tuple[str, ...] = ("AAPL", "MSFT"),
    mutate: Mutate | None = None,
) -> Path:
    """A gold schema as dbt builds it: every trading day from start to end, returns from closes."""
    with duckdb.connect(str(path)) as con:
        con.execute(f"create schema {SCHEMA}")
        con.execute(f"create table {SCHEMA}.dim_company (symbol varchar, sector varchar)")
        con.executemany(
            f"insert into {SCHEMA}.dim_company values (?, ?)", [(s, SECTOR[s]) for s in symbols]
        )
        rows: list[tuple[str, str, date, float, float | None, float | None]] = []
        for n, symbol in enumerate(symbols):
            previous: float | None = None
            for i, day in enumerate(trading_days(start, end)):
                close = 100.0 + n * 10 + i * 0.5 + (i % 7) * 0.25
                ret: float | None = None if previous is None else close / previous - 1
                rows.append((f"{symbol}|{day}", symbol, day, close, previous, ret))
                previous = close
        con.execute(
            f"create table {SCHEMA}.fct_daily_prices (price_id varchar, symbol varchar,"
            " price_date date, close_price double, previous_close double, daily_return double)"
        )
        con.executemany(f"insert into {SCHEMA}.fct_daily_prices values (?, ?, ?, ?, ?, ?)", rows)
        con.execute(
            f"create table {SCHEMA}.fct_fundamentals as select symbol || '|2025|FY'"
            " as fundamentals_id, symbol, 2025 as fiscal_year, 'FY' as period,"
            f" date '2025-12-31' as statement_date from {SCHEMA}.dim_company"
        )
        con.execute(
            f"create table {SCHEMA}.mart_sector_performance as select sector || '|' ||"
            " cast(price_date as varchar) as sector_day_id, sector, price_date,"
            f" count(*) as companies from {SCHEMA}.fct_daily_prices p join {SCHEMA}.dim_company"
            " c using (symbol) group by sector, price_date"
        )
        if mutate:
            mutate(con)
    return path


def check(path: Path, as_of: date, symbols: tuple[str, ...] = ("AAPL", "MSFT")) -> GoldReport:
    return inspect_gold(duckdb_query(path), SCHEMA, as_of=as_of, symbols=symbols, run="r-1 (id)")


def failed(report: GoldReport) -> dict[str, str]:
    return {f"{c.mart}: {c.name}": c.line() for c in report.failures}


@pytest.mark.parametrize(
    ("start", "as_of"),
    [
        (date(2026, 11, 25), date(2026, 11, 27)),  # day 1: a new deployment, 2 trading days
        (date(2025, 9, 2), date(2026, 11, 27)),  # day 300 and more: all history kept
        (date(2025, 9, 2), date(2026, 11, 29)),  # a Sunday as-of: Friday is the latest day
        (date(2026, 3, 30), date(2026, 4, 3)),  # Good Friday as-of: Thursday is the latest day
    ],
)
def test_correct_gold_passes_on_any_day(tmp_path: Path, start: date, as_of: date) -> None:
    end = trading_days(start, as_of)[-1]
    report = check(warehouse(tmp_path / "w.duckdb", start=start, end=end), as_of)
    assert report.ok, failed(report)
    assert {c.mart for c in report.checks} == {
        "dim_company",
        "fct_daily_prices",
        "fct_fundamentals",
        "mart_sector_performance",
    }
    assert len(report.checks) == 20


def test_duplicate_keys_fail_with_the_duplicated_rows(tmp_path: Path) -> None:
    def dupe(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            f"insert into {SCHEMA}.fct_daily_prices select * from {SCHEMA}.fct_daily_prices"
            " where symbol = 'MSFT' and price_date = date '2026-11-20'"
        )

    path = warehouse(
        tmp_path / "w.duckdb", start=date(2026, 10, 1), end=date(2026, 11, 27), mutate=dupe
    )
    lines = failed(check(path, date(2026, 11, 27)))
    line = lines["fct_daily_prices: unique on (symbol, price_date)"]
    assert "(MSFT, 2026-11-20, 2)" in line


def test_a_missing_trading_day_and_a_price_on_a_holiday_fail(tmp_path: Path) -> None:
    def holes(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            f"delete from {SCHEMA}.fct_daily_prices where symbol = 'AAPL'"
            " and price_date = date '2026-11-18'"
        )
        con.execute(
            f"insert into {SCHEMA}.fct_daily_prices select 'MSFT|2026-11-26', 'MSFT',"
            " date '2026-11-26', 1.0, null, null"  # Thanksgiving: the market was closed
        )

    path = warehouse(
        tmp_path / "w.duckdb", start=date(2026, 10, 1), end=date(2026, 11, 27), mutate=holes
    )
    line = failed(check(path, date(2026, 11, 27)))["fct_daily_prices: every trading day present"]
    assert "AAPL: 1 missing of" in line and "2026-11-18" in line
    assert "MSFT: 0 missing" in line and "on closed days (2026-11-26)" in line
    assert "in run" not in line  # the run is named once, in the report's message


def test_stale_latest_date_fails_naming_the_symbol(tmp_path: Path) -> None:
    def stale(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            f"delete from {SCHEMA}.fct_daily_prices"
            " where symbol = 'MSFT' and price_date > date '2026-11-24'"
        )

    path = warehouse(
        tmp_path / "w.duckdb", start=date(2026, 10, 1), end=date(2026, 11, 27), mutate=stale
    )
    report = check(path, date(2026, 11, 27))
    line = failed(report)[LATEST]
    assert "MSFT: 2026-11-24" in line and "AAPL" not in line.split("e.g.")[1]
    # A symbol this run did not ingest may lag (it is not in the run): only its gaps count.
    assert check(path, date(2026, 11, 27), symbols=("AAPL",)).ok


def test_data_after_as_of_fails(tmp_path: Path) -> None:
    path = warehouse(tmp_path / "w.duckdb", start=date(2026, 10, 1), end=date(2026, 11, 30))
    lines = failed(check(path, date(2026, 11, 27)))
    assert "(AAPL, 2026-11-30)" in lines["fct_daily_prices: no price_date after 2026-11-27"]


@pytest.mark.parametrize(
    "wrong",
    [
        # An incremental tail joined to the wrong previous row (its return is right).
        "previous_close = previous_close + 1",
        # A return computed from the wrong close (previous_close is right).
        "daily_return = daily_return + 0.01",
    ],
)
def test_returns_that_disagree_with_prices_fail_with_the_rows(tmp_path: Path, wrong: str) -> None:
    def mutate(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            f"update {SCHEMA}.fct_daily_prices set {wrong}"
            " where symbol = 'AAPL' and price_date = date '2026-11-25'"
        )

    path = warehouse(
        tmp_path / "w.duckdb", start=date(2026, 10, 1), end=date(2026, 11, 27), mutate=mutate
    )
    report = check(path, date(2026, 11, 27))
    line = failed(report)["fct_daily_prices: returns agree with prices"]
    assert "1 row(s) disagree" in line and "(AAPL, 2026-11-25," in line
    message = report.failure_message()
    assert message.startswith("gold data checks failed in run r-1 (id): fct_daily_prices:")


def test_a_missing_mart_or_symbol_is_a_failed_check(tmp_path: Path) -> None:
    def drop(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(f"drop table {SCHEMA}.fct_fundamentals")

    path = warehouse(
        tmp_path / "w.duckdb", start=date(2026, 10, 1), end=date(2026, 11, 27), mutate=drop
    )
    lines = failed(check(path, date(2026, 11, 27), symbols=("AAPL", "MSFT", "JPM")))
    assert "fct_fundamentals: readable" in lines
    assert "JPM" in lines["dim_company: every run symbol present"]
    assert "JPM: no prices" in lines[LATEST]


def test_summary_names_marts_ranges_and_checks(tmp_path: Path) -> None:
    path = warehouse(tmp_path / "w.duckdb", start=date(2026, 11, 2), end=date(2026, 11, 27))
    text = "\n".join(check(path, date(2026, 11, 27)).summary_lines())
    assert "fct_daily_prices" in text and "2026-11-02..2026-11-27" in text
    assert (
        "symbols (2): AAPL, MSFT" in text and "data checks (as of 2026-11-27): 20/20 passed" in text
    )
