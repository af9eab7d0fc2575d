"""``./pants run dbt:deploy -- --env ENV [--dry-run] [--select SELECTOR]``.

Deploying dbt means building it: ``dbt build --target ENV`` (Athena in the
cloud, DuckDB locally) with progress, then keeping the manifest and run results
as deploy artifacts. ``--dry-run`` parses the project offline and prints the
target, database, locations and models; it needs no AWS credentials.
"""

from __future__ import annotations

import argparse
import sys

from finks_config import Environment
from finks_config.aws import aws_session, client
from finks_dbt.plan import build_plan
from finks_dbt.runner import run_build
from finks_deploy import DeployContext, DeployError, UsageError, run_deploy

PROJECT = "dbt"


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--select",
        default=None,
        help="dbt node selection, e.g. 'stg_prices+' (default: the whole project)",
    )


def _check_credentials(ctx: DeployContext) -> None:
    """Athena needs real AWS credentials; say so before dbt starts, not in a stack trace."""
    if ctx.env is Environment.LOCAL:
        return
    if aws_session(ctx.config).get_credentials() is None:
        raise UsageError(
            f"no AWS credentials for {ctx.env.value}: dbt builds on Athena there. Log in to the "
            f"{ctx.env.value} account (aws sso login / CI's OIDC role), or use --dry-run"
        )


def _deploy(ctx: DeployContext) -> None:
    if ctx.dry_run:
        ctx.step(1, 1, "parsing the dbt project (offline)")
        for line in build_plan(ctx.config).lines():
            ctx.log(line)
        return

    _check_credentials(ctx)
    ctx.step(1, 2, f"dbt build --target {ctx.env.value}")
    result = run_build(ctx.config, select=ctx.args.select, progress=ctx.log)
    ctx.log(result.summary())
    if not result.ok:
        for failure in result.failures[:20]:
            ctx.log(f"  {failure}")
        raise DeployError(f"dbt build failed: {len(result.failures)} failing nodes (see above)")

    ctx.step(2, 2, "keeping the manifest and run results as deploy artifacts")
    if ctx.env is Environment.LOCAL and not _bucket_exists(ctx):
        ctx.log(
            f"local: no {ctx.config.artifacts_bucket} bucket; "
            f"artifacts stay in {result.target_path}"
        )
        return
    if result.target_path is not None:
        for name in ("manifest.json", "run_results.json"):
            path = result.target_path / name
            if path.is_file():
                ctx.upload_artifact(path, name)


def _bucket_exists(ctx: DeployContext) -> bool:
    s3 = client(ctx.config, "s3")
    try:
        s3.head_bucket(Bucket=ctx.config.artifacts_bucket)
    except s3.exceptions.ClientError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    return run_deploy(PROJECT, _deploy, argv, add_arguments=_add_arguments)


if __name__ == "__main__":
    sys.exit(main())
