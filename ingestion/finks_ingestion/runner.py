"""One ingestion run: per symbol, fetch what bronze lacks of each dataset up to the as-of date.

Why this shape: each symbol is an independent job whose windows come from its watermarks
(planning.py, one object per symbol), whose objects have deterministic keys, and whose
watermarks move only after their bronze objects landed. So jobs run concurrently, a
failure of one (or of one of its datasets) never blocks the others, and re-running a day
fetches nothing that already landed (an interrupted run resumes where it stopped).
Watermarks are read (and jobs planned) first, all at once; then the first job that calls
FMP runs alone: if FMP is unreachable or rejects the key, the run stops as a setup error
before anything is written. Pipelines call `run_ingestion` in-process; the CLI wraps it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError  # pants: no-infer-dep

from finks_config import Config, ConfigError
from finks_config.aws import get_secret
from finks_config.layout import (
    PARTITION_KEY,
    QUARANTINE_PREFIX,
    SOURCE,
    bronze_key,
    bronze_prefix,
    quarantine_key,
)
from finks_config.progress import NO_PROGRESS, Progress
from finks_ingestion.bronze import (
    SCHEMA_VERSION,
    BronzeWriter,
    encode_with_raw_records,
    object_name,
)
from finks_ingestion.client import ENDPOINTS, FetchError, FmpClient, FmpResponse, Limiter
from finks_ingestion.models import validate_records
from finks_ingestion.planning import FetchRequest, Job, plan_job, validate_arguments
from finks_ingestion.settings import PROJECT_CONFIG_DIR, IngestionSettings
from finks_ingestion.watermarks import Watermark, WatermarkStore

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    """What a run did. `requests` counts logical FMP requests; `retries` the extra attempts.

    `objects_written`/`bytes_written` count only objects put in this run (new or changed
    content); `up_to_date` counts (dataset, symbol) pairs the watermark said were complete.
    """

    requests: int = 0
    retries: int = 0
    records_written: int = 0
    quarantined: int = 0
    up_to_date: int = 0
    skipped_duplicates: int = 0
    empty: int = 0
    objects_written: int = 0
    bytes_written: int = 0
    failures: list[str] = field(default_factory=list)
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
            f"up to date:          {self.up_to_date}",
            f"unchanged:           {self.skipped_duplicates}",
            f"empty responses:     {self.empty}",
            f"objects written:     {self.objects_written} ({self.bytes_written} bytes)",
            f"failures:            {len(self.failures)}",
            f"elapsed:             {self.elapsed_seconds:.1f}s",
        ]


def load_settings(config: Config) -> IngestionSettings:
    """The project's keys, validated (ConfigError names the file and key)."""
    return config.section(IngestionSettings)


def fmp_api_key(config: Config) -> str:
    """The FMP key: ``/{env}/fmp/api_key`` or its stand-in FINKS_SECRET_FMP_API_KEY."""
    return get_secret(config, "fmp").get_secret_value()


def fmp_setup_error(config: Config, exc: FetchError) -> ConfigError:
    """A failure of the first FMP request that no retry of this run can fix, as exit 2."""
    if exc.kind == "auth":
        return ConfigError(
            "FMP rejected the API key (HTTP 401/403)",
            key="FINKS_SECRET_FMP_API_KEY",
            fix=f"check the secret {config.secret_path('fmp')} (locally: its stand-in)",
        )
    settings = load_settings(config)
    return ConfigError(
        f"cannot reach FMP at {settings.fmp_base_url} after {exc.attempts} attempts",
        key="FMP_BASE_URL",
        file=config.source_of("FMP_BASE_URL"),
        fix="check FMP_BASE_URL and the network (locally: is the local FMP server running?)",
    )


@dataclass
class _Run:
    """Shared state of one run's jobs (the report is updated under the lock)."""

    config: Config
    settings: IngestionSettings
    as_of: date
    backfill_from: date | None
    full_refresh: bool
    fmp: FmpClient
    writer: BronzeWriter
    datasets: list[str]
    marks: WatermarkStore
    existing: set[str]
    report: IngestReport
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, **deltas: int) -> None:
        with self.lock:
            for name, delta in deltas.items():
                setattr(self.report, name, getattr(self.report, name) + delta)


