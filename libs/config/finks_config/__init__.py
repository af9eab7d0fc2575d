"""finks_config: the one typed, validated, isolated environment configuration for Finks.

    from finks_config import load_config
    from finks_config.aws import client   # the boto3 half; the core never imports boto3
    config = load_config("ingestion/config", env="dev")
    s3 = client(config, "s3")          # refuses other environments' buckets
    s3.put_object(Bucket=config.bronze_bucket, Key="k", Body=b"...")

See libs/config/README.md for precedence, keys and troubleshooting.
"""

from finks_config.environment import Environment, current_environment
from finks_config.errors import (
    ConfigError,
    ConfigValidationError,
    IsolationError,
    MissingEnvFileError,
)
from finks_config.load import load_config
from finks_config.logging import configure_logging
from finks_config.paths import repo_root
from finks_config.secrets import looks_like_secret, standin_key
from finks_config.settings import SHARED_KEYS, Config
from finks_config.validation import validate_config

__all__ = [
    "SHARED_KEYS",
    "Config",
    "ConfigError",
    "ConfigValidationError",
    "Environment",
    "IsolationError",
    "MissingEnvFileError",
    "configure_logging",
    "current_environment",
    "load_config",
    "looks_like_secret",
    "repo_root",
    "standin_key",
    "validate_config",
]
