"""Isolation: a stack names only its own environment, and every IAM policy says so."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import finks_infra
from finks_infra.tests.conftest import STACKS, RenderedStack

ROLE = "aws:iam/role:Role"
POLICY_TYPES = (
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/policy:Policy",
    "aws:s3/bucketPolicy:BucketPolicy",
)
OIDC = "token.actions.githubusercontent.com"


def _env_token(env: str) -> re.Pattern[str]:
    """``env`` as a name part: 'dev' in 'dev-bronze-zone' or '/dev/fmp', not in 'device'."""
    return re.compile(rf"(?<![a-z0-9]){env}(?![a-z0-9])|(?<![a-z0-9]){env}uction(?![a-z0-9])")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _resources(statement: dict[str, Any]) -> list[str]:
    found = statement.get("Resource", [])
    return [found] if isinstance(found, str) else list(found)


def test_no_resource_is_named_for_another_environment(stack: RenderedStack) -> None:
    others = [_env_token(env) for env in STACKS if env != stack.env]
    offenders = []
    for resource in stack.resources:
        for text in [resource.name, *_strings(resource.inputs)]:
            if any(pattern.search(text.lower()) for pattern in others):
                offenders.append((resource.type, resource.name, text[:120]))
    assert offenders == []


def test_every_named_resource_carries_its_own_environment(stack: RenderedStack) -> None:
    own = _env_token(stack.env)
    assert all(own.search(r.name) for r in stack.resources), [
        r.name for r in stack.resources if not own.search(r.name)
    ]


def test_every_policy_names_only_its_own_environments_arns(stack: RenderedStack) -> None:
    own = _env_token(stack.env)
    catalog = re.compile(r"^arn:aws:glue:[a-z0-9-]+:\d{12}:catalog$")
    checked = 0
    for resource in (r for r in stack.resources if r.type in POLICY_TYPES):
        for document in resource.policy_documents():
            for statement in document["Statement"]:
                resources = _resources(statement)
                assert resources, (resource.name, statement.get("Sid"))
                for arn in resources:
                    checked += 1
                    assert arn.strip() != "*", (resource.name, statement.get("Sid"))
                    assert arn.startswith("arn:aws:"), arn
                    # The Glue catalog is the one account-wide ARN Glue needs next to db/table ARNs.
                    assert own.search(arn) or catalog.match(arn), (resource.name, arn)
    assert checked > 20


def test_roles_trust_only_what_they_should(stack: RenderedStack) -> None:
    roles = {r.physical_name: r for r in stack.of_type(ROLE)}
    assert set(roles) == {
        f"finks-{stack.env}-worker-task",
        f"finks-{stack.env}-worker-execution",
        f"finks-{stack.env}-github-deploy",
    }
    for name, role in roles.items():
        (document,) = role.policy_documents()
        (statement,) = document["Statement"]
        if name.endswith("github-deploy"):
            assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
            assert statement["Principal"]["Federated"].endswith(f"oidc-provider/{OIDC}")
        else:
            assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}


def test_deploy_role_is_assumable_only_from_its_github_environment(stack: RenderedStack) -> None:
    settings = stack.settings
    (role,) = stack.named(ROLE, f"finks-{stack.env}-github-deploy")
    (statement,) = role.policy_documents()[0]["Statement"]
    equals = statement["Condition"]["StringEquals"]
    assert equals[f"{OIDC}:aud"] == "sts.amazonaws.com"
    subjects = equals[f"{OIDC}:sub"]
    assert "StringLike" not in statement["Condition"]  # no wildcards in the subject
    repo = settings.github_repository
    environment_subject = f"repo:{repo}:environment:{settings.github_environment}"
    assert subjects[0] == environment_subject
    if stack.env in ("staging", "prod"):
        assert subjects == [environment_subject]
    assert all(s.startswith(f"repo:{repo}:") and "*" not in s for s in subjects)


def test_staging_and_prod_use_their_own_github_environments(
    rendered: dict[str, RenderedStack],
) -> None:
    environments = {env: rendered[env].settings.github_environment for env in STACKS}
    assert len(set(environments.values())) == len(STACKS)
    assert environments["staging"] == "staging"
    assert environments["prod"] == "production"  # the CI pipeline's protected environment


def test_program_source_has_no_environment_branches() -> None:
    """Sizes and rules come from the stack files: the code never spells an environment."""
    package = Path(finks_infra.__file__).parent
    quoted = re.compile(r"""["'](dev|staging|prod|production)["']""")
    offenders = []
    for path in package.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if quoted.search(line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []
