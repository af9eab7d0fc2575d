"""CiAccess: the roles GitHub Actions assumes through OIDC, per environment.

The deploy role runs every project deploy of this environment (infrastructure
included); the ledger reader only reads ``{prefix}-artifacts/deploys/*``: the plan
jobs use it for ``--base auto``, and the staging one is also trusted for the
production GitHub environment so prod's promotion check can read the staging
ledger (the one permission that crosses environments).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from finks_infra import trust
from finks_infra.components.roles import ScopedRole, ScopedRoleArgs
from finks_infra.policies import GITHUB_OIDC_HOST


@dataclass(frozen=True)
class CiAccessArgs:
    repository: str  # owner/name
    deploy_role_name: str
    deploy_subjects: Sequence[str]  # "environment:dev", "ref:refs/heads/main"
    deploy_policy: pulumi.Input[str]
    ledger_reader_role_name: str
    ledger_reader_subjects: Sequence[str]
    ledger_reader_policy: pulumi.Input[str]
    # An existing GitHub OIDC provider of the account (two stacks in one account share one).
    oidc_provider_arn: str | None = None


class CiAccess(pulumi.ComponentResource):
    deploy_role: aws.iam.Role
    ledger_reader_role: aws.iam.Role

    def __init__(
        self, name: str, args: CiAccessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("finks:infra:CiAccess", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        provider_arn: pulumi.Input[str]
        if args.oidc_provider_arn:
            provider_arn = args.oidc_provider_arn
        else:
            provider_arn = aws.iam.OpenIdConnectProvider(
                f"{name}-github-oidc",
                url=f"https://{GITHUB_OIDC_HOST}",
                client_id_lists=["sts.amazonaws.com"],
                opts=child,
            ).arn
        self.deploy_role = ScopedRole(
            f"{name}-deploy",
            ScopedRoleArgs(
                role_name=args.deploy_role_name,
                description="CI deploys to this environment (GitHub OIDC)",
                trust_policy=trust.github_oidc(
                    provider_arn, trust.github_subjects(args.repository, args.deploy_subjects)
                ),
                policy=args.deploy_policy,
            ),
            opts=child,
        ).role
        self.ledger_reader_role = ScopedRole(
            f"{name}-ledger-reader",
            ScopedRoleArgs(
                role_name=args.ledger_reader_role_name,
                description="Read this environment's deploy ledger (plans, promotion checks)",
                trust_policy=trust.github_oidc(
                    provider_arn,
                    trust.github_subjects(args.repository, args.ledger_reader_subjects),
                ),
                policy=args.ledger_reader_policy,
            ),
            opts=child,
        ).role
        self.register_outputs(
            {"deploy_role": self.deploy_role.arn, "ledger_reader_role": self.ledger_reader_role.arn}
        )
