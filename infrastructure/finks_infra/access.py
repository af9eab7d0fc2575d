"""Who may do what in the environment: the task roles, CI's roles and the people tiers.

Each role is a ScopedRole (or group) whose statements come from ``policies``;
this module only decides which grants each principal gets and who trusts whom.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from finks_infra import policies, trust
from finks_infra.components.ci import CiAccess, CiAccessArgs
from finks_infra.components.people import BreakGlassArgs, People, PeopleArgs
from finks_infra.components.roles import ScopedRole, ScopedRoleArgs
from finks_infra.stack_config import StackConfig


@dataclass(frozen=True)
class TaskRoles:
    worker_task: ScopedRole
    worker_execution: ScopedRole
    server_execution: ScopedRole

    @property
    def arns(self) -> list[pulumi.Output[str]]:
        """What the deploy role may pass to ECS (its new task-definition revisions)."""
        return [self.worker_task.arn, self.worker_execution.arn, self.server_execution.arn]


def _role(
    role_name: str,
    description: str,
    trust_policy: pulumi.Input[str],
    statements: list[policies.Statement],
    opts: pulumi.ResourceOptions,
) -> ScopedRole:
    args = ScopedRoleArgs(role_name, description, trust_policy, policies.document(statements))
    return ScopedRole(role_name, args, opts)


def task_roles(
    scope: policies.Scope,
    *,
    auth_secret: pulumi.Input[str],
    database_secret: pulumi.Input[str],
    repository_arn: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> TaskRoles:
    """The roles the Prefect server's and the workers' ECS tasks run with."""
    config = scope.config
    name = config.resource_name
    ecs = trust.ecs_tasks(scope.account_id)
    return TaskRoles(
        worker_task=_role(
            name("worker-task"),
            "Prefect flow runs: this environment only",
            ecs,
            [*policies.run_platform(scope), *policies.named_locks(scope)],
            opts,
        ),
        worker_execution=_role(
            name("worker-execution"),
            "ECS agent of the workers: pull the image, write logs, read the Prefect auth",
            ecs,
            policies.ecs_execution(scope, config.worker_service, [auth_secret], repository_arn),
            opts,
        ),
        server_execution=_role(
            name("prefect-server-execution"),
            "ECS agent of the Prefect server: logs, its auth and database secrets",
            ecs,
            policies.ecs_execution(
                scope, config.prefect_server_service, [auth_secret, database_secret], None
            ),
            opts,
        ),
    )


def ci_access(
    settings: StackConfig,
    scope: policies.Scope,
    roles: TaskRoles,
    state_key_arn: pulumi.Input[str],
    stack_buckets: Sequence[str],
    opts: pulumi.ResourceOptions,
) -> CiAccess:
    """CI's deploy role (every project, the stack itself) and the ledger reader."""
    name = scope.config.resource_name
    deploy = [
        *policies.run_platform(scope),
        *policies.deploy_projects(scope, roles.arns, state_key_arn),
        *policies.manage_stack(scope, stack_buckets),
    ]
    return CiAccess(
        name("ci"),
        CiAccessArgs(
            repository=settings.github_repository,
            deploy_role_name=name("github-deploy"),
            deploy_subjects=[
                f"environment:{settings.github_environment}",
                *(f"ref:{ref}" for ref in settings.github_allowed_refs),
            ],
            deploy_policy=policies.document(deploy),
            ledger_reader_role_name=name("ledger-reader"),
            ledger_reader_subjects=settings.ledger_reader_subjects,
            ledger_reader_policy=policies.document(policies.read_ledger(scope)),
            oidc_provider_arn=settings.github_oidc_provider_arn,
        ),
        opts,
    )


def people(
    settings: StackConfig,
    scope: policies.Scope,
    stack_buckets: Sequence[str],
    opts: pulumi.ResourceOptions,
) -> People:
    """The design's human tier of this env: an operator group and/or the MFA break-glass role."""
    name = scope.config.resource_name
    glass = None
    if settings.break_glass:
        glass = BreakGlassArgs(
            role_name=name("break-glass"),
            trust_policy=trust.account_with_mfa(
                scope.account_id, settings.break_glass_mfa_max_age_seconds
            ),
            policy=policies.document(
                [*policies.operate(scope), *policies.manage_stack(scope, stack_buckets)]
            ),
        )
    return People(
        name("people"),
        PeopleArgs(
            operator_policy=policies.document(policies.operate(scope)),
            group_name=name(settings.human_group) if settings.human_group else None,
            break_glass=glass,
        ),
        opts,
    )
