"""ingestion:deploy through the real deploy contract against a moto S3 server."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from finks_config import Environment, load_config
from finks_ingestion.deploy import main
from finks_ingestion.settings import PROJECT_CONFIG_DIR
from finks_ingestion.tests.conftest import all_objects
from finks_testing.moto import MotoEndpoint


@pytest.fixture
def artifacts(moto: MotoEndpoint, monkeypatch: pytest.MonkeyPatch, s3: Any) -> str:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
    config = load_config(
        PROJECT_CONFIG_DIR, env=Environment.LOCAL, overrides={"AWS_ENDPOINT_URL": moto.url}
    )
    s3.create_bucket(
        Bucket=config.artifacts_bucket,
        CreateBucketConfiguration={"LocationConstraint": config.aws_region},
    )
    return config.artifacts_bucket


@pytest.fixture
def tiny_pex(tmp_path: Path) -> Path:
    """A stand-in artifact (a zipapp) for the flows that do not need the real PEX."""
    path = tmp_path / "ingest.pex"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("__main__.py", "print('ingest')\n")
    return path


def test_deploy_uploads_pex_config_and_manifest(
    artifacts: str, tiny_pex: Path, s3: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--env", "local", "--pex", str(tiny_pex)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[LOCAL] ")
    objects = all_objects(s3, artifacts)
    keys = [k for k in objects if k.startswith("ingestion/")]
    prefix = keys[0].split("/")[1]
    assert sorted(keys) == [
        f"ingestion/{prefix}/{n}" for n in ("config.tar.gz", "ingest.pex", "manifest.json")
    ]
    manifest = json.loads(objects[f"ingestion/{prefix}/manifest.json"])
    assert manifest["git_sha"] == prefix and manifest["environment"] == "local"
    assert manifest["artifacts"]["ingest.pex"]["bytes"] == tiny_pex.stat().st_size
    with tarfile.open(fileobj=io.BytesIO(objects[f"ingestion/{prefix}/config.tar.gz"])) as tar:
        assert "ingestion/config/.env.local" in tar.getnames()
    assert any(k.startswith("deploys/") for k in objects)  # the ledger recorded it

    # Re-deploying the same sha uploads nothing new.
    assert main(["--env", "local", "--pex", str(tiny_pex)]) == 0
    again = all_objects(s3, artifacts)
    assert {k: v for k, v in again.items() if k.startswith("ingestion/")} == {
        k: v for k, v in objects.items() if k.startswith("ingestion/")
    }


def test_dry_run_changes_nothing(
    artifacts: str, tiny_pex: Path, s3: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--env", "local", "--dry-run", "--pex", str(tiny_pex)]) == 0
    assert "would upload" in capsys.readouterr().out
    assert all_objects(s3, artifacts) == {}


def test_usage_errors_exit_2(
    artifacts: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--env", "local", "--pex", str(tmp_path / "missing.pex")]) == 2
    assert "missing.pex" in capsys.readouterr().err
    assert main(["--env", "nowhere"]) == 2


def test_missing_artifacts_bucket_exits_2(
    moto: MotoEndpoint,
    tiny_pex: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
    assert main(["--env", "local", "--pex", str(tiny_pex)]) == 2
    assert "infrastructure" in capsys.readouterr().err
