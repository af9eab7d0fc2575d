"""`pipelines:deploy` to a "staging"/"dev" made of a real Prefect API and a moto account.

The worker PEX is a stand-in file here (its content-addressed upload and digest tags are
what this tests); test_worker.py runs the real PEX.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prefect import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.filters import WorkPoolFilter, WorkPoolFilterName
from prefect.events.schemas.automations import AutomationCore, EventTrigger

import finks_config.aws
from finks_config import load_config
from finks_deploy import ledger
from finks_pipelines.deploy import main
from finks_pipelines.deployments import artifact_digest
from finks_pipelines.runtime import canonical_pex
from finks_testing.moto import MotoEndpoint
from finks_testing.prefect import PrefectEndpoint

WEBHOOK = "https://hooks.slack.com/services/T0FINKS/B0FINKS/secretpart"
FALLBACK_SHA = "0123456789abcdef0123456789abcdef01234567"
BASES = ("ingest-fmp", "transform", "medallion")


@pytest.fixture
def account(
    monkeypatch: pytest.MonkeyPatch, moto: MotoEndpoint, prefect_api: PrefectEndpoint
) -> MotoEndpoint:
    """staging and dev as infrastructure leaves them: buckets, Slack secret, API URL in SSM."""
    finks_config.aws.clear_client_cache()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)  # found through SSM, as in the cloud
    monkeypatch.setenv("GITHUB_SHA", FALLBACK_SHA)  # the commit, when no checkout (Pants sandbox)
    s3, ssm, secrets = (moto.raw_client(s) for s in ("s3", "ssm", "secretsmanager"))
    for env in ("staging", "dev"):
        s3.create_bucket(
            Bucket=f"{env}-artifacts",
            CreateBucketConfiguration={"LocationConstraint": "ca-central-1"},
        )
        ssm.put_parameter(Name=f"/{env}/prefect/api_url", Value=prefect_api.url, Type="String")
        secrets.create_secret(Name=f"/{env}/slack/webhook_url", SecretString=WEBHOOK)
        # The API's auth (the session's test API accepts any; test_worker checks a real one).
        secrets.create_secret(Name=f"/{env}/prefect/api_key", SecretString="finks:api-password")
    _forget_env("staging")
    _forget_env("dev")
    return moto


def _forget_env(env: str) -> None:
    """The session's Prefect database is shared: start each test without this env's objects."""
    with get_client(sync_client=True) as client:
        pool = WorkPoolFilter(name=WorkPoolFilterName(any_=[f"finks-{env}"]))
        for deployment in client.read_deployments(work_pool_filter=pool):
            client.delete_deployment(deployment.id)
        for automation in client.read_automations():
            if f"env:{env}" in (automation.tags or []):
                client.delete_automation(automation.id)


def fake_pex(path: Path, *, bytecode: bool = False) -> Path:
    """A small stand-in shaped like a PEX: shebang, zip, a dependency chroot in .deps/."""
    entries = {"__main__.py": b"print('worker')\n", ".deps/dep-1.0.whl/dep/__init__.py": b"x = 1\n"}
    if bytecode:  # what a shared cache picks up after the wheel was installed
        entries[".deps/dep-1.0.whl/dep/__pycache__/__init__.cpython-311.pyc"] = b"\x00bytecode"
    with path.open("wb") as handle:
        handle.write(b"#!/usr/bin/env python3.11\n")
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in sorted(entries.items()):
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return path


@pytest.fixture
def worker_pex(tmp_path: Path) -> Iterator[Path]:
    yield fake_pex(tmp_path / "worker.pex", bytecode=True)


def shipped_digest(pex: Path, tmp_path: Path) -> str:
    """The digest the deploy ships: the canonical form of the PEX."""
    canonical = canonical_pex(pex, tmp_path / "canonical" / "worker.pex")
    return hashlib.sha256(canonical.read_bytes()).hexdigest()


def test_the_canonical_pex_depends_on_content_not_on_cache_history(tmp_path: Path) -> None:
    clean = fake_pex(tmp_path / "a.pex")
    cached = fake_pex(tmp_path / "b.pex", bytecode=True)
    assert clean.read_bytes() != cached.read_bytes()
    one = canonical_pex(clean, tmp_path / "one" / "worker.pex")
    two = canonical_pex(cached, tmp_path / "two" / "worker.pex")
    assert one.read_bytes() == two.read_bytes()
    assert one.read_bytes().startswith(b"#!/usr/bin/env python3.11\n") and os.access(one, os.X_OK)
    with zipfile.ZipFile(two) as archive:
        assert archive.namelist() == [".deps/dep-1.0.whl/dep/__init__.py", "__main__.py"]
        assert archive.read("__main__.py") == b"print('worker')\n"


def deployments(env: str) -> dict[str, Any]:
    with get_client(sync_client=True) as client:
        return {b: client.read_deployment_by_name(f"{b}/{b}-{env}") for b in BASES}


def automations(env: str) -> dict[str, Any]:
    with get_client(sync_client=True) as client:
        return {a.name: a for a in client.read_automations() if f"env:{env}" in (a.tags or [])}


def deploy(*argv: str) -> int:
    return main(list(argv))


def test_staging_deploy_applies_the_whole_desired_state(
    account: MotoEndpoint, worker_pex: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Leftovers a deploy must remove: a deployment of the old naming scheme in the env's
    # pool, and an automation of ours that is no longer desired.
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool("finks-staging")
        except Exception:
            client.create_work_pool(WorkPoolCreate(name="finks-staging", type="process"))
        flow_id = client.create_flow_from_name("medallion-staging")
        client.create_deployment(flow_id=flow_id, name="staging", work_pool_name="finks-staging")
        client.create_automation(
            AutomationCore(
                name="finks-staging-old-alert",
                tags=["finks", "env:staging"],
                trigger=EventTrigger(expect={"prefect.flow-run.Failed"}),
                actions=[],
            )
        )
    assert deploy("--env", "staging", "--worker-pex", str(worker_pex)) == 0
    out = capsys.readouterr().out
    assert out.startswith("[STAGING] deploying pipelines")
    digest = shipped_digest(worker_pex, tmp_path)
    assert "deployment medallion-staging/staging: removed (not desired)" in out
    assert "automation finks-staging-old-alert: removed" in out
    assert "no Docker engine here" in out
    assert WEBHOOK not in out  # a secret, never printed

    with get_client(sync_client=True) as client:
        pool = client.read_work_pool("finks-staging")
        limit = client.read_global_concurrency_limit_by_name("fmp-requests-staging")
    assert pool.type == "process" and pool.concurrency_limit == 2
    assert limit.limit >= 1 and limit.slot_decay_per_second == pytest.approx(5.0)
    config = load_config("pipelines/config", "staging")
    sha = ledger.current(config, "pipelines").sha  # type: ignore[union-attr]
    for base, dep in deployments("staging").items():
        assert dep.name == f"{base}-staging" and dep.version == sha
        assert dep.work_pool_name == "finks-staging" and dep.parameters == {"env": "staging"}
        assert not dep.pull_steps and artifact_digest(dep) == digest
        assert dep.entrypoint.startswith("finks_pipelines.flows:")
        if base == "medallion":
            (schedule,) = dep.schedules
            assert schedule.schedule.cron == "30 17 * * 1-5"
        else:
            assert dep.schedules == []

    alerts = automations("staging")
    assert set(alerts) == {"finks-staging-flow-run-failed", "finks-staging-medallion-deadline"}
    failed = alerts["finks-staging-flow-run-failed"]
    assert failed.trigger.expect == {
        "prefect.flow-run.Crashed",
        "prefect.flow-run.Failed",
        "prefect.flow-run.TimedOut",
    }
    (action,) = failed.actions
    assert action.body.startswith("[STAGING] ") and action.subject.startswith("[STAGING] ")
    deadline = alerts["finks-staging-medallion-deadline"].trigger
    assert deadline.posture == "Proactive" and deadline.within.total_seconds() == 180 * 60
    with get_client(sync_client=True) as client:
        block = client.read_block_document(action.block_document_id, include_secrets=True)
    assert block.data["url"] == WEBHOOK

    # The worker PEX: content-addressed in the artifacts bucket, its digest in the ledger.
    key = f"pipelines/artifacts/{digest}/worker.pex"
    account.raw_client("s3").head_object(Bucket="staging-artifacts", Key=key)
    recorded = ledger.current(config, "pipelines")
    assert recorded is not None and recorded.digests() == {"worker.pex": digest}
    assert recorded.details["image"] is None
    assert "medallion/medallion-staging" in recorded.details["deployments"]


def test_redeploy_changes_nothing_and_a_config_change_updates_one_field(
    account: MotoEndpoint,
    worker_pex: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert deploy("--env", "staging", "--worker-pex", str(worker_pex)) == 0
    before = {b: (d.id, d.updated, d.version) for b, d in deployments("staging").items()}
    capsys.readouterr()

    assert deploy("--env", "staging", "--worker-pex", str(worker_pex)) == 0
    out = capsys.readouterr().out
    assert "worker.pex already there (same sha256)" in out
    assert out.count(": unchanged") == 8  # limit, pool, 3 deployments, block, 2 automations
    assert "0 object(s) changed" in out
    after = {b: (d.id, d.updated, d.version) for b, d in deployments("staging").items()}
    assert after == before

    monkeypatch.setenv("PIPELINE_SCHEDULE_CRON", "0 18 * * 1-5")
    monkeypatch.setenv("PIPELINE_COMPLETION_DEADLINE_MINUTES", "90")
    assert deploy("--env", "staging", "--worker-pex", str(worker_pex)) == 0
    out = capsys.readouterr().out
    assert "deployment medallion/medallion-staging: updated (schedules)" in out
    assert "deployment transform/transform-staging: unchanged" in out
    assert "automation finks-staging-medallion-deadline: updated" in out
    assert "automation finks-staging-flow-run-failed: unchanged" in out
    (schedule,) = deployments("staging")["medallion"].schedules
    assert schedule.schedule.cron == "0 18 * * 1-5"


def test_dry_run_lists_the_difference_and_changes_nothing(
    account: MotoEndpoint, worker_pex: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert deploy("--env", "dev", "--worker-pex", str(worker_pex), "--dry-run") == 0
    out = capsys.readouterr().out
    assert "deployment medallion/medallion-dev: would be created" in out
    assert "automation finks-dev-flow-run-failed: would be created" in out
    assert "finks-dev-medallion-deadline" not in out  # dev has no schedule, so no deadline
    assert "would upload worker.pex" in out
    assert account.raw_client("s3").list_objects_v2(Bucket="dev-artifacts")["KeyCount"] == 0
    assert automations("dev") == {}
    with get_client(sync_client=True) as client:
        pool = WorkPoolFilter(name=WorkPoolFilterName(any_=["finks-dev"]))
        assert client.read_deployments(work_pool_filter=pool) == []


def test_without_a_prefect_api_the_deploy_exits_2_and_changes_nothing(
    account: MotoEndpoint,
    worker_pex: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account.raw_client("ssm").delete_parameter(Name="/dev/prefect/api_url")
    assert deploy("--env", "dev", "--worker-pex", str(worker_pex)) == 2
    captured = capsys.readouterr()
    assert captured.out.startswith("[DEV] deploying pipelines")
    (line,) = captured.err.splitlines()
    assert line.startswith("[DEV] pipelines deploy: error: ")
    assert "PREFECT_API_URL" in line and "/dev/prefect/api_url" in line

    # An API that does not answer: the same, before any lock or upload.
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert deploy("--env", "dev", "--worker-pex", str(worker_pex)) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "cannot reach" in line and "127.0.0.1:9" in line
    assert account.raw_client("s3").list_objects_v2(Bucket="dev-artifacts")["KeyCount"] == 0


def test_a_cloud_deploy_needs_the_slack_webhook_secret(
    account: MotoEndpoint, worker_pex: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    account.raw_client("secretsmanager").delete_secret(
        SecretId="/dev/slack/webhook_url", ForceDeleteWithoutRecovery=True
    )
    assert deploy("--env", "dev", "--worker-pex", str(worker_pex)) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "/dev/slack/webhook_url" in line
    assert account.raw_client("s3").list_objects_v2(Bucket="dev-artifacts")["KeyCount"] == 0


def test_an_image_rolls_the_ecs_worker_service_to_a_new_revision(
    account: MotoEndpoint, worker_pex: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What the stack leaves (cluster, service, first revision) and what the deploy changes."""
    ecs = account.raw_client("ecs")
    ecs.create_cluster(clusterName="finks-dev-cluster")
    first = ecs.register_task_definition(
        family="finks-dev-prefect-worker",
        containerDefinitions=[
            {
                "name": "prefect-worker",
                "image": "prefecthq/prefect:3.9.1-python3.11",
                "command": ["prefect", "worker", "start", "--pool", "finks-dev"],
                "environment": [{"name": "ENVIRONMENT", "value": "dev"}],
                "memory": 1024,
            }
        ],
        cpu="512",
        memory="1024",
    )["taskDefinition"]
    ecs.create_service(
        cluster="finks-dev-cluster",
        serviceName="finks-dev-prefect-worker",
        taskDefinition=first["taskDefinitionArn"],
        desiredCount=1,
    )
    image = "123456789012.dkr.ecr.ca-central-1.amazonaws.com/finks-dev-worker@sha256:" + "a" * 64
    assert deploy("--env", "dev", "--worker-pex", str(worker_pex), "--image", image) == 0
    out = capsys.readouterr().out
    assert "ECS task definition finks-dev-prefect-worker: updated (revision 2" in out
    service = ecs.describe_services(
        cluster="finks-dev-cluster", services=["finks-dev-prefect-worker"]
    )["services"][0]
    revision = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])
    (container,) = revision["taskDefinition"]["containerDefinitions"]
    assert revision["taskDefinition"]["revision"] == 2 and container["image"] == image
    assert "command" not in container and container["environment"] == [
        {"name": "ENVIRONMENT", "value": "dev"}
    ]
    assert deploy("--env", "dev", "--worker-pex", str(worker_pex), "--image", image) == 0
    assert "ECS task definition finks-dev-prefect-worker: unchanged" in capsys.readouterr().out
    recorded = ledger.current(load_config("pipelines/config", "dev"), "pipelines")
    assert recorded is not None and recorded.details["image"] == image
    assert json.dumps(recorded.details)  # JSON-able


