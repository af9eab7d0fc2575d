"""Catalog: the Glue databases dbt builds into and the Athena workgroup it queries through."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from finks_infra.names import PlatformNames


class Catalog(pulumi.ComponentResource):
    """``{env}_analytics`` and ``{env}_bronze`` plus a workgroup with enforced results and cutoff.

    Enforcing the workgroup configuration stops a client from writing results
    elsewhere or lifting the bytes-scanned cutoff, the stack's Athena cost cap.
    """

    analytics_database: aws.glue.CatalogDatabase
    bronze_database: aws.glue.CatalogDatabase
    workgroup: aws.athena.Workgroup

    def __init__(
        self,
        names: PlatformNames,
        bytes_scanned_cutoff: int,
        results_bucket: aws.s3.Bucket,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("finks:infra:Catalog", names.resource("catalog"), None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.analytics_database = aws.glue.CatalogDatabase(
            names.resource("analytics-db"),
            name=names.analytics_database,
            description="dbt silver and gold models (Athena)",
            opts=child,
        )
        self.bronze_database = aws.glue.CatalogDatabase(
            names.resource("bronze-db"),
            name=names.bronze_database,
            description="External tables over the bronze zone's raw FMP payloads",
            opts=child,
        )
        self.workgroup = aws.athena.Workgroup(
            names.resource("workgroup"),
            name=names.athena_workgroup,
            force_destroy=False,
            configuration={
                "enforce_workgroup_configuration": True,
                "publish_cloudwatch_metrics_enabled": True,
                "bytes_scanned_cutoff_per_query": bytes_scanned_cutoff,
                "result_configuration": {
                    "output_location": names.athena_results_location,
                    "encryption_configuration": {"encryption_option": "SSE_S3"},
                },
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[results_bucket]),
        )
        self.register_outputs(
            {
                "analytics_database": self.analytics_database.name,
                "bronze_database": self.bronze_database.name,
                "workgroup": self.workgroup.name,
            }
        )
