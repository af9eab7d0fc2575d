"""The deploy ledger on a real moto server: records, pointer, sha markers, history."""

from __future__ import annotations

import pytest

import finks_config
import finks_config.aws
from finks_deploy import LedgerRecord, history, last_successful, ledger, record, was_deployed
from finks_deploy.tests.conftest import DemoRepo


@pytest.fixture
def dev(
    demo_repo: DemoRepo, buckets: dict[str, str], overrides: dict[str, str]
) -> finks_config.Config:
    return finks_config.load_config(None, "dev", overrides)


def entry(sha: str, status: str, started: str, project: str = "ingestion") -> LedgerRecord:
    return LedgerRecord(
        project=project,
        environment="dev",
        sha=sha,
        version=f"v-{sha[:4]}",
        status=status,  # type: ignore[arg-type]
        actor="ci",
        started_at=started,
    )


def test_empty_ledger_knows_nothing(dev: finks_config.Config) -> None:
    assert last_successful(dev, "ingestion") is None
    assert not was_deployed(dev, "ingestion", "a" * 40)
    assert history(dev, "ingestion") == []


def test_ok_moves_the_pointer_failed_does_not(dev: finks_config.Config) -> None:
    first = record(dev, entry("a" * 40, "ok", "2026-11-01T10:00:00Z"))
    record(dev, entry("b" * 40, "started", "2026-11-02T10:00:00Z"))
    record(dev, entry("b" * 40, "failed", "2026-11-02T10:00:00Z"))
    assert last_successful(dev, "ingestion") == first
    assert was_deployed(dev, "ingestion", "a" * 40)
    assert not was_deployed(dev, "ingestion", "b" * 40)
    second = record(dev, entry("c" * 40, "ok", "2026-11-03T10:00:00Z"))
    assert last_successful(dev, "ingestion") == second
    assert [r.sha[0] for r in history(dev, "ingestion")] == ["c", "b", "b", "a"]
    # Projects have separate ledgers.
    assert last_successful(dev, "dbt") is None


def test_records_live_under_deploys_in_the_artifacts_bucket(dev: finks_config.Config) -> None:
    item = record(dev, entry("d" * 40, "ok", "2026-11-04T10:00:00Z", project="dbt"))
    assert item.history_key.startswith("deploys/dbt/history/20261104T100000Z-dddddddddddd-")
    assert ledger.last_successful_key("dbt") == "deploys/dbt/last-successful.json"
    stored = finks_config.aws.client(dev, "s3").get_object(
        Bucket=dev.artifacts_bucket, Key=ledger.sha_key("dbt", "d" * 40)
    )
    assert b'"status": "ok"' in stored["Body"].read()


def test_a_client_for_dev_cannot_read_the_staging_ledger(dev: finks_config.Config) -> None:
    with pytest.raises(finks_config.IsolationError):
        finks_config.aws.client(dev, "s3").get_object(
            Bucket="staging-artifacts", Key=ledger.last_successful_key("dbt")
        )
