"""Rules a resolved configuration must satisfy, and readable errors for bad values.

pydantic errors are translated into one ``ConfigError`` naming the file, line
and key (and the offending value unless the key names a secret) so no CLI ever
shows a pydantic traceback. ``validate_config`` adds the per-environment rules
and reports every violation at once, so one edit fixes them all.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from finks_config.environment import ALIASES, Environment
from finks_config.errors import ConfigError, ConfigValidationError
from finks_config.secrets import mask

if TYPE_CHECKING:
    from finks_config.loader import ResolvedValues
    from finks_config.settings import Config


def _describe(error: Any) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "bool_parsing" or kind == "bool_type":
        return "expected true or false"
    if kind == "literal_error":
        return f"expected one of {ctx.get('expected', '')}".replace("'", "")
    if kind in ("int_parsing", "int_type"):
        return "expected a whole number"
    if kind in ("float_parsing", "float_type"):
        return "expected a number"
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "invalid value")))
    return str(error.get("msg", "invalid value"))


def config_error_from(
    exc: ValidationError, resolved: ResolvedValues | None, *, shared: bool
) -> ConfigError:
    """One ConfigError for a pydantic ValidationError: file:line, key, reason, masked value."""
    problems: list[tuple[str, str, str]] = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = error.get("loc") or ("?",)
        key = str(loc[0]).upper()
        if error.get("type") == "missing":
            target = resolved.file_for_missing(shared=shared) if resolved else "the .env file"
            problems.append((target, key, f"required key is missing (add {key}=... there)"))
            continue
        source = resolved.source(key) if resolved else "value"
        value = resolved.get(key) if resolved else None
        shown = mask(key, value)
        got = f" (got {shown[:60]!r})" if shown is not None else ""
        problems.append((source, key, f"{_describe(error)}{got}"))
    if len(problems) == 1:
        source, key, message = problems[0]
        return ConfigError(message, file=source, key=key)
    return ConfigValidationError(
        [f"{s}: {k}: {m}" for s, k, m in problems], file=problems[0][0], key=problems[0][1]
    )


def owner_of_name(name: str) -> Environment | None:
    """The environment a name like ``prod-bronze-zone`` / ``/staging/x`` / ``dev_analytics``
    belongs to, judged by its leading word; None for environment-neutral names."""
    head = re.split(r"[-_./:\s]+", name.strip().strip("/").lower(), maxsplit=1)[0]
    for env_name, aliases in ALIASES.items():
        if head in aliases:
            return Environment(env_name)
    return None


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
