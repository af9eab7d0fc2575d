"""What the environments' checks did in the emulated accounts, and what the rehearsal adds.

Staging (after every staging deploy): the workflow's ``pipelines:check`` triggered a
``medallion-staging`` run that a worker started from the shipped artifact picked up; the
rehearsal then looks for the run, the bronze objects it landed in the staging account,
and every SQL statement the worker's dbt sent to the emulated Athena, which executes
none: each is checked with ``finks_dbt.sqlcheck`` (parses as Trino, names only staging's
resources). Prod (after the release): the smoke check ran in full; the rehearsal seeds
the one thing Athena cannot produce here, gold's latest partition.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import finks_config
from finks_config import layout
from finks_config.calendar import trading_days
from finks_deploy import ledger
from finks_deploy.rehearsal import probes
from finks_deploy.rehearsal.act import ActRun
from finks_deploy.rehearsal.stage import AS_OF, Stage, checks_settings

if TYPE_CHECKING:
    from finks_deploy.rehearsal.scenarios import Expect


def _step_ok(run: ActRun, job: str, step: str) -> bool | None:
    """True/False when the step ran and ended so; None when it never ran."""
    for record in run.records:
        if (
            record.job == job
            and record.step_result
            and step in record.message
            and "Main" in record.message
        ):
            return record.step_result == "success"
    return None


def check_settings(env: str) -> tuple[list[str], date]:
    """The fixed symbols and as-of date of the env's integration check (pipelines/config)."""
    settings = checks_settings(env)
    return list(settings.check_symbols), settings.check_as_of or AS_OF


def staging_check(stage: Stage, run: ActRun, expect: Expect, sha: str) -> None:
    """The staging check's run: on a worker of the deployed digest, bronze landed, SQL checked."""
    account = stage.accounts["staging"]
    config = probes.env_config(account)
    expect.that(
        _step_ok(run, "staging/deploy-env/deploy", "Check staging") is True,
        "the staging check (pipelines:check -- --env staging) did not pass in the deploy job",
    )
    record = ledger.current(config, "pipelines")
    digest = probes.artifact_digests(record).get("worker.pex")
    fleet = stage.ecs.fleets.get("staging")
    expect.that(
        fleet is not None and digest is not None and fleet.digest == digest,
        f"the staging workers run {fleet and fleet.digest}, the ledger's worker.pex is {digest}",
    )
    for error in stage.ecs.errors:
        expect.note(f"ECS stand-in: {error}")
    runs = probes.flow_runs(account, config.deployment_name("medallion"))
    expect.that(bool(runs), "no medallion-staging flow run in staging's Prefect API")
    if runs:
        state = (runs[0].get("state") or {}).get("type")
        expect.note(f"medallion-staging run {runs[0].get('name')}: {state}")
        expect.that(state == "COMPLETED", f"the newest medallion-staging run ended {state}")
    symbols, as_of = check_settings("staging")
    landed = bronze_objects(account, config, as_of)
    expect.that(bool(landed), f"no bronze object for ingest_date={as_of} in {config.bronze_bucket}")
    for symbol in symbols:
        expect.that(
            any(f"symbol={symbol}/" in key for key in landed), f"no bronze object for {symbol}"
        )
    audit_athena(stage, expect, "staging")


def bronze_objects(account: Any, config: finks_config.Config, as_of: date) -> list[str]:
    s3 = account.client("s3")
    keys: list[str] = []
    for dataset in layout.DATASETS:
        prefix = layout.bronze_prefix(dataset)
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=config.bronze_bucket, Prefix=prefix
        ):
            keys += [
                o["Key"] for o in page.get("Contents", []) if f"ingest_date={as_of}" in o["Key"]
            ]
    return keys


def audit_athena(stage: Stage, expect: Expect, env: str) -> None:
    """Each statement the env's dbt sent to the emulated Athena, checked by finks_dbt.sqlcheck."""
    from finks_dbt import sqlcheck

    account = stage.accounts[env]
    config = probes.env_config(account)
    athena = account.client("athena")
    ids: list[str] = []
    for page in athena.get_paginator("list_query_executions").paginate(
        WorkGroup=config.athena_work_group
    ):
        ids += page.get("QueryExecutionIds", [])
    # One call per id: moto answers batch_get_query_execution with a 500.
    executions = [athena.get_query_execution(QueryExecutionId=i)["QueryExecution"] for i in ids]
    stage.substitute(
        "Athena executes no SQL in moto: every statement dbt sends is recorded and checked with"
        " finks_dbt.sqlcheck (Trino grammar, this env's resources only) instead of run"
    )
    report = sqlcheck.check_query_executions(config, executions)
    expect.that(report.checked > 0, f"the {env} worker's dbt sent no SQL to the emulated Athena")
    expect.that(report.ok, f"{env} Athena SQL: " + "; ".join(report.lines()[:5]))
    expect.note(
        f"{env} Athena: {report.checked} statement(s) checked, {len(report.problems)} problem(s)"
    )


def seed_prod_gold(stage: Stage, days: int = 10) -> list[str]:
    """Objects in gold's last daily partitions, where the daily runs would have written them.

    One per trading day of the ``days`` up to the rehearsal's date, the newest being the
    last trading day up to its end (the check judges ``--as-of`` AS_OF as that day's end,
    after the schedule's run of the day), where dbt-athena's Iceberg table keeps them
    (``finks_dbt.locations``), which the smoke check lists.
    """
    from finks_dbt.locations import gold_location

    account = stage.accounts["prod"]
    config = probes.env_config(account)
    where = gold_location(config)
    s3 = account.client("s3")
    keys = []
    seeded = trading_days(AS_OF - timedelta(days=days), AS_OF)
    for day in seeded:
        key = f"{where.prefix}rehearsal-seed/data/{where.partition_key}={day}/seed.parquet"
        s3.put_object(Bucket=where.bucket, Key=key, Body=b"")
        keys.append(key)
    stage.substitute(
        "prod gold holds nothing (Athena executes no SQL): the rehearsal writes an empty object"
        f" per daily partition of fct_daily_prices up to {seeded[-1]} in s3://{where.bucket}/"
        " for the smoke check's freshness rule"
    )
    return keys


def prod_smoke(stage: Stage, run: ActRun, expect: Expect) -> None:
    """The prod smoke check passed in the deploy job, against workers of the released digest."""
    expect.that(
        _step_ok(run, "prod/deploy-env/deploy", "Check prod") is True,
        "the prod smoke check (pipelines:check -- --env prod) did not pass in the deploy job",
    )
    fleet = stage.ecs.fleets.get("prod")
    expect.that(
        fleet is not None and bool(fleet.workers),
        "no prod worker was started from the released artifact",
    )
