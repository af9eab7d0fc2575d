"""A dbt build against an emulated Athena (the release rehearsal's moto), which runs no SQL.

Why: moto's Athena answers every query SUCCEEDED without executing it, so dbt-athena's
materializations (which then look the new table up in Glue) cannot work there. With
``finks_config.emulation.athena_emulated()`` a build instead compiles the selected nodes
offline (as the SQL checks do), submits each statement to the env's Athena work group
through the guarded client, as dbt-athena would (models as Iceberg CTAS in their zone
bucket, tests as queries), and waits for each. The statements land in the emulated
account's query history, where the rehearsal checks them (``sqlcheck``); permissions
(IAM) and names are exercised for real, results are not.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from finks_config import Config
from finks_config.aws import client
from finks_config.emulation import ATHENA_VARIABLE
from finks_config.progress import NO_PROGRESS, Progress
from finks_dbt.runner import DbtBuildResult, NodeRun
from finks_dbt.sqlcheck import CompiledStatement, compiled_sql

_DONE = {"SUCCEEDED", "FAILED", "CANCELLED"}
POLL_SECONDS = 0.2


def athena_statement(config: Config, statement: CompiledStatement) -> str:
    """What dbt-athena sends for a node: an Iceberg CTAS for a model, the query for a test."""
    if statement.resource_type != "model":
        return statement.sql
    cfg = statement.node_config
    location = (
        f"{str(cfg.get('s3_data_dir') or '').rstrip('/')}/{statement.schema}/{statement.alias}/"
    )
    properties = ["table_type='iceberg'", "is_external=false", f"location='{location}'"]
    properties.append("format='parquet'")
    if cfg.get("partitioned_by"):
        partitions = ", ".join(f"'{column}'" for column in cfg["partitioned_by"])
        properties.append(f"partitioning=ARRAY[{partitions}]")
    relation = f'"awsdatacatalog"."{statement.schema}"."{statement.alias}"'
    return f"create table {relation}\nwith ({', '.join(properties)})\nas\n{statement.sql}"


def _wait(athena: Any, query_id: str, timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        state = execution.get("Status", {}).get("State")
        if state in _DONE or time.monotonic() > deadline:
            return dict(execution)
        time.sleep(POLL_SECONDS)


def _submit(
    config: Config, statements: list[CompiledStatement], bar: Progress
) -> Iterator[NodeRun]:
    athena = client(config, "athena")
    for statement in statements:
        started = time.monotonic()
        query_id = athena.start_query_execution(
            QueryString=athena_statement(config, statement),
            WorkGroup=config.athena_work_group,
            QueryExecutionContext={
                "Catalog": "AwsDataCatalog",
                "Database": config.analytics_database,
            },
            ResultConfiguration={"OutputLocation": config.athena_results_location},
        )["QueryExecutionId"]
        state = _wait(athena, query_id).get("Status", {}).get("State", "UNKNOWN")
        name = statement.node.split(" (")[0].rsplit(".", 1)[-1]
        status = "success" if state == "SUCCEEDED" else "error"
        bar.advance(note=f"{statement.resource_type} {name}: submitted ({state})")
        yield NodeRun(name, statement.resource_type, status, time.monotonic() - started)


def emulated_build(
    config: Config,
    select: str | None,
    *,
    exclude: str | None = None,
    progress: Progress | None = None,
) -> DbtBuildResult:
    """Compile the selected nodes and submit each statement to the emulated Athena."""
    bar = progress or NO_PROGRESS
    started = time.monotonic()
    statements = compiled_sql(config, shapes=(None,), select=select, exclude=exclude)
    statements = [s for s in statements if s.resource_type in ("model", "test")]
    bar.update(total=len(statements))
    nodes = list(_submit(config, statements, bar))
    note = (
        f"Athena is emulated ({ATHENA_VARIABLE}=1: the release rehearsal): "
        f"{len(nodes)} statements submitted, none executed"
    )
    bar.log(f"{config.indicator} dbt: {note}")
    failures = [
        f"{n.resource_type} {n.name}: the emulated Athena did not finish it"
        for n in nodes
        if n.status != "success"
    ]
    return DbtBuildResult(
        ok=not failures,
        target=config.environment.value,
        models=sum(n.resource_type == "model" for n in nodes),
        tests=sum(n.resource_type == "test" for n in nodes),
        failures=failures,
        elapsed=time.monotonic() - started,
        nodes=nodes,
        note=note,
    )
