"""The deploy ledger on a real moto server: records, pointer, sha markers, history."""

from __future__ import annotations

from dataclasses import replace

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


def test_a_dirty_deploy_is_current_but_never_the_base_or_a_sha_marker(
    dev: finks_config.Config,
) -> None:
    clean = record(dev, entry("a" * 40, "ok", "2026-11-01T10:00:00Z"))
    dirty = record(
        dev,
        replace(entry("b" * 40, "ok", "2026-11-02T10:00:00Z"), dirty=True, diff_digest="f" * 64),
    )
    assert last_successful(dev, "ingestion") == clean
    assert ledger.current(dev, "ingestion") == dirty
    assert not was_deployed(dev, "ingestion", "b" * 40)
    assert ledger.deployed(dev, "ingestion", "a" * 40) == clean


def test_artifact_digests_health_and_projects(dev: finks_config.Config) -> None:
    item = replace(
        entry("c" * 40, "ok", "2026-11-03T10:00:00Z", project="pipelines"),
        artifacts={"worker.pex": {"sha256": "9" * 64, "size": 10, "key": "k"}},
    )
    record(dev, item)
    record(dev, entry("d" * 40, "ok", "2026-11-03T11:00:00Z", project="dbt"))
    found = ledger.deployed(dev, "pipelines", "c" * 40)
    assert found is not None and found.digests() == {"worker.pex": "9" * 64}
    marked = ledger.mark_health(dev, "pipelines", "c" * 40, healthy=False, reason="stale gold")
    assert marked is not None and marked.health == "unhealthy"
    now = ledger.current(dev, "pipelines")
    assert now is not None and (now.health, now.health_reason) == ("unhealthy", "stale gold")
    assert ledger.projects(dev) == ["dbt", "pipelines"]


def test_check_history_is_newest_first(dev: finks_config.Config) -> None:
    for i, ok in enumerate((True, False, True)):
        ledger.record_check(
            dev,
            ledger.CheckEntry(
                kind="staging-integration",
                sha=str(i) * 40,
                ok=ok,
                stages={"gold": {"seconds": 1.0 + i}},
                started_at=f"2026-11-0{i + 1}T10:00:00.000Z",
            ),
        )
    found = ledger.check_history(dev, "staging-integration", limit=2)
    assert [c.sha[0] for c in found] == ["2", "1"] and found[1].ok is False
    assert found[0].stages == {"gold": {"seconds": 3.0}}
    assert ledger.projects(dev) == []  # checks are not a project
