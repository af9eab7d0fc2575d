"""The dry-run table: one line per resource with its type, AWS name and key settings.

Why only "key" settings: a reviewer checking a stack wants the sizing, retention,
isolation and cost knobs at a glance, not every input; the full inputs are in
the recorded resources for anyone who needs them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from finks_infra.offline import RecordedResource

Describe = Callable[[dict[str, Any]], str]


def _get(inputs: dict[str, Any], path: str) -> Any:
    value: Any = inputs
    for part in path.split("."):
        if isinstance(value, list):
            value = value[0] if value else None
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(_fmt(v) for v in value)
    return str(value)


def _pairs(*fields: tuple[str, str]) -> Describe:
    def describe(inputs: dict[str, Any]) -> str:
        parts = []
        for label, path in fields:
            value = _get(inputs, path)
            if value is not None:
                parts.append(f"{label}={_fmt(value)}")
        return " ".join(parts)

    return describe


def _lifecycle(inputs: dict[str, Any]) -> str:
    days = _get(inputs, "rules.expiration.days")
    old = _get(inputs, "rules.noncurrentVersionExpiration.noncurrentDays")
    current = f"expire={_fmt(days)}d" if days is not None else "expire=never (ledger)"
    return f"{current} noncurrent={_fmt(old)}d"


def _public_block(inputs: dict[str, Any]) -> str:
    keys = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    return "public access: " + ("all blocked" if all(inputs.get(k) for k in keys) else "OPEN")


def _policy(inputs: dict[str, Any]) -> str:
    docs = [json.loads(v) for k, v in inputs.items() if k in ("policy",) and isinstance(v, str)]
    resources: list[str] = []
    for doc in docs:
        for statement in doc.get("Statement", []):
            found = statement.get("Resource", [])
            resources += [found] if isinstance(found, str) else list(found)
    return f"statements={sum(len(d.get('Statement', [])) for d in docs)} resources={len(resources)}"


def _role(inputs: dict[str, Any]) -> str:
    doc = json.loads(inputs.get("assumeRolePolicy") or "{}")
    principals = []
    subjects: list[str] = []
    for statement in doc.get("Statement", []):
        principal = statement.get("Principal", {})
        principals += [f"{k}:{v}" for k, v in principal.items()]
        for test in statement.get("Condition", {}).values():
            for key, value in test.items():
                if key.endswith(":sub"):
                    subjects += [value] if isinstance(value, str) else list(value)
    text = "trust=" + ",".join(principals)
    return f"{text} sub={','.join(subjects)}" if subjects else text


_SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"

_DESCRIBE: dict[str, Describe] = {
    "aws:s3/bucket:Bucket": _pairs(("force_destroy", "forceDestroy")),
    "aws:s3/bucketVersioning:BucketVersioning": _pairs(
        ("versioning", "versioningConfiguration.status")
    ),
    _SSE: _pairs(("sse", "rules.applyServerSideEncryptionByDefault.sseAlgorithm")),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _public_block,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _lifecycle,
    "aws:s3/bucketPolicy:BucketPolicy": _policy,
    "aws:glue/catalogDatabase:CatalogDatabase": _pairs(),
    "aws:athena/workgroup:Workgroup": _pairs(
        ("bytes_cutoff", "configuration.bytesScannedCutoffPerQuery"),
        ("results", "configuration.resultConfiguration.outputLocation"),
        ("enforced", "configuration.enforceWorkgroupConfiguration"),
    ),
    "aws:secretsmanager/secret:Secret": _pairs(("recovery_days", "recoveryWindowInDays")),
    "aws:ec2/vpc:Vpc": _pairs(("cidr", "cidrBlock")),
    "aws:ec2/subnet:Subnet": _pairs(("az", "availabilityZone"), ("cidr", "cidrBlock")),
    "aws:ec2/natGateway:NatGateway": _pairs(),
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": _pairs(
        ("providers", "capacityProviders"),
        ("default", "defaultCapacityProviderStrategies.capacityProvider"),
    ),
    "aws:ecs/taskDefinition:TaskDefinition": _pairs(("cpu", "cpu"), ("memory_mb", "memory")),
    "aws:ecs/service:Service": _pairs(
        ("count", "desiredCount"), ("capacity", "capacityProviderStrategies.capacityProvider")
    ),
    "aws:cloudwatch/logGroup:LogGroup": _pairs(("retention_days", "retentionInDays")),
    "aws:rds/instance:Instance": _pairs(
        ("class", "instanceClass"),
        ("multi_az", "multiAz"),
        ("az", "availabilityZone"),
        ("storage_gb", "allocatedStorage"),
        ("engine", "engine"),
        ("version", "engineVersion"),
        ("backups_days", "backupRetentionPeriod"),
        ("deletion_protection", "deletionProtection"),
    ),
    "aws:iam/role:Role": _role,
    "aws:iam/rolePolicy:RolePolicy": _policy,
    "aws:cloudtrail/trail:Trail": _pairs(
        ("multi_region", "isMultiRegionTrail"),
        ("bucket", "s3BucketName"),
        ("data_events", "eventSelectors.dataResources.values"),
    ),
    "aws:ecr/repository:Repository": _pairs(
        ("tags", "imageTagMutability"), ("scan_on_push", "imageScanningConfiguration.scanOnPush")
    ),
    "aws:lb/listener:Listener": _pairs(("port", "port"), ("protocol", "protocol")),
    "aws:lb/loadBalancer:LoadBalancer": _pairs(("internal", "internal")),
    "aws:lb/targetGroup:TargetGroup": _pairs(("health", "healthCheck.path")),
    "aws:ssm/parameter:Parameter": _pairs(("value", "value")),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _pairs(
        ("metric", "metricName"),
        ("op", "comparisonOperator"),
        ("threshold", "threshold"),
        ("periods", "evaluationPeriods"),
    ),
    "aws:s3/bucketLogging:BucketLogging": _pairs(("into", "targetBucket")),
    "aws:iam/groupPolicy:GroupPolicy": _policy,
    "pulumi:providers:aws": _pairs(("region", "region")),
}


def short_type(token: str) -> str:
    """``aws:s3/bucket:Bucket`` -> ``s3:Bucket``; components -> ``component:DataLake``."""
    if token.startswith("pulumi:providers:"):
        return "provider:" + token.rsplit(":", 1)[-1]
    package, module, kind = [*token.split(":"), "", ""][:3]
    if package == "finks":
        return f"component:{kind}"
    return f"{module.split('/')[0]}:{kind}"


def describe(resource: RecordedResource) -> str:
    """The key settings of one resource, or '' when none are worth showing."""
    fn = _DESCRIBE.get(resource.type)
    text = fn(resource.inputs) if fn else ""
    if resource.ignore_changes:
        text = f"{text} ignores={','.join(resource.ignore_changes)}".strip()
    return text


def render_table(resources: Sequence[RecordedResource]) -> str:
    """A fixed-width table: TYPE, NAME (the AWS name), KEY SETTINGS."""
    rows = [("TYPE", "NAME", "KEY SETTINGS")]
    rows += [(short_type(r.type), r.physical_name, describe(r)) for r in resources]
    width_type = max(len(row[0]) for row in rows)
    width_name = max(len(row[1]) for row in rows)
    lines = [f"{t:<{width_type}}  {n:<{width_name}}  {s}".rstrip() for t, n, s in rows]
    lines.insert(1, "-" * min(120, max(len(line) for line in lines)))
    return "\n".join(lines)


def summarize(resources: Sequence[RecordedResource]) -> str:
    """'90 resources (7 components)'."""
    components = sum(1 for r in resources if not r.custom)
    return f"{len(resources)} resources ({components} components)"
