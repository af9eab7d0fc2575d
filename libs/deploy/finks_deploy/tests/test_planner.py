"""Every planner rule on a real git repository shaped like Finks, decided by real Pants.

One repository and one warm pantsd serve every scenario (a fresh Pants in a new
repository costs several seconds); each scenario is a branch off the same base.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import finks_config
import finks_config.aws
from finks_deploy import PlanError, ledger, ledger_cli, plan_cli
from finks_deploy.planner import make_plan
from finks_deploy.scenarios import ALL, SCENARIOS, Scenario, ScenarioRepo
from finks_deploy.tests.conftest import repo_source


@pytest.fixture(scope="session")
def scenario_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScenarioRepo]:
    real_env_files = {
        f"libs/config/.env.{env}": repo_source(f"libs/config/.env.{env}").read_text()
        for env in ("local", "dev", "staging", "prod")
    }
    repo = ScenarioRepo.create(
        tmp_path_factory.mktemp("finks") / "repo",
        repo_source("pants"),
        repo_source("pants.toml").read_text(),
        extra_files=real_env_files,
    )
    saved = os.environ.get("FINKS_PLAN_INSIDE_PANTS")
    os.environ["FINKS_PLAN_INSIDE_PANTS"] = "0"  # a separate repo: its own warm pantsd is fine
    try:
        yield repo
    finally:
        repo.stop_pantsd()
        if saved is None:
            os.environ.pop("FINKS_PLAN_INSIDE_PANTS", None)
        else:
            os.environ["FINKS_PLAN_INSIDE_PANTS"] = saved


# Editing pants.toml restarts the repository's pantsd: that scenario runs last (below).
RULES = [s for s in SCENARIOS if "pants.toml" not in s.edits]
PANTS_TOML_RULES = [s for s in SCENARIOS if "pants.toml" in s.edits]


@pytest.mark.parametrize("scenario", RULES, ids=[s.name for s in RULES])
def test_rule(scenario_repo: ScenarioRepo, scenario: Scenario) -> None:
    check_rule(scenario_repo, scenario)


def check_rule(scenario_repo: ScenarioRepo, scenario: Scenario) -> None:
    head = scenario_repo.apply(scenario)
    plan = make_plan(scenario_repo.root, scenario.env, scenario_repo.base, head)
    assert set(plan.projects) == scenario.expected, plan.to_json()
    assert plan.all_projects == ["infrastructure", "ingestion", "dbt", "pipelines"]
    assert plan.projects == [p for p in plan.all_projects if p in scenario.expected]
    for project in plan.projects:  # every deploy names the changed files that caused it
        assert plan.reasons[project]
        assert set(plan.reasons[project]) <= set(scenario.edits)


def test_ignored_files_say_why(scenario_repo: ScenarioRepo) -> None:
    docs = next(s for s in SCENARIOS if s.name.startswith("README"))
    tests_only = next(s for s in SCENARIOS if s.name.startswith("test-only"))
    other_env = next(s for s in SCENARIOS if s.name == ".env.prod does not count for dev")
    for scenario, key in ((docs, "docs"), (tests_only, "not-deployed"), (other_env, "other-env")):
        head = scenario_repo.apply(scenario)
        plan = make_plan(scenario_repo.root, scenario.env, scenario_repo.base, head)
        assert plan.ignored[key] == sorted(scenario.edits), plan.ignored


def test_cli_json_and_text(
    scenario_repo: ScenarioRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = next(s for s in SCENARIOS if s.name.startswith("ingestion code"))
    head = scenario_repo.apply(scenario)
    monkeypatch.setenv("FINKS_ROOT", str(scenario_repo.root))
    monkeypatch.chdir(scenario_repo.root)
    out = io.StringIO()
    assert plan_cli.main(["--env", "dev", "--base", scenario_repo.base], out=out) == 0
    data = json.loads(out.getvalue())
    assert {"environment", "base", "head", "projects", "reasons"} <= set(data)
    assert data["environment"] == "dev" and data["base"] == scenario_repo.base
    assert data["head"] == head and data["projects"] == ["ingestion", "pipelines"]
    assert data["reasons"] == {
        "ingestion": ["ingestion/finks_ingestion/client.py"],
        "pipelines": ["ingestion/finks_ingestion/client.py"],
    }
    assert capsys.readouterr().err.startswith("[DEV] planning deploys to dev")

    github_output = scenario_repo.root.parent / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(github_output))
    args = ["--env", "dev", "--base", scenario_repo.base, "--format", "text", "--github-output"]
    out = io.StringIO()
    assert plan_cli.main(args, out=out) == 0
    text = out.getvalue()
    assert text.startswith("[DEV]") and "ingestion" in text and "DEPLOY" in text
    assert "dbt" in text and "unchanged" in text
    assert github_output.read_text() == 'projects=["ingestion", "pipelines"]\nany=true\n'


def test_base_auto_reads_the_ledger(
    scenario_repo: ScenarioRepo,
    monkeypatch: pytest.MonkeyPatch,
    moto: object,
    overrides: dict[str, str],
) -> None:
    monkeypatch.setenv("FINKS_ROOT", str(scenario_repo.root))
    monkeypatch.chdir(scenario_repo.root)
    monkeypatch.setenv("AWS_ENDPOINT_URL", overrides["AWS_ENDPOINT_URL"])
    config = finks_config.load_config(None, "dev")
    s3 = finks_config.aws.client(config, "s3")
    s3.create_bucket(
        Bucket=config.artifacts_bucket,
        CreateBucketConfiguration={"LocationConstraint": config.aws_region},
    )
    scenario = next(s for s in SCENARIOS if s.name.startswith("a dbt model"))
    head = scenario_repo.apply(scenario)

    def plan_auto() -> dict[str, Any]:
        out = io.StringIO()
        assert plan_cli.main(["--env", "dev", "--base", "auto"], out=out) == 0
        return dict(json.loads(out.getvalue()))

    # Nothing deployed yet: every project deploys.
    data = plan_auto()
    assert set(data["projects"]) == ALL
    assert data["reasons"]["ingestion"] == ["(never deployed to dev)"]

    # Everything deployed at the base: only what the change reaches.
    for project in ALL:
        ledger.record(config, _ok(project, scenario_repo.base))
    data = plan_auto()
    assert data["projects"] == ["dbt", "pipelines"] and data["base"] == "auto"
    assert data["bases"] == dict.fromkeys(data["all_projects"], scenario_repo.base)

    # dbt already runs the head (a later, failed pipelines deploy must not be skipped).
    ledger.record(config, _ok("dbt", head))
    ledger.record(config, _ok("pipelines", scenario_repo.base).finished("failed"))
    assert plan_auto()["projects"] == ["pipelines"]

    # carry: projects the change does not reach are recorded as deployed at the head,
    # so a release of the head passes the prod rule for them (pipelines must deploy).
    out = io.StringIO()
    assert ledger_cli.carry(config, out) == 0
    assert "ingestion: " + head[:12] + " carried from " + scenario_repo.base[:12] in out.getvalue()
    assert ledger.was_deployed(config, "ingestion", head)
    assert ledger.was_deployed(config, "infrastructure", head)
    assert not ledger.was_deployed(config, "pipelines", head)


def _ok(project: str, sha: str) -> ledger.LedgerRecord:
    return ledger.LedgerRecord(
        project=project, environment="dev", sha=sha, version=sha[:7], status="ok", actor="ci"
    )


def test_shallow_clone_says_fetch_more_history(scenario_repo: ScenarioRepo, tmp_path: Path) -> None:
    scenario = SCENARIOS[0]
    scenario_repo.apply(scenario)
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{scenario_repo.root}", str(shallow)],
        check=True,
        capture_output=True,
    )
    with pytest.raises(PlanError, match="fetch-depth: 0"):
        make_plan(shallow, "dev", scenario_repo.base)
    with pytest.raises(PlanError, match="git fetch --unshallow"):
        make_plan(shallow, "dev", "auto", last_deployed=lambda _p: scenario_repo.base)


def test_unknown_base_is_a_usage_error(
    scenario_repo: ScenarioRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FINKS_ROOT", str(scenario_repo.root))
    monkeypatch.chdir(scenario_repo.root)
    assert plan_cli.main(["--env", "dev", "--base", "no-such-rev"], out=io.StringIO()) == 2
    assert "--base 'no-such-rev' is not a commit" in capsys.readouterr().err
    assert plan_cli.main(["--env", "qa", "--base", "HEAD"], out=io.StringIO()) == 2


def test_head_other_than_the_checkout(scenario_repo: ScenarioRepo) -> None:
    dbt_change = next(s for s in SCENARIOS if s.name.startswith("a dbt model"))
    dbt_head = scenario_repo.apply(dbt_change)
    scenario_repo.apply(SCENARIOS[0])  # the checkout is elsewhere now
    plan = make_plan(scenario_repo.root, "dev", scenario_repo.base, dbt_head)
    assert plan.projects == ["dbt", "pipelines"] and plan.head == dbt_head


@pytest.mark.parametrize("scenario", PANTS_TOML_RULES, ids=[s.name for s in PANTS_TOML_RULES])
def test_rule_pants_toml_last(scenario_repo: ScenarioRepo, scenario: Scenario) -> None:
    check_rule(scenario_repo, scenario)
