"""IAM statements of one environment, built from its names (never another environment's).

Why one module: every role of a stack (workers, CI, ledger readers, people) is a
combination of the same few grants, and the isolation tests read what these
functions render. Each statement names one service and lists this environment's
ARNs; ``Resource: "*"`` appears only with ``ACCOUNT_WIDE_ACTIONS``, the actions
AWS authorises on no narrower resource.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from finks_config import Config

Statement = dict[str, Any]

# Actions AWS only authorises with Resource "*" (no resource-level permissions).
ACCOUNT_WIDE_ACTIONS = (
    "ecr:GetAuthorizationToken",
    "ecs:RegisterTaskDefinition",
    "ecs:DeregisterTaskDefinition",
    "ecs:DescribeTaskDefinition",
    "ecs:ListTaskDefinitions",
    "ec2:Describe*",
    "elasticloadbalancing:Describe*",
    "rds:DescribeDBEngineVersions",
    "rds:DescribeOrderableDBInstanceOptions",
    "cloudwatch:DescribeAlarms",
    "logs:DescribeLogGroups",
    "secretsmanager:ListSecrets",
    "ssm:DescribeParameters",
    "sts:GetCallerIdentity",
    "kms:ListAliases",
)

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"

_GLUE_RW = [
    "glue:GetDatabase",
    "glue:GetDatabases",  # dbt-athena lists the catalog's databases (found by the IAM proof)
    "glue:GetTable",
    "glue:GetTables",
    # dbt-athena keeps a table's version history short (found by the IAM proof)
    "glue:GetTableVersions",
    "glue:GetTableVersion",
    "glue:DeleteTableVersion",
    "glue:BatchDeleteTableVersion",
    "glue:CreateTable",
    "glue:UpdateTable",
    "glue:DeleteTable",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:BatchGetPartition",
    "glue:CreatePartition",
    "glue:BatchCreatePartition",
    "glue:UpdatePartition",
    "glue:DeletePartition",
    "glue:BatchDeletePartition",
]
_ATHENA_RUN = [
    "athena:StartQueryExecution",
    "athena:GetQueryExecution",
    "athena:GetQueryResults",
    "athena:StopQueryExecution",
    "athena:GetWorkGroup",
    "athena:BatchGetQueryExecution",
    "athena:ListQueryExecutions",
]
_OBJECT_RW = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
_BUCKET_READ = ["s3:ListBucket", "s3:GetBucketLocation"]
_ECR_PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
_ECR_PUSH = [
    *_ECR_PULL,
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
    "ecr:DescribeImages",
    "ecr:DescribeRepositories",
]


def document(statements: Sequence[Statement]) -> pulumi.Output[str]:
    """A policy document (statements may hold Outputs such as ARNs)."""
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(sid: str, actions: Sequence[str], resources: Sequence[Any], **extra: Any) -> Statement:
    """One Allow statement (``extra``: e.g. ``Condition``)."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": list(actions),
        "Resource": list(resources),
        **extra,
    }


@dataclass(frozen=True)
class Scope:
    """This environment's names and ARNs: everything a policy of the stack may name."""

    config: Config
    account_id: pulumi.Input[str]

    @property
    def env(self) -> str:
        return self.config.environment.value

    @property
    def region(self) -> str:
        return self.config.aws_region

    def arn(self, service: str, resource: str, *, region: bool = True) -> pulumi.Output[str]:
        """``arn:aws:{service}:{region}:{account}:{resource}`` (IAM/global: no region)."""
        where = self.region if region else ""
        return pulumi.Output.concat(f"arn:aws:{service}:{where}:", self.account_id, f":{resource}")

    @property
    def prefixed(self) -> str:
        """``finks-{env}-*``: every infrastructure-only resource of this environment."""
        return self.config.resource_name("*")

    @property
    def data_buckets(self) -> tuple[str, ...]:
        c = self.config
        return (c.bronze_bucket, c.silver_bucket, c.gold_bucket, c.athena_results_bucket)

    @property
    def databases(self) -> tuple[str, ...]:
        return (self.config.analytics_database, self.config.bronze_database)

    def glue_resources(self) -> list[pulumi.Output[str]]:
        found = [self.arn("glue", "catalog")]
        for database in self.databases:
            found += [
                self.arn("glue", f"database/{database}"),
                self.arn("glue", f"table/{database}/*"),
            ]
        return found

    def secrets(self) -> pulumi.Output[str]:
        """Every secret of this environment: ``/{env}/...`` (the random suffix included)."""
        return self.arn("secretsmanager", f"secret:/{self.env}/*")

    def parameters(self) -> pulumi.Output[str]:
        return self.arn("ssm", f"parameter/{self.env}/*")


