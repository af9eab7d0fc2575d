"""The staging check through a real deployment, a real process worker and the env's ledger."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from finks_config import Config
from finks_config.aws import client
from finks_config.layout import bronze_key
from finks_deploy import ledger
from finks_local.processes import ManagedProcess
from finks_pipelines.checks import staging
from finks_pipelines.checks.settings import ChecksSettings
from finks_pipelines.checks.tests.conftest import PASSING_RECORD, SHA, deploy_flows

AS_OF = date(2026, 11, 27)
Record = Callable[[dict[str, Any]], None]


@pytest.fixture
def staged(
    env_config: Callable[[str], Config], workers: Callable[[str], ManagedProcess]
) -> Iterator[tuple[Config, ChecksSettings, Any]]:
    from prefect.client.orchestration import get_client

    config = env_config("staging")
    workers(config.prefect_work_pool)
    deploy_flows(config, bases=("medallion",))
    s3: Any = client(config, "s3")
    for symbol in ("AAPL", "MSFT"):
        key = bronze_key("prices", AS_OF, symbol, "eod")
        s3.put_object(Bucket=config.bronze_bucket, Key=key, Body=b"[]")
    settings = ChecksSettings.model_validate(
        {"check_symbols": ("AAPL", "MSFT"), "check_timeout_seconds": 180}
    )
    with get_client(sync_client=True) as prefect:
        yield config, settings, prefect


def _check(staged: tuple[Config, ChecksSettings, Any], **kwargs: Any) -> staging.CheckReport:
    config, settings, prefect = staged
    lines: list[str] = []
    return staging.check_integration(
        config,
        settings,
        prefect,
        as_of=AS_OF,
        sha=SHA,
        say=lines.append,
        poll_seconds=1.0,
        **kwargs,
    )


def _previous_checks(config: Config, seconds: float, runs: int = 3) -> None:
    for _ in range(runs):
        ledger.record_check(
            config,
            ledger.CheckEntry(
                kind="staging-integration",
                sha=SHA,
                ok=True,
                stages={s["stage"]: {"seconds": seconds} for s in PASSING_RECORD["stages"]},
            ),
        )


def test_a_good_run_passes_and_is_recorded(staged: Any, report_next_run: Record) -> None:
    report = _check(staged)
    assert report.ok, report.lines()
    assert [f.check for f in report.findings] == ["run", "gold checks", "bronze"]
    assert "Completed" in report.findings[0].detail
    assert [s.stage for s in report.stages] == ["ingest", "silver", "gold"]
    (entry,) = ledger.check_history(staged[0], "staging-integration")
    assert entry.ok and entry.sha == SHA and entry.as_of == "2026-11-27"
    assert entry.stages["gold"] == {"seconds": 8.0, "rows_read": 240, "bytes_read": 8192}


def test_a_slow_stage_fails_naming_it(staged: Any, report_next_run: Record) -> None:
    _previous_checks(staged[0], seconds=5.0)
    slow = {
        **PASSING_RECORD,
        "stages": [*PASSING_RECORD["stages"][:2], {"stage": "gold", "seconds": 30.0}],
    }
    report_next_run(slow)
    report = _check(staged)
    assert not report.ok
    assert report.failures == ["stage gold slower: 6.00x the median of previous runs (limit 1.5x)"]
    assert "SLOW" in "\n".join(report.lines())
    newest = ledger.check_history(staged[0], "staging-integration")[0]
    assert not newest.ok and "stage gold" in (newest.message or "")


def test_a_failed_gold_check_fails_the_check(staged: Any, report_next_run: Record) -> None:
    report_next_run(
        {
            **PASSING_RECORD,
            "checks": [{"name": "fct_daily_prices: latest", "ok": False, "detail": "2026-11-26"}],
        }
    )
    report = _check(staged)
    assert report.failures == ["gold checks: 0/1 passed: fct_daily_prices: latest: 2026-11-26"]


def test_a_failed_run_fails_the_check(staged: Any, report_next_run: Record) -> None:
    report_next_run({"fail": "FMP answered 401"})
    report = _check(staged)
    run = report.findings[0]
    assert not run.ok and "Failed" in run.detail and "FMP answered 401" in run.detail
    assert "gold checks: the run published no gold check results" in report.failures


def test_emulated_athena_skips_gold_and_reads_but_not_times(
    staged: Any, report_next_run: Record
) -> None:
    _previous_checks(staged[0], seconds=5.0)
    report_next_run({"stages": [{"stage": "gold", "seconds": 30.0, "rows_read": 0}], "checks": []})
    report = _check(staged, emulated_athena=True)
    assert [f.check for f in report.findings] == ["run", "bronze"]
    assert report.failures == ["stage gold slower: 6.00x the median of previous runs (limit 1.5x)"]
    assert report.stages[0].rows_read is None


def test_missing_bronze_fails(staged: Any, report_next_run: Record) -> None:
    config, settings, prefect = staged
    wider = ChecksSettings.model_validate(
        {"check_symbols": ("AAPL", "NVDA"), "check_timeout_seconds": 180}
    )
    report = staging.check_integration(
        config, wider, prefect, as_of=AS_OF, sha=SHA, say=lambda _l: None, poll_seconds=1.0
    )
    assert report.failures == ["bronze: prices in bronze for 1/2 symbols; missing NVDA"]
