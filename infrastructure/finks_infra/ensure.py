"""Idempotent "make it so" steps for S3 buckets, shared by the bootstrap and the emulated apply.

Each reads the current setting, writes only when it differs and says what it did
(``created`` / ``updated`` / ``unchanged``), so running twice changes nothing.
"""

from __future__ import annotations

import json
from typing import Any, Literal

Outcome = Literal["created", "updated", "unchanged"]

TLS_ONLY_SID = "DenyInsecureTransport"


def error_code(error: Exception) -> str:
    """A botocore ClientError's code ('' for anything else)."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def _put_if_changed(current: Any, desired: Any, put: Any) -> Outcome:
    if current == desired:
        return "unchanged"
    put()
    return "updated" if current is not None else "created"


def bucket_exists(s3: Any, name: str) -> bool:
    try:
        s3.head_bucket(Bucket=name)
        return True
    except Exception as error:  # botocore ClientError: re-raised unless "not found"
        if error_code(error) not in ("404", "NoSuchBucket", "NotFound"):
            raise
    return False


def bucket(s3: Any, name: str, region: str) -> Outcome:
    if bucket_exists(s3, name):
        return "unchanged"
    where = (
        {}
        if region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    )
    s3.create_bucket(Bucket=name, **where)
    return "created"


def versioning(s3: Any, name: str, status: str) -> Outcome:
    current = s3.get_bucket_versioning(Bucket=name).get("Status")
    return _put_if_changed(
        current,
        status,
        lambda: s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": status}),
    )


def encryption(s3: Any, name: str, rules: list[dict[str, Any]]) -> Outcome:
    try:
        current = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]
        current_rules = current.get("Rules")
    except Exception as error:
        if error_code(error) != "ServerSideEncryptionConfigurationNotFoundError":
            raise
        current_rules = None
    return _put_if_changed(
        current_rules,
        rules,
        lambda: s3.put_bucket_encryption(
            Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules}
        ),
    )


ALL_BLOCKED = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def public_access_block(s3: Any, name: str, desired: dict[str, bool]) -> Outcome:
    try:
        current = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
    except Exception as error:
        if error_code(error) != "NoSuchPublicAccessBlockConfiguration":
            raise
        current = None
    return _put_if_changed(
        current,
        desired,
        lambda: s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=desired),
    )


def lifecycle(s3: Any, name: str, rules: list[dict[str, Any]]) -> Outcome:
    try:
        current = s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]
    except Exception as error:
        if error_code(error) != "NoSuchLifecycleConfiguration":
            raise
        current = None

    def comparable(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in rule.items() if k != "Filter"} for rule in items]

    return _put_if_changed(
        comparable(current) if current is not None else None,
        comparable(rules),
        lambda: s3.put_bucket_lifecycle_configuration(
            Bucket=name, LifecycleConfiguration={"Rules": rules}
        ),
    )


def policy(s3: Any, name: str, document: dict[str, Any]) -> Outcome:
    try:
        current = json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])
    except Exception as error:
        if error_code(error) != "NoSuchBucketPolicy":
            raise
        current = None
    return _put_if_changed(
        current, document, lambda: s3.put_bucket_policy(Bucket=name, Policy=json.dumps(document))
    )


def no_policy(s3: Any, name: str) -> Outcome:
    try:
        s3.get_bucket_policy(Bucket=name)
    except Exception as error:
        if error_code(error) != "NoSuchBucketPolicy":
            raise
        return "unchanged"
    s3.delete_bucket_policy(Bucket=name)
    return "updated"


def logging(s3: Any, name: str, target_bucket: str, target_prefix: str) -> Outcome:
    desired = {"TargetBucket": target_bucket, "TargetPrefix": target_prefix}
    current = s3.get_bucket_logging(Bucket=name).get("LoggingEnabled")
    if current is not None:
        current = {k: current.get(k) for k in desired}
    return _put_if_changed(
        current,
        desired,
        lambda: s3.put_bucket_logging(Bucket=name, BucketLoggingStatus={"LoggingEnabled": desired}),
    )


def tls_only(bucket_name: str) -> dict[str, Any]:
    """The bucket policy statement every bucket of the platform carries: HTTPS only.

    ``{"AWS": "*"}`` means the same as ``"*"`` in AWS (and moto's logging check
    understands only the mapping form)."""
    return {
        "Sid": TLS_ONLY_SID,
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket_name}", f"arn:aws:s3:::{bucket_name}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
