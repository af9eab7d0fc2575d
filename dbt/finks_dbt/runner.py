"""Run dbt in-process (``dbtRunner``) for one environment, with progress and a typed result.

dbt reads its settings from the process environment, so the variables from
``dbt_env`` are set for the duration of one invocation and restored afterwards.
Output goes to ``work_dir(config)`` (target/, logs/), never the project directory.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finks_config import Config, ConfigError, Environment
from finks_config.emulation import athena_emulated
from finks_config.progress import NO_PROGRESS, Progress
from finks_dbt.metrics import RowsRead, profiling_duckdb
from finks_dbt.partitions import PARTITIONS_VARIABLE, partitions_json
from finks_dbt.profile_env import dbt_config, dbt_env
from finks_dbt.project import project_dir, work_dir

# dbt reads os.environ and keeps global state: one invocation per process at a time.
_ONE_INVOCATION = threading.Lock()

# Statuses of a node that did not do its job.
_FAILED = {"error", "fail", "runtime error"}


@dataclass(frozen=True)
class NodeRun:
    """One node of a build: what it was, how it ended, what it cost."""

    name: str
    resource_type: str
    status: str
    seconds: float
    rows_affected: int | None = None
    bytes_scanned: int | None = None  # Athena: data scanned by the node's queries
    rows_read: int | None = None  # DuckDB: rows its statements scanned (profiler)


@dataclass(frozen=True)
class DbtBuildResult:
    """What one ``dbt build`` did: counts for the summary, failures for the error message."""

    ok: bool
    target: str
    models: int = 0
    tests: int = 0
    unit_tests: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    target_path: Path | None = None
    nodes: list[NodeRun] = field(default_factory=list)
    note: str | None = None  # e.g. that the build only submitted SQL to an emulated Athena

    @property
    def rows_read(self) -> int | None:
        """Rows every model read (DuckDB), or None when the engine does not say."""
        return _total(n.rows_read for n in self.nodes if n.resource_type == "model")

    @property
    def bytes_scanned(self) -> int | None:
        """Bytes every node scanned (Athena), or None when the engine does not say."""
        return _total(n.bytes_scanned for n in self.nodes)

    def summary(self) -> str:
        state = "ok" if self.ok else f"FAILED ({len(self.failures)} failures)"
        if self.skipped:
            state += f", {self.skipped} skipped after a failure"
        cost = ""
        if self.rows_read is not None:
            cost = f", models read {self.rows_read} rows"
        elif self.bytes_scanned is not None:
            cost = f", scanned {self.bytes_scanned} bytes"
        note = f" ({self.note})" if self.note else ""
        return (
            f"dbt build --target {self.target}: {state}; {self.models} models, "
            f"{self.tests} data tests, {self.unit_tests} unit tests in {self.elapsed:.1f}s{cost}"
            f"{note}"
        )


def _total(values: Any) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


@contextmanager
def patched_environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set ``values`` in os.environ for the block, then restore exactly what was there."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def dbt_args(config: Config, command: Sequence[str]) -> list[str]:
    """``command`` plus the flags that pin the project, profile, target and output dirs."""
    out = work_dir(config)
    return [
        *command,
        "--project-dir",
        str(project_dir()),
        "--profiles-dir",
        str(project_dir()),
        "--target",
        config.environment.value,
        "--target-path",
        str(out / "target"),
        "--log-path",
        str(out / "logs"),
    ]


class _ProgressEvents:
    """A dbtRunner callback feeding a Progress: the node count, then one step per node."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def __call__(self, event: Any) -> None:
        name = event.info.name
        if name == "FoundStats":
            self.progress.log(f"dbt found {event.data.stat_line}")
        elif name == "LogStartLine":
            self.progress.update(total=int(event.data.total))
        elif name == "NodeFinished":
            info = event.data.node_info
            if info.resource_type == "operation":
                return
            seconds = event.data.run_result.execution_time
            self.progress.advance(
                note=f"{info.resource_type} {info.node_name}: {info.node_status} ({seconds:.1f}s)"
            )


def invoke_dbt(
    config: Config,
    command: Sequence[str],
    progress: Progress | None = None,
    *,
    rows: RowsRead | None = None,
) -> tuple[Any, float]:
    """Run one dbt command for ``config``'s environment; returns (dbtRunnerResult, seconds).

    ``rows`` (DuckDB only) collects the rows each node's statements scanned.
    """
    from dbt.cli.main import dbtRunner

    config = dbt_config(config)
    env_vars = dbt_env(config)
    out = work_dir(config)
    out.mkdir(parents=True, exist_ok=True)
    if config.environment is Environment.LOCAL:
        Path(env_vars["FINKS_DUCKDB_PATH"]).parent.mkdir(parents=True, exist_ok=True)
        if config.aws_endpoint_url:  # a build against the emulator, not an offline compile
            env_vars[PARTITIONS_VARIABLE] = partitions_json(config)
    callbacks: list[Callable[[Any], None]] = []
    if progress is not None:
        callbacks.append(_ProgressEvents(progress))
    if rows is not None:
        callbacks.append(rows.on_event)
    started = time.monotonic()
    with _ONE_INVOCATION, patched_environ(env_vars), ExitStack() as stack:
        if rows is not None and config.environment is Environment.LOCAL:
            stack.enter_context(profiling_duckdb(rows))
        result = dbtRunner(callbacks=callbacks).invoke(dbt_args(config, command))
    return result, time.monotonic() - started


