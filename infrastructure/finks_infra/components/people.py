"""People: the environment design's human access tiers, as IAM groups and a break-glass role.

dev: developers get broad (operator) access through a group; staging: only a
senior group (and CI); prod: no standing human access, only a break-glass role
assumable with MFA by members of its group. Which tier a stack has is its stack
file's ``humanGroup`` / ``breakGlass``; membership is managed out of band.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from finks_infra.components.roles import ScopedRole, ScopedRoleArgs
from finks_infra.policies import allow, document


@dataclass(frozen=True)
class BreakGlassArgs:
    role_name: str
    trust_policy: pulumi.Input[str]  # trust.account_with_mfa(...)
    policy: pulumi.Input[str]


@dataclass(frozen=True)
class PeopleArgs:
    operator_policy: pulumi.Input[str]
    group_name: str | None = None
    break_glass: BreakGlassArgs | None = None


class People(pulumi.ComponentResource):
    group: aws.iam.Group | None
    break_glass_role: aws.iam.Role | None

    def __init__(
        self, name: str, args: PeopleArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("finks:infra:People", name, None, opts)
        self.group = None
        self.break_glass_role = None
        if args.group_name is not None:
            self.group = self._group(f"{name}-operators", args.group_name, args.operator_policy)
        if args.break_glass is not None:
            glass = args.break_glass
            role = ScopedRole(
                f"{name}-break-glass",
                ScopedRoleArgs(
                    role_name=glass.role_name,
                    description="Break-glass access to this environment: MFA, one hour",
                    trust_policy=glass.trust_policy,
                    policy=glass.policy,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.break_glass_role = role.role
            assume = document(
                [allow("AssumeBreakGlassWithMfa", ["sts:AssumeRole"], [role.arn],
                       Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})]
            )  # fmt: skip
            self._group(f"{name}-break-glass-members", glass.role_name, assume)
        self.register_outputs({})

    def _group(self, logical: str, group_name: str, policy: pulumi.Input[str]) -> aws.iam.Group:
        group = aws.iam.Group(logical, name=group_name, opts=pulumi.ResourceOptions(parent=self))
        aws.iam.GroupPolicy(
            f"{logical}-policy",
            name=group_name,
            group=group.name,
            policy=policy,
            opts=pulumi.ResourceOptions(parent=group),
        )
        return group