def test_a_bad_image_reference_exits_2(
    account: MotoEndpoint, worker_pex: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert deploy("--env", "dev", "--worker-pex", str(worker_pex), "--image", "latest") == 2
    assert "must name an image by digest" in capsys.readouterr().err


DOCKER_STUB = """#!/bin/sh
# A stand-in docker CLI: records each call; `inspect` answers the pushed image's digest.
echo "$*" >> "$DOCKER_LOG"
case "$1" in
  inspect) for last in "$@"; do :; done; echo "${last%:worker}@sha256:DIGEST" ;;
  login) cat > /dev/null ;;
esac
"""


def _ecs_worker_service(ecs: Any, env: str) -> None:
    """The cluster, worker service and first revision the stack creates."""
    ecs.create_cluster(clusterName=f"finks-{env}-cluster")
    first = ecs.register_task_definition(
        family=f"finks-{env}-prefect-worker",
        containerDefinitions=[
            {"name": "prefect-worker", "image": "prefecthq/prefect:3.9.1-python3.11", "memory": 512}
        ],
    )["taskDefinition"]
    ecs.create_service(
        cluster=f"finks-{env}-cluster",
        serviceName=f"finks-{env}-prefect-worker",
        taskDefinition=first["taskDefinitionArn"],
        desiredCount=1,
    )


def test_with_a_docker_engine_the_image_is_built_pushed_and_rolled_out(
    account: MotoEndpoint,
    worker_pex: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The Docker path's wiring (ECR login, push, digest, ECS) with a stand-in docker CLI."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "docker"
    stub.write_text(DOCKER_STUB.replace("DIGEST", "b" * 64))
    stub.chmod(0o755)
    log = tmp_path / "docker.log"
    monkeypatch.setenv("DOCKER_LOG", str(log))
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    repo = account.raw_client("ecr").create_repository(repositoryName="finks-dev-worker")
    uri = repo["repository"]["repositoryUri"]
    _ecs_worker_service(account.raw_client("ecs"), "dev")

    assert deploy("--env", "dev", "--worker-pex", str(worker_pex)) == 0
    out = capsys.readouterr().out
    calls = log.read_text().splitlines()
    assert calls[0] == "info"
    assert calls[1].startswith(f"build --pull=false -t {uri}:worker ")
    assert calls[2].startswith("login --username AWS --password-stdin ")
    assert calls[3] == f"push {uri}:worker"
    image = f"{uri}@sha256:{'b' * 64}"
    assert (
        f"ECS task definition finks-dev-prefect-worker: updated (revision 2, image {image})" in out
    )
    recorded = ledger.current(load_config("pipelines/config", "dev"), "pipelines")
    assert recorded is not None and recorded.details["image"] == image
