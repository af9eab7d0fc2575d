"""Which FMP requests one (dataset, symbol) needs on an as-of date, given its watermark.

Pure (no I/O, no clock), so every rule is a unit test: a new symbol backfills its history
once; a known one fetches from just after its watermark minus the overlap (late
corrections); one already holding the as-of date fetches nothing; ``--backfill FROM``
reaches back to FROM whatever the watermark says; ``--full-refresh`` ignores it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from finks_config.layout import DATASETS
from finks_ingestion.settings import IngestionSettings
from finks_ingestion.watermarks import Watermark


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


@dataclass(frozen=True)
class Job:
    """The requests of one (dataset, symbol) on one as-of date; ``first`` = earliest date asked."""

    dataset: str
    symbol: str
    requests: tuple[FetchRequest, ...]
    first: date


def plan_job(
    dataset: str,
    symbol: str,
    mark: Watermark | None,
    *,
    as_of: date,
    settings: IngestionSettings,
    backfill_from: date | None = None,
    full_refresh: bool = False,
) -> Job | None:
    """The job for ``(dataset, symbol)``, or None when bronze already holds ``as_of``."""
    fresh = full_refresh or mark is None
    if mark is not None and not fresh and backfill_from is None and mark.through >= as_of:
        return None
    history = backfill_from or as_of - timedelta(days=settings.ingest_backfill_days)
    if dataset == "prices":
        if mark is None or fresh:
            start = history
        else:
            start = mark.through + timedelta(days=1 - settings.ingest_overlap_days)
            start = min(start, as_of, backfill_from or start)
        params = (("symbol", symbol), ("from", start.isoformat()), ("to", as_of.isoformat()))
        return Job(dataset, symbol, (FetchRequest(dataset, symbol, params),), start)
    if dataset == "profiles":
        request = FetchRequest(dataset, symbol, (("symbol", symbol),))
        return Job(dataset, symbol, (request,), as_of)
    if dataset == "income":
        refresh = settings.fmp_income_refresh_limit
        backfill = fresh or backfill_from is not None
        limits = (
            ("annual", settings.fmp_income_annual_limit if backfill else refresh),
            ("quarter", settings.fmp_income_quarter_limit if backfill else refresh),
        )
        requests = tuple(
            FetchRequest(
                dataset, symbol, (("symbol", symbol), ("period", period), ("limit", str(limit)))
            )
            for period, limit in limits
        )
        return Job(dataset, symbol, requests, as_of)
    raise ValueError(f"unknown dataset {dataset!r}; choose from {list(DATASETS)}")


def validate_arguments(
    symbols: Sequence[str],
    datasets: Sequence[str] | None,
    *,
    as_of: date,
    backfill_from: date | None = None,
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
    if backfill_from is not None and backfill_from > as_of:
        raise ValueError(f"backfill: {backfill_from} is after the as-of date {as_of}")
    return list(dict.fromkeys(cleaned)), chosen
