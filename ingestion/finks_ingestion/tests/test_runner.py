"""run_ingestion against a real moto S3 server and the local FMP server, over HTTP."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from finks_config import Config, Environment, IsolationError, load_config
from finks_ingestion import run_ingestion
from finks_ingestion.bronze import BronzeWriter, bronze_key
from finks_ingestion.local_fmp import LocalFmpServer
from finks_ingestion.settings import PROJECT_CONFIG_DIR
from finks_ingestion.tests.conftest import TEST_API_KEY, all_objects
from finks_ingestion.tests.helpers import expected, landed

SYMBOLS = ["AAPL", "JPM", "XOM"]
START, END = date(2024, 1, 1), date(2024, 2, 29)
DAY = date(2026, 11, 26)


def test_happy_path_lands_every_record_exactly_once(
    fmp_server: LocalFmpServer, make_config: Callable[..., Config], s3: Any
) -> None:
    config = make_config(fmp_server.url)
    lines: list[str] = []
    report = run_ingestion(config, SYMBOLS, START, END, progress=lines.append, ingest_date=DAY)
    assert report.ok, report.failures
    objects = all_objects(s3, config.bronze_bucket)
    good, bad = landed(objects)
    assert good == expected(SYMBOLS, START, END)
    assert not bad and report.quarantined == 0
    assert report.requests == 12 and report.objects_written == 12
    assert report.records_written == sum(good.values())
    key = bronze_key(
        "prices", DAY, "AAPL", {"symbol": "AAPL", "from": "2024-01-01", "to": "2024-02-29"}
    )
    assert key == (
        "fmp/prices/ingest_date=2026-11-26/symbol=AAPL/" "from=2024-01-01_to=2024-02-29.json"
    )
    envelope = json.loads(objects[key])["envelope"]
    assert envelope["url"].endswith(
        "/stable/historical-price-eod/full?from=2024-01-01&symbol=AAPL&to=2024-02-29"
    )
    assert envelope["params"] == {"symbol": "AAPL", "from": "2024-01-01", "to": "2024-02-29"}
    assert len(envelope["content_sha256"]) == 64 and envelope["schema_version"] == 1
    assert any(line.startswith("[12/12]") for line in lines)


def test_immediate_rerun_changes_no_object(
    fmp_server: LocalFmpServer, make_config: Callable[..., Config], s3: Any
) -> None:
    config = make_config(fmp_server.url)
    assert run_ingestion(config, SYMBOLS, START, END, ingest_date=DAY).ok
    before = all_objects(s3, config.bronze_bucket)
    etags = {k: s3.head_object(Bucket=config.bronze_bucket, Key=k)["ETag"] for k in before}
    again = run_ingestion(config, SYMBOLS, START, END, ingest_date=DAY)
    assert again.ok and again.objects_written == 0 and again.skipped_duplicates == 12
    after = all_objects(s3, config.bronze_bucket)
    assert after == before
    assert etags == {k: s3.head_object(Bucket=config.bronze_bucket, Key=k)["ETag"] for k in after}
    resumed = run_ingestion(config, SYMBOLS, START, END, ingest_date=DAY, resume=True)
    assert resumed.ok and resumed.skipped_duplicates == 12 and resumed.retries == 0
    assert all_objects(s3, config.bronze_bucket) == before


@pytest.mark.parametrize("fault", ["429", "500", "slow", "truncated"])
def test_each_fault_at_30_percent_still_lands_everything_once(
    fault: str, make_config: Callable[..., Config], s3: Any
) -> None:
    with LocalFmpServer(
        api_key=TEST_API_KEY, fault_rate=0.3, faults=(fault,), seed=7, slow_seconds=1.0
    ) as server:
        config = make_config(server.url)
        report = run_ingestion(config, SYMBOLS, START, END, ingest_date=DAY)
        assert server.stats[f"fault_{fault}"] > 0
    assert report.ok, report.failures
    assert report.retries >= server.stats[f"fault_{fault}"]
    good, bad = landed(all_objects(s3, config.bronze_bucket))
    assert good == expected(SYMBOLS, START, END) and not bad


def test_drifted_records_are_quarantined_with_reason_and_counted(
    make_config: Callable[..., Config], s3: Any
) -> None:
    with LocalFmpServer(api_key=TEST_API_KEY, fault_rate=0.3, faults=("drift",)) as server:
        config = make_config(server.url)
        report = run_ingestion(config, SYMBOLS, START, END, ingest_date=DAY)
        drifted = server.stats["drifted_records"]
    assert report.ok and drifted > 0
    objects = all_objects(s3, config.bronze_bucket)
    good, bad = landed(objects)
    assert report.quarantined == sum(bad.values()) == drifted
    # Nothing lost, nothing doubled: bronze + quarantine is exactly the requested data.
    assert good + bad == expected(SYMBOLS, START, END)
    assert not set(good) & set(bad)
    reasons = [
        item["reason"]
        for key, body in objects.items()
        if key.startswith("quarantine/")
        for item in json.loads(body)["rejected"]
    ]
    assert any("Field required" in r for r in reasons)
    assert all(r.split(":")[0] for r in reasons)


def test_api_key_appears_nowhere(
    make_config: Callable[..., Config],
    s3: Any,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    with LocalFmpServer(
        api_key=TEST_API_KEY,
        fault_rate=0.3,
        seed=3,
        slow_seconds=1.0,
        faults=("429", "500", "slow", "truncated", "drift"),
    ) as server:
        config = make_config(server.url)
        lines: list[str] = []
        report = run_ingestion(config, SYMBOLS, START, END, progress=lines.append, ingest_date=DAY)
    assert report.ok and report.retries > 0
    with LocalFmpServer(api_key="another-key") as wrong:
        failed = run_ingestion(
            make_config(wrong.url), ["AAPL"], START, END, progress=lines.append, ingest_date=DAY
        )
    assert not failed.ok and "HTTP 403" in failed.failures[0]
    out = capsys.readouterr()
    texts = [
        caplog.text,
        out.out,
        out.err,
        *lines,
        *report.failures,
        *failed.failures,
        *(b.decode() for b in all_objects(s3, config.bronze_bucket).values()),
    ]
    for text in texts:
        assert TEST_API_KEY not in text


def test_write_to_another_environments_bucket_is_refused(
    make_config: Callable[..., Config], fmp_server: LocalFmpServer, s3: Any
) -> None:
    config = make_config(fmp_server.url)
    other = load_config(PROJECT_CONFIG_DIR, env=Environment.DEV).bronze_bucket
    s3.create_bucket(
        Bucket=other, CreateBucketConfiguration={"LocationConstraint": config.aws_region}
    )
    writer = BronzeWriter(config, bucket=other)
    with pytest.raises(IsolationError):
        writer.write("fmp/prices/x.json", {"records": []}, "0" * 64)
    assert s3.list_objects_v2(Bucket=other).get("KeyCount", 0) == 0


def test_empty_response_is_recorded_as_empty(
    fmp_server: LocalFmpServer, make_config: Callable[..., Config], s3: Any
) -> None:
    config = make_config(fmp_server.url)
    weekend = date(2024, 1, 6)
    report = run_ingestion(config, ["AAPL"], weekend, date(2024, 1, 7), ["prices"], ingest_date=DAY)
    assert report.ok and report.empty == 1 and report.records_written == 0
    (body,) = all_objects(s3, config.bronze_bucket).values()
    doc = json.loads(body)
    assert doc["records"] == [] and doc["envelope"]["record_count"] == 0
