"""Cross-environment contamination checks for a resolved config (used by the doctor).

The isolation guard stops requests at run time; these checks catch the same
mistakes earlier, in the configuration itself: a dev file pointing at a prod
bucket, a staging Prefect URL in a dev config, a local config talking to real
AWS, a committed file carrying a secret.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlparse

from finks_config.endpoints import endpoint_key
from finks_config.envfiles import is_personal_env_file
from finks_config.environment import Environment
from finks_config.loader import ENV_VAR_SOURCE, OVERRIDE_SOURCE
from finks_config.ownership import mentioned_environments, most_sensitive, owner_for
from finks_config.secrets import is_secret_key, looks_like_secret
from finks_config.urls import is_loopback_url

if TYPE_CHECKING:
    from finks_config.settings import Config

# Docker-compose service names of the optional local services.
LOCAL_SERVICE_HOSTS = {"moto", "localstack", "prefect-server", "prefect", "host.docker.internal"}
_RESOURCE_SUFFIXES = ("BUCKET", "PREFIX", "DATABASE", "_DB", "SCHEMA", "LOCATION", "WORKGROUP")


def _url_owner(url: str, own: Environment) -> Environment | None:
    """Another environment a URL's host or path names (``prefect.prod.example.com``)."""
    parsed = urlparse(url)
    return most_sensitive(mentioned_environments(f"{parsed.hostname or ''}/{parsed.path}") - {own})


def _is_local_host(url: str) -> bool:
    host = (urlparse(url).hostname or "").lower()
    return is_loopback_url(url) or host in LOCAL_SERVICE_HOSTS


def _url_keys(config: Config) -> list[str]:
    return [endpoint_key(config.environment), "AWS_ENDPOINT_URL", "PREFECT_API_URL"]


def local_service_warnings(config: Config) -> list[str]:
    """A cloud env pointed at a loopback service at run time: fine for tests and the
    rehearsal's emulated accounts, worth a line so nobody mistakes it for the real account."""
    if config.is_local:
        return []
    return [
        f"{config.source_of(key)}: {key}={url}: {config.environment.value} talks to a local "
        "service (an emulator), not its AWS account"
        for key in _url_keys(config)
        if (url := config.raw(key))
        and _is_local_host(url)
        and is_runtime_source(config.source_of(key))
    ]


def contamination_findings(config: Config) -> list[str]:
    """Every sign that ``config`` mixes environments; empty when it is clean."""
    env = config.environment
    findings: list[str] = []

    def where(key: str) -> str:
        return f"{config.source_of(key)}: {key}"

    for name, value in config.derived().items():
        owner = owner_for(config, value.removeprefix("s3://"))
        if owner is not None:
            findings.append(f"{name}={value} belongs to {owner.value}, this is {env.value}")

    for key in _url_keys(config):
        url = config.raw(key)
        if not url:
            continue
        if env is Environment.LOCAL and not _is_local_host(url):
            findings.append(f"{where(key)}={url}: local must only talk to loopback services")
        elif (
            env is not Environment.LOCAL
            and _is_local_host(url)
            and not is_runtime_source(config.source_of(key))
        ):
            findings.append(f"{where(key)}={url}: {env.value} points at a local service")
        owner = _url_owner(url, env)
        if owner is not None:
            findings.append(f"{where(key)}={url}: names {owner.value}, this is {env.value}")

    resolved = config.resolved
    if resolved is None:
        return findings
    for key in config.iter_keys():
        text = resolved.get(key)
        if text is None or is_secret_key(key) or key in _url_keys(config):
            continue
        if key.endswith(_RESOURCE_SUFFIXES) or key.endswith("_URL"):
            if "://" in text and not text.startswith("s3://"):
                owner = _url_owner(text, env)
            else:
                owner = owner_for(config, text.removeprefix("s3://"))
            if owner is not None:
                findings.append(f"{where(key)}={text}: names {owner.value}, this is {env.value}")
    for env_file in resolved.files:
        if is_personal_env_file(env_file.path):
            continue  # personal, git-ignored: the place stand-in secrets belong
        for key, value in env_file.values.items():
            if looks_like_secret(key, value):
                findings.append(
                    f"{env_file.source(key)}: {key}: committed file carries a secret-looking "
                    "value (move it to Secrets Manager or a git-ignored .env.*.local)"
                )
    return findings


def is_runtime_source(source: str) -> bool:
    """True for values that came from the process (env var / override), not a file."""
    return source in (ENV_VAR_SOURCE, OVERRIDE_SOURCE)
