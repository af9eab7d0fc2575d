"""DataLake: the environment's bronze/silver/gold zones, Athena results and artifacts buckets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from finks_infra.components.buckets import secure_bucket


@dataclass(frozen=True)
class DataLakeArgs:
    """``buckets``: role (also the logical-name suffix) -> bucket name."""

    buckets: Mapping[str, str]
    retention_days: int
    # Roles whose current objects must outlive the retention period (the deploy ledger).
    keep_current: frozenset[str] = field(default_factory=frozenset)
    # A bucket id: S3 server access logs of every lake bucket go there (audit).
    access_logs_bucket: pulumi.Input[str] | None = None


class DataLake(pulumi.ComponentResource):
    """One secure bucket per role; data expires after ``retention_days``."""

    buckets: dict[str, aws.s3.Bucket]

    def __init__(
        self, name: str, args: DataLakeArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("finks:infra:DataLake", name, None, opts)
        self.buckets = {}
        for role, bucket_name in args.buckets.items():
            made = secure_bucket(
                f"{name}-{role}",
                bucket_name,
                args.retention_days,
                expire_current=role not in args.keep_current,
                parent=self,
                access_logs=args.access_logs_bucket,
            )
            self.buckets[role] = made.bucket
        self.register_outputs({f"{role}_bucket": b.bucket for role, b in self.buckets.items()})
