"""`dbt build` on DuckDB over bronze objects read through a real moto server's S3 API."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from finks_config import ConfigError, load_config
from finks_config.progress import progress
from finks_dbt import dbt_env, gold_summary, project_dir, run_build
from finks_dbt.tests import bronze_fixtures
from finks_dbt.tests.conftest import LocalBronze
from finks_testing.moto import MotoEndpoint


def test_build_runs_every_model_and_test(local_bronze: LocalBronze) -> None:
    config = local_bronze.config()
    lines: list[str] = []

    with progress("dbt build", unit="nodes", emit=lines.append, mode="plain") as bar:
        result = run_build(config, progress=bar)

    assert result.ok, result.failures
    assert (result.models, result.tests, result.unit_tests) == (7, 39, 4)
    assert result.target == "local"
    assert any(line.startswith("dbt found 7 models") for line in lines), lines
    assert any("dbt build: done, 50/50 nodes" in line for line in lines), lines
    models = {n.name: n for n in result.nodes if n.resource_type == "model"}
    assert models["stg_prices"].status == "success" and models["stg_prices"].rows_read
    assert result.rows_read == sum(n.rows_read or 0 for n in models.values()) > 0

    warehouse = Path(local_bronze.overrides["DBT_DUCKDB_PATH"])
    schema = config.analytics_database
    with duckdb.connect(str(warehouse), read_only=True) as con:

        def rows(sql: str) -> list[tuple[object, ...]]:
            return con.execute(sql.replace("{s}", schema)).fetchall()

        days = bronze_fixtures.trading_days()
        # Silver: the bad rows are gone, the re-fetch won.
        assert rows("select count(*) from {s}.stg_prices") == [(3 * len(days),)]
        symbol, index, corrected = bronze_fixtures.CORRECTED
        assert rows(
            f"select close_price from {{s}}.stg_prices where symbol = '{symbol}' "
            f"and price_date = '{days[index]}'"
        ) == [(corrected,)]
        assert rows("select count(*) from {s}.stg_prices where close_price <= 0") == [(0,)]

        # Gold: returns and the 20-day moving average, checked against Python.
        closes = [bronze_fixtures.close_for("MSFT", i) for i in range(len(days))]
        got = rows(
            "select close_price, daily_return, moving_avg_20d, volatility_20d "
            "from {s}.fct_daily_prices where symbol = 'MSFT' order by price_date"
        )
        assert [g[0] for g in got] == closes
        assert got[0][1] is None
        assert got[5][1] == pytest.approx(closes[5] / closes[4] - 1)
        assert all(g[2] is None for g in got[:19])
        assert got[25][2] == pytest.approx(sum(closes[6:26]) / 20)
        returns = [closes[i] / closes[i - 1] - 1 for i in range(1, len(closes))]
        window = returns[6:26]
        mean = sum(window) / 20
        stdev = math.sqrt(sum((r - mean) ** 2 for r in window) / 19)
        assert got[19][3] is None and got[20][3] is not None
        assert got[26][3] == pytest.approx(stdev)

        # Fundamentals: 10% revenue growth a year, 40% gross and 20% net margin.
        growth = rows(
            "select fiscal_year, revenue_growth, gross_margin, net_margin from "
            "{s}.fct_fundamentals where symbol = 'XOM' and period = 'FY' order by fiscal_year"
        )
        assert growth[0][1] is None
        assert [g[1] for g in growth[1:]] == pytest.approx([0.1] * 4)
        assert all(g[2] == pytest.approx(0.4) and g[3] == pytest.approx(0.2) for g in growth)

        assert rows("select symbol, sector from {s}.dim_company order by symbol") == [
            ("AAPL", "Technology"),
            ("MSFT", "Technology"),
            ("XOM", "Energy"),
        ]

    summary = gold_summary(warehouse)
    assert summary["tables"]["dim_company"] == 3
    assert summary["tables"]["fct_daily_prices"] == 3 * len(days)
    assert summary["price_dates"] == [str(days[0]), str(days[-1])]
    assert {s["sector"] for s in summary["last_day_sectors"]} == {"Energy", "Technology"}


def test_negative_market_cap_is_nulled_not_fatal(local_bronze: LocalBronze) -> None:
    s3 = local_bronze.moto.raw_client("s3")
    odd = bronze_fixtures.bronze_object(
        "profiles",
        "ZZZ",
        {"symbol": "ZZZ"},
        [{"symbol": "zzz ", "companyName": "Zed", "marketCap": -5, "isEtf": "maybe"}],
        bronze_fixtures.FIRST_FETCH,
    )
    s3.put_object(Bucket=local_bronze.config().bronze_bucket, Key=odd.key, Body=odd.body)

    result = run_build(local_bronze.config(), select="stg_company_profiles")

    assert result.ok, result.failures
    assert (result.models, result.tests) == (1, 4)
    with duckdb.connect(local_bronze.overrides["DBT_DUCKDB_PATH"], read_only=True) as con:
        assert con.execute(
            f"select market_cap, is_etf from {local_bronze.config().analytics_database}"
            ".stg_company_profiles where symbol = 'ZZZ'"
        ).fetchall() == [(None, False)]


def test_missing_bronze_fails_the_build_naming_the_model(
    moto: MotoEndpoint, scratch_overrides: Callable[[str], dict[str, str]]
) -> None:
    config = load_config("dbt/config", "local", scratch_overrides(moto.url))
    bronze_fixtures.upload(moto.raw_client("s3"), config.bronze_bucket, objects=[])

    result = run_build(config, select="stg_prices+")

    assert not result.ok
    assert result.models == 0
    assert result.skipped > 0  # everything downstream of the failed model
    assert "FAILED" in result.summary()
    assert any(f.startswith("model stg_prices: error") for f in result.failures), result.failures


def test_local_build_needs_the_emulator_endpoint(tmp_path: Path) -> None:
    config = load_config("dbt/config", "local", {"DBT_WORK_DIR": str(tmp_path)})
    with pytest.raises(ConfigError, match="AWS_ENDPOINT_URL"):
        run_build(config)


def test_target_and_environment_must_agree(
    local_bronze: LocalBronze, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Someone running dbt by hand with one env's variables and another target is refused."""
    from dbt.cli.main import dbtRunner

    for key, value in dbt_env(local_bronze.config()).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("FINKS_ENV", "dev")
    result = dbtRunner().invoke(
        [
            "build",
            "--quiet",
            "--project-dir",
            str(project_dir()),
            "--profiles-dir",
            str(project_dir()),
            "--target-path",
            str(tmp_path / "t"),
            "--log-path",
            str(tmp_path / "l"),
        ]
    )
    assert not result.success
    assert "does not match FINKS_ENV='dev'" in str(result.exception)
