"""One ingestion run: plan the FMP requests, fetch, validate, land in bronze.

Why this shape: each (dataset, symbol, params) request is an independent unit with a
deterministic bronze key, so units run concurrently, a failure of one never blocks the
others, and re-running the same command resumes an interrupted run without duplicating
or rewriting anything. Pipelines call `run_ingestion` in-process; the CLI wraps it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError  # pants: no-infer-dep

from finks_config import Config, ConfigError, Environment
from finks_config.aws import get_secret
from finks_ingestion.bronze import (
    QUARANTINE_PREFIX,
    SCHEMA_VERSION,
    SOURCE,
    BronzeWriter,
    bronze_key,
    quarantine_key,
)
from finks_ingestion.client import ENDPOINTS, FetchError, FmpClient
from finks_ingestion.local_fmp.server import LOCAL_FMP_API_KEY
from finks_ingestion.models import DATASETS, validate_records
from finks_ingestion.settings import PROJECT_CONFIG_DIR, IngestionSettings

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class FetchRequest:
    """One FMP request and where its result lands."""

    dataset: str
    symbol: str
    params: tuple[tuple[str, str], ...]

    @property
    def param_dict(self) -> dict[str, str]:
        return dict(self.params)

    def describe(self) -> str:
        extra = " ".join(f"{k}={v}" for k, v in self.params if k != "symbol")
        return f"{self.dataset} {self.symbol}" + (f" {extra}" if extra else "")


@dataclass
class IngestReport:
    """What a run did. `requests` counts logical API requests; `retries` the extra attempts."""

    requests: int = 0
    retries: int = 0
    records_written: int = 0
    quarantined: int = 0
    skipped_duplicates: int = 0
    empty: int = 0
    failures: list[str] = field(default_factory=list)
    objects_written: int = 0
    failed_requests: list[FetchRequest] = field(default_factory=list)
    elapsed_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary_lines(self) -> list[str]:
        return [
            f"requests:            {self.requests}",
            f"retries:             {self.retries}",
            f"records written:     {self.records_written}",
            f"quarantined:         {self.quarantined}",
            f"skipped (duplicate): {self.skipped_duplicates}",
            f"empty responses:     {self.empty}",
            f"objects written:     {self.objects_written}",
            f"failures:            {len(self.failures)}",
            f"elapsed:             {self.elapsed_seconds:.1f}s",
        ]


def load_settings(config: Config) -> IngestionSettings:
    """The project's keys, validated (ConfigError names the file and key)."""
    return config.section(IngestionSettings)


def fmp_api_key(config: Config) -> str:
    """The FMP key from the secret store; `local` falls back to the local server's key."""
    try:
        return get_secret(config, "fmp").get_secret_value()
    except (ConfigError, ClientError, BotoCoreError):
        if config.environment == Environment.LOCAL:
            return LOCAL_FMP_API_KEY
        raise


def plan_requests(
    symbols: Sequence[str],
    start: date,
    end: date,
    datasets: Sequence[str],
    settings: IngestionSettings,
) -> list[FetchRequest]:
    """Every request a run makes, in a stable order."""
    plan: list[FetchRequest] = []
    for symbol in symbols:
        for dataset in datasets:
            if dataset == "prices":
                plan.append(
                    FetchRequest(
                        dataset,
                        symbol,
                        (("symbol", symbol), ("from", start.isoformat()), ("to", end.isoformat())),
                    )
                )
            elif dataset == "profiles":
                plan.append(FetchRequest(dataset, symbol, (("symbol", symbol),)))
            elif dataset == "income":
                for period, limit in (
                    ("annual", settings.fmp_income_annual_limit),
                    ("quarter", settings.fmp_income_quarter_limit),
                ):
                    plan.append(
                        FetchRequest(
                            dataset,
                            symbol,
                            (("symbol", symbol), ("period", period), ("limit", str(limit))),
                        )
                    )
            else:
                raise ValueError(f"unknown dataset {dataset!r}; choose from {list(DATASETS)}")
    return plan


def validate_arguments(
    symbols: Sequence[str], start: date, end: date, datasets: Sequence[str] | None
) -> tuple[list[str], list[str]]:
    """Normalised (symbols, datasets), or ValueError naming the bad argument."""
    cleaned = [s.strip().upper() for s in symbols if s and s.strip()]
    if not cleaned:
        raise ValueError("symbols: the symbol list is empty; pass e.g. AAPL,MSFT")
    bad = [s for s in cleaned if not all(c.isalnum() or c in ".-^" for c in s)]
    if bad:
        raise ValueError(f"symbols: invalid symbol(s) {bad}")
    chosen = list(dict.fromkeys(datasets)) if datasets else list(DATASETS)
    unknown = [d for d in chosen if d not in DATASETS]
    if unknown:
        raise ValueError(f"datasets: unknown dataset(s) {unknown}; choose from {list(DATASETS)}")
    if start > end:
        raise ValueError(f"from ({start}) is after to ({end})")
    return list(dict.fromkeys(cleaned)), chosen


