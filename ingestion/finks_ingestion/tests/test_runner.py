"""run_ingestion against a real moto S3 server and the local FMP server, over HTTP."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from finks_config import Config, ConfigError, Environment, IsolationError, load_config
from finks_config.layout import bronze_key
from finks_ingestion import run_ingestion
from finks_ingestion.bronze import BronzeWriter
from finks_ingestion.settings import PROJECT_CONFIG_DIR
from finks_ingestion.tests.conftest import AS_OF, BACKFILL_DAYS, TEST_API_KEY, all_objects
from finks_ingestion.tests.helpers import expected, landed, watermarks
from finks_local.fmp import LocalFmpServer, dataset

SYMBOLS = ["AAPL", "JPM", "XOM"]
START = AS_OF - timedelta(days=BACKFILL_DAYS)


def partition(day: date) -> str:
    return f"ingest_date={day.isoformat()}/"


def test_first_run_backfills_every_record_exactly_once(
    fmp_server: LocalFmpServer, make_config: Callable[..., Config], s3: Any
) -> None:
    config = make_config(fmp_server.url)
    report = run_ingestion(config, SYMBOLS, as_of=AS_OF)
    assert report.ok, report.failures
    objects = all_objects(s3, config.bronze_bucket)
    good, bad = landed(objects)
    assert good == expected(SYMBOLS, START, AS_OF)
    assert not bad and report.quarantined == 0
    assert report.requests == 12 and report.objects_written == 12
    assert report.records_written == sum(good.values())
    assert report.bytes_written == sum(len(v) for k, v in objects.items() if k.startswith("fmp/"))
    name = f"from={START.isoformat()}_to={AS_OF.isoformat()}"
    key = bronze_key("prices", AS_OF, "AAPL", name)
    assert key == f"fmp/prices/ingest_date=2026-11-24/symbol=AAPL/{name}.json"
    envelope = json.loads(objects[key])["envelope"]
    assert envelope["url"].endswith(
        f"/stable/historical-price-eod/full?from={START}&symbol=AAPL&to={AS_OF}"
    )
    assert envelope["ingest_date"] == "2026-11-24" and len(envelope["content_sha256"]) == 64
    marks = watermarks(objects)
    assert set(marks) == {(d, s) for d in ("prices", "profiles", "income") for s in SYMBOLS}
    assert marks[("prices", "AAPL")]["first"] == START.isoformat()
    assert {m["through"] for m in marks.values()} == {AS_OF.isoformat()}
    assert marks[("prices", "AAPL")]["key"] == key


def test_rerunning_a_day_fetches_nothing_and_changes_no_object(
    fmp_server: LocalFmpServer, make_config: Callable[..., Config], s3: Any
) -> None:
    config = make_config(fmp_server.url)
    assert run_ingestion(config, SYMBOLS, as_of=AS_OF).ok
    before = all_objects(s3, config.bronze_bucket)
    etags = {k: s3.head_object(Bucket=config.bronze_bucket, Key=k)["ETag"] for k in before}
    served = fmp_server.stats["requests"]
    again = run_ingestion(config, SYMBOLS, as_of=AS_OF)
    assert again.ok and again.requests == 0 and again.up_to_date == 9
    assert fmp_server.stats["requests"] == served
    after = all_objects(s3, config.bronze_bucket)
    assert after == before
    assert etags == {k: s3.head_object(Bucket=config.bronze_bucket, Key=k)["ETag"] for k in after}


def test_next_day_fetches_only_after_the_watermark_minus_the_overlap(
    fmp_clock: LocalFmpServer, make_config: Callable[..., Config], s3: Any
) -> None:
    config = make_config(fmp_clock.url, INGEST_OVERLAP_DAYS="2", FMP_INCOME_REFRESH_LIMIT="1")
    assert run_ingestion(config, SYMBOLS, as_of=AS_OF).ok
    day2 = AS_OF + timedelta(days=1)
    fmp_clock.as_of = day2
    report = run_ingestion(config, [*SYMBOLS, "MSFT"], as_of=day2)
    assert report.ok, report.failures
    new = all_objects(s3, config.bronze_bucket, "fmp/prices/" + partition(day2))
    names = {k.split("/")[-2]: k.rsplit("/", 1)[-1] for k in new}
    # Known symbols: from watermark + 1 - overlap (2 days) = AS_OF - 1; MSFT is new: backfill.
    incremental = f"from={(AS_OF - timedelta(days=1)).isoformat()}_to={day2.isoformat()}.json"
    assert {s: names[f"symbol={s}"] for s in SYMBOLS} == dict.fromkeys(SYMBOLS, incremental)
    backfill = day2 - timedelta(days=BACKFILL_DAYS)
    assert names["symbol=MSFT"] == f"from={backfill.isoformat()}_to={day2.isoformat()}.json"
    bars = json.loads(new[f"fmp/prices/{partition(day2)}symbol=AAPL/{incremental}"])["records"]
    assert [b["date"] for b in bars] == ["2026-11-25", "2026-11-24", "2026-11-23"]
    income = all_objects(s3, config.bronze_bucket, "fmp/income/" + partition(day2))
    assert sorted(k.rsplit("/", 1)[-1] for k in income if "symbol=AAPL" in k) == [
        "limit=1_period=annual.json",
        "limit=1_period=quarter.json",
    ]
    marks = watermarks(all_objects(s3, config.bronze_bucket, "_watermarks/"))
    assert marks[("prices", "AAPL")]["first"] == START.isoformat()  # kept from day 1
    assert marks[("prices", "AAPL")]["through"] == day2.isoformat()
    assert marks[("prices", "MSFT")]["first"] == backfill.isoformat()


def test_late_corrections_inside_the_overlap_land_the_next_day(
    make_config: Callable[..., Config], s3: Any
) -> None:
    with LocalFmpServer(api_key=TEST_API_KEY, as_of=AS_OF, revision_rate=1.0) as server:
        config = make_config(server.url)
        assert run_ingestion(config, ["GS"], as_of=AS_OF, datasets=["prices"]).ok
        day2 = AS_OF + timedelta(days=1)
        server.as_of = day2
        assert run_ingestion(config, ["GS"], as_of=day2, datasets=["prices"]).ok

    def close_on(day: date, ingest: date) -> float:
        (body,) = all_objects(s3, config.bronze_bucket, f"fmp/prices/{partition(ingest)}").values()
        return next(b["close"] for b in json.loads(body)["records"] if b["date"] == day.isoformat())

    preliminary, corrected = close_on(AS_OF, AS_OF), close_on(AS_OF, day2)
    final = dataset.prices("GS", AS_OF, AS_OF, as_of=AS_OF + timedelta(days=5))[0]["close"]
    assert preliminary != corrected == final


def test_backfill_and_full_refresh_reach_back_whatever_the_watermark_says(
    fmp_server: LocalFmpServer, make_config: Callable[..., Config], s3: Any
) -> None:
    config = make_config(fmp_server.url)
    assert run_ingestion(config, ["JPM"], as_of=AS_OF, datasets=["prices", "income"]).ok
    back = date(2025, 1, 2)
    report = run_ingestion(config, ["JPM"], as_of=AS_OF, datasets=["prices"], backfill_from=back)
    assert report.ok and report.requests == 1
    keys = all_objects(s3, config.bronze_bucket, f"fmp/prices/{partition(AS_OF)}")
    assert any(f"from={back.isoformat()}_to=" in k for k in keys)
    marks = watermarks(all_objects(s3, config.bronze_bucket, "_watermarks/"))
    assert marks[("prices", "JPM")]["first"] == back.isoformat()

    refresh = run_ingestion(
        config, ["JPM"], as_of=AS_OF, datasets=["prices", "income"], full_refresh=True
    )
    assert refresh.ok and refresh.requests == 3 and refresh.up_to_date == 0
    marks = watermarks(all_objects(s3, config.bronze_bucket, "_watermarks/"))
    assert marks[("prices", "JPM")]["first"] == START.isoformat()  # reset, not merged


@pytest.mark.parametrize("fault", ["429", "500", "slow", "truncated"])
def test_each_fault_at_30_percent_still_lands_everything_once(
    fault: str, make_config: Callable[..., Config], s3: Any
) -> None:
    with LocalFmpServer(
        api_key=TEST_API_KEY, fault_rate=0.3, faults=(fault,), seed=7, slow_seconds=1.0, as_of=AS_OF
    ) as server:
        config = make_config(server.url)
        report = run_ingestion(config, SYMBOLS, as_of=AS_OF)
        assert server.stats[f"fault_{fault}"] > 0
    assert report.ok, report.failures
    assert report.retries >= server.stats[f"fault_{fault}"]
    good, bad = landed(all_objects(s3, config.bronze_bucket))
    assert good == expected(SYMBOLS, START, AS_OF) and not bad


def test_a_failed_request_keeps_its_watermark_so_the_next_run_fetches_it_again(
    fmp_server: LocalFmpServer, make_config: Callable[..., Config], s3: Any
) -> None:
    with LocalFmpServer(
        api_key=TEST_API_KEY,
        fault_rate=1.0,
        faults=("500",),
        max_consecutive_faults=99,
        as_of=AS_OF,
    ) as broken:
        failed = run_ingestion(make_config(broken.url), ["AAPL"], as_of=AS_OF, datasets=["prices"])
    assert not failed.ok and "gave up after 6 attempts" in failed.failures[0]
    config = make_config(fmp_server.url)
    assert watermarks(all_objects(s3, config.bronze_bucket, "_watermarks/")) == {}
    retried = run_ingestion(config, ["AAPL"], as_of=AS_OF, datasets=["prices"])
    assert retried.ok and retried.requests == 1 and retried.up_to_date == 0


def test_the_limiter_runs_before_every_http_request_retries_included(
    make_config: Callable[..., Config],
) -> None:
    calls: list[int] = []
    with LocalFmpServer(
        api_key=TEST_API_KEY, fault_rate=0.5, faults=("500",), seed=3, as_of=AS_OF
    ) as server:
        report = run_ingestion(
            make_config(server.url), SYMBOLS, as_of=AS_OF, limiter=lambda: calls.append(1)
        )
        served = server.stats["requests"]
    assert report.ok and report.retries > 0
    assert len(calls) == served == report.requests + report.retries


def test_drifted_records_are_quarantined_with_reason_and_counted(
    make_config: Callable[..., Config], s3: Any
) -> None:
    with LocalFmpServer(
        api_key=TEST_API_KEY, fault_rate=0.3, faults=("drift",), as_of=AS_OF
    ) as server:
        config = make_config(server.url)
        report = run_ingestion(config, SYMBOLS, as_of=AS_OF)
        drifted = server.stats["drifted_records"]
    assert report.ok and drifted > 0
    objects = all_objects(s3, config.bronze_bucket)
    good, bad = landed(objects)
    assert report.quarantined == sum(bad.values()) == drifted
    # Nothing lost, nothing doubled: bronze + quarantine is exactly the requested data.
    assert good + bad == expected(SYMBOLS, START, AS_OF)
    assert not set(good) & set(bad)
    reasons = [
        item["reason"]
        for key, body in objects.items()
        if key.startswith("quarantine/")
        for item in json.loads(body)["rejected"]
    ]
    assert any("Field required" in r for r in reasons)


def test_api_key_appears_nowhere(
    make_config: Callable[..., Config],
    s3: Any,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    lines: list[str] = []

    class Recorder:
        def advance(self, n: int = 1, *, note: str | None = None) -> None:
            lines.append(note or "")

        def update(self, *, total: int | None = None, note: str | None = None) -> None:
            lines.append(note or "")

        def log(self, message: str) -> None:
            lines.append(message)

    with LocalFmpServer(
        api_key=TEST_API_KEY,
        fault_rate=0.3,
        seed=3,
        slow_seconds=1.0,
        faults=("429", "500", "slow", "truncated", "drift"),
        as_of=AS_OF,
    ) as server:
        config = make_config(server.url)
        report = run_ingestion(config, SYMBOLS, as_of=AS_OF, progress=Recorder())
    assert report.ok and report.retries > 0 and any("retry:" in line for line in lines)
    with (
        LocalFmpServer(api_key="another-key", as_of=AS_OF) as wrong,
        pytest.raises(ConfigError) as rejected,
    ):
        run_ingestion(make_config(wrong.url), ["MSFT"], as_of=AS_OF, progress=Recorder())
    assert "FMP rejected the API key" in str(rejected.value)
    out = capsys.readouterr()
    texts = [
        caplog.text,
        out.out,
        out.err,
        str(rejected.value),
        *lines,
        *(b.decode() for b in all_objects(s3, config.bronze_bucket).values()),
    ]
    for text in texts:
        assert TEST_API_KEY not in text and "another-key" not in text


def test_unreachable_fmp_is_a_setup_error_and_nothing_is_written(
    make_config: Callable[..., Config], s3: Any, config_local: Config
) -> None:
    config = make_config("http://127.0.0.1:9", FMP_MAX_RETRIES="1")
    with pytest.raises(ConfigError) as caught:
        run_ingestion(config, SYMBOLS, as_of=AS_OF)
    assert "cannot reach FMP at http://127.0.0.1:9" in str(caught.value)
    assert "FMP_BASE_URL" in str(caught.value)
    assert all_objects(s3, config_local.bronze_bucket) == {}


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


def test_a_weekend_day_is_recorded_as_empty_and_advances_the_watermark(
    fmp_clock: LocalFmpServer, make_config: Callable[..., Config], s3: Any
) -> None:
    config = make_config(fmp_clock.url, INGEST_OVERLAP_DAYS="0")
    friday, sunday = date(2026, 11, 27), date(2026, 11, 29)
    fmp_clock.as_of = friday
    assert run_ingestion(config, ["AAPL"], as_of=friday, datasets=["prices"]).ok
    fmp_clock.as_of = sunday
    report = run_ingestion(config, ["AAPL"], as_of=sunday, datasets=["prices"])
    assert report.ok and report.empty == 1 and report.records_written == 0
    (body,) = all_objects(s3, config.bronze_bucket, f"fmp/prices/{partition(sunday)}").values()
    assert json.loads(body)["records"] == []
    marks = watermarks(all_objects(s3, config.bronze_bucket, "_watermarks/"))
    assert marks[("prices", "AAPL")]["through"] == sunday.isoformat()
