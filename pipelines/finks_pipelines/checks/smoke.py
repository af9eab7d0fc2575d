"""Prod: smoke tests only, read-only. Is what was just deployed there, wired and fresh?

Why these four: they are what a deploy can leave broken without any run failing yet.
The deployments must exist with their schedules and carry the worker artifact digest
the ledger recorded; the work pool must have its workers online; the secrets a run
reads must resolve; gold's newest trading day must be the one the schedule should
have produced by now. Nothing here writes data (the verdict goes to the ledger).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from finks_config import Config
from finks_config.aws import get_secret
from finks_config.cli import doing, error_line
from finks_deploy import ledger
from finks_pipelines.checks.freshness import GOLD_MART, expected_latest_day, gold_days
from finks_pipelines.checks.outcome import CheckReport
from finks_pipelines.checks.settings import ChecksSettings
from finks_pipelines.deployments import WORKER_ARTIFACT
from finks_pipelines.flows import FLOW_BASES, MEDALLION
from finks_pipelines.notify import SLACK_NAME, SLACK_SERVICE
from finks_pipelines.settings import PROJECT, PipelinesSettings

if TYPE_CHECKING:
    from finks_pipelines.notify import Notification

KIND = "smoke"
SECRETS: tuple[tuple[str, str], ...] = (
    ("fmp", "api_key"),
    ("prefect", "api_key"),
    (SLACK_SERVICE, SLACK_NAME),
)
Say = Callable[[str], None]


def expected_digest(config: Config) -> tuple[str | None, str | None]:
    """(sha, worker artifact sha256) of the pipelines deploy running in this env now."""
    with doing(f"reading the {PROJECT} deploy from the ledger in s3://{config.artifacts_bucket}"):
        current = ledger.current(config, PROJECT)
    if current is None:
        return None, None
    digest = (current.artifacts or {}).get(WORKER_ARTIFACT, {}).get("sha256")
    return current.sha, digest


def check_deployments(
    report: CheckReport,
    config: Config,
    pipelines: PipelinesSettings,
    prefect_client: Any,
    digest: str | None,
) -> None:
    """Every flow's deployment exists, carries ``digest``, and medallion has its schedule."""
    from prefect.exceptions import ObjectNotFound

    from finks_pipelines.deployments import artifact_digest

    for base in FLOW_BASES:
        name = f"{base}/{config.deployment_name(base)}"
        try:
            deployment = prefect_client.read_deployment_by_name(name)
        except ObjectNotFound:
            report.add(f"deployment {name}", False, "missing (deploy pipelines again)")
            continue
        found = artifact_digest(deployment)
        if digest is None:
            report.add(f"deployment {name}", False, "the ledger records no worker digest")
        elif found != digest:
            shown = found[:12] if found else "none"
            report.add(
                f"deployment {name}", False, f"runs artifact {shown}, the ledger says {digest[:12]}"
            )
        else:
            report.add(f"deployment {name}", True, f"artifact {digest[:12]}")
        if base == MEDALLION:
            ok, detail = schedule_matches(deployment, pipelines)
            report.add(f"schedule of {name}", ok, detail)


def schedule_matches(deployment: Any, pipelines: PipelinesSettings) -> tuple[bool, str]:
    """Whether the deployment's active schedules are exactly the configured cron."""
    wanted = pipelines.pipeline_schedule_cron
    active = [s.schedule for s in (deployment.schedules or []) if getattr(s, "active", True)]
    crons = {(getattr(s, "cron", None), getattr(s, "timezone", None)) for s in active}
    if wanted is None:
        return not active, "no schedule, as configured" if not active else "has a schedule"
    zone = pipelines.pipeline_schedule_timezone
    if crons == {(wanted, zone)}:
        return True, f"cron '{wanted}' {zone} active"
    has = ", ".join(f"'{c}' {z}" for c, z in sorted(crons, key=str)) or "none active"
    return False, f"wants cron '{wanted}' {zone}, has {has}"


def online_workers(prefect_client: Any, pool: str) -> int:
    workers = prefect_client.read_workers_for_work_pool(work_pool_name=pool)
    return sum(1 for w in workers if str(getattr(w, "status", "")).upper().endswith("ONLINE"))