def run_ingestion(
    config: Config,
    symbols: list[str],
    start: date,
    end: date,
    datasets: list[str] | None = None,
    progress: Progress | None = None,
    *,
    ingest_date: date | None = None,
    resume: bool = False,
) -> IngestReport:
    """Fetch the requested FMP data and land it in the environment's bronze bucket.

    Failed requests are reported (`report.failures`), never raised; configuration and
    isolation problems (ConfigError, IsolationError) are raised before/while writing.
    `resume=True` skips requests whose bronze object already exists for `ingest_date`
    without calling FMP (saves API quota when finishing an interrupted run).
    """
    started = time.monotonic()
    symbols, chosen = validate_arguments(symbols, start, end, datasets)
    settings = load_settings(config)
    day = ingest_date or datetime.now(UTC).date()
    say: Progress = progress or (lambda _msg: None)
    writer = BronzeWriter(config)
    writer.ensure_bucket()
    plan = plan_requests(symbols, start, end, chosen, settings)
    existing: set[str] = set()
    for dataset in chosen:
        partition = f"{SOURCE}/{dataset}/ingest_date={day.isoformat()}/"
        existing |= writer.existing_keys(partition)
        existing |= writer.existing_keys(QUARANTINE_PREFIX + partition)
    report = IngestReport()
    lock = threading.Lock()
    done = [0]

    def note_retry(message: str) -> None:
        with lock:
            report.retries += 1
        say(f"  retry: {message}")

    with FmpClient(settings, fmp_api_key(config), on_retry=note_retry) as fmp:

        def one(req: FetchRequest) -> str:
            return _ingest_one(req, day, fmp, writer, report, lock, resume, existing)

        say(
            f"{len(plan)} requests for {len(symbols)} symbol(s), datasets {chosen}, "
            f"{start}..{end} -> {writer.uri(SOURCE + '/')}"
        )
        with ThreadPoolExecutor(
            max_workers=settings.ingest_concurrency, thread_name_prefix="ingest"
        ) as pool:
            futures = {pool.submit(one, req): req for req in plan}
            try:
                for future in as_completed(futures):
                    line = future.result()
                    with lock:
                        done[0] += 1
                        n = done[0]
                    say(f"[{n}/{len(plan)}] {line}")
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
    report.elapsed_seconds = time.monotonic() - started
    return report


def _ingest_one(
    req: FetchRequest,
    day: date,
    fmp: FmpClient,
    writer: BronzeWriter,
    report: IngestReport,
    lock: threading.Lock,
    resume: bool,
    existing: set[str],
) -> str:
    key = bronze_key(req.dataset, day, req.symbol, req.param_dict)
    with lock:
        report.requests += 1
    try:
        if resume and key in existing and writer.exists(key):
            with lock:
                report.skipped_duplicates += 1
            return f"{req.describe()}: already in bronze (resume), not fetched"
        response = fmp.get(ENDPOINTS[req.dataset], req.param_dict)
    except FetchError as exc:
        return _fail(req, str(exc), report, lock)
    except (ClientError, BotoCoreError) as exc:
        return _fail(req, f"cannot read {writer.uri(key)}: {fmp.scrub(str(exc))}", report, lock)

    checked = validate_records(req.dataset, response.payload, req.symbol)
    sha = hashlib.sha256(response.body).hexdigest()
    envelope: dict[str, Any] = {
        "source": SOURCE,
        "dataset": req.dataset,
        "symbol": req.symbol,
        "url": fmp.scrub(response.url),
        "params": req.param_dict,
        "fetched_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "content_sha256": sha,
        "schema_version": SCHEMA_VERSION,
        "record_count": len(checked.valid),
        "rejected_count": len(checked.rejected),
        "ingest_date": day.isoformat(),
    }
    try:
        # Quarantine first: the bronze object is the "done" marker of a request.
        if checked.rejected:
            qkey = quarantine_key(req.dataset, day, req.symbol, req.param_dict)
            writer.write(
                qkey,
                {"envelope": envelope, "rejected": [r.as_json() for r in checked.rejected]},
                sha,
                may_exist=qkey in existing,
            )
        document = {"envelope": envelope, "records": checked.valid}
        result = writer.write(key, document, sha, may_exist=key in existing)
    except (ClientError, BotoCoreError) as exc:
        return _fail(req, f"cannot write {writer.uri(key)}: {fmp.scrub(str(exc))}", report, lock)

    with lock:
        if not response.payload:
            report.empty += 1
        if result.outcome == "written":
            report.objects_written += 1
            report.records_written += len(checked.valid)
            report.quarantined += len(checked.rejected)
        else:
            report.skipped_duplicates += 1
    if result.outcome == "unchanged":
        return f"{req.describe()}: unchanged in bronze (same content), skipped"
    parts = [f"{len(checked.valid)} records"]
    if checked.rejected:
        parts.append(f"{len(checked.rejected)} quarantined")
    if not response.payload:
        parts = ["empty response"]
    return f"{req.describe()}: {', '.join(parts)}"


def _fail(req: FetchRequest, message: str, report: IngestReport, lock: threading.Lock) -> str:
    log.error("%s: %s", req.describe(), message)
    with lock:
        report.failures.append(f"{req.describe()}: {message}")
        report.failed_requests.append(req)
    return f"{req.describe()}: FAILED: {message}"


__all__ = [
    "PROJECT_CONFIG_DIR",
    "FetchRequest",
    "IngestReport",
    "load_settings",
    "plan_requests",
    "run_ingestion",
    "validate_arguments",
]
