"""Staging (and dev): integration and performance, through the deployed deployment.

Why through the deployment: a run created from `medallion/medallion-{env}` is picked up
by the env's own workers from the shipped artifact, reads the env's secrets and lands in
its buckets: exactly what a scheduled run does. The run uses a small fixed symbol set
(and, when configured, a fixed as-of date) so that runs compare; its per-stage wall
times are compared with the previous passed checks stored in the env's ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from finks_config import Config
from finks_config.aws import client
from finks_config.cli import doing
from finks_config.emulation import athena_emulated_note
from finks_config.layout import PARTITION_KEY, bronze_prefix
from finks_deploy import ledger
from finks_pipelines.checks.outcome import CheckReport
from finks_pipelines.checks.perf import compare, stages_to_json
from finks_pipelines.checks.records import RunRecord, StageMetrics, read_run_record
from finks_pipelines.checks.settings import ChecksSettings
from finks_pipelines.flows import MEDALLION

KIND = "integration"
LEDGER_KIND = "{env}-integration"
BRONZE_LOOKBACK_DAYS = 10
Say = Callable[[str], None]


def run_deployment_and_wait(
    config: Config, settings: ChecksSettings, as_of: date, poll_seconds: float
) -> Any:
    """Create a run of the env's medallion deployment and wait for a final state (or timeout)."""
    from prefect.deployments import run_deployment

    name = f"{MEDALLION}/{config.deployment_name(MEDALLION)}"
    with doing(f"running {name} through the env's Prefect API"):
        return run_deployment(
            name=name,
            parameters={
                "env": config.environment.value,
                "as_of": as_of.isoformat(),
                "symbols": list(settings.check_symbols),
            },
            timeout=settings.check_timeout_seconds,
            poll_interval=poll_seconds,
            tags=["post-deploy-check"],
            as_subflow=False,
        )


def bronze_landed(config: Config, symbols: tuple[str, ...], days: list[date]) -> list[str]:
    """Symbols with no prices in bronze under any of the ingest dates ``days``."""
    s3: Any = client(config, "s3")
    missing = []
    for symbol in symbols:
        for day in days:
            prefix = f"{bronze_prefix('prices')}{PARTITION_KEY}={day.isoformat()}/symbol={symbol}/"
            listed = s3.list_objects_v2(Bucket=config.bronze_bucket, Prefix=prefix, MaxKeys=1)
            if listed.get("KeyCount", 0):
                break
        else:
            missing.append(symbol)
    return missing


def recent_days(*ends: date, back: int = BRONZE_LOOKBACK_DAYS) -> list[date]:
    """The ``back`` days up to each of ``ends``, newest first (a fixed as-of and today)."""
    days = {end - timedelta(days=n) for end in ends for n in range(back + 1)}
    return sorted(days, reverse=True)


def check_integration(
    config: Config,
    settings: ChecksSettings,
    prefect_client: Any,
    *,
    as_of: date,
    sha: str,
    say: Say,
    emulated_athena: bool = False,
    poll_seconds: float = 5.0,
) -> CheckReport:
    """Run medallion-{env} on the check's symbols, then judge the run, gold and its speed."""
    report = CheckReport(config.environment.value, KIND)
    run_as_of = settings.check_as_of or as_of
    symbols = ",".join(settings.check_symbols)
    say(f"running {config.deployment_name(MEDALLION)} for {symbols} as of {run_as_of}")
    flow_run = run_deployment_and_wait(config, settings, run_as_of, poll_seconds)
    state = flow_run.state
    state_name = state.name if state is not None else "unknown"
    completed = state is not None and state.is_completed()
    detail = f"{flow_run.name} ({flow_run.id}): {state_name}"
    if state is not None and not state.is_final():
        detail += f" after waiting {settings.check_timeout_seconds:g}s"
    elif not completed and state is not None and state.message:
        detail += f": {' '.join(state.message.split())[:300]}"
    report.add("run", completed, detail)

    record: RunRecord | None = read_run_record(
        prefect_client, config.environment.value, str(flow_run.id)
    )
    if emulated_athena:
        say(
            f"{athena_emulated_note()}: gold checks and rows/bytes read are skipped;"
            " run state, stage wall times and bronze are checked"
        )
    elif record is None:
        report.add("gold checks", False, "the run published no gold check results")
    else:
        failed = [c for c in record.checks if not c.ok]
        detail = f"{len(record.checks) - len(failed)}/{len(record.checks)} passed"
        if failed:
            detail += ": " + "; ".join(f"{c.name}: {c.detail}" for c in failed[:5])
        report.add("gold checks", not failed and bool(record.checks), detail)

    with doing(f"listing s3://{config.bronze_bucket}/{bronze_prefix('prices')}"):
        missing = bronze_landed(config, settings.check_symbols, recent_days(run_as_of, as_of))
    report.add(
        "bronze",
        not missing,
        f"prices in bronze for {len(settings.check_symbols) - len(missing)}/"
        f"{len(settings.check_symbols)} symbols"
        + (f"; missing {', '.join(missing)}" if missing else ""),
    )

    stages = record.stages if record is not None else []
    if emulated_athena:
        stages = [StageMetrics(s.stage, s.seconds) for s in stages]  # reads are not real here
    kind = LEDGER_KIND.format(env=config.environment.value)
    with doing(f"reading previous {kind} checks from the ledger"):
        previous = [e.stages for e in ledger.check_history(config, kind, limit=50) if e.ok]
    report.stages = compare(
        stages,
        previous,
        factor=settings.check_slowdown_factor,
        runs=settings.check_baseline_runs,
        min_seconds=settings.check_min_slowdown_seconds,
    )
    if completed and not stages:
        report.add("stage times", False, "the run published no per-stage metrics")
    with doing(f"recording the {kind} check in the ledger"):
        ledger.record_check(
            config,
            ledger.CheckEntry(
                kind=kind,
                sha=sha,
                ok=report.ok,
                as_of=run_as_of.isoformat(),
                stages=stages_to_json(stages),
                message="; ".join(report.failures)[:1000] or None,
            ),
        )
    return report
