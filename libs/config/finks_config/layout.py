"""The bronze zone's layout: which datasets exist and where each raw object lands.

Ingestion writes these keys, dbt's bronze tables read them, pipelines and the
infrastructure (partition projection, lifecycle rules) refer to them: one home.
"""

from __future__ import annotations

from datetime import date

SOURCE = "fmp"
DATASETS: tuple[str, ...] = ("prices", "profiles", "income")
QUARANTINE_PREFIX = "quarantine/"
PARTITION_KEY = "ingest_date"


def bronze_prefix(dataset: str) -> str:
    """``fmp/prices/``: every object of one dataset lives under it."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; choose from {list(DATASETS)}")
    return f"{SOURCE}/{dataset}/"


def bronze_key(dataset: str, ingest_date: date, symbol: str, name: str) -> str:
    """``fmp/{dataset}/ingest_date=YYYY-MM-DD/symbol={SYM}/{name}.json``."""
    return (
        f"{bronze_prefix(dataset)}{PARTITION_KEY}={ingest_date.isoformat()}/symbol={symbol}/"
        f"{name}.json"
    )


def quarantine_key(dataset: str, ingest_date: date, symbol: str, name: str) -> str:
    """Where a record that failed validation lands instead (never silently dropped)."""
    return QUARANTINE_PREFIX + bronze_key(dataset, ingest_date, symbol, name)
