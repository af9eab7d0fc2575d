"""finks_config: the one typed, validated, isolated environment configuration for Finks.

    from finks_config import load_config
    from finks_config.aws import client   # the boto3 half; the core never imports boto3
    from finks_config.cli import run_cli  # the one CLI helper (banner, exit codes, errors)
    config = load_config("ingestion/config", env="dev")
    s3 = client(config, "s3")          # refuses other environments' resources
    s3.put_object(Bucket=config.bronze_bucket, Key="k", Body=b"...")

See libs/config/README.md for the layout, precedence, keys and troubleshooting.

This facade imports lazily (PEP 562): importing ``finks_config.cli`` or any other
module runs no other module, so every module's dependencies are exactly its own
imports (no module depends on the facade; Pants' graph has no cycle through it).
"""

# ruff: noqa: F401 - the TYPE_CHECKING imports below are the facade's names for type checkers
from __future__ import annotations

from typing import TYPE_CHECKING

from finks_config.facade import lazy_exports

_EXPORTS: dict[str, str] = {
    "SHARED_KEYS": "finks_config.settings",
    "Config": "finks_config.settings",
    "ConfigError": "finks_config.errors",
    "ConfigValidationError": "finks_config.errors",
    "Environment": "finks_config.environment",
    "FinksError": "finks_config.errors",
    "HttpUrl": "finks_config.urls",
    "IsolationError": "finks_config.errors",
    "MissingEnvFileError": "finks_config.errors",
    "OptionalHttpUrl": "finks_config.urls",
    "RunError": "finks_config.errors",
    "ServiceError": "finks_config.errors",
    "ServiceFailure": "finks_config.errors",
    "athena_emulated": "finks_config.emulation",
    "aws_endpoint": "finks_config.endpoints",
    "config_error_from": "finks_config.pydantic_errors",
    "configure_logging": "finks_config.logging",
    "credential_keys": "finks_config.endpoints",
    "current_environment": "finks_config.environment",
    "endpoint_key": "finks_config.endpoints",
    "is_checkout": "finks_config.paths",
    "is_env_file": "finks_config.envfiles",
    "is_loopback_url": "finks_config.urls",
    "is_personal_env_file": "finks_config.envfiles",
    "load_config": "finks_config.load",
    "looks_like_secret": "finks_config.secrets",
    "mask": "finks_config.secrets",
    "redact": "finks_config.secrets",
    "repo_root": "finks_config.paths",
    "standin_key": "finks_config.secrets",
    "validate_config": "finks_config.validation",
}
__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())


if TYPE_CHECKING:  # the same names for type checkers (and Pants' dependency inference)
    from finks_config.emulation import athena_emulated
    from finks_config.endpoints import aws_endpoint, credential_keys, endpoint_key
    from finks_config.envfiles import is_env_file, is_personal_env_file
    from finks_config.environment import Environment, current_environment
    from finks_config.errors import (
        ConfigError,
        ConfigValidationError,
        FinksError,
        IsolationError,
        MissingEnvFileError,
        RunError,
        ServiceError,
        ServiceFailure,
    )
    from finks_config.load import load_config
    from finks_config.logging import configure_logging
    from finks_config.paths import is_checkout, repo_root
    from finks_config.pydantic_errors import config_error_from
    from finks_config.secrets import looks_like_secret, mask, redact, standin_key
    from finks_config.settings import SHARED_KEYS, Config
    from finks_config.urls import HttpUrl, OptionalHttpUrl, is_loopback_url
    from finks_config.validation import validate_config