def run_build(
    config: Config,
    select: str | None = None,
    *,
    full_refresh: bool = False,
    progress: Progress | None = None,
    state: Path | None = None,
    exclude: str | None = None,
) -> DbtBuildResult:
    """``dbt build --target <env>``: models, data tests and unit tests, in DAG order.

    Models are incremental; ``full_refresh`` rebuilds them from bronze. Against an emulated
    Athena (the release rehearsal) the statements are only submitted (finks_dbt.emulated).
    ``state`` is a
    directory holding a previous ``manifest.json`` (for ``state:`` selectors such as
    ``state:modified+``). Locally dbt runs on DuckDB over the bronze objects in the S3
    emulator, so the config must carry the emulator's endpoint (``AWS_ENDPOINT_URL``).
    """
    config = dbt_config(config)
    if config.environment is Environment.LOCAL and not config.aws_endpoint_url:
        raise ConfigError(
            "the local dbt build reads bronze from the S3 emulator, and no endpoint is set",
            key="AWS_ENDPOINT_URL",
            fix="start the local stack (./pants run pipelines:deploy -- --env local) or pass "
            "overrides={'AWS_ENDPOINT_URL': url}",
        )
    if not config.is_local and athena_emulated():  # the rehearsal: Athena runs no SQL
        from finks_dbt.emulated import emulated_build

        return emulated_build(config, select, exclude=exclude, progress=progress)
    command = build_command(config, select, full_refresh=full_refresh, state=state, exclude=exclude)
    if progress is not None:
        command.append("--quiet")  # the progress replaces dbt's console log (errors still print)
    rows = RowsRead()
    result, elapsed = invoke_dbt(config, command, progress or NO_PROGRESS, rows=rows)
    return build_result(config, result, elapsed, rows)


def build_command(
    config: Config,
    select: str | None = None,
    *,
    full_refresh: bool = False,
    state: Path | None = None,
    exclude: str | None = None,
) -> list[str]:
    """The dbt build command for ``config``'s environment.

    Unit tests have static inputs, so they run where they are cheap (DuckDB: local
    and CI's ``./pants test dbt::``), not as Athena queries on every cloud deploy.
    """
    command = ["build"]
    if config.environment is not Environment.LOCAL:
        command += ["--exclude-resource-type", "unit_test"]
    if select:
        command += ["--select", select]
    if exclude:
        command += ["--exclude", exclude]
    if full_refresh:
        command.append("--full-refresh")
    if state is not None:
        command += ["--state", str(state)]
    return command


def _node_run(node_result: Any, rows: RowsRead | None) -> NodeRun:
    node = node_result.node
    response = node_result.adapter_response or {}
    scanned = response.get("data_scanned_in_bytes")
    affected = response.get("rows_affected")
    read = rows.by_node.get(node.unique_id) if rows is not None and rows.by_node else None
    return NodeRun(
        name=node.name,
        resource_type=str(node.resource_type),
        status=str(node_result.status),
        seconds=float(node_result.execution_time or 0.0),
        rows_affected=int(affected) if isinstance(affected, int) and affected >= 0 else None,
        bytes_scanned=int(scanned) if isinstance(scanned, int) else None,
        rows_read=int(read) if read is not None else None,
    )


def build_result(
    config: Config, result: Any, elapsed: float, rows: RowsRead | None = None
) -> DbtBuildResult:
    """Fold a dbtRunnerResult into a DbtBuildResult."""
    target = config.environment.value
    target_path = work_dir(config) / "target"
    if result.exception is not None and result.result is None:
        message = " ".join(str(result.exception).split())
        return DbtBuildResult(
            False, target, failures=[message], elapsed=elapsed, target_path=target_path
        )
    counts = {"model": 0, "test": 0, "unit_test": 0}
    skipped = 0
    failures: list[str] = []
    nodes: list[NodeRun] = []
    for node_result in getattr(result.result, "results", []) or []:
        run = _node_run(node_result, rows)
        nodes.append(run)
        if run.status == "skipped":
            skipped += 1
        elif run.status in _FAILED:
            detail = " ".join(str(node_result.message or "").split())
            failures.append(
                f"{run.resource_type} {run.name}: {run.status}{': ' + detail if detail else ''}"
            )
        elif run.resource_type in counts:
            counts[run.resource_type] += 1
    if result.exception is not None:
        failures.append(" ".join(str(result.exception).split()))
    if not result.success and not failures:
        failures.append(f"dbt reported a failure; see the logs in {work_dir(config) / 'logs'}")
    return DbtBuildResult(
        ok=bool(result.success) and not failures,
        target=target,
        models=counts["model"],
        tests=counts["test"],
        unit_tests=counts["unit_test"],
        skipped=skipped,
        failures=failures,
        elapsed=elapsed,
        target_path=target_path,
        nodes=nodes,
    )
