"""``./pants run ingestion:deploy -- --env ENV [--dry-run]``: bronze, described for Athena.

What ingestion's deploy applies: ingestion's code ships inside the worker runtime (the
pipelines deploy), so nothing is uploaded here. Ingestion owns bronze, so its deploy
makes the env's Glue catalog describe what this commit writes: one external table per
dataset with partition projection on ``ingest_date`` (``finks_ingestion.bronze_tables``),
created or updated only where it differs. The preflight checks the env's FMP secret
resolves (``/{env}/fmp/api_key``; its value is never printed) and the bronze database
exists, so a deploy that cannot work stops with one line before changing anything.
The deploy contract (finks_deploy) does the banner, prod rule, lock and ledger.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from finks_config.aws import client, get_secret
from finks_config.cli import doing
from finks_config.layout import DATASETS
from finks_deploy import DeployContext, Project, deploy_main
from finks_ingestion.bronze_tables import apply_bronze_tables, plan_bronze_tables, table_name


class IngestionDeploy(Project):
    """The ingestion project: its deploy applies the bronze Glue tables."""

    name = "ingestion"

    def preflight(self, ctx: DeployContext) -> None:
        config = ctx.config
        path = config.secret_path("fmp")
        try:
            with doing(f"reading the {ctx.env.value} FMP secret {path}"):
                get_secret(config, "fmp")
            with doing(f"reading the Glue database {config.bronze_database}"):
                client(config, "glue").get_database(Name=config.bronze_database)
        except Exception as error:  # - a dry run previews what it can
            ctx.preview_failure(error)
            return
        ctx.log(f"FMP secret {path} resolves; Glue database {config.bronze_database} exists")

    def apply(self, ctx: DeployContext) -> None:
        try:
            with doing(f"comparing the bronze tables in {ctx.config.bronze_database}"):
                changes = plan_bronze_tables(ctx.config)
        except Exception as error:  # - a dry run previews what it can
            ctx.preview_failure(error, "cannot read Glue ({error})")
            for dataset in DATASETS:
                table = f"{ctx.config.bronze_database}.{table_name(dataset)}"
                ctx.log(f"dry run: would create or update Glue table {table}")
            return
        for change in changes:
            prefix = "dry run: would " if ctx.dry_run and change.action != "unchanged" else ""
            ctx.log(f"{prefix}{change.line()}")
        ctx.detail("bronze_tables", {c.table: c.action for c in changes})
        todo = [c for c in changes if c.action != "unchanged"]
        if ctx.dry_run or not todo:
            return
        ctx.step(1, 1, f"applying {len(todo)} bronze table change(s)")
        with doing(f"applying the bronze tables in {ctx.config.bronze_database}"):
            apply_bronze_tables(ctx.config, todo)


def main(argv: Sequence[str] | None = None) -> int:
    return deploy_main(IngestionDeploy(), argv)


__all__ = ["IngestionDeploy", "main"]

if __name__ == "__main__":
    sys.exit(main())
