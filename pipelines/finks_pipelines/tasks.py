"""Prefect tasks: one unit of pipeline work each, callable (and tested) without Prefect.

Why this shape: each task's body is a plain function (`ingest_batch`, `dbt_stage`,
`gold_checks`) taking the run identity (env, overrides, as-of) and returning a small
JSON summary; the `@task` wrappers add retries and names. Tasks never share a Config
object: each rebuilds the one its project needs, so a task can be retried alone.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.exceptions import MissingContextError

from finks_config import Config
from finks_config.emulation import athena_emulated, athena_emulated_note
from finks_pipelines import gold, notify, quality
from finks_pipelines.limits import fmp_limiter, fmp_rate_limit, slot_batch
from finks_pipelines.progress_ui import run_progress
from finks_pipelines.settings import (
    DBT_CONFIG_DIR,
    INGESTION_CONFIG_DIR,
    load_settings,
    pipelines_config,
    project_config,
)

Overrides = Mapping[str, str] | None
INGEST_COUNTS = (
    "requests",
    "retries",
    "records_written",
    "quarantined",
    "up_to_date",
    "skipped",
    "objects_written",
    "bytes_written",
)


class StageFailed(RuntimeError):
    """A pipeline stage finished with failures (the message says which, without secrets)."""


class ChecksFailed(StageFailed):
    """Gold data checks failed; `quality` holds every check's result for the run record."""

    def __init__(self, message: str, quality: dict[str, Any]) -> None:
        super().__init__(message)
        self.quality = quality


def run_logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    """Prefect's run logger inside a flow/task, else a plain module logger (unit tests)."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("finks_pipelines")


def say(config: Config, message: str) -> None:
    """One `[ENV]`-prefixed log line on the run (shows in the Prefect UI and the console)."""
    run_logger().info("%s %s", config.indicator, message)


def one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:500] or type(error).__name__


# --- ingestion -------------------------------------------------------------------------------
def rate_limit_batch(config: Config) -> int:
    """Slots per acquisition for the env's FMP rate limit; 0 when it is missing.

    The deploy creates the limit; without it the run falls back to ingestion's
    per-process limit and says so once.
    """
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    name = fmp_rate_limit(config).name
    try:
        with get_client(sync_client=True) as client:
            limit = client.read_global_concurrency_limit_by_name(name)
    except ObjectNotFound:
        run_logger().warning(
            "%s rate limit %s is missing on the Prefect API (deploy pipelines to create it);"
            " this run uses ingestion's per-process limit instead",
            config.indicator,
            name,
        )
        return 0
    return slot_batch(int(limit.limit))


def ingest_run_name(symbols: Sequence[str]) -> str:
    """`ingest-AAPL`, or `ingest-AAPL..MSFT` for a batch."""
    label = symbols[0] if len(symbols) == 1 else f"{symbols[0]}..{symbols[-1]}"
    return f"ingest-{label}"


def ingest_batch(
    env: str,
    overrides: Overrides,
    symbols: list[str],
    datasets: list[str],
    as_of: str,
    backfill_from: str | None = None,
    full_refresh: bool = False,
    slots_per_call: int = 0,
) -> dict[str, Any]:
    """Land what bronze lacks of `datasets` for `symbols` up to `as_of`; StageFailed retries."""
    from finks_ingestion import run_ingestion

    config = project_config(INGESTION_CONFIG_DIR, env, overrides)
    limiter = None
    if slots_per_call:  # the env's rate limit exists: take its slots (else ingestion's own)
        limiter = fmp_limiter(pipelines_config(env, overrides), batch=slots_per_call)
    with run_progress(ingest_run_name(symbols), unit="pairs") as bar:
        report = run_ingestion(
            config,
            symbols,
            as_of=date.fromisoformat(as_of),
            datasets=datasets,
            limiter=limiter,
            backfill_from=date.fromisoformat(backfill_from) if backfill_from else None,
            full_refresh=full_refresh,
            progress=bar,
        )
    if not report.ok:
        raise StageFailed(
            f"{config.indicator} {ingest_run_name(symbols)}: {'; '.join(report.failures)}"
        )
    return {
        "datasets": list(datasets),
        "symbols": list(symbols),
        "requests": report.requests,
        "retries": report.retries,
        "records_written": report.records_written,
        "quarantined": report.quarantined,
        "up_to_date": report.up_to_date,
        "skipped": report.skipped_duplicates,
        "objects_written": report.objects_written,
        "bytes_written": report.bytes_written,
        "elapsed": round(report.elapsed_seconds, 3),
    }


def sum_ingest(results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The flow's totals over its ingest tasks."""
    return {key: sum(int(r.get(key, 0)) for r in results) for key in INGEST_COUNTS}


ingest_task = task(name="ingest", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=10)(
    ingest_batch
)


# --- dbt -------------------------------------------------------------------------------------
@contextlib.contextmanager
def warehouse_lock(config: Config, *, holder: str) -> Iterator[None]:
    """The env's `warehouse` lock (shared with dbt deploys) around a transform."""
    from finks_deploy.lock import named_lock

    timeout = load_settings(config).pipeline_warehouse_lock_timeout_seconds
    with named_lock(
        config, "warehouse", holder=holder, timeout=timeout, progress=lambda m: say(config, m)
    ):
        say(config, f"holding the warehouse lock ({holder})")
        yield


