"""Medallion runs on the local stack, measured per stage (bench/daily, bench/pipeline_local).

Why in-process flow runs on one stack: the benches measure the pipeline's own cost
day after day (ingest, silver, gold, checks), not the stack's start-up; the runs are
real Prefect flow runs on the stack's Prefect API, with the env's FMP rate limit
applied as the deploy applies it, against the stack's moto and FMP server.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

Say = Callable[[str], None]


@dataclass(frozen=True)
class DayStats:
    """One medallion run's numbers."""

    as_of: date
    requests: int
    objects: int
    bytes: int
    rows_read: int | None
    ingest_s: float
    silver_s: float
    gold_s: float
    checks_s: float
    total_s: float

    @property
    def transform_s(self) -> float:
        return self.silver_s + self.gold_s


class DayFailed(RuntimeError):
    """A day's run did not complete (a stage or a data check failed)."""


@dataclass
class BenchStack:
    """A running local stack, its overrides, and the symbols the runs ingest."""

    stack: Any  # finks_pipelines.local_stack.LocalStack
    overrides: dict[str, str]


def quiet_prefect() -> None:
    """Keep Prefect's per-task console lines out of the bench's table (before importing it)."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # Connection-pool reuse notes from the HTTP clients under many threads: not results.
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)


@contextlib.contextmanager
def bench_stack(
    state: Path, *, as_of: date, backfill_days: int, say: Say, keep: bool = False
) -> Iterator[BenchStack]:
    """A fresh local stack under `state`, the env's rate limit applied, our client on it.

    Bronze is saved to the state dir's mirror at exit only when `keep`: a daily local run
    saves one day's objects, a bench's teardown would save its whole history.
    """
    from prefect import get_client

    from finks_local.prefect import using_prefect_api
    from finks_pipelines.limits import apply_rate_limit, fmp_rate_limit
    from finks_pipelines.local_stack import local_paths, running_local_stack

    paths = local_paths(state)
    with running_local_stack(paths, say, as_of=as_of, command="bench", persist=keep) as stack:
        overrides = {**stack.overrides, "INGEST_BACKFILL_DAYS": str(backfill_days)}
        with using_prefect_api(stack.prefect_url, paths.root / "prefect-client"):
            with get_client(sync_client=True) as client:
                apply_rate_limit(client, fmp_rate_limit(stack.config()))
            yield BenchStack(stack=stack, overrides=overrides)


def run_day(
    bench: BenchStack, day: date, symbols: Sequence[str], *, full_refresh: bool = False
) -> DayStats:
    """One medallion run for `day` (the FMP server's clock moved to it); DayFailed if not ok."""
    from finks_pipelines.flows import medallion

    bench.stack.fmp.as_of = day
    started = time.monotonic()
    with contextlib.redirect_stdout(io.StringIO()):  # the per-run notification line
        state: Any = medallion(
            env="local",
            as_of=day.isoformat(),
            symbols=list(symbols),
            overrides=bench.overrides,
            full_refresh=full_refresh,
            return_state=True,
        )
    total = time.monotonic() - started
    if not state.is_completed():
        raise DayFailed(f"{day}: {state.message}")
    out: dict[str, Any] = state.result()
    ingest, silver, gold, checks = out["ingest"], out["silver"], out["gold"], out["quality"]
    reads = [silver.get("rows_read"), gold.get("rows_read")]
    return DayStats(
        as_of=day,
        requests=int(ingest["requests"]),
        objects=int(ingest["objects_written"]),
        bytes=int(ingest["bytes_written"]),
        rows_read=None if None in reads else sum(int(r) for r in reads),
        ingest_s=float(ingest["elapsed"]),
        silver_s=float(silver["elapsed"]),
        gold_s=float(gold["elapsed"]),
        checks_s=float(checks.get("elapsed", 0.0)),
        total_s=total,
    )


def universe(n: int) -> list[str]:
    """The first `n` symbols of the local FMP server's universe (named companies first)."""
    from finks_local.fmp import SYMBOLS

    if n > len(SYMBOLS):
        raise ValueError(f"the local FMP universe has {len(SYMBOLS)} symbols, asked for {n}")
    return list(SYMBOLS[:n])
