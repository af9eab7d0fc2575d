"""Where a model's Iceberg data lives in the cloud, for readers that list S3 instead of
querying Athena (the prod smoke check: the newest ``price_date=`` partition of gold).

dbt-athena names a table's location ``s3://{zone}/{schema}/{table}/{unique id}/``
(``s3_data_naming: schema_table_unique``, profiles.yml) and Iceberg writes data files
under ``data/{partition}={value}/`` there. The partition columns below are the models'
``partitioned_by`` (a test checks they agree with the parsed project).
"""

from __future__ import annotations

from dataclasses import dataclass

from finks_config import Config

PARTITIONED_BY: dict[str, str] = {
    "stg_prices": "price_date",
    "fct_daily_prices": "price_date",
    "mart_sector_performance": "price_date",
}


@dataclass(frozen=True)
class ModelLocation:
    """``s3://{bucket}/{prefix}{unique id}/data/{partition_key}=YYYY-MM-DD/...``."""

    bucket: str
    prefix: str
    partition_key: str | None

    def data_prefix_hint(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}<unique id>/data/"


def gold_location(config: Config, model: str = "fct_daily_prices") -> ModelLocation:
    """The S3 location of a model's table (silver models live in the silver zone)."""
    bucket = config.silver_bucket if model.startswith("stg_") else config.gold_bucket
    return ModelLocation(bucket, f"{config.analytics_database}/{model}/", PARTITIONED_BY.get(model))
