"""The three Athena targets parse and compile offline, with no AWS credentials.

dbt-athena needs AWS only to run SQL and to ask whether an incremental model's table
exists; with the vars ``finks_offline`` (and ``finks_since`` for the incremental shape)
the models render both shapes without a connection. Running them needs Athena itself
(CI's dev deploy); test_athena_sql.py checks the SQL and runs it transpiled on DuckDB.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from finks_config import load_config
from finks_dbt import build_plan, gold_location, invoke_dbt, work_dir
from finks_dbt.locations import PARTITIONED_BY

OFFLINE = ["compile", "--no-populate-cache", "--exclude", "resource_type:unit_test", "--quiet"]


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_athena_target_compiles_without_credentials(
    env: str, tmp_path: Path, no_aws_credentials: None
) -> None:
    config = load_config("dbt/config", env, {"DBT_WORK_DIR": str(tmp_path)})
    result, _ = invoke_dbt(config, [*OFFLINE, "--vars", '{"finks_offline": true}'])
    assert result.success, result.exception

    target = work_dir(config) / "target"
    compiled = target / "compiled" / "finks" / "models"
    stg_prices = (compiled / "staging" / "stg_prices.sql").read_text()
    assert f'"awsdatacatalog"."{env}_bronze"."fmp_prices"' in stg_prices
    assert "cross join unnest(bronze_object.records)" in stg_prices
    assert "from_iso8601_timestamp(fetched_at)" in stg_prices
    assert "ingest_date >" not in stg_prices  # a first build reads every partition
    assert "read_json" not in stg_prices

    manifest = json.loads((target / "manifest.json").read_text())
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert set(models) == {
        "stg_prices",
        "stg_company_profiles",
        "stg_income_statements",
        "dim_company",
        "fct_daily_prices",
        "fct_fundamentals",
        "mart_sector_performance",
    }
    for name, node in models.items():
        zone = "silver" if name.startswith("stg_") else "gold"
        assert node["schema"] == f"{env}_analytics"
        assert node["config"]["table_type"] == "iceberg"
        assert node["config"]["s3_data_dir"] == f"s3://{config.s3_bucket_prefix}-{zone}-zone/"
        if name != "fct_fundamentals":
            assert node["config"]["materialized"] == "incremental"
            assert node["config"]["incremental_strategy"] == "merge"
    assert models["stg_prices"]["config"]["unique_key"] == ["symbol", "price_date"]
    for name, node in models.items():  # what gold_location tells readers of S3
        want = [PARTITIONED_BY[name]] if name in PARTITIONED_BY else None
        assert node["config"].get("partitioned_by") == want, name
    where = gold_location(config, "fct_daily_prices")
    assert (where.bucket, where.prefix) == (
        config.gold_bucket,
        f"{env}_analytics/fct_daily_prices/",
    )
    # The bronze tables are ingestion's (its deploy applies them): no DDL hook here.
    hooks = [n for n in manifest["nodes"].values() if n["resource_type"] == "operation"]
    assert all("create external table" not in (n["compiled_code"] or "") for n in hooks)


def test_dry_run_plan_for_athena_is_offline(tmp_path: Path, no_aws_credentials: None) -> None:
    config = load_config("dbt/config", "staging", {"DBT_WORK_DIR": str(tmp_path)})
    plan = build_plan(config)
    text = "\n".join(plan.lines())
    assert "target: staging (athena" in text
    assert "database: awsdatacatalog.staging_analytics" in text
    assert "s3://staging-athena-results/" in text
    assert "s3://staging-gold-zone/staging_analytics/fct_daily_prices/" in text
    assert [m.name for m in plan.models][:3] == [
        "stg_company_profiles",
        "stg_income_statements",
        "stg_prices",
    ]
    assert "athena work group: finks-staging" in text
    # Unit tests have static inputs: they run on DuckDB (CI), not as Athena queries.
    assert "would run: dbt build --exclude-resource-type unit_test --target staging" in text
    assert plan.stats == {"models": 7, "data tests": 39}
