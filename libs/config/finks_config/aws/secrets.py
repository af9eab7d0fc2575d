"""Reading secrets from Secrets Manager through the guarded client.

The pure rules (what looks like a secret, masking, redaction, stand-in names) live
in ``finks_config.secrets``; this module is the I/O half, so the core never needs boto3.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError  # pants: no-infer-dep
from pydantic import SecretStr

from finks_config.aws.session import client
from finks_config.errors import ConfigError
from finks_config.secrets import remember_secret, standin_key

if TYPE_CHECKING:
    from finks_config.settings import Config


def get_secret(config: Config, service: str, name: str = "api_key") -> SecretStr:
    """Read ``/{env}/{service}/{name}``: the stand-in if set, else Secrets Manager (guarded).

    Errors name the secret path and the stand-in variable, never a value.
    """
    path = config.secret_path(service, name)
    variable = standin_key(service, name)
    standin = config.raw(variable)
    if standin is not None:
        remember_secret(standin)
        return SecretStr(standin)
    fix = (
        f"create it in Secrets Manager ({config.aws_region}) or set {variable} "
        "(env var, overrides, or your git-ignored .env.{env}.local)"
    )
    try:
        response = client(config, "secretsmanager").get_secret_value(SecretId=path)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        raise ConfigError(f"cannot read secret {path}: {code}", key=variable, fix=fix) from None
    except BotoCoreError as exc:
        raise ConfigError(
            f"cannot read secret {path}: {type(exc).__name__}", key=variable, fix=fix
        ) from None
    value = response.get("SecretString")
    if value is None:
        raise ConfigError(f"secret {path} has no string value", key=variable, fix=fix)
    value = _unwrap_json(value, name)
    remember_secret(value)
    return SecretStr(value)


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
