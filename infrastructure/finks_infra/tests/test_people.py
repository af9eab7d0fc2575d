"""Human access per environment (issue 14.3): dev developers, staging seniors, prod break-glass."""

from __future__ import annotations

from typing import Any

from finks_infra.tests.conftest import RenderedStack

GROUP = "aws:iam/group:Group"
GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
ROLE = "aws:iam/role:Role"


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for statement in statements:
        actions = statement["Action"]
        found |= {actions} if isinstance(actions, str) else set(actions)
    return found


def test_each_environment_has_its_designed_tier(rendered: dict[str, RenderedStack]) -> None:
    groups = {env: {g.physical_name for g in s.of_type(GROUP)} for env, s in rendered.items()}
    assert groups == {
        "dev": {"finks-dev-developers"},
        "staging": {"finks-staging-seniors"},
        "prod": {"finks-prod-break-glass"},  # members may only assume the break-glass role
    }
    roles = {env: {r.physical_name for r in s.of_type(ROLE)} for env, s in rendered.items()}
    assert "finks-prod-break-glass" in roles["prod"]
    assert not any("break-glass" in r for env in ("dev", "staging") for r in roles[env])


def test_operators_are_broad_on_their_env_but_change_no_iam_network_or_database(
    rendered: dict[str, RenderedStack],
) -> None:
    for env, group in (("dev", "finks-dev-developers"), ("staging", "finks-staging-seniors")):
        actions = _actions(rendered[env].statements(GROUP_POLICY, group))
        assert {"s3:PutObject", "athena:StartQueryExecution", "secretsmanager:PutSecretValue",
                "ecs:UpdateService", "logs:FilterLogEvents"} <= actions  # fmt: skip
        changes = [
            a for a in actions if not a.split(":")[1].startswith(("Describe", "List", "Get"))
        ]
        assert not [a for a in changes if a.split(":")[0] in ("iam", "ec2", "rds", "kms")]


def test_prod_humans_need_mfa_to_act(rendered: dict[str, RenderedStack]) -> None:
    prod = rendered["prod"]
    (trust,) = prod.the(ROLE, "finks-prod-break-glass").policy_documents()
    (statement,) = trust["Statement"]
    assert statement["Principal"]["AWS"].endswith(":root")  # principals of this account ...
    assert statement["Condition"]["Bool"] == {"aws:MultiFactorAuthPresent": "true"}  # ... with MFA
    assert statement["Condition"]["NumericLessThan"] == {"aws:MultiFactorAuthAge": "3600"}
    (member,) = prod.statements(GROUP_POLICY, "finks-prod-break-glass")
    assert member["Action"] == ["sts:AssumeRole"]
    assert member["Resource"] == [prod.the(ROLE, "finks-prod-break-glass").outputs["arn"]]
    assert member["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    # The role itself can repair the env (operate + manage the stack), one hour at a time.
    role = prod.the(ROLE, "finks-prod-break-glass")
    assert role.inputs["maxSessionDuration"] == 3600
    actions = _actions(prod.statements("aws:iam/rolePolicy:RolePolicy", "finks-prod-break-glass"))
    assert {"s3:*", "iam:*", "ecs:*", "secretsmanager:PutSecretValue"} <= actions


def test_staging_has_no_developer_group(rendered: dict[str, RenderedStack]) -> None:
    """Limited to CI and seniors: the only human entry point is the senior group."""
    staging = rendered["staging"]
    assert [g.physical_name for g in staging.of_type(GROUP)] == ["finks-staging-seniors"]
    assert staging.of_type("aws:iam/user:User") == []
