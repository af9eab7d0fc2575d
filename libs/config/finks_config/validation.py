"""Rules a resolved configuration must satisfy, reported all at once.

``validate_config`` adds the per-environment rules on top of the types, and
reports every violation at once, so one edit fixes them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from finks_config.environment import Environment
from finks_config.errors import ConfigValidationError
from finks_config.ownership import mentioned_environments, most_sensitive, owner_of_name

if TYPE_CHECKING:
    from finks_config.settings import Config


def validate_config(config: Config) -> None:
    """Enforce the per-environment rules; raise ConfigValidationError listing every violation.

    prod: prefix exactly ``prod``, DEBUG_MODE false, LOG_LEVEL INFO. staging: DEBUG_MODE
    false. Every env: the bucket prefix must not belong to another environment.
    """
    env = config.environment
    problems: list[str] = []
    first: list[str] = []

    def where(key: str) -> str:
        first.append(key)
        return f"{config.source_of(key)}: {key}"

    prefix_owner = owner_of_name(config.s3_bucket_prefix)
    if prefix_owner is None:
        prefix_owner = most_sensitive(mentioned_environments(config.s3_bucket_prefix) - {env})
    if env is Environment.PROD and config.s3_bucket_prefix != "prod":
        problems.append(
            f"{where('S3_BUCKET_PREFIX')}={config.s3_bucket_prefix}: prod requires exactly 'prod'"
        )
    elif prefix_owner is not None and prefix_owner is not env:
        problems.append(
            f"{where('S3_BUCKET_PREFIX')}={config.s3_bucket_prefix}: that prefix belongs to "
            f"{prefix_owner.value}, this is {env.value}"
        )
    if env in (Environment.PROD, Environment.STAGING) and config.debug_mode:
        problems.append(f"{where('DEBUG_MODE')}=true: {env.value} requires false")
    if env is Environment.PROD and config.log_level != "INFO":
        problems.append(f"{where('LOG_LEVEL')}={config.log_level}: prod requires INFO")
    if problems:
        raise ConfigValidationError(problems, file=config.source_of(first[0]), key=first[0])
