"""Where the dbt project is read from and where its run-time output goes.

The project files (``dbt/``) are Pants resources at their repo-relative paths, so they are
found through ``finks_config.repo_root()`` everywhere: a checkout, a Pants sandbox, and the
worker PEX (no repository: the root is the ``sys.path`` entry holding the resources).
dbt's own output (target/, logs/, state, the DuckDB extension cache) never goes into the
project: ``DBT_WORK_DIR`` when set, else ``.finks/{env}/dbt`` in a checkout, else (an
installed runtime, whose files must stay untouched: ``finks_config.is_checkout``)
``$XDG_CACHE_HOME/finks/{env}/dbt``.
"""

from __future__ import annotations

import os
from pathlib import Path

from finks_config import Config, ConfigError, is_checkout, repo_root

PROJECT_NAME = "finks"
PROJECT_SUBDIR = Path("dbt")
CONFIG_SUBDIR = PROJECT_SUBDIR / "config"
LOCAL_WAREHOUSE = Path("local/warehouse.duckdb")


def project_dir() -> Path:
    """``<root>/dbt``: the directory holding dbt_project.yml and profiles.yml."""
    path = repo_root() / PROJECT_SUBDIR
    if not (path / "dbt_project.yml").is_file():
        raise ConfigError(
            f"no dbt_project.yml in {path}",
            fix="run from the repository, or ship dbt:project as resources (a Pants target "
            "that depends on it)",
        )
    return path


def state_root() -> Path:
    """Where run-time state lives: ``.finks/`` of a checkout, else the user's cache."""
    root = repo_root()
    if is_checkout(root):
        return root / ".finks"
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "finks"


def _resolve(value: str) -> Path:
    """A configured path: relative ones are relative to the checkout (else the cwd)."""
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    root = repo_root()
    return (root if is_checkout(root) else Path.cwd()) / path


def work_dir(config: Config) -> Path:
    """Scratch space for one environment's dbt runs: target/, logs/, state/, extensions."""
    override = config.raw("DBT_WORK_DIR")
    if override:
        return _resolve(override)
    return state_root() / config.environment.value / "dbt"


def duckdb_path(config: Config) -> Path:
    """The local warehouse file: ``DBT_DUCKDB_PATH`` or ``.finks/local/warehouse.duckdb``."""
    override = config.raw("DBT_DUCKDB_PATH")
    return _resolve(override) if override else state_root() / LOCAL_WAREHOUSE
