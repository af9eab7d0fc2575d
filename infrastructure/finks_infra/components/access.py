"""Access: per-environment IAM roles, the GitHub OIDC deploy role, and the prod audit trail.

Why explicit ARNs everywhere: a role of one environment must not be able to touch
another's data, so every policy statement lists this environment's resources by
ARN (never ``*``). The Glue catalog ARN is the one account-wide resource Glue
requires next to database and table ARNs.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from finks_infra.components.buckets import secure_bucket
from finks_infra.components.catalog import Catalog
from finks_infra.components.data_lake import DataLake
from finks_infra.components.secrets import Secrets
from finks_infra.names import PlatformNames
from finks_infra.stack_config import StackConfig

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
_DATA_ZONES = ("bronze", "silver", "gold", "athena-results")

_GLUE_ACTIONS = [
    "glue:GetDatabase",
    "glue:GetTable",
    "glue:GetTables",
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
_ATHENA_ACTIONS = [
    "athena:StartQueryExecution",
    "athena:GetQueryExecution",
    "athena:GetQueryResults",
    "athena:StopQueryExecution",
    "athena:GetWorkGroup",
]
_OBJECT_RW = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
_BUCKET_READ = ["s3:ListBucket", "s3:GetBucketLocation"]
_SECRET_READ = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]


def _document(statements: list[dict[str, Any]]) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements})


def _objects(bucket: aws.s3.Bucket) -> pulumi.Output[str]:
    return pulumi.Output.concat(bucket.arn, "/*")


class Access(pulumi.ComponentResource):
    """Worker task and execution roles, the CI deploy role and, when enabled, CloudTrail."""

    worker_task_role: aws.iam.Role
    worker_execution_role: aws.iam.Role
    deploy_role: aws.iam.Role
    trail: aws.cloudtrail.Trail | None

    def __init__(
        self,
        names: PlatformNames,
        settings: StackConfig,
        account_id: pulumi.Output[str],
        lake: DataLake,
        catalog: Catalog,
        secrets: Secrets,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("finks:infra:Access", names.resource("access"), None, opts)
        self._names = names
        self._account_id = account_id
        child = pulumi.ResourceOptions(parent=self)
        region = names.region
        glue_prefix = pulumi.Output.concat("arn:aws:glue:", region, ":", account_id)
        data_statements = self._data_statements(lake, catalog, secrets, glue_prefix)

        ecs_trust = _document(
            [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ]
        )
        self.worker_task_role = aws.iam.Role(
            names.resource("worker-task-role"),
            name=names.resource("worker-task"),
            description="Prefect flow runs: this environment's lake, catalog and secrets only",
            assume_role_policy=ecs_trust,
            opts=child,
        )
        aws.iam.RolePolicy(
            names.resource("worker-task-policy"),
            role=self.worker_task_role.id,
            policy=_document(data_statements),
            opts=pulumi.ResourceOptions(parent=self.worker_task_role),
        )

        log_group_arn = pulumi.Output.concat(
            "arn:aws:logs:", region, ":", account_id, ":log-group:", names.worker_log_group, ":*"
        )
        self.worker_execution_role = aws.iam.Role(
            names.resource("worker-execution-role"),
            name=names.resource("worker-execution"),
            description="ECS agent: write the worker's logs, read the Prefect API key",
            assume_role_policy=ecs_trust,
            opts=child,
        )
        aws.iam.RolePolicy(
            names.resource("worker-execution-policy"),
            role=self.worker_execution_role.id,
            policy=_document(
                [
                    {
                        "Sid": "WorkerLogs",
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": [log_group_arn],
                    },
                    {
                        "Sid": "PrefectApiKey",
                        "Effect": "Allow",
                        "Action": ["secretsmanager:GetSecretValue"],
                        "Resource": [secrets.prefect_api_key.arn],
                    },
                ]
            ),
            opts=pulumi.ResourceOptions(parent=self.worker_execution_role),
        )

        self.deploy_role = self._deploy_role(settings, lake, data_statements)
        self.trail = self._audit_trail(settings) if settings.cloud_trail else None
        self.register_outputs(
            {
                "worker_task_role": self.worker_task_role.arn,
                "worker_execution_role": self.worker_execution_role.arn,
                "deploy_role": self.deploy_role.arn,
            }
        )

    def _data_statements(
        self,
        lake: DataLake,
        catalog: Catalog,
        secrets: Secrets,
        glue_prefix: pulumi.Output[str],
    ) -> list[dict[str, Any]]:
        """What running the platform needs: lake objects, catalog tables, Athena, secrets."""
        data_buckets = [lake.buckets[zone] for zone in _DATA_ZONES]
        artifacts = lake.buckets["artifacts"]
        databases = [catalog.analytics_database.name, catalog.bronze_database.name]
        glue_resources = [pulumi.Output.concat(glue_prefix, ":catalog")]
        for database in databases:
            glue_resources.append(pulumi.Output.concat(glue_prefix, ":database/", database))
            glue_resources.append(pulumi.Output.concat(glue_prefix, ":table/", database, "/*"))
        return [
            {
                "Sid": "ListLakeBuckets",
                "Effect": "Allow",
                "Action": _BUCKET_READ,
                "Resource": [b.arn for b in [*data_buckets, artifacts]],
            },
            {
                "Sid": "ReadWriteLakeObjects",
                "Effect": "Allow",
                "Action": _OBJECT_RW,
                "Resource": [_objects(b) for b in data_buckets],
            },
            {
                "Sid": "ReadArtifacts",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": [_objects(artifacts)],
            },
            {
                "Sid": "Catalog",
                "Effect": "Allow",
                "Action": _GLUE_ACTIONS,
                "Resource": glue_resources,
            },
            {
                "Sid": "AthenaWorkgroup",
                "Effect": "Allow",
                "Action": _ATHENA_ACTIONS,
                "Resource": [catalog.workgroup.arn],
            },
            {
                "Sid": "PlatformSecrets",
                "Effect": "Allow",
                "Action": _SECRET_READ,
                "Resource": [secrets.prefect_api_key.arn, secrets.fmp_api_key.arn],
            },
        ]

    def _deploy_role(
        self, settings: StackConfig, lake: DataLake, data_statements: list[dict[str, Any]]
    ) -> aws.iam.Role:
        """CI's role: assumable through GitHub OIDC from this environment's GitHub environment."""
        names = self._names
        if settings.github_oidc_provider_arn:
            provider_arn: pulumi.Input[str] = settings.github_oidc_provider_arn
        else:
            provider = aws.iam.OpenIdConnectProvider(
                names.resource("github-oidc"),
                url=f"https://{GITHUB_OIDC_HOST}",
                client_id_lists=["sts.amazonaws.com"],
                opts=pulumi.ResourceOptions(parent=self),
            )
            provider_arn = provider.arn
        repo = settings.github_repository
        subjects = [f"repo:{repo}:environment:{settings.github_environment}"]
        subjects += [f"repo:{repo}:ref:{ref}" for ref in settings.github_allowed_refs]
        role = aws.iam.Role(
            names.resource("github-deploy-role"),
            name=names.resource("github-deploy"),
            description=f"CI deploys to this environment from GitHub environment "
            f"'{settings.github_environment}'",
            max_session_duration=3600,
            assume_role_policy=_document(
                [
                    {
                        "Effect": "Allow",
                        "Principal": {"Federated": provider_arn},
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Condition": {
                            "StringEquals": {
                                f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com",
                                f"{GITHUB_OIDC_HOST}:sub": subjects,
                            }
                        },
                    }
                ]
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        artifacts = lake.buckets["artifacts"]
        cluster_services = pulumi.Output.concat(
            "arn:aws:ecs:",
            names.region,
            ":",
            self._account_id,
            ":service/",
            names.resource("cluster"),
            "/*",
        )
        deploy_statements = [
            *data_statements,
            {
                "Sid": "DeployLedgerAndArtifacts",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:DeleteObject"],
                "Resource": [_objects(artifacts)],
            },
            {
                "Sid": "RestartWorkers",
                "Effect": "Allow",
                "Action": ["ecs:UpdateService", "ecs:DescribeServices"],
                "Resource": [cluster_services],
            },
            {
                "Sid": "PassWorkerRoles",
                "Effect": "Allow",
                "Action": ["iam:PassRole"],
                "Resource": [self.worker_task_role.arn, self.worker_execution_role.arn],
            },
        ]
        aws.iam.RolePolicy(
            names.resource("github-deploy-policy"),
            role=role.id,
            policy=_document(deploy_statements),
            opts=pulumi.ResourceOptions(parent=role),
        )
        return role

    def _audit_trail(self, settings: StackConfig) -> aws.cloudtrail.Trail:
        """A multi-region CloudTrail into its own versioned, expiring, private bucket."""
        names = self._names
        trail_name = names.resource("audit")
        trail_arn = pulumi.Output.concat(
            "arn:aws:cloudtrail:", names.region, ":", self._account_id, ":trail/", trail_name
        )

        def cloudtrail_statements(bucket_arn: pulumi.Output[str]) -> list[dict[str, Any]]:
            condition = {"StringEquals": {"aws:SourceArn": trail_arn}}
            return [
                {
                    "Sid": "CloudTrailAclCheck",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:GetBucketAcl",
                    "Resource": bucket_arn,
                    "Condition": condition,
                },
                {
                    "Sid": "CloudTrailWrite",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": pulumi.Output.concat(
                        bucket_arn, "/AWSLogs/", self._account_id, "/*"
                    ),
                    "Condition": {
                        "StringEquals": {
                            "aws:SourceArn": trail_arn,
                            "s3:x-amz-acl": "bucket-owner-full-control",
                        }
                    },
                },
            ]

        audit = secure_bucket(
            names.resource("audit-trail"),
            names.audit_bucket,
            settings.retention_days,
            expire_current=True,
            parent=self,
            extra_statements=cloudtrail_statements,
        )
        return aws.cloudtrail.Trail(
            names.resource("audit-trail-log"),
            name=trail_name,
            s3_bucket_name=audit.bucket.id,
            include_global_service_events=True,
            is_multi_region_trail=True,
            enable_log_file_validation=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[audit.policy]),
        )
