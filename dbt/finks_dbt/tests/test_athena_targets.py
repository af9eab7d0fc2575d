"""The three Athena targets parse and compile offline, with no AWS credentials.

dbt-athena needs AWS only to run SQL (and for unit tests, which introspect the
upstream relations), so ``compile --no-populate-cache`` over models, data tests
and hooks proves the Athena SQL renders for each environment. Running it needs
Athena itself; it runs in CI's dev deploy.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from finks_config import load_config
from finks_dbt import build_plan, invoke_dbt, work_dir


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_athena_target_compiles_without_credentials(
    env: str, tmp_path: Path, no_aws_credentials: None
) -> None:
    config = load_config("dbt/config", env, {"DBT_WORK_DIR": str(tmp_path)})
    result, _ = invoke_dbt(
        config,
        ["compile", "--no-populate-cache", "--exclude", "resource_type:unit_test", "--quiet"],
    )
    assert result.success, result.exception

    target = work_dir(config) / "target"
    compiled = target / "compiled" / "finks" / "models"
    stg_prices = (compiled / "staging" / "stg_prices.sql").read_text()
    assert f'"awsdatacatalog"."{env}_bronze"."fmp_prices"' in stg_prices
    assert "cross join unnest(bronze_object.records)" in stg_prices
    assert "from_iso8601_timestamp(fetched_at)" in stg_prices
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

    # The on-run-start hooks: the target/env guard and the bronze external tables.
    hooks = sorted(
        (n["compiled_code"] or "")
        for n in manifest["nodes"].values()
        if n["resource_type"] == "operation"
    )
    ddl = "\n".join(hooks)
    for dataset in ("prices", "profiles", "income"):
        assert f"create external table if not exists `{env}_bronze`.`fmp_{dataset}`" in ddl
        assert f"location 's3://{config.bronze_bucket}/fmp/{dataset}/'" in ddl


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
    assert plan.stats == {"models": 7, "data tests": 40}
