"""`pipelines:deploy` to a "staging" made of a real local Prefect API and moto S3."""

from __future__ import annotations

import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from prefect import get_client

from finks_config import repo_root
from finks_deploy import read_git_info
from finks_pipelines.deploy import main
from finks_pipelines.deployments import PULL_STEP
from finks_pipelines.packaging import pull_flow_code
from finks_testing.moto import MotoEndpoint
from finks_testing.prefect import PrefectEndpoint

FALLBACK_SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def remote_env(
    monkeypatch: pytest.MonkeyPatch, moto: MotoEndpoint, prefect_api: PrefectEndpoint
) -> str:
    """Env vars that make `staging`/`dev` point at moto and the session's Prefect API."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
    monkeypatch.setenv("PREFECT_API_URL", prefect_api.url)
    monkeypatch.setenv("GITHUB_SHA", FALLBACK_SHA)  # used only outside a git checkout
    s3: Any = moto.raw_client("s3")
    for env in ("staging", "dev"):
        s3.create_bucket(
            Bucket=f"{env}-artifacts",
            CreateBucketConfiguration={"LocationConstraint": "ca-central-1"},
        )
    return read_git_info(repo_root()).sha


def _deployments(env: str) -> dict[str, Any]:
    with get_client(sync_client=True) as client:
        return {
            base: client.read_deployment_by_name(f"{base}-{env}/{env}")
            for base in ("ingest-fmp", "transform", "medallion")
        }


def test_staging_deploy_creates_pool_deployments_schedule_and_artifact(
    remote_env: str,
    moto: MotoEndpoint,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sha = remote_env
    assert main(["--env", "staging"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[STAGING]")
    assert "work pool finks-staging: created" in out

    with get_client(sync_client=True) as client:
        pool = client.read_work_pool("finks-staging")
    assert pool.type == "process"

    deployments = _deployments("staging")
    artifact = f"s3://staging-artifacts/pipelines/{sha}/flow-code.tar.gz"
    for base, dep in deployments.items():
        assert dep.version == sha
        assert dep.work_pool_name == "finks-staging"
        assert dep.parameters == {"env": "staging"}
        assert dep.pull_steps is not None and dep.pull_steps[0][PULL_STEP]["uri"] == artifact
        assert dep.entrypoint.startswith("finks_pipelines.flows:")
        if base == "medallion":
            (schedule,) = dep.schedules
            assert schedule.active
            assert (schedule.schedule.cron, schedule.schedule.timezone) == (
                "30 17 * * 1-5",
                "America/New_York",
            )
        else:
            assert dep.schedules == []

    # The artifact is the flow code, and the pull step a worker runs can install it.
    s3: Any = moto.raw_client("s3")
    s3.head_object(Bucket="staging-artifacts", Key=f"pipelines/{sha}/flow-code.tar.gz")
    monkeypatch.setenv("ENVIRONMENT", "staging")
    monkeypatch.setattr(sys, "path", list(sys.path))
    modules = dict(sys.modules)
    try:
        pulled = pull_flow_code(artifact, str(tmp_path / "worker"))
    finally:
        sys.modules.clear()
        sys.modules.update(modules)
        monkeypatch.delenv("FINKS_ROOT", raising=False)
    assert (Path(pulled["directory"]) / "pipelines/finks_pipelines/flows.py").is_file()
    with tarfile.open(tmp_path / "worker.tar.gz") as tar:
        assert "MANIFEST.json" in tar.getnames()

    # The deploy is in the staging ledger.
    ledger = s3.list_objects_v2(Bucket="staging-artifacts", Prefix="deploys/pipelines/")
    assert any(sha in o["Key"] for o in ledger["Contents"])


def test_redeploy_of_the_same_sha_changes_nothing(
    remote_env: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["--env", "staging"]) == 0
    before = {b: (d.id, d.updated, d.version) for b, d in _deployments("staging").items()}
    capsys.readouterr()

    assert main(["--env", "staging"]) == 0
    out = capsys.readouterr().out
    assert "artifact unchanged" in out
    assert out.count(": unchanged") == 4  # the work pool and three deployments
    assert "0 change(s)" in out
    after = {b: (d.id, d.updated, d.version) for b, d in _deployments("staging").items()}
    assert after == before

    # A config change is applied as an update of just that field.
    monkeypatch.setenv("PIPELINE_SCHEDULE_CRON", "0 18 * * 1-5")
    assert main(["--env", "staging"]) == 0
    out = capsys.readouterr().out
    assert "deployment medallion-staging/staging: updated (description" not in out
    assert "deployment medallion-staging/staging: updated (schedules)" in out
    assert "deployment transform-staging/staging: unchanged" in out
    (schedule,) = _deployments("staging")["medallion"].schedules
    assert schedule.schedule.cron == "0 18 * * 1-5"


def test_dev_deploy_has_no_schedule(remote_env: str) -> None:
    assert main(["--env", "dev", "--no-run"]) == 0
    assert all(d.schedules == [] for d in _deployments("dev").values())


def test_missing_prefect_api_url_exits_2_naming_key_and_file(
    remote_env: str,
    moto: MotoEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("PREFECT_API_URL")
    assert main(["--env", "dev"]) == 2
    captured = capsys.readouterr()
    assert captured.out.startswith("[DEV]")
    assert "PREFECT_API_URL" in captured.err and "libs/config/.env.dev" in captured.err
    # Nothing changed: no artifact, no ledger entry.
    s3: Any = moto.raw_client("s3")
    assert s3.list_objects_v2(Bucket="dev-artifacts").get("KeyCount") == 0


def test_dry_run_changes_nothing(
    remote_env: str, moto: MotoEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--env", "staging", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would apply medallion-staging/staging" in out and "30 17 * * 1-5" in out
    s3: Any = moto.raw_client("s3")
    assert s3.list_objects_v2(Bucket="staging-artifacts").get("KeyCount") == 0
