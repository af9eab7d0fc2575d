"""The worker runtime proven the way the cloud runs it.

`pipelines:worker` (the built PEX, a runtime dependency of this test) starts in an empty
directory with a clean environment (no repository, no PYTHONPATH, no PREFECT_API_URL)
against a real Prefect API that requires auth and a moto "staging" account. It finds
the API URL in SSM and its credentials in Secrets Manager, picks up a run of the
deployment that `pipelines:deploy` created, and the run lands bronze in staging.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect import get_client

import finks_config
import finks_config.aws
from finks_local.fmp import LOCAL_FMP_API_KEY, LocalFmpServer
from finks_local.prefect import PrefectServer, running_prefect_server, using_prefect_api
from finks_pipelines.deploy import main as deploy
from finks_pipelines.deployments import artifact_digest
from finks_pipelines.runtime import canonical_pex
from finks_pipelines.tests.conftest import AS_OF
from finks_testing.moto import FAKE_CREDENTIALS, MotoEndpoint

AUTH = "finks:worker-test-password"
WEBHOOK = "https://hooks.slack.com/services/T0FINKS/B0FINKS/secretpart"
FALLBACK_SHA = "0123456789abcdef0123456789abcdef01234567"


def built_worker_pex() -> Path:
    """The PEX Pants built for this test (sandbox), or the one in dist/ (dev loop)."""
    root = finks_config.repo_root()
    for candidate in (Path("pipelines/worker.pex"), root / "dist" / "pipelines" / "worker.pex"):
        if candidate.is_file():
            return candidate
    pytest.fail("no worker PEX: run ./pants package pipelines:worker (Pants tests build it)")


@pytest.fixture(scope="module")
def secured_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    """A Prefect API with basic auth, as the stack's self-hosted server has."""
    with running_prefect_server(tmp_path_factory.mktemp("prefect"), auth_string=AUTH) as server:
        yield server


@pytest.fixture
def staging(
    moto: MotoEndpoint,
    secured_api: PrefectServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[MotoEndpoint]:
    """A staging account as infrastructure leaves it, and this process's client on the API."""
    finks_config.aws.clear_client_cache()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("GITHUB_SHA", FALLBACK_SHA)  # the commit, when no checkout (Pants sandbox)
    config = finks_config.load_config("pipelines/config", "staging")
    s3 = moto.raw_client("s3")
    for bucket in config.buckets:
        s3.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ca-central-1"}
        )
    moto.raw_client("ssm").put_parameter(
        Name="/staging/prefect/api_url", Value=secured_api.url, Type="String"
    )
    secrets = moto.raw_client("secretsmanager")
    for path, value in (
        ("/staging/prefect/api_key", AUTH),
        ("/staging/fmp/api_key", LOCAL_FMP_API_KEY),
        ("/staging/slack/webhook_url", WEBHOOK),
    ):
        secrets.create_secret(Name=path, SecretString=value)
    with using_prefect_api(secured_api.url, tmp_path / "client", auth_string=AUTH):
        yield moto


def clean_environment(moto: MotoEndpoint, fmp: LocalFmpServer, home: Path) -> dict[str, str]:
    """What an ECS task has: the env, credentials, an endpoint (emulated account), FMP."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "PEX_ROOT": str(home / "pex"),
        "ENVIRONMENT": "staging",
        "FINKS_STAGING_AWS_ENDPOINT_URL": moto.url,
        "AWS_ACCESS_KEY_ID": FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "AWS_DEFAULT_REGION": FAKE_CREDENTIALS["AWS_DEFAULT_REGION"],
        "FMP_BASE_URL": str(fmp.url),
        "PREFECT_HOME": str(home / "prefect"),
    }


def python311() -> str:
    return shutil.which("python3.11") or sys.executable


def test_the_shipped_pex_runs_a_deployed_flow_with_no_repository(
    staging: MotoEndpoint, fmp_server: LocalFmpServer, tmp_path: Path
) -> None:
    pex = built_worker_pex()
    digest = hashlib.sha256(
        canonical_pex(pex, tmp_path / "c" / "worker.pex").read_bytes()
    ).hexdigest()
    assert deploy(["--env", "staging", "--worker-pex", str(pex)]) == 0

    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("ingest-fmp/ingest-fmp-staging")
        assert artifact_digest(deployment) == digest and not deployment.pull_steps
        run = client.create_flow_run_from_deployment(
            deployment.id, parameters={"env": "staging", "as_of": AS_OF, "symbols": ["AAPL"]}
        )

    # The artifact as the container gets it: downloaded by digest, into an empty directory.
    workdir = tmp_path / "task"
    workdir.mkdir()
    shipped = workdir / "worker.pex"
    staging.raw_client("s3").download_file(
        "staging-artifacts", f"pipelines/artifacts/{digest}/worker.pex", str(shipped)
    )
    env = clean_environment(staging, fmp_server, tmp_path / "home")
    result = subprocess.run(
        [python311(), str(shipped), "--run-once", "--limit", "1", "--name", "test-worker"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert output.startswith("[STAGING] finks worker")
    assert "polling work pool finks-staging at " + str(staging_api_url(staging)) in output
    # Everything came from the artifact, nothing from a checkout.
    dbt_line = next(line for line in output.splitlines() if "dbt project: " in line)
    assert str(tmp_path / "home" / "pex") in dbt_line and "/work/main" not in dbt_line
    assert AUTH not in output and WEBHOOK not in output

    with get_client(sync_client=True) as client:
        finished = client.read_flow_run(run.id)
    assert finished.state is not None and finished.state.is_completed(), finished.state
    listing = staging.raw_client("s3").list_objects_v2(Bucket="staging-bronze-zone")
    keys = [o["Key"] for o in listing.get("Contents", [])]
    assert any(k.startswith("fmp/prices/") and "symbol=AAPL" in k for k in keys), keys


def staging_api_url(moto: MotoEndpoint) -> str:
    value = moto.raw_client("ssm").get_parameter(Name="/staging/prefect/api_url")
    return str(value["Parameter"]["Value"])
