"""The bronze Glue tables, as desired state: what ingestion writes, described for Athena.

Why ingestion applies them (its deploy): ingestion owns bronze, so the description of its
objects ships with the code that writes them. Each dataset is one external JSON table
partitioned by ``ingest_date`` with Athena partition projection (no partition to register,
no crawler): a query filtering ``ingest_date >= '...'`` lists and reads only those
prefixes, so a daily transform scans only the new partitions. Applying compares with what
Glue holds and creates or updates only what differs (idempotent; a dry run only reports).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import ClientError  # pants: no-infer-dep

from finks_config import Config
from finks_config.aws import client
from finks_config.layout import DATASETS, PARTITION_KEY, SOURCE, bronze_prefix
from finks_ingestion.bronze_schema import hive_columns

# The first ingest date a projection enumerates when a query has no partition filter.
PROJECTION_START = "2020-01-01"
JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe"

Action = Literal["create", "update", "unchanged"]


def table_name(dataset: str) -> str:
    """``fmp_prices``: the Glue table (and dbt source identifier) of one dataset."""
    bronze_prefix(dataset)  # validates the dataset name
    return f"{SOURCE}_{dataset}"


def table_input(config: Config, dataset: str) -> dict[str, Any]:
    """The Glue ``TableInput`` describing one dataset's bronze objects."""
    location = f"s3://{config.bronze_bucket}/{bronze_prefix(dataset)}"
    return {
        "Name": table_name(dataset),
        "Description": f"FMP {dataset} as ingestion lands them (finks_ingestion.bronze_tables)",
        "TableType": "EXTERNAL_TABLE",
        "PartitionKeys": [{"Name": PARTITION_KEY, "Type": "string"}],
        "Parameters": {
            "EXTERNAL": "TRUE",
            "classification": "json",
            "projection.enabled": "true",
            f"projection.{PARTITION_KEY}.type": "date",
            f"projection.{PARTITION_KEY}.format": "yyyy-MM-dd",
            f"projection.{PARTITION_KEY}.range": f"{PROJECTION_START},NOW",
            f"projection.{PARTITION_KEY}.interval": "1",
            f"projection.{PARTITION_KEY}.interval.unit": "DAYS",
            "storage.location.template": f"{location}{PARTITION_KEY}=${{{PARTITION_KEY}}}/",
        },
        "StorageDescriptor": {
            "Columns": hive_columns(dataset),
            "Location": location,
            "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            "SerdeInfo": {
                "SerializationLibrary": JSON_SERDE,
                "Parameters": {"case.insensitive": "true", "ignore.malformed.json": "false"},
            },
        },
    }


@dataclass(frozen=True)
class TableChange:
    table: str  # database.table
    action: Action

    def line(self) -> str:
        verb = {"create": "create", "update": "update", "unchanged": "keep"}[self.action]
        return f"{verb} Glue table {self.table} (partition projection on {PARTITION_KEY})"


def _same(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Does Glue's table already say what ``wanted`` says (ignoring Glue's own fields)?"""
    sd, want_sd = current.get("StorageDescriptor", {}), wanted["StorageDescriptor"]
    return (
        current.get("TableType") == wanted["TableType"]
        and current.get("PartitionKeys", []) == wanted["PartitionKeys"]
        and all(current.get("Parameters", {}).get(k) == v for k, v in wanted["Parameters"].items())
        and sd.get("Columns") == want_sd["Columns"]
        and sd.get("Location") == want_sd["Location"]
        and sd.get("SerdeInfo", {}).get("SerializationLibrary") == JSON_SERDE
    )


def plan_bronze_tables(config: Config) -> list[TableChange]:
    """What applying would do, per dataset (reads Glue, changes nothing)."""
    glue = client(config, "glue")
    changes: list[TableChange] = []
    for dataset in DATASETS:
        wanted = table_input(config, dataset)
        name = f"{config.bronze_database}.{wanted['Name']}"
        try:
            current = glue.get_table(DatabaseName=config.bronze_database, Name=wanted["Name"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "EntityNotFoundException":
                raise
            changes.append(TableChange(name, "create"))
            continue
        same = _same(current["Table"], wanted)
        changes.append(TableChange(name, "unchanged" if same else "update"))
    return changes


def apply_bronze_tables(config: Config, changes: list[TableChange]) -> None:
    """Create or update the tables ``plan_bronze_tables`` found missing or different."""
    glue = client(config, "glue")
    by_name = {f"{config.bronze_database}.{table_name(d)}": d for d in DATASETS}
    for change in changes:
        wanted = table_input(config, by_name[change.table])
        if change.action == "create":
            glue.create_table(DatabaseName=config.bronze_database, TableInput=wanted)
        elif change.action == "update":
            glue.update_table(DatabaseName=config.bronze_database, TableInput=wanted)
