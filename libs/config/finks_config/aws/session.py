"""boto3 sessions and clients that carry the isolation guard.

All AWS access goes through here so every client: talks to the endpoint its
config resolves for its environment (``finks_config.endpoints``: a moto server
locally, one emulated account per environment in the release rehearsal), uses
that environment's credentials and region, and refuses another environment's
resources before sending (``finks_config.aws.guard``). ``local`` always gets
dummy credentials and a loopback endpoint, so a local run can never act on a
real account.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

import boto3

from finks_config.aws.context import ErrorContext
from finks_config.aws.guard import IsolationGuard, check_endpoint
from finks_config.endpoints import aws_credentials, aws_endpoint

if TYPE_CHECKING:
    from finks_config.settings import Config


class GuardedSession(boto3.Session):
    """A boto3 Session bound to one Config: its endpoint, credentials and guard.

    An explicit ``endpoint_url=`` on ``client()``/``resource()`` must be the one
    the config resolves (anything else is refused as an endpoint override).
    """

    def __init__(
        self, config: Config, *, endpoint: str | None, guard: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.finks_config = config
        self.finks_endpoint = endpoint
        self.finks_guarded = guard
        ErrorContext(config).register(self.events)
        if guard:
            IsolationGuard(config, endpoint).register(self.events)

    def _endpoint_kwargs(self, service_name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        explicit = kwargs.get("endpoint_url")
        if explicit is not None and self.finks_guarded:
            check_endpoint(self.finks_config, service_name, explicit, self.finks_endpoint)
        if explicit is None and self.finks_endpoint:
            kwargs["endpoint_url"] = self.finks_endpoint
        return kwargs

    def client(self, service_name: str, *args: Any, **kwargs: Any) -> Any:
        base: Any = super()  # boto3-stubs' overloads want a literal service name
        return base.client(service_name, *args, **self._endpoint_kwargs(service_name, kwargs))

    def resource(self, service_name: str, *args: Any, **kwargs: Any) -> Any:
        base: Any = super()
        return base.resource(service_name, *args, **self._endpoint_kwargs(service_name, kwargs))


def aws_session(config: Config, /, *, guard: bool = True) -> GuardedSession:
    """A boto3 Session for ``config``: its region, endpoint, credentials and (by default) guard.

    ``guard=False`` exists **only** for the IAM proof tests, which must show that
    IAM alone denies cross-environment access; production code never passes it.
    """
    kwargs: dict[str, Any] = {"region_name": config.aws_region}
    credentials = aws_credentials(config)
    if credentials:
        kwargs.update(credentials)
    return GuardedSession(config, endpoint=aws_endpoint(config), guard=guard, **kwargs)


# A new boto3 Session costs ~0.2 s (it reloads botocore's service models), so
# client() shares one session per (env, region, endpoint, prefix, credentials) and
# reuses plain clients: boto3 clients are thread-safe, sessions are not (hence the lock).
_CACHE_LIMIT = 128
_lock = threading.Lock()
_sessions: dict[tuple[Any, ...], GuardedSession] = {}
_clients: dict[tuple[Any, ...], Any] = {}


# What boto3's default credential chain reads from the environment: when one of these
# changes (another AWS_PROFILE, fresh keys, a test's empty chain) a new session is made.
_CHAIN_INPUTS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
    "HOME",
)


def _session_key(config: Config) -> tuple[Any, ...]:
    credentials = aws_credentials(config)
    source: tuple[Any, ...] = (
        tuple(sorted(credentials.items()))
        if credentials
        else tuple(os.environ.get(name) for name in _CHAIN_INPUTS)
    )
    return (
        config.environment.value,
        config.aws_region,
        aws_endpoint(config),
        config.s3_bucket_prefix,
        source,
    )


def _shared_session(config: Config, key: tuple[Any, ...]) -> GuardedSession:
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
    key = _session_key(config)
    with _lock:
        if kwargs:
            return _shared_session(config, key).client(service_name, **kwargs)
        cached = _clients.get((*key, service_name))
        if cached is None:
            if len(_clients) >= _CACHE_LIMIT:
                _clients.clear()
            cached = _shared_session(config, key).client(service_name)
            _clients[(*key, service_name)] = cached
        return cached


def clear_client_cache() -> None:
    """Forget shared sessions and clients (e.g. after changing AWS credentials)."""
    with _lock:
        _sessions.clear()
        _clients.clear()
