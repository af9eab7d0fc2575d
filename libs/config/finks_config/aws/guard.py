"""The isolation guard: stop a request that would touch another environment, before sending.

It runs on botocore's ``before-parameter-build`` event inside the process, before a
request is serialised, signed or sent, so a dev process can never read or write a
prod bucket, database, secret or role, whatever credentials it holds. It judges a request by what it
would touch:

- every name the parameters mention (``finks_config.aws.references``: name
  parameters at any depth, S3 locations in every spelling, ARNs, the databases and
  locations in SQL), by the naming rule of ``finks_config.ownership``;
- calls that can span environments (``finks_config.aws.spans``): scoped to this
  environment, answered with this environment's names only, or refused;
- the endpoint: a client's ``endpoint_url`` must be the one its config resolves,
  and every request of a ``local`` config must go to a loopback address.

Payloads are data, never names. What it deliberately leaves to IAM is listed in
libs/config/README.md ("Isolation").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from finks_config.aws.references import referenced_resources
from finks_config.aws.spans import filter_result, span_problem
from finks_config.endpoints import endpoint_setting
from finks_config.errors import IsolationError
from finks_config.ownership import owner_for
from finks_config.urls import is_loopback_url, url_origin

if TYPE_CHECKING:
    from finks_config.settings import Config

__all__ = ["IsolationGuard", "check_endpoint", "check_request", "referenced_resources"]


def _refuse(config: Config, service: str, operation: str, why: str) -> IsolationError:
    return IsolationError(
        f"{config.indicator} refused {service}.{operation}: {why}, this process is configured "
        f"for {config.environment.value}; nothing was sent",
        fix="derive names from the config (config.bronze_bucket, config.secret_path(...)) and "
        f"keep listings under /{config.environment.value}/",
    )


def check_request(config: Config, service: str, operation: str, params: dict[str, Any]) -> None:
    """Raise IsolationError if the call would touch another environment's resources."""
    for ref in referenced_resources(service, operation, params):
        owner = owner_for(config, ref.name)
        if owner is not None:
            raise _refuse(
                config,
                service,
                operation,
                f"{ref.kind} {ref.name!r} belongs to {owner.value} (parameter {ref.where})",
            )
        if ref.kind == "listing":
            raise _refuse(config, service, operation, f"{ref.name} spans every environment")
    problem = span_problem(config, service, operation, params)
    if problem is not None:
        raise _refuse(config, service, operation, f"it can span environments ({problem})")


def _same_endpoint(left: str | None, right: str | None) -> bool:
    def norm(url: str | None) -> str:
        return (url or "").strip().rstrip("/").lower()

    return norm(left) == norm(right)


def check_endpoint(config: Config, service: str, explicit: str, resolved: str | None) -> None:
    """Refuse a client whose explicit ``endpoint_url`` is not the one ``config`` resolves.

    Another endpoint is another account (an emulated one, or real AWS instead of
    the emulator): the only way to reach it is another environment's config.
    """
    if _same_endpoint(explicit, resolved):
        return
    env = config.environment.value
    ours = url_origin(resolved) if resolved else "the real AWS endpoints"
    raise IsolationError(
        f"{config.indicator} refused a {service} client with endpoint_url="
        f"{url_origin(explicit)}: the {env} config resolves {ours}; nothing was sent",
        key="endpoint_url",
        fix=f"drop endpoint_url= (the endpoint comes from the config: {endpoint_setting(config)})",
    )


class IsolationGuard:
    """botocore event handlers bound to one Config (registered by ``aws_session``)."""

    def __init__(self, config: Config, endpoint: str | None = None) -> None:
        self.config = config
        self.endpoint = endpoint

    def __call__(self, params: Any = None, model: Any = None, **_: Any) -> None:
        # Returns None on purpose: a value from provide-client-params would replace params.
        if not isinstance(params, dict) or model is None:
            return None
        service = str(model.service_model.service_name)
        check_request(self.config, service, str(model.name), params)
        return None

    def filter_answer(self, parsed: Any = None, model: Any = None, **_: Any) -> None:
        """Cut account-wide listings down to this environment's (and neutral) names."""
        if isinstance(parsed, dict) and model is not None:
            filter_result(
                str(model.service_model.service_name),
                str(model.name),
                parsed,
                lambda name: owner_for(self.config, name) is None,
            )
        return None

    def check_destination(self, request: Any = None, **_: Any) -> None:
        """The last look before a request leaves: local only to loopback, and only to the
        config's endpoint when it has one (S3 virtual hosts of it included)."""
        url = str(getattr(request, "url", "") or "")
        if not url:
            return None
        if self.config.is_local and not is_loopback_url(url):
            raise IsolationError(
                f"{self.config.indicator} refused a request to {url_origin(url)}: local only "
                "talks to loopback emulators; nothing was sent",
                key="AWS_ENDPOINT_URL",
            )
        if self.endpoint:
            want = (urlparse(self.endpoint).hostname or "").lower()
            host = (urlparse(url).hostname or "").lower()
            if host != want and not host.endswith("." + want):
                raise IsolationError(
                    f"{self.config.indicator} refused a request to {url_origin(url)}: the "
                    f"{self.config.environment.value} config's endpoint is "
                    f"{url_origin(self.endpoint)}; nothing was sent",
                    key=endpoint_setting(self.config),
                )
        return None

    def register(self, events: Any) -> None:
        """Hook into every service and operation of a botocore event emitter."""
        # before-parameter-build sees the final parameters (after any provide-client-params
        # handler changed them), for calls and presigned URLs alike: one check per request.
        events.register("before-parameter-build", self, unique_id="finks-isolation-build")
        events.register("after-call", self.filter_answer, unique_id="finks-isolation-filter")
        events.register("before-send", self.check_destination, unique_id="finks-isolation-send")