def run_ingestion(
    config: Config,
    symbols: Sequence[str],
    *,
    as_of: date,
    datasets: Sequence[str] | None = None,
    limiter: Limiter | None = None,
    backfill_from: date | None = None,
    full_refresh: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Land in bronze what it lacks of ``symbols`` x ``datasets`` up to ``as_of``.

    Objects land in the ``ingest_date=as_of`` partition. Failed requests are reported
    (``report.failures``), never raised; bad arguments raise ValueError; configuration,
    isolation and FMP setup problems (key rejected, FMP unreachable) raise ConfigError
    before anything is written; S3 setup problems surface as botocore errors from the
    listing that precedes every fetch.
    """
    started = time.monotonic()
    chosen_symbols, chosen = validate_arguments(
        symbols, datasets, as_of=as_of, backfill_from=backfill_from
    )
    settings = load_settings(config)
    bar = progress or NO_PROGRESS
    writer = BronzeWriter(config, connections=settings.ingest_concurrency + 2)
    writer.ensure_bucket()
    marks = WatermarkStore(writer)
    marks.scan()
    existing: set[str] = set()
    for dataset in chosen:
        partition = f"{bronze_prefix(dataset)}{PARTITION_KEY}={as_of.isoformat()}/"
        existing |= writer.existing_keys(partition)
        existing |= writer.existing_keys(QUARANTINE_PREFIX + partition)
    report = IngestReport()
    bar.update(total=len(chosen_symbols) * len(chosen))  # one step per (dataset, symbol)

    def note_retry(message: str) -> None:
        with run.lock:
            report.retries += 1
        bar.log(f"retry: {message}")

    with FmpClient(settings, fmp_api_key(config), on_retry=note_retry, limiter=limiter) as fmp:
        run = _Run(
            config=config,
            settings=settings,
            as_of=as_of,
            backfill_from=backfill_from,
            full_refresh=full_refresh,
            fmp=fmp,
            writer=writer,
            datasets=chosen,
            marks=marks,
            existing=existing,
            report=report,
        )
        with ThreadPoolExecutor(
            max_workers=settings.ingest_concurrency, thread_name_prefix="ingest"
        ) as pool:
            planned = list(pool.map(lambda symbol: _plan_symbol(run, symbol), chosen_symbols))
            jobs = []
            for notes, job in planned:  # notes: pairs up to date or whose watermark failed
                for note in notes:
                    bar.advance(note=note)
                if job is not None:
                    jobs.append(job)
            if jobs:  # the first fetch runs alone: see the module docstring
                for note in _ingest_symbol(run, jobs[0], probe=True):
                    bar.advance(note=note)
            futures = [pool.submit(_ingest_symbol, run, job) for job in jobs[1:]]
            try:
                for future in as_completed(futures):
                    for note in future.result():
                        bar.advance(note=note)
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
    report.elapsed_seconds = time.monotonic() - started
    return report


@dataclass(frozen=True)
class _SymbolJob:
    """One symbol's jobs (one per dataset that needs a fetch) and the watermarks it read."""

    symbol: str
    marks: dict[str, Watermark]  # every dataset's, carried into the symbol's next write
    jobs: tuple[Job, ...]


def _plan_symbol(run: _Run, symbol: str) -> tuple[list[str], _SymbolJob | None]:
    """(a line per pair that needs nothing, the symbol's job or None when all are done)."""
    try:
        marks = run.marks.get(symbol)
    except (ClientError, BotoCoreError) as exc:
        reason = f"cannot read its watermark: {exc}"
        return [_fail(run, FetchRequest(d, symbol, ()), reason) for d in run.datasets], None
    notes: list[str] = []
    jobs: list[Job] = []
    for dataset in run.datasets:
        job = plan_job(
            dataset,
            symbol,
            marks.get(dataset),  # plan_job ignores it under full_refresh
            as_of=run.as_of,
            settings=run.settings,
            backfill_from=run.backfill_from,
            full_refresh=run.full_refresh,
        )
        if job is None:
            run.count(up_to_date=1)
            notes.append(f"{dataset} {symbol}: up to date (bronze holds it through {run.as_of})")
        else:
            jobs.append(job)
    return notes, (_SymbolJob(symbol, marks, tuple(jobs)) if jobs else None)


def _ingest_symbol(run: _Run, job: _SymbolJob, *, probe: bool = False) -> list[str]:
    """Land each dataset's requests, then write the symbol's watermarks once.

    A dataset whose request failed keeps its old watermark (the next run fetches it
    again); the others still move. A failed watermark write only costs a re-fetch.
    ``probe``: the run's first request is this job's first (a setup failure raises).
    """
    marks = dict(job.marks)
    notes: list[str] = []
    for part in job.jobs:
        lines: list[str] = []
        last_key = ""
        try:
            for request in part.requests:
                last_key, line = _ingest_request(run, request, probe=probe)
                probe = False
                lines.append(line)
        except _RequestFailed as failed:
            notes.append(_fail(run, failed.request, str(failed)))
            continue
        marks[part.dataset] = _advanced(run, part, marks.get(part.dataset), last_key)
        notes.append("; ".join(lines))
    if marks != job.marks:
        try:
            run.marks.put(job.symbol, marks)
        except (ClientError, BotoCoreError) as exc:
            log.warning("%s: watermarks not written (%s)", job.symbol, exc)
    return notes


def _advanced(run: _Run, job: Job, mark: Watermark | None, key: str) -> Watermark:
    """The watermark saying bronze now holds ``job`` (a full refresh starts it afresh)."""
    if mark is None or run.full_refresh:
        return Watermark(job.dataset, job.symbol, job.first, run.as_of, run.as_of, key)
    return mark.advanced(first=job.first, through=run.as_of, ingest_date=run.as_of, key=key)


class _RequestFailed(Exception):
    """One request could not be completed (message scrubbed); its dataset stops there."""

    def __init__(self, request: FetchRequest, message: str) -> None:
        super().__init__(message)
        self.request = request


def _ingest_request(run: _Run, req: FetchRequest, *, probe: bool) -> tuple[str, str]:
    """Fetch, validate and land one request: (bronze key, progress line)."""
    name = object_name(req.param_dict)
    key = bronze_key(req.dataset, run.as_of, req.symbol, name)
    run.count(requests=1)
    try:
        response = run.fmp.get(ENDPOINTS[req.dataset], req.param_dict)
    except FetchError as exc:
        if probe and exc.kind in ("auth", "unreachable"):
            raise fmp_setup_error(run.config, exc) from None
        raise _RequestFailed(req, str(exc)) from None
    checked = validate_records(req.dataset, response.payload, req.symbol)
    sha = hashlib.sha256(response.body).hexdigest()
    envelope = _envelope(run, req, response, sha, len(checked.valid), len(checked.rejected))
    try:
        # Quarantine first: the bronze object (then the watermark) marks a completed request.
        if checked.rejected:
            qkey = quarantine_key(req.dataset, run.as_of, req.symbol, name)
            doc = {"envelope": envelope, "rejected": [r.as_json() for r in checked.rejected]}
            quarantined = run.writer.write(qkey, doc, sha, may_exist=qkey in run.existing)
            if quarantined.outcome == "written":
                run.count(objects_written=1, bytes_written=quarantined.size)
        if len(checked.valid) == len(response.payload):  # all valid: records = the body
            document: dict[str, Any] | bytes = encode_with_raw_records(envelope, response.body)
        else:
            document = {"envelope": envelope, "records": checked.valid}
        result = run.writer.write(key, document, sha, may_exist=key in run.existing)
    except (ClientError, BotoCoreError) as exc:
        detail = run.fmp.scrub(str(exc))
        raise _RequestFailed(req, f"cannot write {run.writer.uri(key)}: {detail}") from None
    if not response.payload:
        run.count(empty=1)
    if result.outcome == "unchanged":
        run.count(skipped_duplicates=1)
        return key, f"{req.describe()}: unchanged in bronze (same content)"
    run.count(
        objects_written=1,
        bytes_written=result.size,
        records_written=len(checked.valid),
        quarantined=len(checked.rejected),
    )
    if not response.payload:
        return key, f"{req.describe()}: empty response"
    extra = f", {len(checked.rejected)} quarantined" if checked.rejected else ""
    return key, f"{req.describe()}: {len(checked.valid)} records{extra}"


def _envelope(
    run: _Run, req: FetchRequest, response: FmpResponse, sha: str, valid: int, rejected: int
) -> dict[str, Any]:
    return {
        "source": SOURCE,
        "dataset": req.dataset,
        "symbol": req.symbol,
        "url": run.fmp.scrub(response.url),
        "params": req.param_dict,
        # Provenance only; which copy of a record wins is decided by ingest_date first.
        "fetched_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "content_sha256": sha,
        "schema_version": SCHEMA_VERSION,
        "record_count": valid,
        "rejected_count": rejected,
        "ingest_date": run.as_of.isoformat(),
    }


def _fail(run: _Run, req: FetchRequest, message: str) -> str:
    log.warning("%s: %s", req.describe(), message)
    with run.lock:
        run.report.failures.append(f"{req.describe()}: {message}")
        run.report.failed_requests.append(req)
    return f"{req.describe()}: FAILED: {message}"


__all__ = [
    "PROJECT_CONFIG_DIR",
    "FetchRequest",
    "IngestReport",
    "load_settings",
    "run_ingestion",
    "validate_arguments",
]
