"""Who may assume a role: the trust policies of the stack's roles."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from finks_infra.policies import GITHUB_OIDC_HOST, Statement, document


def ecs_tasks(account_id: pulumi.Input[str]) -> pulumi.Output[str]:
    """ECS tasks of this account only (confused-deputy guard)."""
    return service("ecs-tasks.amazonaws.com", account_id)


def github_subjects(repository: str, suffixes: Sequence[str]) -> list[str]:
    """``environment:dev`` -> ``repo:{repository}:environment:dev`` (GitHub's OIDC ``sub``)."""
    return [f"repo:{repository}:{suffix}" for suffix in suffixes]


def github_oidc(provider_arn: pulumi.Input[str], subjects: Sequence[str]) -> pulumi.Output[str]:
    """GitHub Actions jobs whose OIDC subject is one of ``subjects``.

    Exact subjects match with StringEquals; a subject with ``*`` (e.g. the read-only
    ledger reader's ``ref:refs/tags/v*``) gets its own StringLike statement, because
    two conditions in one statement would both have to hold.
    """
    exact = [s for s in subjects if "*" not in s]
    patterns = [s for s in subjects if "*" in s]
    statements: list[Statement] = []
    for test, values in (("StringEquals", exact), ("StringLike", patterns)):
        if not values:
            continue
        condition: dict[str, dict[str, object]] = {
            "StringEquals": {f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com"}
        }
        condition.setdefault(test, {})[f"{GITHUB_OIDC_HOST}:sub"] = values
        statements.append(
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": condition,
            }
        )
    return document(statements)


def account_with_mfa(account_id: pulumi.Input[str], max_age_seconds: int) -> pulumi.Output[str]:
    """Principals of this account that signed in with MFA in the last ``max_age_seconds``."""
    return document(
        [
            {
                "Effect": "Allow",
                "Principal": {"AWS": pulumi.Output.concat("arn:aws:iam::", account_id, ":root")},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "Bool": {"aws:MultiFactorAuthPresent": "true"},
                    "NumericLessThan": {"aws:MultiFactorAuthAge": str(max_age_seconds)},
                },
            }
        ]
    )


def service(principal: str, account_id: pulumi.Input[str]) -> pulumi.Output[str]:
    """An AWS service acting for this account (e.g. chatbot.amazonaws.com)."""
    return document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": principal},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ]
    )