def check_workers(
    report: CheckReport,
    config: Config,
    settings: ChecksSettings,
    prefect_client: Any,
    say: Say,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """The pool has ``CHECK_WORKERS`` workers online, waiting up to the grace period."""
    pool = config.prefect_work_pool
    waited = 0.0
    with doing(f"reading the workers of work pool {pool}"):
        online = online_workers(prefect_client, pool)
        while online < settings.check_workers and waited < settings.check_workers_wait_seconds:
            if waited == 0:
                say(f"{online}/{settings.check_workers} workers online in {pool}; waiting")
            sleep(5.0)
            waited += 5.0
            online = online_workers(prefect_client, pool)
    report.add(
        f"work pool {pool}",
        online >= settings.check_workers,
        f"{online}/{settings.check_workers} workers online",
    )


def check_secrets(report: CheckReport, config: Config) -> None:
    """Each secret a run reads resolves to a non-empty value (the value is never shown)."""
    for service, name in SECRETS:
        path = config.secret_path(service, name)
        try:
            value = get_secret(config, service, name).get_secret_value()
        except Exception as error:  # - each failure is a finding, one line
            line, _code = error_line(error, env=config.environment, config=config)
            report.add(f"secret {path}", False, line)
            continue
        report.add(f"secret {path}", bool(value.strip()), "resolves" if value.strip() else "empty")


def check_gold_fresh(
    report: CheckReport,
    config: Config,
    settings: ChecksSettings,
    pipelines: PipelinesSettings,
    now: datetime,
) -> None:
    """gold's newest ``price_date`` partition is the day the schedule should have produced."""
    cron = pipelines.pipeline_schedule_cron
    if cron is None:
        report.add("gold freshness", False, "no schedule configured (PIPELINE_SCHEDULE_CRON)")
        return
    grace = timedelta(hours=settings.check_gold_grace_hours)
    expected = expected_latest_day(cron, pipelines.pipeline_schedule_timezone, now, grace)
    if expected is None:
        report.add("gold freshness", True, f"no scheduled run before {now - grace}")
        return
    day, fired = expected
    with doing(f"listing the {GOLD_MART} partitions in s3://{config.gold_bucket}"):
        days = gold_days(config)
    newest = days[-1] if days else None
    ok = newest is not None and newest >= day
    report.add(
        "gold freshness",
        ok,
        f"newest {GOLD_MART} day {newest or 'none'}; the run of {fired:%Y-%m-%d %H:%M %Z}"
        f" should have produced {day}",
    )


def check_smoke(
    config: Config,
    settings: ChecksSettings,
    pipelines: PipelinesSettings,
    prefect_client: Any,
    *,
    now: datetime,
    say: Say,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[CheckReport, str | None]:
    """Every smoke check; returns the report and the sha it judged (for the ledger)."""
    report = CheckReport(config.environment.value, KIND)
    sha, digest = expected_digest(config)
    if sha is None:
        report.add("ledger", False, f"no {PROJECT} deploy recorded for {config.environment.value}")
    check_deployments(report, config, pipelines, prefect_client, digest)
    check_workers(report, config, settings, prefect_client, say, sleep)
    check_secrets(report, config)
    check_gold_fresh(report, config, settings, pipelines, now)
    return report, sha


def record_verdict(config: Config, report: CheckReport, sha: str | None) -> Notification | None:
    """Ledger: the check, and the health of the deploy it judged; a failure notifies the env."""
    from finks_pipelines.notify import send

    reason = "; ".join(report.failures)[:1000]
    if sha is not None:
        with doing("recording the smoke check in the ledger"):
            ledger.record_check(
                config, ledger.CheckEntry(kind=KIND, sha=sha, ok=report.ok, message=reason or None)
            )
            for project in ledger.projects(config):
                ledger.mark_health(config, project, sha, healthy=report.ok, reason=reason or "ok")
    if report.ok:
        return None
    return send(config, f"smoke check FAILED after the deploy of {sha or 'unknown'}: {reason}")
