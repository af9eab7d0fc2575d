"""The isolation guard: stop a request that names another environment's resource.

It runs on botocore's ``provide-client-params`` and ``before-parameter-build``
events, i.e. inside the process before the request is serialised, signed or
sent, so a dev process can never read or write a prod bucket, database or
secret, whatever credentials it holds. A name belongs to an environment when its
leading word is that environment (``prod-bronze-zone``, ``/prod/fmp/api_key``,
``prod_analytics``, ``s3://prod-athena-results/``) or when it starts with the
other environment's variant of this config's bucket prefix. Own-environment and
environment-neutral names pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from finks_config.environment import ALIASES, Environment
from finks_config.errors import IsolationError
from finks_config.validation import owner_of_name

if TYPE_CHECKING:
    from finks_config.settings import Config

_S3_URI = re.compile(r"s3a?://([A-Za-z0-9._-]+)")
_SQL_DATABASE = re.compile(r"\b([A-Za-z]+)_(analytics|bronze|silver|gold)\b")
_NAMED_KEYS = {
    "Bucket": "bucket",
    "DatabaseName": "database",
    "Database": "database",
    "SecretId": "secret",
    "WorkGroup": "work group",
}
_SERVICE_NAME_KEYS = {
    "secretsmanager": {"Name": "secret", "SecretIdList": "secret"},
    "athena": {"Name": "work group"},
    "ssm": {"Name": "parameter", "Names": "parameter", "Path": "parameter"},
}
_GLUE_DATABASE_OPS = {"GetDatabase", "DeleteDatabase", "UpdateDatabase"}


def _arn_resource(value: str) -> str:
    """``arn:aws:secretsmanager:...:secret:/prod/x-Ab12`` -> ``/prod/x-Ab12``."""
    if not value.startswith("arn:"):
        return value
    parts = value.split(":", 5)
    if len(parts) < 6:
        return value
    resource = parts[5]
    for head in ("secret:", "accesspoint/", "accesspoint:", "parameter"):
        if resource.startswith(head):
            return resource[len(head) :]
    return resource


def _copy_source_bucket(value: Any) -> str | None:
    if isinstance(value, dict):
        bucket = value.get("Bucket")
        return bucket if isinstance(bucket, str) else None
    if isinstance(value, str):
        text = _arn_resource(value.lstrip("/"))
        return text.split("/", 1)[0] or None
    return None


def _walk(value: Any, kind: str | None = None) -> Iterator[tuple[str, str]]:
    """Every (kind, name) pair in a parameter structure that names a guarded resource."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "CopySource":
                bucket = _copy_source_bucket(item)
                if bucket:
                    yield "bucket", bucket
                continue
            if (
                key == "DatabaseInput"
                and isinstance(item, dict)
                and isinstance(item.get("Name"), str)
            ):
                yield "database", item["Name"]
            yield from _walk(item, _NAMED_KEYS.get(key))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _walk(item, kind)
    elif isinstance(value, str):
        if kind is not None:
            yield kind, value
        for match in _S3_URI.finditer(value):
            yield "S3 location", match.group(1)


def referenced_resources(
    service: str, operation: str, params: dict[str, Any]
) -> list[tuple[str, str]]:
    """The guarded resource names one API call's parameters mention."""
    found = list(_walk(params))
    for key, kind in _SERVICE_NAME_KEYS.get(service, {}).items():
        value = params.get(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                found.append((kind, item))
    if service == "secretsmanager":
        for flt in params.get("Filters") or []:
            values = flt.get("Values") if isinstance(flt, dict) else None
            found.extend(("secret", v) for v in values or [] if isinstance(v, str))
    if (
        service == "glue"
        and operation in _GLUE_DATABASE_OPS
        and isinstance(params.get("Name"), str)
    ):
        found.append(("database", params["Name"]))
    if service == "athena" and isinstance(params.get("QueryString"), str):
        for match in _SQL_DATABASE.finditer(params["QueryString"]):
            found.append(("database", match.group(0)))
    return found


def _foreign_prefixes(config: Config) -> dict[str, Environment]:
    """Another env's variant of a custom prefix: ``acme-dev`` -> ``acme-prod``, ``acme-staging``."""
    prefix = config.s3_bucket_prefix
    own = config.environment
    result: dict[str, Environment] = {}
    for alias in ALIASES[own.value]:
        pattern = re.compile(rf"(?<![a-z0-9]){re.escape(alias)}(?![a-z0-9])")
        if prefix != alias and pattern.search(prefix):
            for env in Environment:
                if env is not own:
                    result[pattern.sub(env.value, prefix, count=1)] = env
    return result


def owner_for(config: Config, name: str) -> Environment | None:
    """The other environment ``name`` belongs to, or None when this config may use it.

    Own prefix or a leading own-environment word: ours. A leading word naming
    another environment (any alias: ``production-x``), or another environment's
    canonical name anywhere in it (``finks-prod``): theirs. Otherwise neutral.
    """
    resource = _arn_resource(name.strip())
    lowered = resource.lower().lstrip("/")
    own_prefix = config.s3_bucket_prefix
    if lowered == own_prefix or lowered.startswith((own_prefix + "-", own_prefix + ".")):
        return None
    for foreign, env in _foreign_prefixes(config).items():
        if lowered == foreign or lowered.startswith((foreign + "-", foreign + ".")):
            return env
    owner = owner_of_name(lowered)
    if owner is config.environment:
        return None
    if owner is not None:
        return owner
    tokens = set(re.split(r"[-_./:\s]+", lowered))
    for env in Environment:
        if env is not config.environment and env.value in tokens:
            return env
    return None


def check_request(config: Config, service: str, operation: str, params: dict[str, Any]) -> None:
    """Raise IsolationError if ``params`` name a resource of another environment."""
    for kind, name in referenced_resources(service, operation, params):
        owner = owner_for(config, name)
        if owner is not None:
            raise IsolationError(
                f"{config.indicator} refused {service}.{operation}: {kind} {name!r} belongs to "
                f"{owner.value}, this process is configured for {config.environment.value}; "
                "nothing was sent",
                fix="derive names from the config (config.bronze_bucket, config.secret_path(...))",
            )


class IsolationGuard:
    """A botocore event handler bound to one Config (registered by ``aws_session``)."""

    def __init__(self, config: Config) -> None:
        self.config = config

    def __call__(self, params: Any = None, model: Any = None, **_: Any) -> None:
        # Returns None on purpose: a value from provide-client-params would replace params.
        if not isinstance(params, dict) or model is None:
            return None
        service = str(model.service_model.service_name)
        check_request(self.config, service, str(model.name), params)
        return None

    def register(self, events: Any) -> None:
        """Hook into every service and operation of a botocore event emitter."""
        events.register("provide-client-params", self, unique_id="finks-isolation-provide")
        events.register("before-parameter-build", self, unique_id="finks-isolation-build")
