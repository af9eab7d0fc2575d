"""bench/ingest_throughput: records/s ingestion lands in bronze, against its ceiling.

    ./pants run bench:ingest_throughput -- [--symbols 13] [--years 2] [--as-of 2026-11-24]
                                            [--concurrency 8]

The servers are real and on loopback, each in its own process (moto S3, the local FMP
server), so the measured process does only ingestion's work: HTTP, validation, encoding,
bronze puts. The ceiling is a bare boto3 ``put_object`` loop writing the same bytes to the
same S3 server; the ratio ingestion/ceiling (records/s) is printed from this one run.
The FMP server is warmed first: every request the run will make is asked once (timed and
printed, not counted), so the timed run does not pay for the fake's synthetic generation
on the cores it shares (real FMP answers from its own machines).
A second run of the same day shows the incremental no-op (watermarks: no FMP request).
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from finks_config import Config, load_config
from finks_config.layout import DATASETS
from finks_ingestion import IngestReport, run_ingestion
from finks_ingestion.client import ENDPOINTS
from finks_ingestion.planning import plan_job
from finks_ingestion.runner import load_settings
from finks_local.fmp import SYMBOLS, start_fmp_process
from finks_local.moto import FAKE_CREDENTIALS, MotoServer, start_moto
from finks_local.processes import ProcessRegistry

KEY = "bench-fmp-key"
CEILING_BUCKET = "bench-ceiling"


@dataclass(frozen=True)
class Stack:
    moto: MotoServer
    fmp_url: str
    workdir: Path

    def config(self, project: str, **overrides: str) -> Config:
        """A `local` config of ``project`` pointed at these servers."""
        base = {"AWS_ENDPOINT_URL": self.moto.url, "FMP_BASE_URL": self.fmp_url}
        return load_config(project, "local", {**base, **overrides})


@contextmanager
def bench_stack(as_of: date) -> Iterator[Stack]:
    """moto and the local FMP server (serving up to ``as_of``) as child processes."""
    os.environ.update(FAKE_CREDENTIALS)
    os.environ["FINKS_SECRET_FMP_API_KEY"] = KEY
    with tempfile.TemporaryDirectory(prefix="finks-bench-") as tmp:
        workdir = Path(tmp)
        registry = ProcessRegistry(workdir / "pids.json")
        try:
            moto = start_moto(registry, log_path=workdir / "moto.log")
            fmp = start_fmp_process(
                registry,
                as_of=as_of,
                api_key=KEY,
                log_path=workdir / "fmp.log",
                cache_responses=True,
            )
            yield Stack(moto, fmp.url, workdir)
        finally:
            registry.stop_all()


def warm_fmp(config: Config, symbols: list[str], as_of: date) -> tuple[int, float]:
    """Ask the FMP server every request a first run of ``symbols`` makes: (requests, s)."""
    settings = load_settings(config)
    started = time.perf_counter()
    count = 0
    with httpx.Client(base_url=settings.fmp_base_url, timeout=120) as http:
        for symbol in symbols:
            for dataset in DATASETS:
                job = plan_job(dataset, symbol, None, as_of=as_of, settings=settings)
                for request in job.requests if job else ():
                    params = {**request.param_dict, "apikey": KEY}
                    http.get(ENDPOINTS[dataset], params=params).raise_for_status()
                    count += 1
    return count, time.perf_counter() - started


def bronze_bodies(s3: Any, bucket: str, partition: str) -> list[tuple[str, bytes]]:
    """Every bronze object of one ingest_date partition: the bytes ingestion wrote."""
    bodies = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="fmp/"):
        for item in page.get("Contents", []):
            if f"ingest_date={partition}/" in item["Key"]:
                body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                bodies.append((item["Key"], body))
    return bodies


def ceiling_seconds(s3: Any, bodies: list[tuple[str, bytes]]) -> float:
    """A bare boto3 put loop over the same bytes, to the same S3 server."""
    s3.create_bucket(
        Bucket=CEILING_BUCKET,
        CreateBucketConfiguration={"LocationConstraint": FAKE_CREDENTIALS["AWS_DEFAULT_REGION"]},
    )
    started = time.perf_counter()
    for key, body in bodies:
        s3.put_object(Bucket=CEILING_BUCKET, Key=key, Body=body)
    return time.perf_counter() - started


def timed_ingest(config: Config, symbols: list[str], as_of: date) -> tuple[IngestReport, float]:
    started = time.perf_counter()
    report = run_ingestion(config, symbols, as_of=as_of)
    seconds = time.perf_counter() - started
    if not report.ok:
        raise SystemExit(f"ingestion failed: {report.failures[:3]}")
    return report, seconds


def peak_rss_mib() -> tuple[float, float]:
    """(this process, its finished children) peak resident set size, MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def ingest_lines(
    report: IngestReport,
    seconds: float,
    bodies: list[tuple[str, bytes]],
    ceiling: float,
    warm: tuple[int, float],
) -> list[str]:
    records = report.records_written
    rate, top = records / seconds, records / ceiling
    return [
        f"  objects {len(bodies)}, records {records}, bytes {sum(len(b) for _, b in bodies)}",
        f"  FMP server warm-up (generates the {warm[0]} responses; not counted): {warm[1]:.2f}s",
        f"  ingestion (FMP HTTP + validate + bronze put): {seconds:7.2f}s {rate:10.0f} records/s"
        f"  ({report.requests} requests)",
        f"  ceiling: bare boto3 put_object loop, same bytes: {ceiling:7.2f}s {top:10.0f} records/s",
        f"  ratio ingestion / ceiling: {rate / top:.2f}  (goal >= 0.7)",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/ingest_throughput", description=__doc__)
    parser.add_argument("--symbols", type=int, default=13)
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 24))
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    symbols = list(SYMBOLS[: args.symbols])
    days = int(args.years * 365.25)
    with bench_stack(args.as_of) as stack:
        config = stack.config(
            "ingestion/config",
            FMP_CALLS_PER_MINUTE="0",
            INGEST_CONCURRENCY=str(args.concurrency),
            INGEST_BACKFILL_DAYS=str(days),
        )
        # Warm-up (not timed): the first requests, imports, connection pools.
        run_ingestion(config, symbols[:1], as_of=args.as_of - timedelta(days=1))
        warm = warm_fmp(config, symbols, args.as_of)
        report, seconds = timed_ingest(config, symbols, args.as_of)
        again, rerun = timed_ingest(config, symbols, args.as_of)
        s3 = stack.moto.raw_client("s3")
        bodies = bronze_bodies(s3, config.bronze_bucket, args.as_of.isoformat())
        ceiling = ceiling_seconds(s3, bodies)
    print(
        f"bench/ingest_throughput: {len(symbols)} symbols, {days} days of history to "
        f"{args.as_of}, prices+profiles+income, concurrency {args.concurrency}"
    )
    for line in ingest_lines(report, seconds, bodies, ceiling, warm):
        print(line)
    print(
        f"  re-run of the same day (watermarks): {rerun:.2f}s, {again.requests} FMP requests, "
        f"{again.objects_written} objects written"
    )
    own, children = peak_rss_mib()
    print(f"  peak RSS: {own:.0f} MiB (bench process), {children:.0f} MiB (largest server)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
