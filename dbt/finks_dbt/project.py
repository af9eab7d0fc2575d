"""Where the dbt project and its run-time output live.

The project files are a Pants ``files`` target (``dbt:project``), so they keep
their repo-relative paths in a test sandbox and under ``pants run``; code finds
them through ``finks_config.repo_root()``, never ``__file__`` (wrong inside a PEX).
dbt's own output (target/, logs/, the DuckDB extension cache) goes under
``.finks/{env}/dbt`` (git- and Pants-ignored), or ``DBT_WORK_DIR`` when set, so a
run never writes into the source tree.
"""

from __future__ import annotations

from pathlib import Path

from finks_config import Config, ConfigError, repo_root

PROJECT_NAME = "finks"
PROJECT_SUBDIR = Path("dbt")
CONFIG_SUBDIR = PROJECT_SUBDIR / "config"
LOCAL_WAREHOUSE = Path(".finks/local/warehouse.duckdb")


def project_dir() -> Path:
    """``<repo>/dbt``: the directory holding dbt_project.yml and profiles.yml."""
    path = repo_root() / PROJECT_SUBDIR
    if not (path / "dbt_project.yml").is_file():
        raise ConfigError(
            f"no dbt_project.yml in {path}",
            fix="run from the repository (or a Pants target that depends on dbt:project)",
        )
    return path


def _resolve(value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else repo_root() / path


def work_dir(config: Config) -> Path:
    """Scratch space for one environment's dbt runs: target/, logs/, extensions."""
    override = config.raw("DBT_WORK_DIR")
    if override:
        return _resolve(override)
    return repo_root() / ".finks" / config.environment.value / "dbt"


def duckdb_path(config: Config) -> Path:
    """The local warehouse file: ``DBT_DUCKDB_PATH`` or ``.finks/local/warehouse.duckdb``."""
    override = config.raw("DBT_DUCKDB_PATH")
    return _resolve(override) if override else repo_root() / LOCAL_WAREHOUSE
