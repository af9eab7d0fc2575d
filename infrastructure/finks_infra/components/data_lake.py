"""DataLake: the environment's bronze/silver/gold zones, Athena results and artifacts buckets."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from finks_infra.components.buckets import secure_bucket
from finks_infra.names import ZONES, PlatformNames

# Buckets whose current objects must outlive the retention period (the deploy ledger).
_KEEP_CURRENT = frozenset({"artifacts"})


class DataLake(pulumi.ComponentResource):
    """Five buckets; data expires after the stack's ``retentionDays``."""

    buckets: dict[str, aws.s3.Bucket]

    def __init__(
        self,
        names: PlatformNames,
        retention_days: int,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("finks:infra:DataLake", names.resource("data-lake"), None, opts)
        self.buckets = {}
        for zone in ZONES:
            made = secure_bucket(
                names.resource(zone),
                names.buckets[zone],
                retention_days,
                expire_current=zone not in _KEEP_CURRENT,
                parent=self,
            )
            self.buckets[zone] = made.bucket
        self.register_outputs({f"{zone}_bucket": b.bucket for zone, b in self.buckets.items()})
