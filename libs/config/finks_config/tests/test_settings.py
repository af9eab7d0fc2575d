"""Config: derived names, typed project sections, immutability, no secrets in output."""

from __future__ import annotations

import io
import logging
import pickle
from pathlib import Path

import pytest
from pydantic import BaseModel, SecretStr, ValidationError

from finks_config import (
    Config,
    ConfigError,
    ConfigValidationError,
    Environment,
    configure_logging,
    load_config,
)
from finks_config.aws import get_secret

from .conftest import WriteFile, caught, caught_validation


def test_derived_names_follow_the_environment(scratch_root: Path) -> None:
    config = load_config(env="staging", root=scratch_root)
    assert config.aws_region == "ca-central-1"  # default when the file omits it
    assert config.bronze_bucket == "staging-bronze-zone"
    assert config.silver_bucket == "staging-silver-zone"
    assert config.gold_bucket == "staging-gold-zone"
    assert config.artifacts_bucket == "staging-artifacts"
    assert config.athena_results_location == "s3://staging-athena-results/"
    assert config.analytics_database == "staging_analytics"
    assert config.bronze_database == "staging_bronze"
    assert config.secret_path("fmp") == "/staging/fmp/api_key"
    assert config.secret_path("fmp", "token") == "/staging/fmp/token"
    assert config.flow_name("ingest-fmp") == "ingest-fmp-staging"
    assert config.indicator == "[STAGING]"
    assert config.notify_text("deploy done") == "[STAGING] deploy done"
    assert config.prefect_api_url is None and config.aws_endpoint_url is None


def test_secret_path_rejects_path_tricks() -> None:
    config = Config(environment=Environment.DEV, s3_bucket_prefix="dev")
    with pytest.raises(ConfigError):
        config.secret_path("../prod")


def test_config_is_immutable_and_picklable(scratch_root: Path) -> None:
    config = load_config(env="dev", root=scratch_root)
    with pytest.raises(ValidationError):
        config.s3_bucket_prefix = "prod"  # type: ignore[misc]
    clone = pickle.loads(pickle.dumps(config))  # noqa: S301 - our own object
    assert clone.bronze_bucket == config.bronze_bucket


def test_direct_construction_needs_no_files() -> None:
    config = Config(environment=Environment.PROD, s3_bucket_prefix="prod")
    assert config.raw("S3_BUCKET_PREFIX") == "prod"
    assert config.raw("DEBUG_MODE") == "false"
    assert config.source_of("S3_BUCKET_PREFIX") == "default"


class SecretSection(BaseModel):
    fmp_api_key: int  # a secret-named key with a bad value: the error must not echo it


def test_secret_never_in_repr_str_or_dumps(write: WriteFile, scratch_root: Path) -> None:
    """Every way a Config can be rendered: the model, its layers (overrides, env vars and a
    personal file), a failing section's error, and log lines after the secret is read."""
    secret = "s3cr3t-value-123"
    write("libs/config/.env.dev.local", f"FMP_API_KEY={secret}\n")
    config = load_config(
        env="dev", overrides={"FINKS_SECRET_FMP_API_KEY": secret}, root=scratch_root
    )
    value = get_secret(config, "fmp")
    assert isinstance(value, SecretStr)
    assert value.get_secret_value() == secret
    assert config.raw("FMP_API_KEY") == secret  # the layers do hold it...
    resolved = config.resolved
    assert resolved is not None
    with pytest.raises(ConfigError) as info:
        config.section(SecretSection)
    stream = io.StringIO()
    handler = configure_logging(config, stream=stream)
    try:
        logging.getLogger("finks.test").warning("request with key=%s", value.get_secret_value())
    finally:
        logging.getLogger().removeHandler(handler)
    texts = {
        "repr(config)": repr(config),
        "str(config)": str(config),
        "model_dump_json": config.model_dump_json(),
        "model_dump": str(config.model_dump()),
        "repr(resolved)": repr(resolved),
        "repr(files)": repr(resolved.files),
        "section error": str(caught(info)),
        "log line": stream.getvalue(),
        "repr(value)": repr(value),
        "str(value)": str(value),
    }
    leaked = [where for where, text in texts.items() if secret in text]
    assert leaked == []  # ...but no rendering shows it
    assert "FMP_API_KEY" in texts["section error"] and "********" in texts["section error"]
    assert "********" in texts["log line"]


class FmpSection(BaseModel):
    fmp_base_url: str
    fmp_timeout_seconds: float = 10.0
    fmp_symbols: str = "AAPL"


