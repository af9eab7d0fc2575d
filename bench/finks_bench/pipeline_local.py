"""bench/pipeline_local: one local medallion run timed by stage; dbt's gold against plain DuckDB.

    ./pants run bench:pipeline_local -- [--symbols 12] [--as-of 2026-11-27] [--backfill-days 365]

A fresh state dir (so the run includes a full initial load): ingest (FMP -> bronze on
moto), silver (dbt build tag:silver), gold (dbt build tag:gold), the gold data checks;
rows/s per stage; then the SQL dbt compiled for the marts, run straight on DuckDB over
a copy of the same warehouse (no dbt, no tests, no Prefect), and the gold stage's ratio
to it. All numbers come from this run.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from finks_bench.local_runs import DayFailed, bench_stack, quiet_prefect, run_day, universe

SILVER = ("stg_prices", "stg_company_profiles", "stg_income_statements")
GOLD = ("dim_company", "fct_daily_prices", "fct_fundamentals", "mart_sector_performance")


def _counts(warehouse: Path, schema: str, tables: Sequence[str]) -> dict[str, int]:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            t: con.execute(f"select count(*) from {schema}.{t}").fetchall()[0][0] for t in tables
        }


def direct_gold_seconds(warehouse: Path, compiled: Path, scratch: Path) -> float:
    """The compiled mart SQL straight on DuckDB (a copy of the warehouse): seconds."""
    import duckdb

    copy = scratch / "bench-copy.duckdb"
    shutil.copyfile(warehouse, copy)
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"attach '{copy}' as warehouse")
        con.execute("create schema if not exists warehouse.bench_gold")
        started = time.monotonic()
        for model in GOLD:
            sql = (compiled / f"{model}.sql").read_text()
            con.execute(f"create or replace table warehouse.bench_gold.{model} as {sql}")
        return time.monotonic() - started
    finally:
        con.close()
        copy.unlink(missing_ok=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/pipeline_local", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--symbols", type=int, default=12, help="first N symbols of the universe")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 27))
    parser.add_argument("--backfill-days", type=int, default=365)
    parser.add_argument("--keep", type=Path, help="keep the state dir at DIR")
    args = parser.parse_args(argv)
    try:
        symbols = universe(args.symbols)
    except ValueError as error:
        print(f"bench/pipeline_local: error: {error}", file=sys.stderr)
        return 2
    quiet_prefect()
    state = args.keep or Path(tempfile.mkdtemp(prefix="finks-bench-local-"))
    if args.keep and state.exists():
        shutil.rmtree(state)
    started = time.monotonic()
    try:
        with bench_stack(
            state, as_of=args.as_of, backfill_days=args.backfill_days, say=lambda _m: None
        ) as b:
            stats = run_day(b, args.as_of, symbols)
            config = b.stack.config()
            warehouse = b.stack.paths.warehouse
    except DayFailed as failure:
        print(f"bench/pipeline_local: the run failed: {failure}", file=sys.stderr)
        return 1
    whole = time.monotonic() - started
    schema = config.analytics_database
    silver_rows = sum(_counts(warehouse, schema, SILVER).values())
    gold_rows = sum(_counts(warehouse, schema, GOLD).values())
    compiled = state / "dbt" / "target" / "compiled" / "finks" / "models" / "marts"
    direct = direct_gold_seconds(warehouse, compiled, state)

    rate = {
        "ingest": stats.objects / stats.ingest_s,
        "silver": silver_rows / stats.silver_s,
        "gold": gold_rows / stats.gold_s,
    }
    print(
        f"bench/pipeline_local: {len(symbols)} symbols as of {args.as_of},"
        f" backfill {args.backfill_days} days, state {state}"
    )
    print(f"{'stage':<8} {'wall s':>8} {'rows':>9} {'rows/s':>10}  what")
    print(
        f"{'ingest':<8} {stats.ingest_s:>8.2f} {stats.objects:>9} {rate['ingest']:>10.1f}"
        f"  {stats.requests} FMP requests -> bronze objects on moto ({stats.bytes / 1024:.0f} KB)"
    )
    print(
        f"{'silver':<8} {stats.silver_s:>8.2f} {silver_rows:>9} {rate['silver']:>10.0f}"
        "  dbt build tag:silver"
    )
    print(
        f"{'gold':<8} {stats.gold_s:>8.2f} {gold_rows:>9} {rate['gold']:>10.0f}"
        "  dbt build tag:gold"
    )
    print(f"{'checks':<8} {stats.checks_s:>8.2f} {'':>9} {'':>10}  gold data checks (all passed)")
    print(f"medallion flow run: {stats.total_s:.2f}s; with stack start/stop: {whole:.2f}s")
    print(f"gold SQL directly on DuckDB: {direct:.3f}s for {gold_rows} rows")
    print(
        f"gold stage / direct DuckDB: {stats.gold_s / direct:.1f}x (dbt start-up, parse, tests and"
        " Prefect task overhead on the same SQL)"
    )
    if not args.keep:
        shutil.rmtree(state, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
