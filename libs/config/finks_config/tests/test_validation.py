"""Per-environment rules: every violation named, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from finks_config import (
    Config,
    ConfigError,
    ConfigValidationError,
    Environment,
    load_config,
    validate_config,
)

from .conftest import WriteFile, caught, caught_validation


def test_prod_with_debug_mode(write: WriteFile, scratch_root: Path) -> None:
    write("libs/config/.env.prod", "ENVIRONMENT=prod\nS3_BUCKET_PREFIX=prod\nDEBUG_MODE=true\n")
    with pytest.raises(ConfigValidationError) as info:
        load_config(env="prod", root=scratch_root)
    assert isinstance(caught(info), ConfigError)
    assert caught_validation(info).problems == [
        "libs/config/.env.prod:3: DEBUG_MODE=true: prod requires false"
    ]
    assert caught(info).key == "DEBUG_MODE"


def test_prod_with_dev_prefix(write: WriteFile, scratch_root: Path) -> None:
    write("libs/config/.env.prod", "ENVIRONMENT=prod\nS3_BUCKET_PREFIX=dev\n")
    with pytest.raises(ConfigValidationError) as info:
        load_config(env="prod", root=scratch_root)
    assert "libs/config/.env.prod:2: S3_BUCKET_PREFIX=dev: prod requires exactly 'prod'" in str(
        caught(info)
    )


def test_every_prod_violation_at_once(write: WriteFile, scratch_root: Path) -> None:
    write("libs/config/.env.prod", "S3_BUCKET_PREFIX=prod-eu\nDEBUG_MODE=true\nLOG_LEVEL=DEBUG\n")
    with pytest.raises(ConfigValidationError) as info:
        load_config(env="prod", root=scratch_root)
    assert [p.split(": ")[1].split("=")[0] for p in caught_validation(info).problems] == [
        "S3_BUCKET_PREFIX",
        "DEBUG_MODE",
        "LOG_LEVEL",
    ]


def test_staging_needs_debug_off() -> None:
    with pytest.raises(ConfigValidationError, match="staging requires false"):
        validate_config(
            Config(environment=Environment.STAGING, s3_bucket_prefix="staging", debug_mode=True)
        )
    validate_config(
        Config(environment=Environment.STAGING, s3_bucket_prefix="staging", log_level="DEBUG")
    )


def test_prefix_of_another_environment_is_refused() -> None:
    with pytest.raises(ConfigValidationError, match="belongs to prod, this is dev"):
        validate_config(Config(environment=Environment.DEV, s3_bucket_prefix="prod"))
    with pytest.raises(ConfigValidationError, match="belongs to staging"):
        validate_config(Config(environment=Environment.LOCAL, s3_bucket_prefix="staging-x"))


def test_neutral_and_own_prefixes_pass() -> None:
    validate_config(Config(environment=Environment.DEV, s3_bucket_prefix="dev"))
    validate_config(Config(environment=Environment.DEV, s3_bucket_prefix="acme-dev"))
    validate_config(
        Config(environment=Environment.LOCAL, s3_bucket_prefix="local", debug_mode=True)
    )
    validate_config(Config(environment=Environment.PROD, s3_bucket_prefix="prod"))
