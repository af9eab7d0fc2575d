"""Which AWS endpoint and credentials one environment's config uses (pure; no boto3).

For a config of environment E (upper-case: DEV, STAGING, PROD, LOCAL):

- endpoint: ``FINKS_{E}_AWS_ENDPOINT_URL`` if set, else the ``AWS_ENDPOINT_URL``
  key of E's layers, else none (real AWS);
- credentials: ``FINKS_{E}_AWS_ACCESS_KEY_ID`` / ``_SECRET_ACCESS_KEY`` /
  ``_SESSION_TOKEN`` if set, else boto3's default chain (``local``: dummy
  credentials for the emulator).

The per-environment names let one process hold several environments at once,
each with its own emulated account (the release rehearsal) or its own role (the
prod job reading the staging ledger with the staging ledger-reader credentials).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from finks_config.errors import ConfigError
from finks_config.urls import check_http_url, is_loopback_url

if TYPE_CHECKING:
    from finks_config.environment import Environment
    from finks_config.settings import Config

# The embedded local stack's emulator accepts any credentials; these are never real ones.
LOCAL_CREDENTIALS = {"aws_access_key_id": "finks-local", "aws_secret_access_key": "finks-local"}


def endpoint_key(env: Environment) -> str:
    """``FINKS_STAGING_AWS_ENDPOINT_URL``: the per-environment endpoint variable."""
    return f"FINKS_{env.value.upper()}_AWS_ENDPOINT_URL"


def credential_keys(env: Environment) -> tuple[str, str, str]:
    """The per-environment access key id, secret key and session token variables."""
    base = f"FINKS_{env.value.upper()}_AWS_"
    return (f"{base}ACCESS_KEY_ID", f"{base}SECRET_ACCESS_KEY", f"{base}SESSION_TOKEN")


def aws_endpoint(config: Config) -> str | None:
    """The endpoint this config's AWS clients talk to (None: the real AWS endpoints).

    ``local`` must name a loopback emulator: a local run can never reach a real
    account, whatever the variables say.
    """
    key = endpoint_key(config.environment)
    raw = config.raw(key)
    url: str | None
    if raw is not None:
        try:
            url = check_http_url(raw)
        except ValueError as exc:
            raise ConfigError(
                str(exc), file=config.source_of(key), key=key, fix="set it to the endpoint's URL"
            ) from None
    else:
        url = config.aws_endpoint_url
        key = "AWS_ENDPOINT_URL"
    if config.is_local:
        if url is None:
            raise ConfigError(
                "the local environment needs an S3/AWS emulator endpoint and none is set",
                key="AWS_ENDPOINT_URL",
                fix="pass overrides={'AWS_ENDPOINT_URL': url} to load_config or export "
                "AWS_ENDPOINT_URL (e.g. the moto server's URL)",
            )
        if not is_loopback_url(url):
            raise ConfigError(
                f"local must only talk to a loopback emulator, not {url}",
                file=config.source_of(key),
                key=key,
                fix="point it at the local moto server (http://127.0.0.1:PORT)",
            )
    return url


def endpoint_setting(config: Config) -> str:
    """The key that decides this config's endpoint (for messages that say what to fix)."""
    key = endpoint_key(config.environment)
    return key if config.raw(key) is not None else "AWS_ENDPOINT_URL"


def aws_credentials(config: Config) -> dict[str, str] | None:
    """Explicit credentials for this environment (boto3 keyword names), or None for the chain.

    Half a pair is an error naming the missing variable: silently falling back to
    the default chain would act with someone else's identity.
    """
    id_key, secret_key, token_key = credential_keys(config.environment)
    key_id, secret, token = (config.raw(k) for k in (id_key, secret_key, token_key))
    if key_id is None and secret is None:
        if token is not None:
            raise ConfigError(
                "is set without an access key",
                key=token_key,
                fix=f"also set {id_key} and " f"{secret_key}, or unset {token_key}",
            )
        return dict(LOCAL_CREDENTIALS) if config.is_local else None
    if key_id is None or secret is None:
        missing = id_key if key_id is None else secret_key
        present = secret_key if key_id is None else id_key
        raise ConfigError(
            f"is not set but {present} is",
            key=missing,
            fix=f"set both {id_key} and {secret_key} (and {token_key} for temporary ones)",
        )
    result = {"aws_access_key_id": key_id, "aws_secret_access_key": secret}
    if token is not None:
        result["aws_session_token"] = token
    return result