def _bucket(name: str) -> str:
    return f"arn:aws:s3:::{name}"


def _objects(name: str, prefix: str = "") -> str:
    return f"arn:aws:s3:::{name}/{prefix}*"


def run_platform(scope: Scope) -> list[Statement]:
    """What running the platform needs: lake objects, catalog, Athena, the env's secrets."""
    c = scope.config
    artifacts = c.artifacts_bucket
    return [
        allow(
            "ListLakeBuckets", _BUCKET_READ, [_bucket(b) for b in (*scope.data_buckets, artifacts)]
        ),
        allow("ReadWriteLakeObjects", _OBJECT_RW, [_objects(b) for b in scope.data_buckets]),
        allow("ReadArtifacts", ["s3:GetObject"], [_objects(artifacts)]),
        allow("Catalog", _GLUE_RW, scope.glue_resources()),
        allow(
            "AthenaWorkgroup",
            _ATHENA_RUN,
            [scope.arn("athena", f"workgroup/{c.athena_work_group}")],
        ),
        allow(
            "PlatformSecrets",
            ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            [scope.secrets()],
        ),
        allow(
            "PlatformParameters", ["ssm:GetParameter", "ssm:GetParameters"], [scope.parameters()]
        ),
    ]


def ecs_execution(
    scope: Scope,
    log_group: str,
    secret_arns: Sequence[pulumi.Input[str]],
    repository_arn: pulumi.Input[str] | None,
) -> list[Statement]:
    """An ECS execution role: its service's logs, the secrets it injects, its image pulls."""
    statements = [
        allow("ServiceLogs", ["logs:CreateLogStream", "logs:PutLogEvents"],
              [scope.arn("logs", f"log-group:{log_group}:*")]),
        allow("InjectedSecrets", ["secretsmanager:GetSecretValue"], list(secret_arns)),
    ]  # fmt: skip
    if repository_arn is not None:
        statements += [
            allow("PullRuntimeImage", _ECR_PULL, [repository_arn]),
            allow("RegistryLogin", ["ecr:GetAuthorizationToken"], ["*"]),
        ]
    return statements


def named_locks(scope: Scope) -> list[Statement]:
    """The env's named locks (``warehouse``: transform runs take it; deploys take ``deploy``)."""
    locks = _objects(scope.config.artifacts_bucket, "deploys/_locks/")
    return [allow("NamedLocks", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [locks])]


def read_ledger(scope: Scope) -> list[Statement]:
    """Read-only ``{prefix}-artifacts/deploys/*``: the ledger, for plans and promotion checks."""
    artifacts = scope.config.artifacts_bucket
    return [
        allow(
            "ListLedger",
            ["s3:ListBucket"],
            [_bucket(artifacts)],
            Condition={"StringLike": {"s3:prefix": ["deploys/*"]}},
        ),
        allow("ReadLedger", ["s3:GetObject"], [_objects(artifacts, "deploys/")]),
    ]


def deploy_projects(
    scope: Scope, passable_roles: Sequence[pulumi.Input[str]], state_key: pulumi.Input[str]
) -> list[Statement]:
    """CI's project deploys: artifacts + ledger + locks, image push, worker revisions, state."""
    c = scope.config
    state = c.pulumi_state_bucket
    return [
        allow("DeployArtifactsAndLedger", _OBJECT_RW, [_objects(c.artifacts_bucket)]),
        allow("PushWorkerImage", _ECR_PUSH, [scope.arn("ecr", f"repository/{c.ecr_repository}")]),
        allow(
            "WorkerServices",
            ["ecs:UpdateService", "ecs:DescribeServices"],
            [scope.arn("ecs", f"service/{scope.prefixed}/*")],
        ),
        allow("PassWorkerRoles", ["iam:PassRole"], list(passable_roles)),
        allow("PulumiStateBucket", [*_BUCKET_READ, "s3:GetBucketVersioning"], [_bucket(state)]),
        allow("PulumiState", _OBJECT_RW, [_objects(state)]),
        allow(
            "PulumiSecretsKey",
            ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            [state_key],
        ),
        allow("AccountWide", ACCOUNT_WIDE_ACTIONS, ["*"]),
    ]


