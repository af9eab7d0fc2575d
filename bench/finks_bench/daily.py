"""bench/daily: 30 consecutive business days of the medallion pipeline on the local stack.

    ./pants run bench:daily -- [--symbols 100,500] [--days 30] [--first 2026-10-01]
                               [--backfill-days 30] [--modes incremental,full]

For each symbol count and mode (incremental dbt, and dbt --full-refresh every day for
comparison) it starts a fresh local stack, loads the initial history (the trading day
before the first day, each symbol backfilling `--backfill-days`), then runs one day
after the other with the as-of date injected and state kept, and prints per day: FMP
requests, bronze objects and bytes added, rows read by silver+gold, wall time per
stage. Then the day-N/day-1 ratios (goal <= 1.3 for rows read and transform wall time:
a daily run must not grow with history) and full/incremental on the last day. Every
day's gold data checks must pass: a failed day ends the bench with exit 1.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from finks_bench.local_runs import (
    DayFailed,
    DayStats,
    bench_stack,
    quiet_prefect,
    run_day,
    universe,
)

GOAL = 1.3
MODES = {"incremental": False, "full": True}


def business_days(first: date, count: int) -> list[date]:
    """`count` consecutive trading days starting on the first one on or after `first`."""
    from finks_config.calendar import is_trading_day, next_trading_day

    day = first if is_trading_day(first) else next_trading_day(first)
    days = [day]
    while len(days) < count:
        days.append(next_trading_day(days[-1]))
    return days


def _ratio(last: float | None, first: float | None) -> str:
    if last is None or first is None or first <= 0:
        return "n/a"
    return f"{last / first:.2f}x"


def _row(label: str, s: DayStats) -> str:
    rows = "n/a" if s.rows_read is None else f"{s.rows_read:,}"
    return (
        f"{label:>4} {s.as_of}  {s.requests:>7} {s.objects:>10} {s.bytes / 1024:>10.0f}"
        f" {rows:>11} {s.ingest_s:>8.2f} {s.silver_s:>8.2f} {s.gold_s:>7.2f}"
        f" {s.checks_s:>8.2f} {s.total_s:>7.2f}"
    )


HEADER = (
    "day  as-of       fmp-req bronze-obj  bronze-KB   rows-read ingest-s silver-s  gold-s"
    " checks-s  total-s"
)


def quiet(_line: str) -> None:
    """The stack's start-up lines are not the bench's table."""


def run_series(
    state: Path,
    symbols: Sequence[str],
    days: Sequence[date],
    backfill_days: int,
    full: bool,
    keep: bool = False,
) -> list[DayStats]:
    """The initial load, then one run per day; prints each row as it completes."""
    load_day = days[0] - timedelta(days=1)
    stats: list[DayStats] = []
    with bench_stack(state, as_of=load_day, backfill_days=backfill_days, say=quiet, keep=keep) as b:
        print(_row("load", run_day(b, load_day, symbols, full_refresh=full)), flush=True)
        for n, day in enumerate(days, start=1):
            stats.append(run_day(b, day, symbols, full_refresh=full))
            print(_row(str(n), stats[-1]), flush=True)
    return stats


def summarise(mode: str, stats: Sequence[DayStats]) -> tuple[str, list[str]]:
    """(verdict line, lines) for one series: day-N/day-1 ratios against the goal."""
    first, last = stats[0], stats[-1]
    rows = _ratio(last.rows_read, first.rows_read)
    wall = _ratio(last.transform_s, first.transform_s)
    within = [r == "n/a" or float(r[:-1]) <= GOAL for r in (rows, wall)]
    verdict = "within goal" if all(within) else "OVER goal"
    return verdict, [
        f"{mode}: day-{len(stats)}/day-1: rows read {rows}, transform wall time {wall}"
        f" (goal <= {GOAL}x: {verdict})"
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/daily", description=__doc__.split("\n\n")[0])
    parser.add_argument("--symbols", default="100,500", help="symbol counts, comma-separated")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--first", type=date.fromisoformat, default=date(2026, 10, 1))
    parser.add_argument("--backfill-days", type=int, default=30, help="history of a new symbol")
    parser.add_argument("--modes", default="incremental,full")
    parser.add_argument("--keep", type=Path, help="keep the state dirs under DIR")
    args = parser.parse_args(argv)
    try:
        sizes = [int(n) for n in args.symbols.split(",") if n.strip()]
        modes = [m.strip() for m in args.modes.split(",") if m.strip()]
        unknown = [m for m in modes if m not in MODES]
        if unknown or not sizes or args.days < 2:
            raise ValueError(f"--modes from {list(MODES)}, --symbols N,.., --days >= 2")
        symbol_sets = {n: universe(n) for n in sizes}
    except ValueError as error:
        print(f"bench/daily: error: {error}", file=sys.stderr)
        return 2
    quiet_prefect()
    days = business_days(args.first, args.days)
    root = args.keep or Path(tempfile.mkdtemp(prefix="finks-bench-daily-"))
    verdicts: list[str] = []
    started = time.monotonic()
    for n in sizes:
        last: dict[str, DayStats] = {}
        print(
            f"\nbench/daily: {n} symbols, {len(days)} business days {days[0]}..{days[-1]}"
            f" (initial load {days[0] - timedelta(days=1)}, backfill {args.backfill_days} days),"
            " local stack (moto, local FMP, Prefect, DuckDB)"
        )
        for mode in modes:
            what = "dbt --full-refresh every day" if MODES[mode] else "incremental models"
            print(f"\n{mode} ({what})")
            print(HEADER)
            try:
                stats = run_series(
                    root / f"{n}-{mode}",
                    symbol_sets[n],
                    days,
                    args.backfill_days,
                    MODES[mode],
                    keep=args.keep is not None,
                )
            except DayFailed as failure:
                print(
                    f"bench/daily: a day failed its run or data checks: {failure}", file=sys.stderr
                )
                return 1
            finally:
                if args.keep is None:
                    shutil.rmtree(root / f"{n}-{mode}", ignore_errors=True)
            verdict, lines = summarise(mode, stats)
            verdicts.append(f"{n} symbols {mode}: {verdict}")
            print("\n".join(lines))
            last[mode] = stats[-1]
        if {"incremental", "full"} <= set(last):
            inc, full = last["incremental"], last["full"]
            print(
                f"day {len(days)}, full rebuild / incremental: rows read"
                f" {_ratio(full.rows_read, inc.rows_read)}, transform wall time"
                f" {_ratio(full.transform_s, inc.transform_s)}"
            )
    print(
        f"\nbench/daily: every day's gold data checks passed; {'; '.join(verdicts)}"
        f" ({time.monotonic() - started:.0f}s in all)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
