from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from finks_pipelines.gold import MARTS, duckdb_query, format_summary, inspect_gold


def _warehouse(path: Path, *, null_key: bool = False, empty_company: bool = False) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema local_analytics")
        con.execute("create table local_analytics.dim_company (symbol varchar, sector varchar)")
        if not empty_company:
            con.execute(
                "insert into local_analytics.dim_company values ('AAPL','Tech'),('MSFT','Tech')"
            )
        con.execute(
            "create table local_analytics.fct_daily_prices as select * from (values"
            " ('AAPL|2026-01-02', 'AAPL', date '2026-01-02'),"
            " ('MSFT|2026-01-05', 'MSFT', date '2026-01-05')) t(price_id, symbol, price_date)"
        )
        if null_key:
            con.execute(
                "insert into local_analytics.fct_daily_prices"
                " values (null, 'AAPL', date '2026-01-06')"
            )
        con.execute(
            "create table local_analytics.fct_fundamentals as select"
            " 'AAPL|2025|FY' fundamentals_id, 'AAPL' symbol, date '2025-12-31' statement_date"
        )
        con.execute(
            "create table local_analytics.mart_sector_performance as select 'Tech|2026-01-02'"
            " sector_day_id, 'Tech' sector, date '2026-01-02' price_date"
        )


def test_clean_gold_passes_and_summarises(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _warehouse(path)
    report = inspect_gold(
        duckdb_query(path),
        "local_analytics",
        window=(date(2026, 1, 1), date(2026, 1, 31)),
        today=date(2026, 2, 1),
    )
    assert report.ok, report.failures
    assert [m.name for m in report.marts] == [m.name for m in MARTS]
    prices = report.marts[1]
    assert (prices.rows, prices.min_date, prices.max_date, prices.symbols) == (
        2,
        date(2026, 1, 2),
        date(2026, 1, 5),
        2,
    )
    assert report.symbols == ["AAPL", "MSFT"]
    text = "\n".join(format_summary(report, str(path)))
    assert "fct_daily_prices" in text and "2026-01-02..2026-01-05" in text and "AAPL, MSFT" in text


def test_null_keys_empty_marts_and_out_of_window_dates_fail(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _warehouse(path, null_key=True, empty_company=True)
    report = inspect_gold(
        duckdb_query(path),
        "local_analytics",
        window=(date(2026, 1, 3), date(2026, 1, 31)),
        today=date(2026, 2, 1),
    )
    failed = {c.name for c in report.failures}
    assert "dim_company: rows > 0" in failed
    assert "fct_daily_prices: price_id not null" in failed
    assert "fct_daily_prices: price_date range" in failed  # 2026-01-02 is before the window
    assert not report.ok


def test_missing_mart_is_a_failed_check(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema local_analytics")
    report = inspect_gold(duckdb_query(path), "local_analytics")
    assert not report.ok
    assert "fct_daily_prices: readable" in {c.name for c in report.failures}
