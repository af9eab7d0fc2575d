"""Run dbt in-process (``dbtRunner``) for one environment, with progress and a typed result.

dbt reads its settings from the process environment, so the variables from
``dbt_env`` are set for the duration of one invocation and restored afterwards.
Output goes to ``work_dir(config)`` (target/, logs/), never the source tree.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finks_config import Config, ConfigError, Environment
from finks_dbt.profile_env import dbt_config, dbt_env
from finks_dbt.project import project_dir, work_dir

Progress = Callable[[str], None]

# dbt reads os.environ and keeps global state: one invocation per process at a time.
_ONE_INVOCATION = threading.Lock()

# Statuses of a node that did not do its job.
_FAILED = {"error", "fail", "runtime error"}


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

    def summary(self) -> str:
        state = "ok" if self.ok else f"FAILED ({len(self.failures)} failures)"
        if self.skipped:
            state += f", {self.skipped} skipped after a failure"
        return (
            f"dbt build --target {self.target}: {state}; {self.models} models, "
            f"{self.tests} data tests, {self.unit_tests} unit tests in {self.elapsed:.1f}s"
        )


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


class _ProgressPrinter:
    """A dbtRunner callback: one line per finished node, ``[i/n] model stg_prices: success``."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.total = 0
        self.done = 0

    def __call__(self, event: Any) -> None:
        name = event.info.name
        if name == "FoundStats":
            self.progress(f"dbt found {event.data.stat_line}")
        elif name == "LogStartLine":
            self.total = max(self.total, int(event.data.total))
        elif name == "NodeFinished":
            info = event.data.node_info
            if info.resource_type == "operation":
                return
            self.done += 1
            seconds = event.data.run_result.execution_time
            of = f"/{self.total}" if self.total else ""
            self.progress(
                f"[{self.done}{of}] {info.resource_type} {info.node_name}: "
                f"{info.node_status} ({seconds:.1f}s)"
            )


def invoke_dbt(
    config: Config, command: Sequence[str], progress: Progress | None = None
) -> tuple[Any, float]:
    """Run one dbt command for ``config``'s environment; returns (dbtRunnerResult, seconds)."""
    from dbt.cli.main import dbtRunner

    config = dbt_config(config)
    env_vars = dbt_env(config)
    out = work_dir(config)
    out.mkdir(parents=True, exist_ok=True)
    if config.environment is Environment.LOCAL:
        Path(env_vars["FINKS_DUCKDB_PATH"]).parent.mkdir(parents=True, exist_ok=True)
    callbacks: list[Callable[[Any], None]] = (
        [_ProgressPrinter(progress)] if progress is not None else []
    )
    started = time.monotonic()
    with _ONE_INVOCATION, patched_environ(env_vars):
        result = dbtRunner(callbacks=callbacks).invoke(dbt_args(config, command))
    return result, time.monotonic() - started


def run_build(
    config: Config, select: str | None = None, progress: Progress | None = None
) -> DbtBuildResult:
    """``dbt build --target <env>``: models, data tests and unit tests, in DAG order.

    Locally dbt runs on DuckDB over the bronze objects in the S3 emulator, so the
    config must carry the emulator's endpoint (``AWS_ENDPOINT_URL``).
    """
    config = dbt_config(config)
    if config.environment is Environment.LOCAL and not config.aws_endpoint_url:
        raise ConfigError(
            "the local dbt build reads bronze from the S3 emulator, and no endpoint is set",
            key="AWS_ENDPOINT_URL",
            fix="start the local stack (./pants run pipelines:deploy -- --env local) or pass "
            "overrides={'AWS_ENDPOINT_URL': url}",
        )
    command = build_command(config, select)
    if progress is not None:
        command.append(
            "--quiet"
        )  # the progress lines replace dbt's console log (errors still print)
    result, elapsed = invoke_dbt(config, command, progress)
    return build_result(config, result, elapsed)


def build_command(config: Config, select: str | None = None) -> list[str]:
    """The dbt build command for ``config``'s environment.

    Unit tests have static inputs, so they run where they are cheap (DuckDB: local
    and CI's ``./pants test dbt::``), not as Athena queries on every cloud deploy.
    """
    command = ["build"]
    if config.environment is not Environment.LOCAL:
        command += ["--exclude-resource-type", "unit_test"]
    if select:
        command += ["--select", select]
    return command


def build_result(config: Config, result: Any, elapsed: float) -> DbtBuildResult:
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
    for node_result in getattr(result.result, "results", []) or []:
        node = node_result.node
        kind = str(node.resource_type)
        status = str(node_result.status)
        if status == "skipped":
            skipped += 1
        elif status in _FAILED:
            detail = " ".join(str(node_result.message or "").split())
            failures.append(f"{kind} {node.name}: {status}{': ' + detail if detail else ''}")
        elif kind in counts:
            counts[kind] += 1
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
    )
