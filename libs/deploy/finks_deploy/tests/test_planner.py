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
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import finks_config
import finks_config.aws
from finks_deploy import PlanError, ledger, ledger_cli, pants_graph, plan_cli
from finks_deploy.planner import make_plan
from finks_deploy.tests.conftest import BrokenAccount, repo_source
from finks_deploy.tests.scenarios import ALL, SCENARIOS, Scenario, ScenarioRepo


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
    names = ("FINKS_PLAN_INSIDE_PANTS", pants_graph.CACHE_VARIABLE)
    saved = {name: os.environ.get(name) for name in names}
    os.environ["FINKS_PLAN_INSIDE_PANTS"] = "0"  # a separate repo: its own warm pantsd is fine
    os.environ[pants_graph.CACHE_VARIABLE] = str(tmp_path_factory.mktemp("cache"))
    try:
        yield repo
    finally:
        repo.stop_pantsd()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


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
    assert capsys.readouterr().err.startswith("[DEV] planning deploys\n")

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
    shipped = {"worker.pex": {"sha256": "5" * 64, "size": 1, "key": "k"}}
    ledger.record(config, replace(_ok("infrastructure", scenario_repo.base), artifacts=shipped))
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
    carried = ledger.deployed(config, "infrastructure", head)
    assert carried is not None and carried.artifacts == shipped  # the digests prod must match

    # A dirty-tree deploy of ingestion at the head: never a base, and ingestion redeploys.
    ledger.record(config, replace(_ok("ingestion", head), dirty=True, diff_digest="e" * 64))
    data = plan_auto()
    assert data["projects"] == ["ingestion", "pipelines"]
    assert data["reasons"]["ingestion"][0].startswith(
        f"(running a dirty-tree deploy of {head[:12]}, diff eeeeeeeeeeee"
    )
    assert data["bases"]["ingestion"] == head  # the carried clean record stays the base


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


def test_base_auto_without_ledger_access_says_what_it_needs(
    scenario_repo: ScenarioRepo,
    broken_account: BrokenAccount,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """16.3: one line naming the access --base auto needs, or the explicit alternative."""
    monkeypatch.setenv("FINKS_ROOT", str(scenario_repo.root))
    monkeypatch.chdir(scenario_repo.root)
    scenario_repo.apply(SCENARIOS[0])
    before = broken_account.objects()
    out = io.StringIO()
    assert plan_cli.main(["--env", "dev", "--base", "auto"], out=out) == 2
    err = capsys.readouterr().err
    (line,) = (x for x in err.splitlines() if ": error: " in x)
    assert line.startswith("[DEV] plan: error: --base auto reads the dev deploy ledger")
    assert broken_account.expect in line
    assert "read access to s3://dev-artifacts/deploys/*" in line and "--base REV" in line
    assert out.getvalue() == "" and broken_account.objects() == before


def test_a_clean_tree_s_graph_is_read_once(
    scenario_repo: ScenarioRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tree fixes the graph: a second plan of the same clean tree runs no ./pants."""
    scenario = next(s for s in SCENARIOS if s.name.startswith("ingestion code"))
    head = scenario_repo.apply(scenario)
    first = make_plan(scenario_repo.root, "dev", scenario_repo.base, head)

    def no_pants(*args: object, **kwargs: object) -> str:
        raise AssertionError("./pants ran although the graph of this tree is cached")

    monkeypatch.setattr(pants_graph, "run_pants", no_pants)
    again = make_plan(scenario_repo.root, "dev", scenario_repo.base, head)
    assert again.to_json() == first.to_json()
    # A dirty tree is not that tree: no cache.
    (scenario_repo.root / "ingestion" / "finks_ingestion" / "new.py").write_text("x = 1\n")
    try:
        with pytest.raises(AssertionError, match="cached"):
            make_plan(scenario_repo.root, "dev", scenario_repo.base, head)
    finally:
        (scenario_repo.root / "ingestion" / "finks_ingestion" / "new.py").unlink()


def test_a_prod_plan_applies_the_release_rule_before_the_approval_gate(
    scenario_repo: ScenarioRepo,
    monkeypatch: pytest.MonkeyPatch,
    moto: object,
    overrides: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FINKS_ROOT", str(scenario_repo.root))
    monkeypatch.chdir(scenario_repo.root)
    monkeypatch.setenv("AWS_ENDPOINT_URL", overrides["AWS_ENDPOINT_URL"])
    scenario = next(s for s in SCENARIOS if s.name.startswith("ingestion code"))
    head = scenario_repo.apply(scenario)
    staging = finks_config.load_config(None, "staging")
    finks_config.aws.client(staging, "s3").create_bucket(
        Bucket=staging.artifacts_bucket,
        CreateBucketConfiguration={"LocationConstraint": staging.aws_region},
    )

    def plan_prod() -> tuple[int, str]:
        code = plan_cli.main(["--env", "prod", "--base", scenario_repo.base, "--format", "text"])
        return code, capsys.readouterr().err

    code, err = plan_prod()  # no tag at all
    assert code == 2 and "has no release tag" in err
    subprocess.run(["git", "-C", str(scenario_repo.root), "tag", "v2.0.0-rc.1"], check=True)
    code, err = plan_prod()
    assert code == 2 and "v2.0.0-rc.1 is a prerelease tag" in err
    subprocess.run(["git", "-C", str(scenario_repo.root), "tag", "v2.0.0"], check=True)
    code, err = plan_prod()  # staging never ran it
    assert code == 2 and "prod refuses ingestion at" in err and "Deploy it to staging" in err
    for project in ("ingestion", "pipelines"):
        ledger.record(staging, replace(_ok(project, head), environment="staging"))
    code, err = plan_prod()
    assert code == 0, err
    ledger.mark_health(staging, "pipelines", head, healthy=False, reason="stale gold")
    code, err = plan_prod()
    assert code == 2 and "marked this deploy unhealthy (stale gold)" in err
