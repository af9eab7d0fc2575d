"""`pipelines:check` as a person or CI runs it: banner first, exit 0/1/2, the job summary."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from finks_config import Config
from finks_config.aws import client
from finks_local.processes import ManagedProcess
from finks_pipelines.checks.cli import main
from finks_pipelines.checks.freshness import expected_latest_day
from finks_pipelines.checks.tests.conftest import deploy_flows, record_deploy
from finks_pipelines.checks.tests.test_smoke import SECRET_VALUES, put_gold_day
from finks_pipelines.settings import PipelinesSettings
from finks_testing.prefect import PrefectEndpoint

MOMENT = "2026-11-30T22:00"


@pytest.fixture
def cli_env(
    env_config: Callable[[str], Config],
    workers: Callable[[str], ManagedProcess],
    prefect_api: PrefectEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Callable[[str], Config]:
    """An env deployed as the real deploy leaves it; the CLI finds it through env vars only."""
    monkeypatch.setenv("PREFECT_API_URL", prefect_api.url)
    monkeypatch.setenv("CHECK_WORKERS", "1")
    monkeypatch.setenv("CHECK_WORKERS_WAIT_SECONDS", "0")
    monkeypatch.setenv("CHECK_TIMEOUT_SECONDS", "180")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    for name in ("FMP_API_KEY", "PREFECT_API_KEY", "SLACK_WEBHOOK_URL"):
        monkeypatch.delenv(f"FINKS_SECRET_{name}", raising=False)

    def make(env: str) -> Config:
        config = env_config(env)
        pipelines = config.section(PipelinesSettings)
        workers(config.prefect_work_pool)
        deploy_flows(
            config, cron=pipelines.pipeline_schedule_cron, zone=pipelines.pipeline_schedule_timezone
        )
        record_deploy(config)
        secrets: Any = client(config, "secretsmanager")
        for path, value in SECRET_VALUES.items():
            secrets.create_secret(Name=path.replace("/prod/", f"/{env}/"), SecretString=value)
        return config

    return make


def _owed_day(config: Config, moment: str) -> str:
    pipelines = config.section(PipelinesSettings)
    zone = ZoneInfo(pipelines.pipeline_schedule_timezone)
    owed = expected_latest_day(
        str(pipelines.pipeline_schedule_cron),
        pipelines.pipeline_schedule_timezone,
        datetime.fromisoformat(moment).replace(tzinfo=zone),
        timedelta(hours=3),
    )
    assert owed is not None
    return owed[0].isoformat()


def test_prod_smoke_passes_then_fails_on_stale_gold(
    cli_env: Callable[[str], Config], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = cli_env("prod")
    put_gold_day(config, _owed_day(config, MOMENT))
    assert main(["--env", "prod", "--as-of", MOMENT]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "[PROD] post-deploy check"
    assert all(line.startswith("[PROD] ") for line in out)
    assert "[PROD] smoke check passed" in out
    summary = (tmp_path / "summary.md").read_text()
    assert "### smoke check of `prod`: passed" in summary
    assert all(value not in summary for value in SECRET_VALUES.values())

    assert main(["--env", "prod", "--as-of", "2026-12-09T22:00"]) == 1
    printed = capsys.readouterr()
    assert "[PROD] smoke check FAILED (1 problem(s))" in printed.out
    assert any(
        line.startswith("[PROD]   FAIL gold freshness:") for line in printed.out.splitlines()
    )


def test_staging_integration_through_the_cli(
    cli_env: Callable[[str], Config],
    report_next_run: Callable[[dict[str, Any]], None],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    config = cli_env("staging")
    s3: Any = client(config, "s3")
    for symbol in ("AAPL", "MSFT"):
        key = f"fmp/prices/ingest_date=2026-11-27/symbol={symbol}/eod.json"
        s3.put_object(Bucket=config.bronze_bucket, Key=key, Body=b"[]")
    assert main(["--env", "staging", "--as-of", "2026-11-30"]) == 0
    out = capsys.readouterr().out
    assert "[STAGING] integration check passed" in out
    assert "running medallion-staging for AAPL,MSFT as of 2026-11-27" in out
    summary = (tmp_path / "summary.md").read_text()
    assert "| stage | seconds | baseline | ratio | rows read | bytes read | verdict |" in summary
    assert "| gold | 8.0 | - | - | 240 | 8192 | no baseline yet |" in summary


@pytest.mark.parametrize(
    ("argv", "banner", "message"),
    [
        (["--env", "local"], "[LOCAL] post-deploy check", "--env"),
        (["--env", "prod", "--as-of", "monday"], "[PROD] post-deploy check", "--as-of"),
        (["--env", "qa"], "[?] post-deploy check", "qa"),
        ([], "[?] post-deploy check", "--env"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(
    argv: list[str],
    banner: str,
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ENVIRONMENT", raising=False)
    assert main(argv) == 2
    printed = capsys.readouterr()
    assert printed.out.splitlines()[0] == banner
    (line,) = printed.err.splitlines()
    assert message in line and "Traceback" not in line
