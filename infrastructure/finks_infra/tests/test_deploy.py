"""``infrastructure:deploy``: the offline dry-run for every stack, and the missing-CLI path."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import pulumi
import pytest

from finks_config import ConfigError, Environment, load_config
from finks_config.aws import clear_client_cache
from finks_infra.deploy import _workspace_env, main
from finks_infra.offline import RecordingMocks
from finks_infra.program import PROJECT_CONFIG_DIR, run_in_engine
from finks_infra.stack_config import project_name
from finks_infra.tests.conftest import STACKS, RenderedStack, copy_checkout
from finks_testing.awsfaults import account_state, empty_credential_chain
from finks_testing.moto import MotoEndpoint


def _run(argv: list[str], overrides: Mapping[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, overrides=overrides, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("env", STACKS)
def test_dry_run_renders_the_stack_offline(env: str, rendered: dict[str, RenderedStack]) -> None:
    code, out, err = _run(["--env", env, "--dry-run"])
    assert code == 0, err
    lines = out.splitlines()
    indicator = f"[{env.upper()}]"
    assert lines[0].startswith(indicator)
    stack = rendered[env]
    assert any(line.startswith("TYPE") and "KEY SETTINGS" in line for line in lines)
    config = stack.config
    for bucket in (
        config.bronze_bucket,
        config.silver_bucket,
        config.gold_bucket,
        config.artifacts_bucket,
    ):
        assert "s3:Bucket" in out and bucket in out
    db_row = next(line for line in lines if line.startswith("rds:Instance"))
    assert f"class={stack.settings.db_instance_class}" in db_row
    assert f"multi_az={str(stack.settings.multi_az).lower()}" in db_row
    worker = config.worker_service
    task_row = next(
        line for line in lines if line.startswith("ecs:TaskDefinition") and worker in line
    )
    assert f"cpu={stack.settings.worker_cpu_units}" in task_row
    service_row = next(line for line in lines if line.startswith("ecs:Service") and worker in line)
    assert "ignores=taskDefinition" in service_row
    assert f"would hold {len(stack.resources)} resources" in out
    assert "nothing changed" in out
    assert "pulumi" not in err.lower()  # no CLI needed


def test_an_environment_without_a_stack_file_exits_2_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_checkout(tmp_path / "repo")
    (root / "infrastructure" / "Pulumi.staging.yaml").unlink()
    monkeypatch.setenv("FINKS_ROOT", str(root))
    code, out, err = _run(["--env", "staging", "--dry-run"])
    assert code == 2
    assert out.startswith("[STAGING]")
    assert "infrastructure/Pulumi.staging.yaml not found" in err
    assert "stacks: dev, prod" in err


@pytest.fixture
def checkout(committed_checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The committed checkout, with no pulumi CLI anywhere (PATH holds only git)."""
    root = committed_checkout
    git = shutil.which("git")
    assert git is not None
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(git)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert shutil.which("pulumi") is None
    return root


def test_real_deploy_without_the_pulumi_cli_exits_2_and_says_how_to_install(
    checkout: Path, moto: MotoEndpoint
) -> None:
    code, out, err = _run(["--env", "dev"], overrides={"AWS_ENDPOINT_URL": moto.url})
    assert code == 2, out + err
    assert out.startswith("[DEV]")
    (line,) = err.strip().splitlines()
    assert "the pulumi CLI is not installed" in line
    assert "https://get.pulumi.com" in line
    assert "--dry-run" in line
    s3 = moto.raw_client("s3")
    assert s3.list_buckets()["Buckets"] == []  # type: ignore[attr-defined]
    assert os.environ["FINKS_ROOT"] == str(checkout)


@pytest.fixture
def fake_pulumi(checkout: Path, tmp_path: Path) -> Path:
    """A `pulumi` on PATH that fails if anything runs it (the preflight must stop first)."""
    cli = tmp_path / "bin" / "pulumi"
    cli.write_text(
        "#!/bin/sh\necho 'pulumi must not run in this test' >&2\nexit 99\n", encoding="utf-8"
    )
    cli.chmod(0o755)
    return cli


def test_real_deploy_without_a_state_backend_exits_2_naming_the_bootstrap(
    fake_pulumi: Path, moto: MotoEndpoint
) -> None:
    code, out, err = _run(["--env", "dev"], overrides={"AWS_ENDPOINT_URL": moto.url})
    assert code == 2, out + err
    (line,) = err.strip().splitlines()
    assert line.startswith("[DEV] infrastructure deploy: error:")
    assert "the dev Pulumi state backend s3://dev-pulumi-state does not exist" in line
    assert "./pants run infrastructure:bootstrap -- --env dev" in line
    assert moto.raw_client("s3").list_buckets()["Buckets"] == []


