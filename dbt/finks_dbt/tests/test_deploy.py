"""./pants run dbt:deploy -- --env ENV [--dry-run]: state-aware builds on the deploy contract."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import finks_config.aws
from finks_config import load_config, repo_root
from finks_dbt.deploy import main
from finks_dbt.tests import bronze_fixtures
from finks_deploy import ledger
from finks_deploy.lock import named_lock
from finks_testing.moto import MotoEndpoint

SHA = "0123456789abcdef0123456789abcdef01234567"
PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "models", "macros", "tests", "config")


@pytest.fixture(autouse=True)
def commit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("GITHUB_SHA", SHA)  # the commit, where the sandbox has no .git
    monkeypatch.delenv("GITHUB_REF", raising=False)
    finks_config.aws.clear_client_cache()
    yield
    finks_config.aws.clear_client_cache()


@pytest.fixture
def project_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the env files and the dbt project (FINKS_ROOT), so a test can edit a model."""
    source, root = repo_root(), tmp_path / "root"
    (root / "libs" / "config").mkdir(parents=True)
    for env_file in (source / "libs" / "config").glob(".env.*"):
        shutil.copy(env_file, root / "libs" / "config" / env_file.name)
    for name in PROJECT_FILES:
        src, dst = source / "dbt" / name, root / "dbt" / name
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, dst)
    monkeypatch.setenv("FINKS_ROOT", str(root))
    return root


@pytest.fixture
def local_env(
    moto: MotoEndpoint,
    project_copy: Path,
    monkeypatch: pytest.MonkeyPatch,
    scratch_overrides: Callable[[str], dict[str, str]],
) -> Any:
    """`--env local` against moto: bronze fixtures and an artifacts bucket (lock, ledger)."""
    for key, value in scratch_overrides(moto.url).items():
        monkeypatch.setenv(key, value)
    config = load_config("dbt/config", "local")
    s3 = moto.raw_client("s3")
    bronze_fixtures.upload(s3, config.bronze_bucket)
    s3.create_bucket(
        Bucket=config.artifacts_bucket,
        CreateBucketConfiguration={"LocationConstraint": config.aws_region},
    )
    return config


def deploy(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--env", "local", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("env", ["local", "dev", "staging", "prod"])
def test_dry_run_prints_the_plan_for_every_env(
    env: str,
    no_aws_credentials: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("DBT_WORK_DIR", str(tmp_path))
    assert main(["--env", env, "--dry-run"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    tag = f"[{env.upper()}]"
    assert lines[0].startswith(tag), lines[0]
    assert all(line.startswith(tag) for line in lines if line.strip())
    assert f"target: {env} ({'duckdb' if env == 'local' else 'athena'}" in out
    assert "database: " in out and f"{env}_analytics" in out
    assert "fct_daily_prices" in out and "mart_sector_performance" in out
    assert "build everything: unknown here" in out  # no ledger to compare with offline
    if env != "local":
        assert f"s3://{env}-athena-results/" in out
        assert f"athena work group: finks-{env}" in out
        assert f"silver location: s3://{load_config('dbt/config', env).silver_bucket}/" in out
    assert "DBT_ENV_SECRET" not in out and "key_id" not in out  # the profile prints no credential


def test_deploys_build_only_what_changed_since_the_last_one(
    local_env: Any, project_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = deploy(capsys)
    assert code == 0, out
    assert "build everything: no previous dbt deploy manifest in local" in out
    assert "dbt build --target local: ok; 7 models" in out
    first = ledger.current(local_env, "dbt")
    assert first is not None and "manifest.json" in first.artifacts
    assert first.details["build"]["mode"] == "full"

    code, out = deploy(capsys)
    assert code == 0, out
    assert "build nothing: nothing changed since the last deploy" in out
    assert "dbt build --target" not in out
    assert "holding the local warehouse lock" not in out

    model = project_copy / "dbt" / "models" / "marts" / "fct_fundamentals.sql"
    model.write_text(model.read_text() + "\n-- a reviewed change\n")
    code, out = deploy(capsys)
    assert code == 0, out
    assert "build state:modified+" in out and "holding the local warehouse lock" in out
    record = ledger.current(local_env, "dbt")
    assert record is not None and record.details["build"]["mode"] == "state"
    selected = record.details["selected"]
    assert "fct_fundamentals" in selected and "fct_daily_prices" not in selected
    assert any(name.startswith("unique_fct_fundamentals") for name in selected)
    assert "dbt build --target local: ok; 1 models" in out


def test_a_changed_profile_builds_everything(
    local_env: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert deploy(capsys)[0] == 0
    monkeypatch.setenv("DBT_DUCKDB_PATH", str(tmp_path / "another-warehouse.duckdb"))
    code, out = deploy(capsys)
    assert code == 0, out
    assert "build everything: the profile changed" in out
    assert "dbt build --target local: ok; 7 models" in out


def test_the_deploy_waits_for_the_warehouse_lock_and_builds_nothing_without_it(
    local_env: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = Path(str(local_env.raw("DBT_DUCKDB_PATH")))
    with named_lock(
        local_env, "warehouse", holder="transform medallion-local-2026-11-24", timeout=5
    ):
        code, out = deploy(capsys, "--lock-timeout", "2")
    assert code != 0
    assert "transform medallion-local-2026-11-24" in out
    assert not warehouse.exists()  # dbt never ran
    record = ledger.current(local_env, "dbt")
    assert record is None


@pytest.mark.parametrize("env", ["dev", "staging"])
def test_cloud_deploy_without_credentials_exits_2(
    env: str, no_aws_credentials: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--env", env]) == 2
    captured = capsys.readouterr()
    assert captured.out.startswith(f"[{env.upper()}]")
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and f"no AWS credentials for {env}" in lines[0]


def test_bad_env_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--env", "qa", "--dry-run"]) == 2
    assert "qa" in capsys.readouterr().err


def test_the_manifest_artifact_is_this_commits_parse(local_env: Any, moto: MotoEndpoint) -> None:
    assert main(["--env", "local"]) == 0
    record = ledger.current(local_env, "dbt")
    assert record is not None
    body = (
        moto.raw_client("s3")
        .get_object(
            Bucket=local_env.artifacts_bucket, Key=record.artifacts["manifest.json"]["key"]
        )["Body"]
        .read()
    )
    manifest = json.loads(body)
    assert manifest["metadata"]["adapter_type"] == "duckdb"
    assert "model.finks.fct_daily_prices" in manifest["nodes"]
