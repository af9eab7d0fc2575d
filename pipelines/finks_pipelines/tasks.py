"""Prefect tasks: one unit of pipeline work each, callable (and tested) without Prefect.

Why this shape: each task's body is a plain function (`ingest_one`, `dbt_stage`,
`gold_checks`) taking the run identity (env, overrides) and returning a small JSON
summary; the `@task` wrappers add retries and names. Tasks never share a Config
object: each rebuilds the one its project needs, so a task can be retried alone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import MissingContextError

from finks_config import Config
from finks_pipelines import gold, notify
from finks_pipelines.settings import (
    DBT_CONFIG_DIR,
    INGESTION_CONFIG_DIR,
    load_settings,
    pipelines_config,
    project_config,
)

Overrides = Mapping[str, str] | None


class StageFailed(RuntimeError):
    """A pipeline stage finished with failures (the message says which, without secrets)."""


def run_logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    """Prefect's run logger inside a flow/task, else a plain module logger (unit tests)."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("finks_pipelines")


def say(config: Config, message: str) -> None:
    """One `[ENV]`-prefixed log line on the run (shows in the Prefect UI and the console)."""
    run_logger().info("%s %s", config.indicator, message)


# --- ingestion -------------------------------------------------------------------------------
def ingest_one(
    env: str,
    overrides: Overrides,
    symbol: str,
    dataset: str,
    start: str,
    end: str,
    resume: bool = True,
) -> dict[str, Any]:
    """Land one (symbol, dataset) in bronze; raise StageFailed so Prefect retries it."""
    from finks_ingestion import run_ingestion

    config = project_config(INGESTION_CONFIG_DIR, env, overrides)
    report = run_ingestion(
        config,
        [symbol],
        date.fromisoformat(start),
        date.fromisoformat(end),
        datasets=[dataset],
        resume=resume,
    )
    if not report.ok:
        raise StageFailed(
            f"{config.indicator} ingest {dataset} {symbol}: {'; '.join(report.failures)}"
        )
    return {
        "symbol": symbol,
        "dataset": dataset,
        "requests": report.requests,
        "retries": report.retries,
        "records_written": report.records_written,
        "quarantined": report.quarantined,
        "skipped": report.skipped_duplicates,
        "elapsed": round(report.elapsed_seconds, 3),
    }


ingest_task = task(
    name="ingest",
    task_run_name="ingest-{dataset}-{symbol}",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=10,
)(ingest_one)


# --- dbt -------------------------------------------------------------------------------------
def dbt_stage(env: str, overrides: Overrides, stage: str) -> dict[str, Any]:
    """`dbt build` of one medallion layer (`silver` or `gold`, the dbt tags)."""
    import finks_dbt

    config = project_config(DBT_CONFIG_DIR, env, overrides)
    say(config, f"dbt build --select tag:{stage}")
    started = time.monotonic()
    result = finks_dbt.run_build(config, select=f"tag:{stage}", progress=lambda m: say(config, m))
    elapsed = time.monotonic() - started
    if not result.ok:
        raise StageFailed(f"{config.indicator} dbt {stage}: {'; '.join(map(str, result.failures))}")
    return {
        "stage": stage,
        "models": _count(result.models),
        "tests": _count(result.tests),
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
def gold_query(env: str, overrides: Overrides) -> tuple[gold.Query, str, Path | None]:
    """How to query gold in this environment: (query, schema, local warehouse path or None)."""
    import finks_dbt

    config = project_config(DBT_CONFIG_DIR, env, overrides)
    if config.is_local:
        path = Path(finks_dbt.duckdb_path(config))
        return gold.duckdb_query(path), config.analytics_database, path
    from finks_dbt.profile_env import athena_work_group

    return gold.athena_query(config, athena_work_group(config)), config.analytics_database, None


def gold_checks(
    env: str, overrides: Overrides, start: str | None = None, end: str | None = None
) -> dict[str, Any]:
    """Data-quality checks on gold: rows > 0, no null keys, dates inside the run's window."""
    config = pipelines_config(env, overrides)
    query, schema, path = gold_query(env, overrides)
    window = (date.fromisoformat(start), date.fromisoformat(end)) if start and end else None
    report = gold.inspect_gold(query, schema, window=window)
    rows = ", ".join(f"{m.name} {m.rows}" for m in report.marts)
    passed = sum(1 for c in report.checks if c.ok)
    say(config, f"gold checks {passed}/{len(report.checks)} passed; rows: {rows}")
    if not report.ok:
        failed = "; ".join(f"{c.name} ({c.detail})" for c in report.failures)
        raise StageFailed(f"{config.indicator} gold data-quality checks failed: {failed}")
    return {
        "checks": len(report.checks),
        "rows": {m.name: m.rows for m in report.marts},
        "symbols": report.symbols,
    }


gold_checks_task = task(name="gold-checks", cache_policy=NO_CACHE)(gold_checks)


# --- notification ----------------------------------------------------------------------------
def send_notification(env: str, overrides: Overrides, status: str, detail: str) -> dict[str, Any]:
    """`[ENV] Pipeline completed: ...` to the webhook, or printed."""
    config = pipelines_config(env, overrides)
    text = notify.notification_text(config, status, detail)
    sent = notify.notify(config, text, load_settings(config).notify_webhook_url)
    return {"text": sent.text, "delivered_to": sent.delivered_to, "ok": sent.ok}


notify_task = task(name="notify", cache_policy=NO_CACHE)(send_notification)