def test_real_deploy_without_credentials_exits_2_in_one_line(
    fake_pulumi: Path, moto: MotoEndpoint, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    empty_credential_chain(monkeypatch, tmp_path / "home")
    clear_client_cache()
    before = account_state(moto)
    code, out, err = _run(["--env", "dev"], overrides={"AWS_ENDPOINT_URL": moto.url})
    assert code == 2, out + err
    (line,) = err.strip().splitlines()
    assert line.startswith("[DEV] infrastructure deploy: error: checking the ")
    assert "no AWS credentials for dev" in line and "Traceback" not in line
    assert account_state(moto) == before


def test_the_engine_gets_the_envs_credentials_under_the_standard_names() -> None:
    keys = {
        "FINKS_DEV_AWS_ACCESS_KEY_ID": "AKIDEV",
        "FINKS_DEV_AWS_SECRET_ACCESS_KEY": "secret",
        "FINKS_DEV_AWS_SESSION_TOKEN": "token",
    }
    env = _workspace_env(load_config(PROJECT_CONFIG_DIR, env=Environment.DEV, overrides=keys))
    assert env["AWS_ACCESS_KEY_ID"] == "AKIDEV"
    assert env["AWS_SECRET_ACCESS_KEY"] == "secret"
    assert env["AWS_SESSION_TOKEN"] == "token"
    assert env["PULUMI_BACKEND_URL"].startswith("s3://")


def test_the_engine_refuses_half_a_key_pair() -> None:
    half = {"FINKS_DEV_AWS_ACCESS_KEY_ID": "AKIDEV"}
    config = load_config(PROJECT_CONFIG_DIR, env=Environment.DEV, overrides=half)
    with pytest.raises(ConfigError, match="FINKS_DEV_AWS_SECRET_ACCESS_KEY"):
        _workspace_env(config)


def test_real_deploy_refuses_the_placeholder_image_digest(
    fake_pulumi: Path, moto: MotoEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    from finks_infra.bootstrap import main as bootstrap

    monkeypatch.setenv("FINKS_DEV_AWS_ENDPOINT_URL", moto.url)
    assert bootstrap(["--env", "dev"]) == 0
    code, out, err = _run(["--env", "dev"])
    assert code == 2, out + err
    (line,) = err.strip().splitlines()
    assert "pins prefectImage to the placeholder digest" in line
    assert "docker buildx imagetools inspect" in line
    buckets = {b["Name"] for b in moto.raw_client("s3").list_buckets()["Buckets"]}
    assert buckets == {"dev-pulumi-state"}  # nothing but the bootstrap's bucket


def test_emulated_deploy_applies_the_stack_and_records_it(
    committed_checkout: Path, moto: MotoEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FINKS_PULUMI_EMULATE=1 (the rehearsal's Pulumi stand-in): no CLI, no state backend."""
    from finks_deploy import ledger

    monkeypatch.setenv("FINKS_PULUMI_EMULATE", "1")
    monkeypatch.setenv("FINKS_DEV_AWS_ENDPOINT_URL", moto.url)
    code, out, err = _run(["--env", "dev"])
    assert code == 0, out + err
    assert "FINKS_PULUMI_EMULATE=1: applying the rendered stack to the emulated account" in out
    assert "emulate: skipped (not emulated):" in out
    config = load_config("infrastructure/config", env=Environment.DEV)
    buckets = {b["Name"] for b in moto.raw_client("s3").list_buckets()["Buckets"]}
    assert config.artifacts_bucket in buckets
    # The second deploy finds the artifacts bucket: lock and ledger, and nothing to change.
    code, out, err = _run(["--env", "dev"])
    assert code == 0, out + err
    assert "emulate: 0 created, 0 updated" in out
    newest = ledger.history(config, "infrastructure", 5)[0]
    assert newest.status == "ok" and newest.details["emulated"] is True
    assert newest.details["changes"] == 0


def test_program_runs_under_the_engine_entry_point() -> None:
    """``__main__.py`` / the Automation API call run_in_engine: stack name -> environment."""
    mocks = RecordingMocks("ca-central-1")
    pulumi.runtime.set_mocks(mocks, project=project_name(), stack="staging", preview=False)
    pulumi.runtime.test(run_in_engine)()
    buckets = {r.physical_name for r in mocks.resources if r.type == "aws:s3/bucket:Bucket"}
    expected = load_config("infrastructure/config", env=Environment.STAGING).bronze_bucket
    assert expected in buckets
