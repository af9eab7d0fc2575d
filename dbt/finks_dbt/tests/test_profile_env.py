"""dbt_env derives every dbt variable from finks_config, for each environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from finks_config import Config, Environment, load_config
from finks_dbt import dbt_config, dbt_env, project_dir, render_profile
from finks_dbt.profile_env import httpfs_extension_path

CLOUD = ["dev", "staging", "prod"]
ALL_ENVS = ["local", *CLOUD]


@pytest.mark.parametrize("env", CLOUD)
def test_cloud_env_names_come_from_config(env: str) -> None:
    config = load_config("dbt/config", env)
    values = dbt_env(config)
    assert values["DBT_TARGET"] == env
    assert values["FINKS_ENV"] == env
    assert values["FINKS_ANALYTICS_DATABASE"] == config.analytics_database == f"{env}_analytics"
    assert values["FINKS_BRONZE_DATABASE"] == config.bronze_database
    assert values["FINKS_BRONZE_BUCKET"] == config.bronze_bucket
    assert values["FINKS_SILVER_BUCKET"] == config.silver_bucket
    assert values["FINKS_GOLD_BUCKET"] == config.gold_bucket
    assert values["FINKS_ATHENA_RESULTS"] == f"s3://{env}-athena-results/"
    assert values["FINKS_ATHENA_WORK_GROUP"] == f"finks-{env}"
    assert values["FINKS_AWS_REGION"] == config.aws_region
    # Cloud targets authenticate through the normal AWS chain: no credentials are passed.
    assert not any(key.startswith("DBT_ENV_SECRET_") for key in values)


@pytest.mark.parametrize("env", ALL_ENVS)
def test_no_other_environment_is_named(env: str) -> None:
    values = dbt_env(load_config("dbt/config", env, {"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}))
    others = [e.value for e in Environment if e.value != env]
    for key, value in values.items():
        for other in others:
            assert not value.startswith((f"{other}_", f"{other}-", f"s3://{other}-")), (key, value)


def test_local_points_duckdb_at_the_emulator(tmp_path: Path) -> None:
    config = load_config(
        "dbt/config",
        "local",
        {
            "AWS_ENDPOINT_URL": "http://127.0.0.1:5123",
            "DBT_DUCKDB_PATH": str(tmp_path / "w.duckdb"),
            "DBT_WORK_DIR": str(tmp_path / "work"),
        },
    )
    values = dbt_env(config)
    assert values["DBT_TARGET"] == "local"
    assert values["FINKS_S3_ENDPOINT"] == "127.0.0.1:5123"
    assert values["FINKS_S3_URL_STYLE"] == "path"
    assert values["FINKS_S3_USE_SSL"] == "false"
    assert values["FINKS_DUCKDB_PATH"] == str(tmp_path / "w.duckdb")
    assert values["FINKS_DUCKDB_EXTENSION_DIR"].startswith(str(tmp_path / "work"))
    assert Path(values["FINKS_DUCKDB_HTTPFS"]) == httpfs_extension_path()
    assert httpfs_extension_path().is_file()
    # Emulator credentials travel as DBT_ENV_SECRET_* so dbt scrubs them from its logs.
    assert values["DBT_ENV_SECRET_AWS_ACCESS_KEY_ID"]
    assert values["DBT_ENV_SECRET_AWS_SECRET_ACCESS_KEY"]


def test_local_warehouse_defaults_to_dot_finks() -> None:
    values = dbt_env(load_config("dbt/config", "local", {"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}))
    assert values["FINKS_DUCKDB_PATH"].endswith(".finks/local/warehouse.duckdb")


def test_project_keys_apply_when_a_caller_loads_its_own_config() -> None:
    """pipelines calls run_build with its own config; dbt/config still applies, overrides kept."""
    other = load_config(None, "prod", {"DBT_WORK_DIR": "/tmp/from-override"})
    merged = dbt_config(other)
    assert merged.resolved is not None
    assert merged.resolved.project_dir is not None
    assert merged.resolved.project_dir.resolve() == (project_dir() / "config").resolve()
    assert merged.raw("DBT_WORK_DIR") == "/tmp/from-override"
    assert dbt_env(other)["FINKS_ATHENA_WORK_GROUP"] == other.athena_work_group == "finks-prod"
    assert dbt_env(other)["DBT_THREADS"] == "8"  # dbt/config/.env.prod


def test_a_directly_built_config_is_used_as_is() -> None:
    config = Config.model_validate(
        {"environment": Environment.STAGING, "s3_bucket_prefix": "staging"}
    )
    assert dbt_env(config)["FINKS_BRONZE_BUCKET"] == "staging-bronze-zone"


@pytest.mark.parametrize("env", ALL_ENVS)
def test_profiles_render_for_every_target(env: str, no_aws_credentials: None) -> None:
    config = load_config("dbt/config", env, {"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    profile = render_profile(dbt_env(config))
    assert profile["target"] == env
    assert profile["schema"] == f"{env}_analytics"
    if env == "local":
        assert profile["type"] == "duckdb"
        assert profile["path"].endswith("warehouse.duckdb")
    else:
        assert profile["type"] == "athena"
        assert profile["database"] == "awsdatacatalog"
        assert profile["region_name"] == config.aws_region
        assert profile["s3_staging_dir"] == f"s3://{env}-athena-results/"
        assert profile["s3_data_dir"] == f"s3://{config.silver_bucket}/"
        assert profile["work_group"] == f"finks-{env}"
    assert not any("secret" in key or "key_id" in key for key in profile)
