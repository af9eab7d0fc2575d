"""Catalog: the Glue databases dbt builds into and the Athena workgroup it queries through."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class CatalogArgs:
    analytics_database: str
    bronze_database: str
    work_group: str
    results_location: str
    bytes_scanned_cutoff: int


class Catalog(pulumi.ComponentResource):
    """Two Glue databases plus a workgroup with enforced results location and cutoff.

    Enforcing the workgroup configuration stops a client from writing results
    elsewhere or lifting the bytes-scanned cutoff, the stack's Athena cost cap.
    CloudWatch metrics are on: the daily bytes-scanned alarm reads them.
    """

    analytics_database: aws.glue.CatalogDatabase
    bronze_database: aws.glue.CatalogDatabase
    workgroup: aws.athena.Workgroup

    def __init__(
        self, name: str, args: CatalogArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("finks:infra:Catalog", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.analytics_database = aws.glue.CatalogDatabase(
            f"{name}-analytics-db",
            name=args.analytics_database,
            description="dbt silver and gold models (Athena)",
            opts=child,
        )
        self.bronze_database = aws.glue.CatalogDatabase(
            f"{name}-bronze-db",
            name=args.bronze_database,
            description="External tables over the bronze zone's raw FMP payloads",
            opts=child,
        )
        self.workgroup = aws.athena.Workgroup(
            f"{name}-workgroup",
            name=args.work_group,
            force_destroy=False,
            configuration={
                "enforce_workgroup_configuration": True,
                "publish_cloudwatch_metrics_enabled": True,
                "bytes_scanned_cutoff_per_query": args.bytes_scanned_cutoff,
                "result_configuration": {
                    "output_location": args.results_location,
                    "encryption_configuration": {"encryption_option": "SSE_S3"},
                },
            },
            opts=child,
        )
        self.register_outputs(
            {
                "analytics_database": self.analytics_database.name,
                "bronze_database": self.bronze_database.name,
                "workgroup": self.workgroup.name,
            }
        )
