"""The prod smoke check against a real Prefect API, a real worker and the prod account (moto)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from finks_config import Config
from finks_config.aws import client
from finks_deploy import ledger
from finks_local.processes import ManagedProcess
from finks_pipelines.checks import smoke
from finks_pipelines.checks.settings import ChecksSettings
from finks_pipelines.checks.tests.conftest import DIGEST, SHA, deploy_flows, record_deploy
from finks_pipelines.settings import PipelinesSettings

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 30, 22, 0, tzinfo=NY)  # Monday, after Monday's run and its grace
CRON = "30 17 * * 1-5"
SECRET_VALUES = {
    "/prod/fmp/api_key": "fmp-key-value-0001",
    "/prod/prefect/api_key": "finks:prefect-secret-0002",
    "/prod/slack/webhook_url": "https://hooks.slack.com/services/T000/B000/XXXXSECRET",
}


@pytest.fixture
def prod(
    env_config: Callable[[str], Config],
    workers: Callable[[str], ManagedProcess],
    monkeypatch: pytest.MonkeyPatch,
) -> Any:
    """A prod env as a good deploy leaves it; tests then break one thing each."""
    from prefect.client.orchestration import get_client

    for name in ("FMP_API_KEY", "PREFECT_API_KEY", "SLACK_WEBHOOK_URL"):
        monkeypatch.delenv(f"FINKS_SECRET_{name}", raising=False)
    config = env_config("prod")
    workers(config.prefect_work_pool)
    deploy_flows(config, cron=CRON)
    record_deploy(config)
    secrets: Any = client(config, "secretsmanager")
    for path, value in SECRET_VALUES.items():
        secrets.create_secret(Name=path, SecretString=value)
    put_gold_day(config, "2026-11-30")
    pipelines = PipelinesSettings.model_validate(
        {**config.section(PipelinesSettings).model_dump(), "pipeline_schedule_cron": CRON}
    )
    settings = ChecksSettings.model_validate({"check_workers": 1, "check_workers_wait_seconds": 0})
    with get_client(sync_client=True) as prefect:
        yield config, settings, pipelines, prefect


def put_gold_day(config: Config, day: str) -> None:
    s3: Any = client(config, "s3")
    key = f"{config.analytics_database}/fct_daily_prices/u1/data/price_date={day}/0.parquet"
    s3.put_object(Bucket=config.gold_bucket, Key=key, Body=b"")


def _smoke(prod: Any, now: datetime = NOW) -> tuple[smoke.CheckReport, str | None]:
    config, settings, pipelines, prefect = prod
    return smoke.check_smoke(
        config, settings, pipelines, prefect, now=now, say=lambda _l: None, sleep=lambda _s: None
    )


def test_a_good_deploy_passes_every_smoke_check(prod: Any) -> None:
    report, sha = _smoke(prod)
    assert report.ok, report.lines()
    assert sha == SHA
    checks = [f.check for f in report.findings]
    assert checks == [
        "deployment ingest-fmp/ingest-fmp-prod",
        "deployment transform/transform-prod",
        "deployment medallion/medallion-prod",
        "schedule of medallion/medallion-prod",
        "work pool finks-prod",
        "secret /prod/fmp/api_key",
        "secret /prod/prefect/api_key",
        "secret /prod/slack/webhook_url",
        "gold freshness",
    ]
    text = "\n".join(report.lines()) + report.markdown()
    assert all(value not in text for value in SECRET_VALUES.values())


def test_a_missing_secret_fails_notifies_and_marks_the_deploy_unhealthy(prod: Any) -> None:
    config = prod[0]
    client(config, "secretsmanager").delete_secret(
        SecretId="/prod/slack/webhook_url", ForceDeleteWithoutRecovery=True
    )
    report, sha = _smoke(prod)
    assert not report.ok
    (failure,) = report.failures
    assert failure.startswith("secret /prod/slack/webhook_url: ")
    assert "/prod/slack/webhook_url" in failure and "does not exist" in failure
    sent = smoke.record_verdict(config, report, sha)
    assert sent is not None and sent.delivered_to == "stdout"  # the webhook itself is missing
    assert sent.text.startswith("[PROD] smoke check FAILED after the deploy of 1234567")
    current = ledger.current(config, "pipelines")
    assert current is not None and current.health == "unhealthy"
    assert "secret /prod/slack/webhook_url" in (current.health_reason or "")
    (entry,) = ledger.check_history(config, "smoke")
    assert not entry.ok


def test_stale_gold_fails(prod: Any) -> None:
    report, _sha = _smoke(prod, now=datetime(2026, 12, 1, 22, 0, tzinfo=NY))
    assert report.failures == [
        "gold freshness: newest fct_daily_prices day 2026-11-30; the run of 2026-12-01 17:30 EST"
        " should have produced 2026-12-01"
    ]


def test_a_deployment_on_another_artifact_fails(prod: Any) -> None:
    config = prod[0]
    record_deploy(config, digest="cd" * 32)
    report, _sha = _smoke(prod)
    assert len(report.failures) == 3
    assert report.failures[0] == (
        f"deployment ingest-fmp/ingest-fmp-prod: runs artifact {DIGEST[:12]},"
        f" the ledger says {'cd' * 6}"
    )


def test_too_few_workers_fails(prod: Any) -> None:
    config, settings, pipelines, prefect = prod
    wanting = ChecksSettings.model_validate({"check_workers": 3, "check_workers_wait_seconds": 10})
    waits: list[float] = []
    report, _sha = smoke.check_smoke(
        config, wanting, pipelines, prefect, now=NOW, say=lambda _l: None, sleep=waits.append
    )
    assert report.failures == ["work pool finks-prod: 1/3 workers online"]
    assert waits == [5.0, 5.0]  # waited the grace period for workers to start


def test_a_missing_schedule_fails(prod: Any) -> None:
    config, settings, pipelines, prefect = prod
    hourly = PipelinesSettings.model_validate(
        {**pipelines.model_dump(), "pipeline_schedule_cron": "0 * * * 1-5"}
    )
    report, _sha = smoke.check_smoke(
        config, settings, hourly, prefect, now=NOW, say=lambda _l: None, sleep=lambda _s: None
    )
    assert (
        "schedule of medallion/medallion-prod: wants cron '0 * * * 1-5' America/New_York,"
        " has '30 17 * * 1-5' America/New_York" in report.failures
    )
