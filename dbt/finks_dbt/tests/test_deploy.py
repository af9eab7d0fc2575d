"""./pants run dbt:deploy -- --env ENV [--dry-run]: the deploy contract around dbt build."""

from __future__ import annotations

import pytest

from finks_config import load_config
from finks_dbt.deploy import main
from finks_dbt.tests.conftest import LocalBronze


@pytest.mark.parametrize("env", ["local", "dev", "staging", "prod"])
def test_dry_run_prints_the_plan_for_every_env(
    env: str,
    no_aws_credentials: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: object,
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
    if env != "local":
        assert f"s3://{env}-athena-results/" in out
        assert f"athena work group: finks-{env}" in out
        assert f"silver location: s3://{load_config('dbt/config', env).silver_bucket}/" in out
    assert "secret" not in out.lower()


@pytest.mark.parametrize("env", ["dev", "staging"])
def test_cloud_deploy_without_credentials_exits_2(
    env: str,
    no_aws_credentials: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A commit to deploy even where the sandbox has no .git (CI provides GITHUB_SHA too).
    monkeypatch.setenv("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
    monkeypatch.delenv("GITHUB_REF", raising=False)
    assert main(["--env", env]) == 2
    captured = capsys.readouterr()
    assert captured.out.startswith(f"[{env.upper()}]")
    assert "AWS credentials" in captured.err
    assert "--dry-run" in captured.err


def test_bad_env_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--env", "qa", "--dry-run"]) == 2
    assert "qa" in capsys.readouterr().err


def test_local_deploy_builds_on_duckdb_and_keeps_artifacts(
    local_bronze: LocalBronze,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key, value in local_bronze.overrides.items():
        monkeypatch.setenv(key, value)
    s3 = local_bronze.moto.raw_client("s3")
    artifacts = local_bronze.config().artifacts_bucket
    s3.create_bucket(
        Bucket=artifacts, CreateBucketConfiguration={"LocationConstraint": "ca-central-1"}
    )

    assert main(["--env", "local"]) == 0

    out = capsys.readouterr().out
    assert out.startswith("[LOCAL]")
    assert "[1/2] dbt build --target local" in out
    assert "model fct_daily_prices: success" in out
    assert "dbt build --target local: ok" in out
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=artifacts).get("Contents", [])]
    assert any(k.startswith("dbt/") and k.endswith("/manifest.json") for k in keys), keys
    assert any(k.endswith("/run_results.json") for k in keys), keys