def manage_stack(scope: Scope, buckets: Sequence[str]) -> list[Statement]:
    """Everything ``pulumi up`` does to this environment's stack, scoped to its names.

    EC2 networking cannot be scoped by name: its statements require the stack's
    ``finks:environment`` tag (the provider tags every resource with it).
    """
    mine = scope.prefixed
    c = scope.config
    tagged = {"StringEquals": {"aws:ResourceTag/finks:environment": scope.env}}
    tagging = {"StringEquals": {"aws:RequestTag/finks:environment": scope.env}}
    iam = [scope.arn("iam", f"{kind}/{mine}", region=False) for kind in ("role", "policy", "group")]
    iam.append(scope.arn("iam", f"oidc-provider/{GITHUB_OIDC_HOST}", region=False))
    return [
        allow("StackBuckets", ["s3:*"], [r for b in buckets for r in (_bucket(b), _objects(b))]),
        allow("StackIam", ["iam:*"], iam),
        allow("StackSecrets", ["secretsmanager:*"], [scope.secrets()]),
        allow("StackParameters", ["ssm:*"], [scope.parameters()]),
        allow("StackCatalog", ["glue:*"], scope.glue_resources()),
        allow(
            "StackWorkgroup",
            ["athena:*"],
            [scope.arn("athena", f"workgroup/{c.athena_work_group}")],
        ),
        allow("StackRegistry", ["ecr:*"], [scope.arn("ecr", f"repository/{c.ecr_repository}")]),
        allow(
            "StackEcs",
            ["ecs:*"],
            [
                scope.arn("ecs", f"{kind}/{mine}")
                for kind in ("cluster", "service", "task-definition", "task")
            ],
        ),
        allow("StackLogs", ["logs:*"], [scope.arn("logs", f"log-group:{mine}")]),
        allow(
            "StackDatabase",
            ["rds:*"],
            [scope.arn("rds", f"{kind}:{mine}") for kind in ("db", "subgrp")],
        ),
        allow(
            "StackLoadBalancer",
            ["elasticloadbalancing:*"],
            [
                scope.arn("elasticloadbalancing", f"{kind}/{mine}")
                for kind in ("loadbalancer/app", "targetgroup", "listener/app", "listener-rule/app")
            ],
        ),
        allow("StackAlerts", ["sns:*"], [scope.arn("sns", mine)]),
        allow("StackAlarms", ["cloudwatch:*"], [scope.arn("cloudwatch", f"alarm:{mine}")]),
        allow("StackTrail", ["cloudtrail:*"], [scope.arn("cloudtrail", f"trail/{mine}")]),
        allow(
            "StackChatbot",
            ["chatbot:*"],
            [scope.arn("chatbot", f"chat-configuration/slack-channel/{mine}", region=False)],
        ),
        allow("StackNetworkCreate", ["ec2:*"], [scope.arn("ec2", "*")], Condition=tagging),
        allow("StackNetwork", ["ec2:*"], [scope.arn("ec2", "*")], Condition=tagged),
    ]


def operate(scope: Scope) -> list[Statement]:
    """What a person operating the environment does (data, runs, secrets' values, logs).

    No IAM, network or database changes: those go through the stack.
    """
    c = scope.config
    mine = scope.prefixed
    return [
        *run_platform(scope),
        allow("SetSecretValues", ["secretsmanager:PutSecretValue"], [scope.secrets()]),
        allow("ReadAllArtifacts", ["s3:GetObject"], [_objects(c.artifacts_bucket)]),
        allow(
            "ReadLogs",
            ["logs:GetLogEvents", "logs:FilterLogEvents", "logs:DescribeLogStreams"],
            [scope.arn("logs", f"log-group:{mine}")],
        ),
        allow(
            "RestartServices",
            ["ecs:DescribeServices", "ecs:UpdateService", "ecs:ListTasks", "ecs:DescribeTasks"],
            [scope.arn("ecs", f"{kind}/{mine}") for kind in ("cluster", "service", "task")],
        ),
        allow("AccountWide", ACCOUNT_WIDE_ACTIONS, ["*"]),
    ]
