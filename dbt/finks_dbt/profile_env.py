"""The environment variables profiles.yml and dbt_project.yml read, derived from finks_config.

dbt reads configuration through ``env_var()``; this module is the one place that
turns a ``finks_config.Config`` into those variables, so no bucket, database or
endpoint is ever spelled twice. ``render_profile`` renders profiles.yml with
dbt's own renderer (no connection, no credentials), which is how the dry run
and the tests check the Athena outputs offline.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pydantic import BaseModel, Field

from finks_config import Config, ConfigError, Environment, load_config
from finks_config.aws import aws_session
from finks_dbt.project import CONFIG_SUBDIR, PROJECT_NAME, duckdb_path, project_dir, work_dir
from finks_ingestion.bronze_schema import schema_json

# Connection keys of the rendered profile that are safe to print (never credentials).
_PRINTABLE_KEYS = (
    "type",
    "database",
    "schema",
    "region_name",
    "s3_staging_dir",
    "s3_data_dir",
    "s3_data_naming",
    "work_group",
    "path",
    "threads",
)


class DbtSettings(BaseModel):
    """dbt's own keys (dbt/config/.env.{env}); every field has a default."""

    dbt_threads: int = Field(
        default=4, ge=1, le=64, alias="DBT_THREADS", description="dbt threads (parallel nodes)"
    )
    dbt_work_dir: str | None = Field(
        default=None,
        alias="DBT_WORK_DIR",
        description="where dbt writes target/, logs/ and state (default .finks/{env}/dbt)",
    )
    dbt_duckdb_path: str | None = Field(
        default=None,
        alias="DBT_DUCKDB_PATH",
        description="local only: the DuckDB warehouse file (default .finks/local/warehouse.duckdb)",
    )


def dbt_config(config: Config, extra: Mapping[str, str] | None = None) -> Config:
    """``config`` with dbt's project keys layered in (and ``extra`` overrides on top).

    A caller such as the pipelines flow loads its own project's config; dbt still
    needs dbt/config/.env.{env}. Reload with the same environment and overrides
    (so a moto endpoint given as an override survives) unless it already is dbt's.
    """
    resolved = config.resolved
    if resolved is None:
        return config
    own_dir = (resolved.root / CONFIG_SUBDIR).resolve()
    mine = resolved.project_dir is not None and resolved.project_dir.resolve() == own_dir
    if mine and not extra:
        return config
    overrides = {**dict(resolved.overrides), **dict(extra or {})}
    return load_config(CONFIG_SUBDIR, config.environment, overrides, root=resolved.root)


def settings(config: Config) -> DbtSettings:
    return config.section(DbtSettings)


def httpfs_extension_path() -> Path:
    """The httpfs extension shipped by the duckdb-extension-httpfs wheel (no download needed)."""
    import duckdb
    import duckdb_extension_httpfs

    package_dir = Path(duckdb_extension_httpfs.__file__).parent
    path = package_dir / "extensions" / f"v{duckdb.__version__}" / "httpfs.duckdb_extension"
    if not path.is_file():
        found = sorted(p.name for p in (package_dir / "extensions").glob("v*"))
        raise ConfigError(
            f"duckdb {duckdb.__version__} needs httpfs at {path}; "
            f"the wheel ships {found or 'none'}",
            fix="pin duckdb and duckdb-extension-httpfs to the same version "
            "(3rdparty/python/requirements.txt)",
        )
    return path


def s3_endpoint(config: Config) -> tuple[str, bool]:
    """``(host:port, use_ssl)`` for DuckDB's S3 client; AWS itself when no endpoint is set."""
    if not config.aws_endpoint_url:
        return f"s3.{config.aws_region}.amazonaws.com", True
    parsed = urlparse(config.aws_endpoint_url)
    return parsed.netloc, parsed.scheme == "https"


def dbt_env(config: Config) -> dict[str, str]:
    """Every variable profiles.yml / dbt_project.yml / the macros read, for ``config``'s env.

    Cloud envs get names only (Athena authenticates through the normal AWS chain).
    ``local`` also gets the DuckDB file, the httpfs extension and the S3 emulator's
    endpoint and (dummy) credentials, passed as ``DBT_ENV_SECRET_*`` so dbt scrubs
    them from its logs.
    """
    config = dbt_config(config)
    env = config.environment
    values = {
        "DBT_TARGET": env.value,
        "FINKS_ENV": env.value,
        "FINKS_AWS_REGION": config.aws_region,
        "FINKS_ANALYTICS_DATABASE": config.analytics_database,
        "FINKS_BRONZE_DATABASE": config.bronze_database,
        "FINKS_BRONZE_BUCKET": config.bronze_bucket,
        "FINKS_SILVER_BUCKET": config.silver_bucket,
        "FINKS_GOLD_BUCKET": config.gold_bucket,
        "FINKS_ATHENA_RESULTS": config.athena_results_location,
        "FINKS_ATHENA_WORK_GROUP": config.athena_work_group,
        "FINKS_BRONZE_SCHEMA": schema_json(),
        "DBT_THREADS": str(settings(config).dbt_threads),
    }
    if env is Environment.LOCAL:
        endpoint, use_ssl = s3_endpoint(config)
        key_id, secret = _local_credentials(config)
        values.update(
            {
                "FINKS_DUCKDB_PATH": str(duckdb_path(config)),
                "FINKS_DUCKDB_EXTENSION_DIR": str(work_dir(config) / "duckdb_extensions"),
                "FINKS_DUCKDB_HTTPFS": str(httpfs_extension_path()),
                "FINKS_S3_ENDPOINT": endpoint,
                "FINKS_S3_URL_STYLE": "path" if config.aws_endpoint_url else "vhost",
                "FINKS_S3_USE_SSL": "true" if use_ssl else "false",
                "DBT_ENV_SECRET_AWS_ACCESS_KEY_ID": key_id,
                "DBT_ENV_SECRET_AWS_SECRET_ACCESS_KEY": secret,
            }
        )
    return values


def _local_credentials(config: Config) -> tuple[str, str]:
    """The local stack's credentials from finks_config (dummy ones the emulator accepts)."""
    if not config.aws_endpoint_url:
        # Nothing to talk to yet (a dry run); a real build checks the endpoint first.
        return "unset", "unset"
    credentials = aws_session(config).get_credentials()
    if credentials is None:
        raise ConfigError("no credentials for the local S3 emulator", key="AWS_ENDPOINT_URL")
    frozen = credentials.get_frozen_credentials()
    return str(frozen.access_key), str(frozen.secret_key)


def render_profile(env_vars: Mapping[str, str]) -> dict[str, Any]:
    """profiles.yml rendered by dbt for ``env_vars`` (no connection): printable keys only."""
    import os
    from argparse import Namespace

    from dbt_common.context import set_invocation_context  # pants: no-infer-dep (dbt-core)

    from dbt.config.profile import Profile, read_profile
    from dbt.config.renderer import ProfileRenderer
    from dbt.flags import set_from_args

    set_from_args(Namespace(), None)
    set_invocation_context({**os.environ, **env_vars})
    raw = read_profile(str(project_dir()))
    profile = Profile.from_raw_profiles(raw, PROJECT_NAME, ProfileRenderer({}))
    credentials = profile.credentials.to_dict(omit_none=True)
    rendered: dict[str, Any] = {"target": profile.target_name, "threads": profile.threads}
    rendered.update({k: credentials[k] for k in _PRINTABLE_KEYS if k in credentials})
    rendered["type"] = profile.credentials.type
    return rendered
