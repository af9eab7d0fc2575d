"""``infrastructure:deploy``: the offline dry-run for every stack, and the missing-CLI path."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pulumi
import pytest

from finks_config import Environment, load_config, repo_root
from finks_infra.deploy import main
from finks_infra.offline import RecordingMocks
from finks_infra.program import run_in_engine
from finks_infra.stack_config import project_name
from finks_infra.tests.conftest import STACKS, RenderedStack
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
    task_row = next(line for line in lines if line.startswith("ecs:TaskDefinition"))
    assert f"cpu={stack.settings.worker_cpu_units}" in task_row
    assert f"would hold {len(stack.resources)} resources" in out
    assert "nothing changed" in out


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def _copy_checkout(root: Path) -> Path:
    """Copy the files a deploy reads (env files, Pulumi files) to ``root``."""
    real = repo_root()
    wanted = [
        *(real / "libs" / "config").glob(".env.*"),
        *(real / "infrastructure").glob("Pulumi*.yaml"),
        *(real / "infrastructure" / "config").glob(".env.*"),
    ]
    for source in wanted:
        if source.name.endswith(".local") and source.name.count(".") > 2:
            continue  # personal overrides are never part of a checkout
        target = root / source.relative_to(real)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)
    return root


def test_an_environment_without_a_stack_file_exits_2_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _copy_checkout(tmp_path / "repo")
    (root / "infrastructure" / "Pulumi.staging.yaml").unlink()
    monkeypatch.setenv("FINKS_ROOT", str(root))
    code, out, err = _run(["--env", "staging", "--dry-run"])
    assert code == 2
    assert out.startswith("[STAGING]")
    assert "infrastructure/Pulumi.staging.yaml not found" in err
    assert "stacks: dev, prod" in err


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A committed copy of the files a deploy reads, with no pulumi CLI anywhere."""
    root = _copy_checkout(tmp_path / "repo")
    _git(root, "init", "-q")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", ".")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "x")
    git = shutil.which("git")
    assert git is not None
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(git)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FINKS_ROOT", str(root))
    assert shutil.which("pulumi") is None
    return root


def test_real_deploy_without_the_pulumi_cli_exits_2_and_says_how_to_install(
    checkout: Path, moto: MotoEndpoint
) -> None:
    code, out, err = _run(["--env", "dev"], overrides={"AWS_ENDPOINT_URL": moto.url})
    assert code == 2, out + err
    assert out.startswith("[DEV]")
    assert "the pulumi CLI is not installed" in err
    assert "https://get.pulumi.com" in err
    assert "--dry-run" in err
    s3 = moto.raw_client("s3")
    assert s3.list_buckets()["Buckets"] == []  # type: ignore[attr-defined]
    assert os.environ["FINKS_ROOT"] == str(checkout)


def test_program_runs_under_the_engine_entry_point() -> None:
    """``__main__.py`` / the Automation API call run_in_engine: stack name -> environment."""
    mocks = RecordingMocks("ca-central-1")
    pulumi.runtime.set_mocks(mocks, project=project_name(), stack="staging", preview=False)
    pulumi.runtime.test(run_in_engine)()
    buckets = {r.physical_name for r in mocks.resources if r.type == "aws:s3/bucket:Bucket"}
    expected = load_config("infrastructure/config", env=Environment.STAGING).bronze_bucket
    assert expected in buckets
