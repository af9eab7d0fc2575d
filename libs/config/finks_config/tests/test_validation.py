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


def _problems(config: Config) -> list[str]:
    try:
        validate_config(config)
    except ConfigValidationError as exc:
        return exc.problems
    return []


def test_neutral_and_own_prefixes_pass() -> None:
    passing = [
        Config(environment=Environment.DEV, s3_bucket_prefix="dev"),
        Config(environment=Environment.DEV, s3_bucket_prefix="acme-dev"),
        Config(environment=Environment.DEV, s3_bucket_prefix="finks-data"),
        Config(environment=Environment.LOCAL, s3_bucket_prefix="local", debug_mode=True),
        Config(environment=Environment.STAGING, s3_bucket_prefix="staging", log_level="DEBUG"),
        Config(environment=Environment.PROD, s3_bucket_prefix="prod"),
    ]
    assert {c.s3_bucket_prefix: _problems(c) for c in passing} == {
        c.s3_bucket_prefix: [] for c in passing
    }
    # The same rule refuses the near misses, so the passes above are the rule's, not luck.
    refused = [
        Config(environment=Environment.DEV, s3_bucket_prefix="acme-prod"),
        Config(environment=Environment.DEV, s3_bucket_prefix="stg-data"),
        Config(environment=Environment.PROD, s3_bucket_prefix="prod", debug_mode=True),
    ]
    assert [bool(_problems(c)) for c in refused] == [True, True, True]
