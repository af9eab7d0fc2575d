"""boto3 sessions and clients that carry the isolation guard.

All AWS access goes through here so every client: talks to the configured
endpoint (a moto server locally), uses the configured region, refuses another
environment's resources before sending, and, for ``local``, uses dummy
credentials so a local run can never act on a real account.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import boto3

from finks_config.errors import ConfigError
from finks_config.isolation import IsolationGuard

if TYPE_CHECKING:
    from finks_config.settings import Config

# Credentials for the embedded local stack; moto accepts anything.
LOCAL_CREDENTIALS = {"aws_access_key_id": "finks-local", "aws_secret_access_key": "finks-local"}


class GuardedSession(boto3.Session):
    """A boto3 Session whose clients and resources default to the config's endpoint."""

    def __init__(self, config: Config, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.finks_config = config
        IsolationGuard(config).register(self.events)

    def client(self, service_name: str, *args: Any, **kwargs: Any) -> Any:
        if self.finks_config.aws_endpoint_url and "endpoint_url" not in kwargs:
            kwargs["endpoint_url"] = self.finks_config.aws_endpoint_url
        base: Any = super()  # boto3-stubs' overloads want a literal service name
        return base.client(service_name, *args, **kwargs)

    def resource(self, service_name: str, *args: Any, **kwargs: Any) -> Any:
        if self.finks_config.aws_endpoint_url and "endpoint_url" not in kwargs:
            kwargs["endpoint_url"] = self.finks_config.aws_endpoint_url
        base: Any = super()
        return base.resource(service_name, *args, **kwargs)


def aws_session(config: Config, /) -> GuardedSession:
    """A guarded boto3 Session for ``config`` (region, endpoint, local credentials)."""
    kwargs: dict[str, Any] = {"region_name": config.aws_region}
    if config.is_local:
        if not config.aws_endpoint_url:
            raise ConfigError(
                "the local environment needs an S3/AWS emulator endpoint and none is set",
                key="AWS_ENDPOINT_URL",
                fix="pass overrides={'AWS_ENDPOINT_URL': url} to load_config or export "
                "AWS_ENDPOINT_URL (e.g. the moto server's URL)",
            )
        kwargs.update(LOCAL_CREDENTIALS)
    return GuardedSession(config, **kwargs)


# A new boto3 Session costs ~0.2 s (it reloads botocore's service models), so
# client() shares one session per (env, region, endpoint, prefix) and reuses
# plain clients: boto3 clients are thread-safe, sessions are not (hence the lock).
_CACHE_LIMIT = 128
_lock = threading.Lock()
_sessions: dict[tuple[str, str, str | None, str], GuardedSession] = {}
_clients: dict[tuple[str, str, str | None, str, str], Any] = {}


def _session_key(config: Config) -> tuple[str, str, str | None, str]:
    return (
        config.environment.value,
        config.aws_region,
        config.aws_endpoint_url,
        config.s3_bucket_prefix,
    )


def _shared_session(config: Config) -> GuardedSession:
    key = _session_key(config)
    session = _sessions.get(key)
    if session is None:
        if len(_sessions) >= _CACHE_LIMIT:
            _sessions.clear()
        session = _sessions[key] = aws_session(config)
    return session


def client(config: Config, service_name: str, /, **kwargs: Any) -> Any:
    """A guarded boto3 client (``client(config, "s3")``), reused across calls.

    Extra keyword arguments go to ``boto3.Session.client`` (including botocore's
    ``config=``, which is why the first two parameters are positional-only) and
    always build a fresh client.
    """
    with _lock:
        if kwargs:
            return _shared_session(config).client(service_name, **kwargs)
        key = (*_session_key(config), service_name)
        cached = _clients.get(key)
        if cached is None:
            if len(_clients) >= _CACHE_LIMIT:
                _clients.clear()
            cached = _clients[key] = _shared_session(config).client(service_name)
        return cached


def clear_client_cache() -> None:
    """Forget shared sessions and clients (e.g. after changing AWS credentials)."""
    with _lock:
        _sessions.clear()
        _clients.clear()
