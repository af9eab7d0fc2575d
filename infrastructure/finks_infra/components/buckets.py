"""The one way this platform makes an S3 bucket: versioned, encrypted, private, expiring.

Why shared: the data-lake buckets and the audit-trail bucket must get the same
guarantees; a helper keeps the rule in one place instead of five copies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from finks_infra import ensure


@dataclass(frozen=True)
class SecureBucket:
    """A bucket and the resources that enforce the platform's bucket rules."""

    bucket: aws.s3.Bucket
    policy: aws.s3.BucketPolicy


def secure_bucket(
    logical: str,
    bucket_name: str,
    retention_days: int,
    *,
    expire_current: bool,
    parent: pulumi.Resource,
    extra_statements: Callable[[pulumi.Output[str]], list[dict[str, Any]]] | None = None,
    access_logs: pulumi.Input[str] | None = None,
) -> SecureBucket:
    """Create ``bucket_name`` with versioning, SSE, no public access and lifecycle expiry.

    ``expire_current=False`` keeps current objects (the artifacts bucket holds the
    deploy ledger) and expires only old versions after ``retention_days``.
    ``extra_statements(bucket_arn)`` adds statements to the bucket policy (a bucket
    has one policy, so services such as CloudTrail join the TLS-only one).
    ``access_logs`` (a bucket id) turns on S3 server access logging into it, under
    ``{bucket_name}/``.
    """
    opts = pulumi.ResourceOptions(parent=parent)
    bucket = aws.s3.Bucket(logical, bucket=bucket_name, force_destroy=False, opts=opts)
    child = pulumi.ResourceOptions(parent=bucket)
    aws.s3.BucketVersioning(
        f"{logical}-versioning",
        bucket=bucket.id,
        versioning_configuration={"status": "Enabled"},
        opts=child,
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{logical}-sse",
        bucket=bucket.id,
        rules=[
            {
                "apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"},
                "bucket_key_enabled": True,
            }
        ],
        opts=child,
    )
    public_block = aws.s3.BucketPublicAccessBlock(
        f"{logical}-public-access-block",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=child,
    )
    rule: dict[str, object] = {
        "id": "retention",
        "status": "Enabled",
        "filter": {},
        "noncurrent_version_expiration": {"noncurrent_days": retention_days},
        "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
    }
    if expire_current:
        rule["expiration"] = {"days": retention_days}
    aws.s3.BucketLifecycleConfiguration(
        f"{logical}-lifecycle", bucket=bucket.id, rules=[rule], opts=child
    )
    statements: list[dict[str, Any]] = [ensure.tls_only(bucket_name)]
    if extra_statements is not None:
        statements.extend(extra_statements(bucket.arn))
    if access_logs is not None:
        aws.s3.BucketLogging(
            f"{logical}-logging",
            bucket=bucket.id,
            target_bucket=access_logs,
            target_prefix=f"{bucket_name}/",
            opts=child,
        )
    policy = aws.s3.BucketPolicy(
        f"{logical}-policy",
        bucket=bucket.id,
        policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements}),
        opts=pulumi.ResourceOptions(parent=bucket, depends_on=[public_block]),
    )
    return SecureBucket(bucket=bucket, policy=policy)
