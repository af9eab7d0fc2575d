"""finks_dbt: run the `finks` dbt project (dbt/) for one Finks environment.

    from finks_dbt import run_build
    result = run_build(load_config("dbt/config", env="local", overrides={...}))

Athena in dev/staging/prod, DuckDB locally; every dbt setting comes from
finks_config through ``dbt_env``. ``finks_dbt.sqlcheck`` checks the Athena SQL.
See dbt/README.md.
"""

from finks_dbt.locations import ModelLocation, gold_location
from finks_dbt.plan import DbtPlan, PlannedModel, build_plan
from finks_dbt.profile_env import DbtSettings, dbt_config, dbt_env, render_profile
from finks_dbt.project import duckdb_path, project_dir, work_dir
from finks_dbt.runner import DbtBuildResult, NodeRun, invoke_dbt, run_build
from finks_dbt.summary import gold_summary

__all__ = [
    "DbtBuildResult",
    "DbtPlan",
    "DbtSettings",
    "ModelLocation",
    "NodeRun",
    "PlannedModel",
    "build_plan",
    "dbt_config",
    "dbt_env",
    "duckdb_path",
    "gold_location",
    "gold_summary",
    "invoke_dbt",
    "project_dir",
    "render_profile",
    "run_build",
    "work_dir",
]
