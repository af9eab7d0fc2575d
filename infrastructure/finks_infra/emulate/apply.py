"""``apply_stack``: the resources the program renders, applied to an emulated AWS account.

Why: ``pulumi up`` needs the CLI and its engine, which cannot run here, yet the
release rehearsal and the IAM proof need an account holding exactly what the
stack declares. The program is rendered under mocks that answer like that
account (its id from STS, the Pulumi secrets key from KMS), then every resource
moto supports is created or updated through ``finks_config.aws`` (so the guard
and the env's endpoint and credentials apply), in registration (= dependency)
order. What moto cannot hold is listed as skipped; every deviation from AWS is
printed as a substitution. A second apply changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from finks_config import Config
from finks_infra.emulate import containers, identity, network, services, storage
from finks_infra.emulate.context import ApplyContext, ApplyReport, Outcome, error_code
from finks_infra.offline import (
    CALLER_IDENTITY,
    KMS_ALIAS,
    RecordedResource,
    RecordingMocks,
    invented_key,
    render_with,
)
from finks_infra.report import short_type
from finks_infra.stack_config import StackConfig, load_stack_config

Handler = Callable[[ApplyContext, RecordedResource, dict[str, Any]], Outcome]

HANDLERS: dict[str, Handler] = {
    "aws:s3/bucket:Bucket": storage.bucket,
    "aws:s3/bucketVersioning:BucketVersioning": storage.versioning,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        storage.encryption,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": storage.public_access_block,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": storage.lifecycle,
    "aws:s3/bucketPolicy:BucketPolicy": storage.policy,
    "aws:s3/bucketLogging:BucketLogging": storage.logging,
    "aws:iam/role:Role": identity.role,
    "aws:iam/rolePolicy:RolePolicy": identity.role_policy,
    "aws:iam/group:Group": identity.group,
    "aws:iam/groupPolicy:GroupPolicy": identity.group_policy,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": identity.oidc_provider,
    "aws:secretsmanager/secret:Secret": services.secret,
    "aws:ssm/parameter:Parameter": services.parameter,
    "aws:glue/catalogDatabase:CatalogDatabase": services.database,
    "aws:athena/workgroup:Workgroup": services.work_group,
    "aws:ecr/repository:Repository": services.repository,
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": services.repository_lifecycle,
    "aws:sns/topic:Topic": services.topic,
    "aws:cloudwatch/metricAlarm:MetricAlarm": services.alarm,
    "aws:cloudwatch/logGroup:LogGroup": services.log_group,
    "aws:cloudtrail/trail:Trail": services.trail,
    "aws:ec2/vpc:Vpc": network.vpc,
    "aws:ec2/subnet:Subnet": network.subnet,
    "aws:ec2/securityGroup:SecurityGroup": network.security_group,
    "aws:ecs/cluster:Cluster": containers.cluster,
    "aws:ecs/taskDefinition:TaskDefinition": containers.task_definition,
    "aws:ecs/service:Service": containers.service,
}  # fmt: skip


def _account_mocks(ctx: ApplyContext) -> RecordingMocks:
    """Mocks whose invokes answer from the emulated account."""
    config = ctx.config
    identity_ = ctx.client("sts").get_caller_identity()
    account = identity_["Account"]

    def caller(_: dict[str, Any]) -> dict[str, Any]:
        return {"accountId": account, "arn": identity_["Arn"], "userId": identity_["UserId"],
                "id": account}  # fmt: skip

    def key_alias(args: dict[str, Any]) -> dict[str, Any]:
        alias = str(args.get("name", ""))
        try:
            key = ctx.client("kms").describe_key(KeyId=alias)["KeyMetadata"]
        except Exception as error:
            if error_code(error) != "NotFoundException":
                raise
            ctx.substitute(
                f"KMS key {alias} does not exist (run ./pants run infrastructure:bootstrap --"
                f" --env {config.environment.value}): the deploy role's KMS statement names a"
                " made-up key"
            )
            return invented_key(config.aws_region, account, alias)
        return {"name": alias, "targetKeyId": key["KeyId"], "targetKeyArn": key["Arn"],
                "arn": f"arn:aws:kms:{config.aws_region}:{account}:{alias}"}  # fmt: skip

    return RecordingMocks(
        config.aws_region,
        account_id=account,
        lookups={CALLER_IDENTITY: caller, KMS_ALIAS: key_alias},
    )


def apply_stack(
    config: Config,
    *,
    settings: StackConfig | None = None,
    say: Callable[[str], None] = print,
) -> ApplyReport:
    """Render ``config``'s stack against its emulated account and apply it; idempotent.

    ``settings``: the stack's already-loaded settings (the deploy's preflight validated
    them); None reads ``Pulumi.<env>.yaml``.
    """
    ctx = ApplyContext(config=config, say=say)
    if settings is None:
        settings = load_stack_config(config.environment.value)
    resources = render_with(_account_mocks(ctx), settings, config)
    for resource in resources:
        if not resource.custom or resource.type.startswith("pulumi:providers:"):
            continue
        label = f"{short_type(resource.type)} {resource.physical_name}"
        handler = HANDLERS.get(resource.type)
        if handler is None:
            kind = short_type(resource.type)
            ctx.report.skipped[kind] = ctx.report.skipped.get(kind, 0) + 1
            continue
        outcome = handler(ctx, resource, ctx.resolve(resource.inputs))
        getattr(ctx.report, outcome).append(label)
        if outcome != "unchanged":
            say(f"emulate: {outcome} {label}")
    if ctx.report.skipped:
        kinds = ", ".join(f"{kind} x{count}" for kind, count in sorted(ctx.report.skipped.items()))
        say(f"emulate: skipped (not emulated): {kinds}")
    say(f"emulate: {ctx.report.summary()}")
    return ctx.report
