"""The watermark objects in bronze: one per symbol, merged across runs, migrated from v1."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from finks_config import Config
from finks_ingestion import run_ingestion
from finks_ingestion.bronze import BronzeWriter
from finks_ingestion.tests.conftest import AS_OF, all_objects
from finks_ingestion.tests.helpers import watermarks
from finks_ingestion.watermarks import (
    WATERMARK_PREFIX,
    KnownMarks,
    WatermarkStore,
    legacy_watermark_key,
    marks_from_document,
    watermark_key,
)
from finks_local.fmp import LocalFmpServer

SYMBOLS = ["AAPL", "JPM", "XOM"]


def test_a_run_writes_one_watermark_object_per_symbol_for_all_its_datasets(
    fmp_server: LocalFmpServer, make_config: Callable[..., Config], s3: Any
) -> None:
    config = make_config(fmp_server.url)
    assert run_ingestion(config, SYMBOLS, as_of=AS_OF).ok
    keys = set(all_objects(s3, config.bronze_bucket, WATERMARK_PREFIX))
    assert keys == {watermark_key(s) for s in SYMBOLS}
    marks = watermarks(all_objects(s3, config.bronze_bucket, WATERMARK_PREFIX))
    assert set(marks) == {(d, s) for d in ("prices", "profiles", "income") for s in SYMBOLS}


def test_a_run_of_some_datasets_keeps_the_other_datasets_watermarks(
    fmp_server: LocalFmpServer, make_config: Callable[..., Config], s3: Any
) -> None:
    config = make_config(fmp_server.url)
    assert run_ingestion(config, ["JPM"], as_of=AS_OF - timedelta(days=1), datasets=["income"]).ok
    assert run_ingestion(config, ["JPM"], as_of=AS_OF, datasets=["prices"]).ok
    marks = watermarks(all_objects(s3, config.bronze_bucket, WATERMARK_PREFIX))
    assert marks[("income", "JPM")]["through"] == (AS_OF - timedelta(days=1)).isoformat()
    assert marks[("prices", "JPM")]["through"] == AS_OF.isoformat()
    again = run_ingestion(config, ["JPM"], as_of=AS_OF, datasets=["prices", "income"])
    assert again.ok and again.requests == 2 and again.up_to_date == 1  # income: 2 requests


def test_version_1_watermarks_are_read_then_carried_over_and_deleted(
    fmp_server: LocalFmpServer, make_config: Callable[..., Config], s3: Any
) -> None:
    config = make_config(fmp_server.url, INGEST_OVERLAP_DAYS="0")
    BronzeWriter(config).ensure_bucket()
    day1 = AS_OF - timedelta(days=1)
    first = AS_OF - timedelta(days=200)
    for dataset in ("prices", "profiles"):
        legacy = {
            "version": 1,
            "dataset": dataset,
            "symbol": "AAPL",
            "first": first.isoformat(),
            "through": day1.isoformat(),
            "ingest_date": day1.isoformat(),
            "key": f"fmp/{dataset}/old.json",
        }
        s3.put_object(
            Bucket=config.bronze_bucket,
            Key=legacy_watermark_key(dataset, "AAPL"),
            Body=json.dumps(legacy).encode(),
        )
    report = run_ingestion(config, ["AAPL"], as_of=AS_OF, datasets=["prices"])
    assert report.ok and report.requests == 1
    prices = all_objects(s3, config.bronze_bucket, f"fmp/prices/ingest_date={AS_OF}/")
    # Read from the v1 object: only the new day is fetched, not a backfill.
    assert [k.rsplit("/", 1)[-1] for k in prices] == [f"from={AS_OF}_to={AS_OF}.json"]
    assert set(all_objects(s3, config.bronze_bucket, WATERMARK_PREFIX)) == {watermark_key("AAPL")}
    marks = watermarks(all_objects(s3, config.bronze_bucket, WATERMARK_PREFIX))
    assert marks[("prices", "AAPL")]["first"] == first.isoformat()  # merged, not reset
    assert marks[("profiles", "AAPL")]["through"] == day1.isoformat()  # carried over as it was


def test_an_unreadable_watermark_reads_as_none_so_the_symbol_backfills(
    fmp_server: LocalFmpServer, make_config: Callable[..., Config], s3: Any
) -> None:
    config = make_config(fmp_server.url)
    writer = BronzeWriter(config)
    writer.ensure_bucket()
    for body in (b'{"version": 3}', b'{"version": 2, "symbol": "GS", "datasets": {"prices": 1}}'):
        s3.put_object(Bucket=config.bronze_bucket, Key=watermark_key("GS"), Body=body)
        store = WatermarkStore(writer)
        known = store.scan()
        assert "GS" in known and store.get("GS") == {}
    assert marks_from_document("GS", ["not", "an", "object"]) == {}
    assert "GS" not in KnownMarks()
