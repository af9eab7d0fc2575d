"""Reading SSM parameters the stacks publish (e.g. the env's Prefect API URL).

Same guarded client and error translation as secrets: a parameter of another
environment is refused before sending; a missing one is a ConfigError that says
which key can stand in and which stack publishes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError  # pants: no-infer-dep

from finks_config.aws.errors import aws_failure
from finks_config.aws.session import client
from finks_config.errors import ConfigError, ServiceError
from finks_config.secrets import remember_secret

if TYPE_CHECKING:
    from finks_config.settings import Config


def get_parameter(config: Config, name: str, *, secure: bool = False) -> str:
    """The value of SSM parameter ``name`` (one of ``config``'s, e.g.
    ``config.prefect_api_url_parameter``); ``secure`` decrypts a SecureString and
    treats the value as a secret (redacted from logs and CLI output)."""
    try:
        response = client(config, "ssm").get_parameter(Name=name, WithDecryption=secure)
    except (ClientError, BotoCoreError) as exc:
        raise aws_failure(exc, config, f"reading SSM parameter {name}") from None
    value = str(response["Parameter"]["Value"])
    if secure:
        remember_secret(value)
    return value


def prefect_api_url(config: Config) -> str:
    """The env's Prefect API URL: the ``PREFECT_API_URL`` key if set, else the SSM parameter
    the env's stack publishes (``config.prefect_api_url_parameter``)."""
    if config.prefect_api_url:
        return config.prefect_api_url
    parameter = config.prefect_api_url_parameter
    env = config.environment.value
    fix = (
        f"set PREFECT_API_URL (env var or .env.{env}.local), or deploy infrastructure so the "
        f"{env} stack publishes {parameter}: ./pants run infrastructure:deploy -- --env {env}"
    )
    if config.is_local and not config.aws_endpoint_url:
        raise ConfigError(
            "is not set for local",
            key="PREFECT_API_URL",
            fix="the local stack sets it (./pants run pipelines:deploy -- --env local); "
            "or export it",
        )
    try:
        return get_parameter(config, parameter)
    except ServiceError as exc:
        if exc.kind != "not-found":
            raise
        raise ConfigError(
            f"is not set and SSM parameter {parameter} does not exist",
            key="PREFECT_API_URL",
            fix=fix,
        ) from None
