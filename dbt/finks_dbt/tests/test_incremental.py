"""Incremental silver and gold equal a full refresh, after simulated days of real ingestion.

Real parts only: the local FMP server (its clock moved day by day, with late corrections:
some bars are served preliminary on their own day and corrected the next), ingestion
landing bronze in a moto server, and dbt building incrementally on DuckDB each day.
Then ``--full-refresh`` rebuilds every model from bronze and must give the same gold.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import duckdb
import pytest

from finks_config import Config, load_config
from finks_dbt import run_build
from finks_ingestion import run_ingestion
from finks_local.fmp import LocalFmpServer, trading_days
from finks_testing.moto import MotoEndpoint

KEY = "fmp-test-key-incremental"
GOLD = {
    "dim_company": ("symbol",),
    "fct_daily_prices": ("symbol", "price_date"),
    "fct_fundamentals": ("symbol", "fiscal_year", "period"),
    "mart_sector_performance": ("sector", "price_date"),
}
SILVER = {
    "stg_prices": ("symbol", "price_date"),
    "stg_company_profiles": ("symbol",),
    "stg_income_statements": ("symbol", "fiscal_year", "period"),
}
# Thanksgiving week: a holiday, a weekend and a month end inside the simulated days.
DAYS = [date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 27), date(2026, 11, 30)]
FIRST = ["AAPL", "MSFT", "XOM", "JPM"]
LATE = "GS"  # first seen on the third day: it backfills its history then
BACKFILL_DAYS = 730


def snapshot(path: str, schema: str, tables: dict[str, tuple[str, ...]]) -> dict[str, list[Any]]:
    with duckdb.connect(path, read_only=True) as con:
        return {
            name: con.execute(
                f"select * from {schema}.{name} order by {', '.join(keys)}"
            ).fetchall()
            for name, keys in tables.items()
        }


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)
    return a == b


def assert_same_tables(got: dict[str, list[Any]], want: dict[str, list[Any]]) -> None:
    for name, rows in want.items():
        assert len(got[name]) == len(rows), name
        for left, right in zip(got[name], rows, strict=True):
            assert all(same(x, y) for x, y in zip(left, right, strict=True)), (name, left, right)


@pytest.fixture
def configs(
    moto: MotoEndpoint,
    scratch_overrides: Callable[[str], dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[str], tuple[Config, Config]]:
    monkeypatch.setenv("FINKS_SECRET_FMP_API_KEY", KEY)

    def make(fmp_url: str) -> tuple[Config, Config]:
        ingest = load_config(
            "ingestion/config",
            "local",
            {
                "AWS_ENDPOINT_URL": moto.url,
                "FMP_BASE_URL": fmp_url,
                "FMP_CALLS_PER_MINUTE": "0",
                "INGEST_BACKFILL_DAYS": str(BACKFILL_DAYS),
                "INGEST_OVERLAP_DAYS": "3",
            },
        )
        return ingest, load_config("dbt/config", "local", scratch_overrides(moto.url))

    return make


def test_incremental_gold_equals_a_full_refresh(
    configs: Callable[[str], tuple[Config, Config]],
) -> None:
    models_only = "resource_type:test resource_type:unit_test"
    reads: list[int] = []
    with LocalFmpServer(api_key=KEY, as_of=DAYS[0], revision_rate=0.5) as fmp:
        ingest, dbt = configs(fmp.url)
        for i, day in enumerate(DAYS):
            fmp.as_of = day
            symbols = FIRST + ([LATE] if i >= 2 else [])
            assert run_ingestion(ingest, symbols, as_of=day).ok
            built = run_build(dbt, exclude=models_only)
            assert built.ok, built.failures
            assert built.rows_read is not None
            reads.append(built.rows_read)
    # The last daily build listed and read only its new bronze partition, not all history.
    assert built.target_path is not None
    compiled = (built.target_path / "compiled/finks/models/staging/stg_prices.sql").read_text()
    assert f"ingest_date={DAYS[-1].isoformat()}/*/*.json" in compiled
    assert "ingest_date=*" not in compiled
    warehouse, schema = str(dbt.raw("DBT_DUCKDB_PATH")), dbt.analytics_database
    incremental = snapshot(warehouse, schema, {**SILVER, **GOLD})

    # The simulated days really exercised the interesting paths.
    with duckdb.connect(warehouse, read_only=True) as con:
        corrected = con.execute(
            f"select count(*) from {schema}.stg_prices where price_date = ? and ingest_date > ?",
            [DAYS[-2], DAYS[-2]],
        ).fetchone()
        late_first = con.execute(
            f"select first_price_date from {schema}.dim_company where symbol = ?", [LATE]
        ).fetchone()
    assert corrected is not None and corrected[0] == len(FIRST) + 1  # re-fetched in the overlap
    backfill = DAYS[2] - timedelta(days=BACKFILL_DAYS)
    assert late_first is not None and late_first[0] == trading_days(backfill, DAYS[2])[0]
    # A daily run reads a small fraction of what the backfill read (the third day backfills
    # the late symbol's history, so it reads about as much as the first).
    assert max(reads[1], reads[3]) < reads[0] / 10, reads

    refreshed = run_build(dbt, full_refresh=True, exclude=models_only)
    assert refreshed.ok, refreshed.failures
    assert refreshed.rows_read is not None and refreshed.rows_read > 10 * max(reads[1], reads[3])
    assert_same_tables(snapshot(warehouse, schema, {**SILVER, **GOLD}), incremental)


def test_the_late_correction_wins_in_silver_and_gold(
    configs: Callable[[str], tuple[Config, Config]],
) -> None:
    """A bar served preliminary on its day and corrected the next: gold ends up corrected."""
    day1, day2 = DAYS[0], DAYS[1]
    with LocalFmpServer(api_key=KEY, as_of=day1, revision_rate=1.0) as fmp:
        ingest, dbt = configs(fmp.url)
        assert run_ingestion(ingest, ["NVDA"], as_of=day1).ok
        assert run_build(dbt, select="stg_prices fct_daily_prices", exclude="resource_type:test").ok
        schema, warehouse = dbt.analytics_database, str(dbt.raw("DBT_DUCKDB_PATH"))
        sql = (
            f"select close_price, daily_return from {schema}.fct_daily_prices where price_date = ?"
        )
        with duckdb.connect(warehouse, read_only=True) as con:
            preliminary = con.execute(sql, [day1]).fetchone()
        fmp.as_of = day2
        assert run_ingestion(ingest, ["NVDA"], as_of=day2).ok
        assert run_build(dbt, select="stg_prices fct_daily_prices", exclude="resource_type:test").ok
    with duckdb.connect(warehouse, read_only=True) as con:
        final = con.execute(sql, [day1]).fetchone()
        next_day = con.execute(
            sql.replace("close_price, daily_return", "previous_close"), [day2]
        ).fetchone()
    assert preliminary is not None and final is not None and next_day is not None
    assert preliminary[0] != final[0] and preliminary[1] != final[1]
    assert next_day[0] == final[0]  # the next day's return uses the corrected close