def dbt_stage(
    env: str, overrides: Overrides, stage: str, full_refresh: bool = False
) -> dict[str, Any]:
    """`dbt build` of one medallion layer (`silver` or `gold`, the dbt tags)."""
    import finks_dbt

    config = project_config(DBT_CONFIG_DIR, env, overrides)
    say(config, f"dbt build --select tag:{stage}" + (" --full-refresh" if full_refresh else ""))
    started = time.monotonic()
    kwargs: dict[str, Any] = {"full_refresh": True} if full_refresh else {}
    result = finks_dbt.run_build(config, select=f"tag:{stage}", **kwargs)
    elapsed = time.monotonic() - started
    if not result.ok:
        raise StageFailed(f"{config.indicator} dbt {stage}: {'; '.join(map(str, result.failures))}")
    return {
        "stage": stage,
        "models": _count(result.models),
        "tests": _count(result.tests),
        "rows_read": getattr(result, "rows_read", None),
        "bytes_read": getattr(result, "bytes_scanned", None),
        "elapsed": round(elapsed, 3),
    }


def _count(value: object) -> int:
    if isinstance(value, int):
        return value
    try:
        return len(value)  # type: ignore[arg-type]
    except TypeError:
        return 0


dbt_task = task(
    name="dbt-build", task_run_name="dbt-build-{stage}", cache_policy=NO_CACHE, retries=1
)(dbt_stage)


# --- gold checks -----------------------------------------------------------------------------
def gold_query(env: str, overrides: Overrides) -> tuple[gold.Query, gold.Dialect, str, Path | None]:
    """How to query gold here: (query, dialect, schema, local warehouse path or None)."""
    import finks_dbt

    config = project_config(DBT_CONFIG_DIR, env, overrides)
    if config.is_local:
        path = Path(finks_dbt.duckdb_path(config))
        return gold.duckdb_query(path), gold.DUCKDB, config.analytics_database, path
    return gold.athena_query(config), gold.TRINO, config.analytics_database, None


def gold_checks(
    env: str, overrides: Overrides, as_of: str, symbols: Sequence[str] = (), run: str = ""
) -> dict[str, Any]:
    """The gold data checks (`quality`) for this run; ChecksFailed names what failed.

    Under the release rehearsal's emulated Athena (it executes no SQL, so gold is empty)
    the checks are skipped with one line saying so; the rehearsal audits the SQL instead.
    """
    config = pipelines_config(env, overrides)
    if not config.is_local and athena_emulated():
        reason = athena_emulated_note()
        say(config, f"gold data checks skipped: {reason}")
        return {
            "ok": True,
            "skipped": reason,
            "as_of": as_of,
            "run": run,
            "checks": [],
            "rows": {},
            "symbols": [],
        }
    started = time.monotonic()
    query, dialect, schema, _path = gold_query(env, overrides)
    report = quality.inspect_gold(
        query, schema, as_of=date.fromisoformat(as_of), symbols=symbols, dialect=dialect, run=run
    )
    result = {**report.as_json(), "elapsed": round(time.monotonic() - started, 3)}
    passed = sum(1 for c in report.checks if c.ok)
    rows = ", ".join(f"{m.name} {m.rows}" for m in report.marts)
    say(config, f"gold data checks {passed}/{len(report.checks)} passed; rows: {rows}")
    if not report.ok:
        raise ChecksFailed(f"{config.indicator} {report.failure_message()}", result)
    return result


gold_checks_task = task(name="gold-checks", cache_policy=NO_CACHE)(gold_checks)


# --- run record and notification -------------------------------------------------------------
def publish_record(config: Config, as_of: str, out: Mapping[str, Any]) -> None:
    """Attach the run's stage metrics and check results to the flow run (VIEW's records)."""
    from finks_pipelines.checks.records import (
        CheckOutcome,
        RunRecord,
        StageMetrics,
        publish_run_record,
    )

    context = FlowRunContext.get()
    stages = []
    if "ingest" in out:
        ingest = out["ingest"]
        stages.append(
            StageMetrics("ingest", float(ingest["elapsed"]), None, ingest.get("bytes_written"))
        )
    for stage in ("silver", "gold"):
        if stage in out:
            s = out[stage]
            stages.append(
                StageMetrics(stage, float(s["elapsed"]), s.get("rows_read"), s.get("bytes_read"))
            )
    checks = [
        CheckOutcome(c["name"], bool(c["ok"]), c["detail"])
        for c in out.get("quality", {}).get("checks", [])
    ]
    try:
        publish_run_record(
            RunRecord(
                env=config.environment.value,
                as_of=as_of,
                flow_run_id=str(context.flow_run.id) if context and context.flow_run else None,
                stages=stages,
                checks=checks,
            )
        )
    except Exception as failure:  # the record is for reading later: never fail the run for it
        run_logger().warning("%s could not publish the run record: %s", config.indicator, failure)


def send_notification(env: str, overrides: Overrides, status: str, detail: str) -> dict[str, Any]:
    """`[ENV] Pipeline completed: ...` to the env's Slack webhook (a secret), or printed."""
    config = pipelines_config(env, overrides)
    sent = notify.send(config, notify.notification_text(config, status, detail))
    return {"text": sent.text, "delivered_to": sent.delivered_to, "ok": sent.ok}


notify_task = task(name="notify", cache_policy=NO_CACHE)(send_notification)
