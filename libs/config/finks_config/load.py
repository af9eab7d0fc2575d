"""``load_config``: the one entry point every project calls."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from finks_config.environment import Environment, current_environment
from finks_config.errors import ConfigError
from finks_config.loader import resolve
from finks_config.paths import repo_root
from finks_config.settings import Config, build_config
from finks_config.validation import validate_config


def _select_environment(
    env: Environment | str | None, overrides: Mapping[str, str] | None
) -> Environment:
    """Explicit ``env`` (a CLI's --env) > ``overrides['ENVIRONMENT']`` > $ENVIRONMENT > dev."""
    from_overrides = None
    for key, value in (overrides or {}).items():
        if str(key).upper() == "ENVIRONMENT":
            from_overrides = Environment.parse(value, source="overrides: ENVIRONMENT")
    if env is not None:
        chosen = Environment.parse(env, source="env")
        if from_overrides is not None and from_overrides is not chosen:
            raise ConfigError(
                f"overrides say {from_overrides.value!r} but env={chosen.value!r} was requested",
                file="overrides",
                key="ENVIRONMENT",
                fix="drop ENVIRONMENT from overrides",
            )
        return chosen
    if from_overrides is not None:
        return from_overrides
    return current_environment()


def load_config(
    project_config_dir: str | Path | None = None,
    env: Environment | str | None = None,
    overrides: Mapping[str, str] | None = None,
    *,
    root: Path | None = None,
) -> Config:
    """Load, merge, type-check and validate one environment's configuration.

    ``project_config_dir`` (e.g. ``"ingestion/config"``, relative to the repo
    root, or absolute) adds the project's ``.env.{env}`` on top of the shared
    one. ``overrides`` win over everything, env vars included; use them instead
    of writing ``os.environ`` (e.g. ``{"AWS_ENDPOINT_URL": moto.url}``).
    ``root`` defaults to ``repo_root()``. Raises ConfigError subclasses only.
    """
    environment = _select_environment(env, overrides)
    base = root if root is not None else repo_root()
    project_dir = None
    if project_config_dir is not None:
        project_dir = Path(project_config_dir)
        if not project_dir.is_absolute():
            project_dir = base / project_dir
    resolved = resolve(environment, base, project_dir, overrides, dict(os.environ))
    config = build_config(resolved)
    validate_config(config)
    return config
