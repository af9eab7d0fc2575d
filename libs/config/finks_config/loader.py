"""Find the ``.env`` files for one environment, parse them, and merge with provenance.

Precedence, lowest first (later wins):

1. ``libs/config/.env.{env}``              shared platform config (required, committed)
2. ``<project>/.env.{env}``                project config (required when a project dir is given)
3. ``libs/config/.env.{env}.local``        personal overrides (optional, git-ignored)
4. ``<project>/.env.{env}.local``          personal project overrides (optional, git-ignored)
5. process environment variables
6. ``overrides`` passed to ``load_config`` (tests, the local stack)

Every value remembers where it came from so the doctor can print it and every
error can name the file and line (one file's parse lives in ``envfiles``).
Nothing here writes ``os.environ``: the process environment is snapshotted, so
one load can never leak into another.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from finks_config.envfiles import EnvFile, env_file_path, is_personal_env_file, read_env_file
from finks_config.environment import Environment
from finks_config.errors import ConfigError, MissingEnvFileError
from finks_config.paths import SHARED_CONFIG_DIR, display_path

ENV_VAR_SOURCE = "environment variable"
OVERRIDE_SOURCE = "override"
DEFAULT_SOURCE = "default"
# The platform-wide keys of libs/config/.env.{env} (-> Config fields); the loader
# also snapshots these from process variables besides the keys the files set.
SHARED_KEYS: tuple[str, ...] = (
    "ENVIRONMENT",
    "AWS_REGION",
    "S3_BUCKET_PREFIX",
    "LOG_LEVEL",
    "DEBUG_MODE",
    "PREFECT_API_URL",
    "AWS_ENDPOINT_URL",
)
RELEVANT_PREFIXES = ("FINKS_",)


@dataclass(frozen=True, repr=False)
class ResolvedValues:
    """All layers for one load, kept separate so each value's source stays known.

    ``repr`` shows sources and keys, never values (env vars and overrides may
    carry stand-in secrets).
    """

    environment: Environment
    root: Path
    files: tuple[EnvFile, ...]
    environ: Mapping[str, str] = field(default_factory=dict)
    overrides: Mapping[str, str] = field(default_factory=dict)
    project_dir: Path | None = None

    def lookup(self, key: str) -> tuple[str, str] | None:
        """``(value, source)`` of the winning layer for ``key``; None when no layer sets it.

        An empty value still wins (so a later ``KEY=`` can blank an earlier one);
        ``get`` turns empty into None. A key that no file sets and the snapshot
        did not keep (a project key documented only in .env.example) is read from
        the live process environment.
        """
        key = key.upper()
        if key == "ENVIRONMENT":
            return self.environment.value, self._environment_source()
        if key in self.overrides:
            return self.overrides[key], OVERRIDE_SOURCE
        if key in self.environ:
            return self.environ[key], ENV_VAR_SOURCE
        if key not in SHARED_KEYS and not any(key in f.values for f in self.files):
            live = os.environ.get(key)
            if live is not None:
                return live, ENV_VAR_SOURCE
        for env_file in reversed(self.files):
            if key in env_file.values:
                return env_file.values[key], env_file.source(key)
        return None

    def get(self, key: str) -> str | None:
        """The merged value of ``key``; None when unset or empty (``KEY=`` means unset)."""
        found = self.lookup(key)
        if found is None or found[0].strip() == "":
            return None
        return found[0]

    def source(self, key: str) -> str:
        """Where the winning value of ``key`` came from, or ``default`` when nothing sets it."""
        found = self.lookup(key)
        return found[1] if found else DEFAULT_SOURCE

    def file_keys(self) -> list[str]:
        """Every key any loaded file sets, in first-seen order."""
        seen: dict[str, None] = {}
        for env_file in self.files:
            seen.update(dict.fromkeys(env_file.values))
        return list(seen)

    def file_for_missing(self, *, shared: bool) -> str:
        """The file a missing key belongs in: the shared file, or the project's own file."""
        committed = [f for f in self.files if not is_personal_env_file(f.path)]
        if not committed:
            return "the .env file"
        return committed[0].label if shared else committed[-1].label

    def __repr__(self) -> str:
        return (
            f"ResolvedValues(environment={self.environment.value!r}, files={list(self.files)!r}, "
            f"environ_keys={sorted(self.environ)!r}, override_keys={sorted(self.overrides)!r})"
        )

    def _environment_source(self) -> str:
        for env_file in reversed(self.files):
            if "ENVIRONMENT" in env_file.values:
                return env_file.source("ENVIRONMENT")
        return "selected environment"


def _missing(path: Path, root: Path) -> MissingEnvFileError:
    label = display_path(path, root)
    example = path.parent / ".env.example"
    if not example.is_file():
        example = root / SHARED_CONFIG_DIR / ".env.example"
    return MissingEnvFileError(
        "env file not found",
        file=label,
        fix=f"cp {display_path(example, root)} {label} and fill in the values",
    )


def _check_environment_key(env_file: EnvFile, env: Environment) -> None:
    """A file that names another environment is contamination, not configuration."""
    declared = env_file.values.get("ENVIRONMENT")
    if declared is None or not declared.strip():
        return
    try:
        parsed = Environment.parse(declared)
    except ConfigError as exc:
        raise ConfigError(
            exc.message, file=env_file.source("ENVIRONMENT"), key="ENVIRONMENT"
        ) from None
    if parsed is not env:
        raise ConfigError(
            f"says {parsed.value!r} but this file is loaded for {env.value!r}",
            file=env_file.source("ENVIRONMENT"),
            key="ENVIRONMENT",
            fix=f"set ENVIRONMENT={env.value} in this file",
        )


def resolve(
    env: Environment,
    root: Path,
    project_config_dir: Path | None = None,
    overrides: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> ResolvedValues:
    """Read every file for ``env`` in precedence order and snapshot env vars and overrides."""
    shared_dir = root / SHARED_CONFIG_DIR
    required = [env_file_path(shared_dir, env)]
    personal = [env_file_path(shared_dir, env, personal=True)]
    if project_config_dir is not None:
        required.append(env_file_path(project_config_dir, env))
        personal.append(env_file_path(project_config_dir, env, personal=True))

    files: list[EnvFile] = []
    for path in required:
        if not path.exists():
            raise _missing(path, root)
        files.append(read_env_file(path, root))
    for path in personal:
        if path.exists():
            files.append(read_env_file(path, root))
    for env_file in files:
        _check_environment_key(env_file, env)

    source_env = os.environ if environ is None else environ
    relevant = set(SHARED_KEYS).union(*(f.values for f in files))
    # Only what configuration can use: a pickled Config never carries the rest of
    # the process environment (AWS credentials, tokens of unrelated tools).
    snapshot = {
        key: value
        for key, value in source_env.items()
        if key in relevant or key.startswith(RELEVANT_PREFIXES)
    }
    clean_overrides: dict[str, str] = {}
    for key, value in (overrides or {}).items():
        if not isinstance(value, str):
            raise ConfigError(
                f"override value must be a string, got {type(value).__name__}",
                file="overrides",
                key=str(key),
            )
        clean_overrides[str(key).upper()] = value
    return ResolvedValues(
        environment=env,
        root=root,
        files=tuple(files),
        environ=snapshot,
        overrides=clean_overrides,
        project_dir=project_config_dir,
    )