def test_section_validates_project_keys(
    write: WriteFile, scratch_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("proj/config/.env.dev", "FMP_BASE_URL=http://fmp/stable\nFMP_TIMEOUT_SECONDS=2.5\n")
    monkeypatch.setenv("FMP_SYMBOLS", "MSFT")
    config = load_config("proj/config", env="dev", root=scratch_root)
    section = config.section(FmpSection)
    assert section == FmpSection(
        fmp_base_url="http://fmp/stable", fmp_timeout_seconds=2.5, fmp_symbols="MSFT"
    )
    overridden = load_config(
        "proj/config", env="dev", overrides={"FMP_SYMBOLS": "IBM"}, root=scratch_root
    )
    assert overridden.section(FmpSection).fmp_symbols == "IBM"


def test_section_bad_value_names_file_line_and_key(write: WriteFile, scratch_root: Path) -> None:
    write("proj/config/.env.dev", "FMP_BASE_URL=http://fmp/stable\nFMP_TIMEOUT_SECONDS=soon\n")
    config = load_config("proj/config", env="dev", root=scratch_root)
    with pytest.raises(ConfigError) as info:
        config.section(FmpSection)
    assert caught(info).file == "proj/config/.env.dev:2"
    assert caught(info).key == "FMP_TIMEOUT_SECONDS"
    assert caught(info).__cause__ is None and caught(info).__suppress_context__


def test_section_missing_key_names_project_file(write: WriteFile, scratch_root: Path) -> None:
    write("proj/config/.env.dev", "OTHER=1\n")
    config = load_config("proj/config", env="dev", root=scratch_root)
    with pytest.raises(ConfigError) as info:
        config.section(FmpSection)
    assert caught(info).file == "proj/config/.env.dev"
    assert caught(info).key == "FMP_BASE_URL"
    assert "missing" in str(caught(info))


class Credentials(BaseModel):
    fmp_api_key: SecretStr
    fmp_retries: int


def test_section_errors_never_echo_secret_values(write: WriteFile, scratch_root: Path) -> None:
    write("proj/config/.env.dev.local", "FMP_API_KEY=topsecretvalue\nFMP_RETRIES=lots\n")
    write("proj/config/.env.dev", "")
    config = load_config("proj/config", env="dev", root=scratch_root)
    with pytest.raises(ConfigError) as info:
        config.section(Credentials)
    assert "topsecretvalue" not in str(caught(info))
    assert "FMP_RETRIES" in str(caught(info))


@pytest.mark.parametrize(
    ("line", "key", "expected"),
    [
        ("DEBUG_MODE=maybe", "DEBUG_MODE", "expected true or false (got 'maybe')"),
        ("LOG_LEVEL=LOUD", "LOG_LEVEL", "expected one of DEBUG, INFO, WARNING, ERROR or CRITICAL"),
        ("AWS_REGION=Canada", "AWS_REGION", "not an AWS region"),
        ("PREFECT_API_URL=prefect:4200", "PREFECT_API_URL", "http:// or https:// URL"),
        ("S3_BUCKET_PREFIX=Dev_Bucket", "S3_BUCKET_PREFIX", "lower-case"),
    ],
)
def test_wrong_types_name_file_line_and_key(
    write: WriteFile, scratch_root: Path, line: str, key: str, expected: str
) -> None:
    write("libs/config/.env.dev", f"ENVIRONMENT=dev\nS3_BUCKET_PREFIX=dev\n{line}\n")
    with pytest.raises(ConfigError) as info:
        load_config(env="dev", root=scratch_root)
    error = caught(info)
    assert error.key == key
    assert error.file == "libs/config/.env.dev:3"
    assert expected in str(error)
    assert "pydantic" not in str(error) and "validation error for" not in str(error)
    assert error.__cause__ is None and error.__suppress_context__


def test_several_wrong_values_reported_at_once(write: WriteFile, scratch_root: Path) -> None:
    write("libs/config/.env.dev", "S3_BUCKET_PREFIX=dev\nDEBUG_MODE=maybe\nLOG_LEVEL=LOUD\n")
    with pytest.raises(ConfigValidationError) as info:
        load_config(env="dev", root=scratch_root)
    assert len(caught_validation(info).problems) == 2
    assert "DEBUG_MODE" in str(caught(info)) and "LOG_LEVEL" in str(caught(info))


def test_missing_required_key(write: WriteFile, scratch_root: Path) -> None:
    write("libs/config/.env.dev", "ENVIRONMENT=dev\nLOG_LEVEL=INFO\n")
    with pytest.raises(ConfigError) as info:
        load_config(env="dev", root=scratch_root)
    assert caught(info).key == "S3_BUCKET_PREFIX"
    assert caught(info).file == "libs/config/.env.dev"
    assert "required key is missing" in str(caught(info))


def test_log_level_is_case_insensitive(write: WriteFile, scratch_root: Path) -> None:
    write("libs/config/.env.dev", "S3_BUCKET_PREFIX=dev\nLOG_LEVEL=warning\nDEBUG_MODE=1\n")
    config = load_config(env="dev", root=scratch_root)
    assert config.log_level == "WARNING" and config.debug_mode is True


def test_resolved_layers_repr_hides_values(
    write: WriteFile, scratch_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("libs/config/.env.dev.local", "FINKS_SECRET_FMP_API_KEY=from-personal-file\n")
    monkeypatch.setenv("FINKS_SECRET_OTHER_API_KEY", "from-env-var")
    config = load_config(
        env="dev", overrides={"FINKS_SECRET_X_API_KEY": "from-override"}, root=scratch_root
    )
    text = repr(config.resolved)
    assert "FINKS_SECRET_FMP_API_KEY" in text
    for secret in ("from-personal-file", "from-env-var", "from-override"):
        assert secret not in text
