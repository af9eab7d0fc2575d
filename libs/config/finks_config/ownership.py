"""Which environment a resource name belongs to: the naming rule behind isolation.

Pure string rules, shared by the request guard (``finks_config.aws.guard``) and
the doctor's contamination checks, so both judge a name the same way:

- a name that starts with this config's bucket prefix or its environment's own
  word (``dev-bronze-zone``, ``/dev/fmp/api_key``, ``dev_analytics``) is ours;
- a name with another environment's word anywhere in it, in any alias
  (``prod``, ``production``, ``prd``, ``stg``...), any case, split at
  ``-_./:``, spaces, camelCase and digit boundaries (``finks-production-bronze``,
  ``FinksProdBronze``, ``analytics_stg``), belongs to that environment;
- another environment's variant of a custom prefix (``acme-dev`` ->
  ``acme-prod-...``) belongs to that environment;
- anything else is neutral (``finks-shared-tools``, ``athena-results``,
  ``product-catalog``: words, not substrings).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

from finks_config.environment import ALIASES, Environment

if TYPE_CHECKING:
    from finks_config.settings import Config

_SEPARATORS = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")
_ALIAS_OWNER: dict[str, Environment] = {
    alias: Environment(env) for env, aliases in ALIASES.items() for alias in aliases
}
_SENSITIVITY = list(Environment)  # least to most sensitive: local, dev, staging, prod


def name_words(name: str) -> list[str]:
    """``FinksProd-bronze_zone2`` -> ``['finks', 'prod', 'bronze', 'zone', '2']``."""
    return [word for word in _SEPARATORS.split(_CAMEL.sub("-", name).lower()) if word]


def resource_of_arn(value: str) -> str:
    """``arn:aws:secretsmanager:...:secret:/prod/x-Ab12`` -> ``/prod/x-Ab12``; other text as is."""
    if not value.startswith("arn:"):
        return value
    parts = value.split(":", 5)
    if len(parts) < 6:
        return value
    resource = parts[5]
    for head in ("secret:", "accesspoint/", "accesspoint:", "parameter", "role/", "user/"):
        if resource.startswith(head):
            return resource[len(head) :]
    return resource


def owner_of_name(name: str) -> Environment | None:
    """The environment a name's leading word names (``prod-bronze-zone`` -> prod), else None."""
    words = name_words(name)
    return _ALIAS_OWNER.get(words[0]) if words else None


def mentioned_environments(name: str) -> set[Environment]:
    """Every environment whose word (any alias) appears anywhere in ``name``."""
    return _mentioned(name_words(name))


def _mentioned(words: list[str]) -> set[Environment]:
    return {_ALIAS_OWNER[word] for word in words if word in _ALIAS_OWNER}


def most_sensitive(envs: Iterable[Environment]) -> Environment | None:
    """The most sensitive of ``envs`` (prod over staging over dev over local), None if empty."""
    chosen = list(envs)
    return max(chosen, key=_SENSITIVITY.index) if chosen else None


@cache
def _foreign_prefixes(prefix: str, own: Environment) -> tuple[tuple[str, Environment], ...]:
    """Another env's variant of a custom prefix: ``acme-dev`` -> ``acme-prod``, ``acme-staging``."""
    result: dict[str, Environment] = {}
    for alias in ALIASES[own.value]:
        pattern = re.compile(rf"(?<![a-z0-9]){re.escape(alias)}(?![a-z0-9])")
        if prefix != alias and pattern.search(prefix):
            for env in Environment:
                if env is not own:
                    result[pattern.sub(env.value, prefix, count=1)] = env
    return tuple(result.items())


def _starts_with(name: str, head: str) -> bool:
    return name == head or (name.startswith(head) and not name[len(head)].isalnum())


def owner_for(config: Config, name: str) -> Environment | None:
    """The other environment ``name`` belongs to, or None when this config may use it."""
    resource = resource_of_arn(name.strip()).lstrip("/")
    lowered = resource.lower()
    if not lowered:
        return None
    if _starts_with(lowered, config.s3_bucket_prefix):
        return None
    for foreign, env in _foreign_prefixes(config.s3_bucket_prefix, config.environment):
        if _starts_with(lowered, foreign):
            return env
    words = name_words(resource)
    leading = _ALIAS_OWNER.get(words[0]) if words else None
    if leading is config.environment:
        return None
    others = _mentioned(words) - {config.environment}
    if leading in others:
        return leading
    # Several other environments named: report the most sensitive one (None if none).
    return most_sensitive(others)
