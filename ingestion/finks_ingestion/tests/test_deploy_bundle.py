"""The packaged ingestion:deploy binary deploys its bundled PEX, and that PEX runs an ingestion.

This target has `ingestion:deploy` as a runtime package dependency: Pants builds the real
deploy PEX (with the ingest PEX inside) into the sandbox at ingestion/deploy.pex.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from finks_config import Environment, load_config
from finks_ingestion.local_fmp import LocalFmpServer
from finks_ingestion.settings import PROJECT_CONFIG_DIR
from finks_ingestion.tests.conftest import FAST, TEST_API_KEY, all_objects
from finks_ingestion.tests.helpers import expected, landed
from finks_testing.moto import MotoEndpoint


def test_deployed_pex_runs_an_ingestion(
    moto: MotoEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    s3: Any,
    tmp_path: Path,
    fmp_server: LocalFmpServer,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
    config = load_config(
        PROJECT_CONFIG_DIR, env=Environment.LOCAL, overrides={"AWS_ENDPOINT_URL": moto.url}
    )
    s3.create_bucket(
        Bucket=config.artifacts_bucket,
        CreateBucketConfiguration={"LocationConstraint": config.aws_region},
    )
    deploy = subprocess.run(
        [sys.executable, "ingestion/deploy.pex", "--env", "local"],
        env={**os.environ, "AWS_ENDPOINT_URL": moto.url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert deploy.stdout.startswith("[LOCAL] ")
    objects = all_objects(s3, config.artifacts_bucket)
    (pex_key,) = (k for k in objects if k.endswith("/ingest.pex"))
    prefix = pex_key.rsplit("/", 1)[0]

    # Unpack the deployed artifact somewhere outside the repo and run it as ops would.
    pex = tmp_path / "ingest.pex"
    pex.write_bytes(objects[pex_key])
    with tarfile.open(fileobj=io.BytesIO(objects[f"{prefix}/config.tar.gz"])) as tar:
        for member in tar.getmembers():
            data = tar.extractfile(member)
            assert data is not None and ".." not in member.name
            target = tmp_path / "root" / member.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data.read())
    env = {
        **os.environ,
        **FAST,
        "FINKS_ROOT": str(tmp_path / "root"),
        "AWS_ENDPOINT_URL": moto.url,
        "FMP_BASE_URL": fmp_server.url,
        "FINKS_SECRET_FMP_API_KEY": TEST_API_KEY,
        "ENVIRONMENT": "local",
    }
    run = subprocess.run(
        [
            sys.executable,
            str(pex),
            "--symbols",
            "CVX",
            "--from",
            "2024-05-01",
            "--to",
            "2024-05-31",
            "--ingest-date",
            "2026-11-26",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("[LOCAL] ")
    good, _ = landed(all_objects(s3, config.bronze_bucket))
    assert good == expected(["CVX"], date(2024, 5, 1), date(2024, 5, 31))
