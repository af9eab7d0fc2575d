"""Reading secrets from Secrets Manager through the guarded client.

The pure rules (what looks like a secret, masking, redaction, stand-in names) live
in ``finks_config.secrets``; this module is the I/O half, so the core never needs boto3.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError  # pants: no-infer-dep
from pydantic import SecretStr

from finks_config.aws.errors import aws_failure
from finks_config.aws.session import client
from finks_config.errors import ConfigError, FinksError, ServiceError
from finks_config.secrets import remember_secret, standin_key

if TYPE_CHECKING:
    from finks_config.settings import Config


def get_secret(config: Config, service: str, name: str = "api_key") -> SecretStr:
    """Read ``/{env}/{service}/{name}``: the stand-in if set, else Secrets Manager (guarded).

    Errors (ConfigError, exit 2) name the secret path and the stand-in variable,
    never a value.
    """
    path = config.secret_path(service, name)
    variable = standin_key(service, name)
    standin = config.raw(variable)
    if standin is not None:
        remember_secret(standin)
        return SecretStr(standin)
    try:
        response = client(config, "secretsmanager").get_secret_value(SecretId=path)
    except (ClientError, BotoCoreError) as exc:
        raise _secret_error(exc, config, path, variable) from None
    value = response.get("SecretString")
    if value is None:
        raise ConfigError(
            f"secret {path} has no string value", key=variable, fix=_fix(config, variable)
        )
    value = _unwrap_json(value, name)
    remember_secret(value)
    return SecretStr(value)


def _fix(config: Config, variable: str) -> str:
    return (
        f"create it in Secrets Manager ({config.aws_region}) or set {variable} "
        f"(env var, overrides, or your git-ignored .env.{config.environment.value}.local)"
    )


def _secret_error(exc: Exception, config: Config, path: str, variable: str) -> FinksError:
    translated = aws_failure(exc, config, f"reading secret {path}")
    if isinstance(translated, ServiceError) and translated.kind == "not-found":
        return ServiceError(
            f"secret {path} does not exist in the {config.environment.value} account",
            kind="not-found",
            key=variable,
            fix=_fix(config, variable),
            doing=f"reading secret {path}",
        )
    return translated


def _unwrap_json(value: str, name: str) -> str:
    """Accept ``{"api_key": "..."}`` as well as a bare string (the console stores JSON)."""
    if not value.lstrip().startswith("{"):
        return value
    try:
        parsed = json.loads(value)
    except ValueError:
        return value
    if isinstance(parsed, dict) and isinstance(parsed.get(name), str):
        return str(parsed[name])
    return value
