"""Every AWS name a stack creates, derived from the environment's finks_config Config.

Why one place: the isolation rule says code never spells a bucket, database or
secret of a specific environment. Names the platform shares with other projects
(buckets, databases, secret paths) are read from Config; names only the
infrastructure uses are built from the Config's environment, so a stack can
only ever name its own environment's resources.
"""

from __future__ import annotations

from dataclasses import dataclass

from finks_config import Config

# Data-lake buckets by role; the keys are also the Pulumi logical-name suffixes.
ZONES = ("bronze", "silver", "gold", "athena-results", "artifacts")


@dataclass(frozen=True)
class PlatformNames:
    """Physical names for one environment."""

    env: str
    region: str
    buckets: dict[str, str]
    audit_bucket: str
    athena_results_location: str
    analytics_database: str
    bronze_database: str
    athena_workgroup: str
    prefect_secret: str
    fmp_secret: str
    worker_log_group: str

    @classmethod
    def from_config(cls, config: Config) -> PlatformNames:
        env = config.environment.value
        results = config.athena_results_location
        results_bucket = results.removeprefix("s3://").split("/", 1)[0]
        analytics = config.analytics_database
        return cls(
            env=env,
            region=config.aws_region,
            buckets={
                "bronze": config.bronze_bucket,
                "silver": config.silver_bucket,
                "gold": config.gold_bucket,
                "athena-results": results_bucket,
                "artifacts": config.artifacts_bucket,
            },
            audit_bucket=f"{config.s3_bucket_prefix}-audit-trail",
            athena_results_location=results,
            analytics_database=analytics,
            bronze_database=config.bronze_database,
            athena_workgroup=f"finks-{env}",
            prefect_secret=config.secret_path("prefect"),
            fmp_secret=config.secret_path("fmp"),
            worker_log_group=f"/finks/{env}/prefect-worker",
        )

    def resource(self, suffix: str) -> str:
        """A name for an infrastructure-only resource: ``finks-{env}-{suffix}``."""
        return f"finks-{self.env}-{suffix}"

    @property
    def secret_prefix(self) -> str:
        """``/{env}/``: every secret of this environment lives under it."""
        return self.prefect_secret.rsplit("/", 2)[0] + "/"
