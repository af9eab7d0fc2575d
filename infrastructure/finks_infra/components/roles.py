"""ScopedRole: an IAM role with one inline policy, both rendered from this env's names.

Why a component: every role of the stack is "trust policy + one inline policy
scoped to this environment"; one shape keeps descriptions, session length and
policy naming uniform, and the isolation tests read them all the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class ScopedRoleArgs:
    role_name: str
    description: str
    trust_policy: pulumi.Input[str]
    policy: pulumi.Input[str]
    max_session_seconds: int = 3600


class ScopedRole(pulumi.ComponentResource):
    role: aws.iam.Role

    def __init__(
        self, name: str, args: ScopedRoleArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("finks:infra:ScopedRole", name, None, opts)
        self.role = aws.iam.Role(
            f"{name}-role",
            name=args.role_name,
            description=args.description,
            assume_role_policy=args.trust_policy,
            max_session_duration=args.max_session_seconds,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.iam.RolePolicy(
            f"{name}-policy",
            name=args.role_name,
            role=self.role.id,
            policy=args.policy,
            opts=pulumi.ResourceOptions(parent=self.role),
        )
        self.register_outputs({"arn": self.role.arn})

    @property
    def arn(self) -> pulumi.Output[str]:
        return self.role.arn
