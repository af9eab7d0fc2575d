"""The rehearsal's own parts that need no act run: tree copy, log reading, request judging."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from finks_config.cli import UsageError
from finks_deploy.rehearsal import act, probes, scenarios, workload
from finks_deploy.rehearsal.accounts import ACCOUNT_IDS
from finks_deploy.rehearsal.broker import BrokerError, account_of
from finks_deploy.rehearsal.cli import scenario_names
from finks_deploy.rehearsal.repo import REQUIRED, ThrowawayRepo, source_files
from finks_deploy.rehearsal.stage import checks_settings, worker_counts
from finks_local.moto import MotoRequest


def sandbox(root: Path) -> Path:
    """A tree shaped like a Pants test sandbox: the repository's files plus Pants' own."""
    for name in (*REQUIRED, "libs/config/.env.dev", "ingestion/finks_ingestion/runner.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"# {name}\n")
    (root / "pants").chmod(0o755)
    for noise in ("__run.sh", "requirements.pex/x.py", "pytest.pex/y", "a/__pycache__/m.pyc"):
        (root / noise).parent.mkdir(parents=True, exist_ok=True)
        (root / noise).write_text("noise")
    return root


def test_a_sandbox_tree_is_the_repository_files_only(tmp_path: Path) -> None:
    root = sandbox(tmp_path / "sandbox")
    files = source_files(root)
    assert set(files) == {*REQUIRED, "libs/config/.env.dev", "ingestion/finks_ingestion/runner.py"}


def test_the_throwaway_repository_commits_the_tree_and_keeps_modes(tmp_path: Path) -> None:
    root = sandbox(tmp_path / "sandbox")
    repo = ThrowawayRepo.create(root, tmp_path / "repo", source_files(root))
    assert repo.git("status", "--porcelain") == ""
    assert repo.git("remote", "get-url", "origin").endswith("finks/finks.git")
    assert (repo.root / "pants").stat().st_mode & 0o111
    sha = repo.commit("change", {"ingestion/finks_ingestion/runner.py": "# more"})
    assert repo.git("diff", "--name-only", "HEAD~1", sha) == "ingestion/finks_ingestion/runner.py"
    # From a checkout: tracked and untracked-but-not-ignored files (an unpushed change).
    (repo.root / ".gitignore").write_text("ignored.txt\n")
    (repo.root / "new.py").write_text("x = 1\n")
    (repo.root / "ignored.txt").write_text("no\n")
    listed = source_files(repo.root)
    assert "new.py" in listed and "ignored.txt" not in listed


def test_a_tree_without_the_launcher_is_refused(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    with pytest.raises(FileNotFoundError, match="//:repository"):
        ThrowawayRepo.create(tmp_path / "src", tmp_path / "repo", [])


def test_requests_naming_another_envs_bucket_are_found() -> None:
    staging = type("A", (), {"env": "staging"})()
    seen = [
        MotoRequest("GET", "/staging-artifacts/deploys/x.json", 200),
        MotoRequest("POST", "/", 200),  # query-protocol calls name no bucket in the path
        MotoRequest("PUT", "/prod-artifacts/deploys/_locks/deploy.json", 403),
        MotoRequest("GET", "/dev-bronze-zone?list-type=2", 200),
    ]
    assert probes.foreign_requests(staging, seen) == [  # type: ignore[arg-type]
        "PUT /prod-artifacts/deploys/_locks/deploy.json",
        "GET /dev-bronze-zone",
    ]
    assert probes.writes(seen) == ["PUT /prod-artifacts/deploys/_locks/deploy.json"]


def test_the_plan_is_read_from_acts_log(tmp_path: Path) -> None:
    lines = [
        {"job": "dev/deploy-env/plan", "msg": "  ⚙  ::set-output:: any=true"},
        {"job": "dev/deploy-env/plan", "msg": '  ⚙  ::set-output:: projects=["ingestion", "dbt"]'},
        {"job": "dev/deploy-env/plan", "msg": "🏁  Job succeeded", "jobResult": "success"},
        {"job": "staging/deploy-env/plan", "msg": "🏁  Job failed", "jobResult": "failure"},
    ]
    records = [r for r in (act.Record.parse(json.dumps(line)) for line in lines) if r]
    run = act.ActRun("push", 1, 0.0, tmp_path / "log", records)
    assert scenarios.planned(run, "dev") == ["ingestion", "dbt"]
    assert scenarios.planned(run, "staging") is None
    assert run.jobs == {"dev/deploy-env/plan": "success", "staging/deploy-env/plan": "failure"}
    assert run.ran("staging/deploy-env/plan") and not run.ran("prod/deploy-env/plan")


def test_acts_log_keeps_masked_values_only() -> None:
    line = json.dumps(
        {"command": "set-env", "arg": "s3cr3t", "raw": "::set-env::X=s3cr3t", "msg": "X=***"}
    )
    kept = act._without_masked_values(line + "\n")
    assert "s3cr3t" not in kept and json.loads(kept)["msg"] == "X=***"


def test_scenario_selection_brings_what_a_scenario_needs() -> None:
    assert [s.name for s in scenarios.select(["b"])] == ["first", "a", "b"]
    assert [s.name for s in scenarios.select(["c"])] == ["first", "a", "c1", "c2"]
    assert [s.name for s in scenarios.select(None)] == [s.name for s in scenarios.SCENARIOS]
    with pytest.raises(ValueError, match="unknown scenario"):
        scenarios.select(["z"])


def test_scenario_flags_are_split_and_checked_as_usage() -> None:
    assert scenario_names(["a, b", "c"]) == ["a", "b", "c"]
    assert scenario_names(None) == []
    with pytest.raises(UsageError, match="unknown scenario") as caught:
        scenario_names(["a,z"])
    assert caught.value.exit_code == 2


def test_the_check_keys_are_read_as_pipelines_check_reads_them() -> None:
    symbols, as_of = workload.check_settings("staging")
    assert symbols and all(s == s.upper() for s in symbols)
    assert as_of.isoformat() == "2026-11-27"  # pipelines/config/.env.staging's CHECK_AS_OF
    counts = worker_counts(dict.fromkeys(("dev", "staging", "prod")))  # type: ignore[arg-type]
    assert counts == {"dev": 0, "staging": 1, "prod": checks_settings("prod").check_workers}


def test_a_role_arn_names_its_account() -> None:
    assert account_of(f"arn:aws:iam::{ACCOUNT_IDS['prod']}:role/finks-prod-github-deploy") == (
        ACCOUNT_IDS["prod"]
    )
    with pytest.raises(BrokerError, match="not an IAM role ARN"):
        account_of("arn:aws:s3:::prod-artifacts")
