"""Audit: who touched the environment's data, as the design asks for prod.

A multi-region CloudTrail (management events plus S3 **data events** for the
zone and artifacts buckets) into its own bucket, and an access-logs bucket that
receives the S3 server access logs of every lake bucket (the program points the
DataLake at it). Both buckets are secure buckets that expire at the retention.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from finks_infra.components.buckets import secure_bucket


@dataclass(frozen=True)
class AuditArgs:
    trail_name: str
    trail_bucket: str
    access_logs_bucket: str
    data_event_buckets: Sequence[str]  # object-level events of these buckets are recorded
    retention_days: int
    account_id: pulumi.Input[str]
    region: str


class Audit(pulumi.ComponentResource):
    trail: aws.cloudtrail.Trail
    access_logs: aws.s3.Bucket
    # The access-logs bucket id, resolved once its policy lets S3 logging write to it
    # (S3 checks that when logging is turned on): what buckets log into.
    access_logs_target: pulumi.Output[str]

    def __init__(
        self, name: str, args: AuditArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("finks:infra:Audit", name, None, opts)
        account = args.account_id
        trail_arn = pulumi.Output.concat(
            "arn:aws:cloudtrail:", args.region, ":", account, ":trail/", args.trail_name
        )

        def cloudtrail_writes(bucket_arn: pulumi.Output[str]) -> list[dict[str, Any]]:
            service = {"Service": "cloudtrail.amazonaws.com"}
            return [
                {
                    "Sid": "CloudTrailAclCheck",
                    "Effect": "Allow",
                    "Principal": service,
                    "Action": "s3:GetBucketAcl",
                    "Resource": bucket_arn,
                    "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
                },
                {
                    "Sid": "CloudTrailWrite",
                    "Effect": "Allow",
                    "Principal": service,
                    "Action": "s3:PutObject",
                    "Resource": pulumi.Output.concat(bucket_arn, "/AWSLogs/", account, "/*"),
                    "Condition": {
                        "StringEquals": {
                            "aws:SourceArn": trail_arn,
                            "s3:x-amz-acl": "bucket-owner-full-control",
                        }
                    },
                },
            ]

        def access_log_writes(bucket_arn: pulumi.Output[str]) -> list[dict[str, Any]]:
            return [
                {
                    "Sid": "S3ServerAccessLogs",
                    "Effect": "Allow",
                    "Principal": {"Service": "logging.s3.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": pulumi.Output.concat(bucket_arn, "/*"),
                    "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                }
            ]

        logs = secure_bucket(
            f"{name}-access-logs",
            args.access_logs_bucket,
            args.retention_days,
            expire_current=True,
            parent=self,
            extra_statements=access_log_writes,
        )
        self.access_logs = logs.bucket
        self.access_logs_target = pulumi.Output.all(logs.bucket.id, logs.policy.id).apply(
            lambda ids: str(ids[0])
        )
        trail_bucket = secure_bucket(
            f"{name}-trail-bucket",
            args.trail_bucket,
            args.retention_days,
            expire_current=True,
            parent=self,
            extra_statements=cloudtrail_writes,
            access_logs=self.access_logs_target,
        )
        objects = [f"arn:aws:s3:::{bucket}/" for bucket in args.data_event_buckets]
        self.trail = aws.cloudtrail.Trail(
            f"{name}-trail",
            name=args.trail_name,
            s3_bucket_name=trail_bucket.bucket.id,
            include_global_service_events=True,
            is_multi_region_trail=True,
            enable_log_file_validation=True,
            event_selectors=[
                {
                    "read_write_type": "All",
                    "include_management_events": True,
                    "data_resources": [{"type": "AWS::S3::Object", "values": objects}],
                }
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[trail_bucket.policy]),
        )
        self.register_outputs({"trail": self.trail.name, "access_logs": self.access_logs.bucket})
