"""S3 resources of the stack, applied to the emulated account (Pulumi inputs -> S3 API)."""

from __future__ import annotations

import json
from typing import Any

from finks_infra import ensure
from finks_infra.emulate.context import ApplyContext, Outcome
from finks_infra.offline import RecordedResource


def bucket(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    return ensure.bucket(ctx.client("s3"), inputs["bucket"], ctx.config.aws_region)


def versioning(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    status = inputs["versioningConfiguration"]["status"]
    return ensure.versioning(ctx.client("s3"), inputs["bucket"], status)


def encryption(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    rules = [
        {
            "ApplyServerSideEncryptionByDefault": {
                "SSEAlgorithm": rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"]
            },
            "BucketKeyEnabled": bool(rule.get("bucketKeyEnabled", False)),
        }
        for rule in inputs["rules"]
    ]
    return ensure.encryption(ctx.client("s3"), inputs["bucket"], rules)


_BLOCK_KEYS = {
    "blockPublicAcls": "BlockPublicAcls",
    "blockPublicPolicy": "BlockPublicPolicy",
    "ignorePublicAcls": "IgnorePublicAcls",
    "restrictPublicBuckets": "RestrictPublicBuckets",
}


def public_access_block(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    desired = {api: bool(inputs.get(key, False)) for key, api in _BLOCK_KEYS.items()}
    return ensure.public_access_block(ctx.client("s3"), inputs["bucket"], desired)


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """Pulumi's camelCase rule -> the S3 API's shape."""
    api: dict[str, Any] = {"ID": rule["id"], "Status": rule["status"], "Filter": {"Prefix": ""}}
    if "expiration" in rule:
        api["Expiration"] = {"Days": int(rule["expiration"]["days"])}
    if "noncurrentVersionExpiration" in rule:
        days = rule["noncurrentVersionExpiration"]["noncurrentDays"]
        api["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(days)}
    if "abortIncompleteMultipartUpload" in rule:
        days = rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"]
        api["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": int(days)}
    return api


def lifecycle(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    rules = [_lifecycle_rule(rule) for rule in inputs["rules"]]
    return ensure.lifecycle(ctx.client("s3"), inputs["bucket"], rules)


def policy(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    document = json.loads(inputs["policy"])
    statements = [st for st in document["Statement"] if st.get("Sid") != ensure.TLS_ONLY_SID]
    if len(statements) != len(document["Statement"]):
        ctx.substitute(
            "bucket policies without their HTTPS-only statement: the emulated account speaks"
            " plain HTTP on loopback, and moto enforces aws:SecureTransport"
        )
    name = inputs["bucket"]
    s3 = ctx.client("s3")
    if not statements:
        return ensure.no_policy(s3, name)
    return ensure.policy(s3, name, {**document, "Statement": statements})


def logging(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    return ensure.logging(
        ctx.client("s3"), inputs["bucket"], inputs["targetBucket"], inputs["targetPrefix"]
    )
