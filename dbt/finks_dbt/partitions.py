"""The bronze partitions that exist, so the local build reads only the new ones.

Athena prunes bronze by partition projection: a daily run's `ingest_date > since` names
the new partitions and Athena reads only those. DuckDB reads bronze through an S3 glob,
and a glob first lists every object under the dataset's prefix, so without this a daily
build's listing grows with history (measured: ~5 s per dataset at 500 symbols x 31
partitions on the emulator, three datasets, every day). One delimiter listing per
dataset (a page of partition names) lets the models glob only the partitions after their
watermark (dbt/macros/bronze_records.sql reads this as JSON from the variable below).
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from finks_config import Config
from finks_config.aws import client
from finks_config.aws.listing import child_names
from finks_config.layout import DATASETS, PARTITION_KEY, bronze_prefix

PARTITIONS_VARIABLE = "FINKS_BRONZE_PARTITIONS"


def bronze_partitions(config: Config) -> dict[str, list[str]]:
    """Each dataset's `ingest_date` values in the env's bronze bucket, sorted."""
    s3: Any = client(config, "s3")
    found: dict[str, list[str]] = {}
    try:
        for dataset in DATASETS:
            prefix = bronze_prefix(dataset)
            values = []
            for name in child_names(s3, config.bronze_bucket, prefix):
                key, _, value = name.partition("=")
                if key == PARTITION_KEY and value:
                    values.append(value)
            found[dataset] = sorted(values)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "NoSuchBucket":
            raise
        return {}  # nothing ingested yet: the models' full glob says so itself
    return found


def partitions_json(config: Config) -> str:
    """`bronze_partitions` as the JSON the bronze_records macro reads."""
    return json.dumps(bronze_partitions(config), separators=(",", ":"))
