"""bench/scale: a 10-year backfill of 500 symbols, end to end on the local stack.

    ./pants run bench:scale -- [--symbols 500] [--years 10] [--as-of 2026-11-24]

Prints, from one run:
- ingestion records/s against a bare boto3 put loop over the same bytes (goal >= 0.7);
- silver+gold wall time of the dbt build (DuckDB over the bronze objects in moto), and the
  rows its models read;
- dbt against the same SQL straight on DuckDB (the models' compiled SQL run in order in a
  fresh warehouse, same bronze, same httpfs settings; goal <= 1.5);
- peak RSS of the bench process and of its largest child (moto, the FMP server).
Servers are real, on loopback, each its own process (bench/ingest_throughput's stack).
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb

from finks_bench.ingest_throughput import (
    bench_stack,
    bronze_bodies,
    ceiling_seconds,
    ingest_lines,
    peak_rss_mib,
    timed_ingest,
    warm_fmp,
)
from finks_config import Config
from finks_dbt import run_build
from finks_dbt.profile_env import dbt_env
from finks_local.fmp import SYMBOLS

MODELS = (  # the project's DAG order
    ("staging", "stg_prices"),
    ("staging", "stg_company_profiles"),
    ("staging", "stg_income_statements"),
    ("marts", "dim_company"),
    ("marts", "fct_daily_prices"),
    ("marts", "fct_fundamentals"),
    ("marts", "mart_sector_performance"),
)
GOAL_INGEST, GOAL_DBT = 0.7, 1.5


def straight_duckdb_seconds(config: Config, compiled: Path, warehouse: Path) -> float:
    """The models' compiled SQL, run in order on a fresh DuckDB file with dbt's settings."""
    env = dbt_env(config)
    schema = config.analytics_database
    con = duckdb.connect(str(warehouse), config={"autoinstall_known_extensions": False})
    try:
        con.execute(f"set extension_directory = '{env['FINKS_DUCKDB_EXTENSION_DIR']}'")
        con.execute(f"load '{env['FINKS_DUCKDB_HTTPFS']}'")
        con.execute(
            "create secret (type s3, key_id ?, secret ?, region ?, endpoint ?, url_style ?, "
            "use_ssl ?)".replace("?", "'{}'").format(
                env["DBT_ENV_SECRET_AWS_ACCESS_KEY_ID"],
                env["DBT_ENV_SECRET_AWS_SECRET_ACCESS_KEY"],
                env["FINKS_AWS_REGION"],
                env["FINKS_S3_ENDPOINT"],
                env["FINKS_S3_URL_STYLE"],
                env["FINKS_S3_USE_SSL"],
            )
        )
        con.execute(f'create schema "{warehouse.stem}"."{schema}"')
        started = time.perf_counter()
        for folder, model in MODELS:
            sql = (compiled / folder / f"{model}.sql").read_text()
            con.execute(f'create table "{warehouse.stem}"."{schema}"."{model}" as ({sql})')
        return time.perf_counter() - started
    finally:
        con.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/scale", description=__doc__)
    parser.add_argument("--symbols", type=int, default=500)
    parser.add_argument("--years", type=float, default=10.0)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 24))
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--threads", type=int, default=4, help="dbt threads")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    symbols = list(SYMBOLS[: args.symbols])
    days = int(args.years * 365.25)
    print(f"bench/scale: {len(symbols)} symbols, {days} days of history to {args.as_of}")
    with bench_stack(args.as_of) as stack, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ingest = stack.config(
            "ingestion/config",
            FMP_CALLS_PER_MINUTE="0",
            INGEST_CONCURRENCY=str(args.concurrency),
            INGEST_BACKFILL_DAYS=str(days),
        )
        warm = warm_fmp(ingest, symbols, args.as_of)
        report, seconds = timed_ingest(ingest, symbols, args.as_of)
        s3 = stack.moto.raw_client("s3")
        bodies = bronze_bodies(s3, ingest.bronze_bucket, args.as_of.isoformat())
        ceiling = ceiling_seconds(s3, bodies)
        lines = ingest_lines(report, seconds, bodies, ceiling, warm)
        for line in lines:
            print(line, flush=True)

        config = stack.config(
            "dbt/config",
            DBT_WORK_DIR=str(work / "dbt"),
            DBT_DUCKDB_PATH=str(work / "dbt-run" / "warehouse.duckdb"),
            DBT_THREADS=str(args.threads),
        )
        built = run_build(config, exclude="resource_type:test resource_type:unit_test")
        if not built.ok:
            raise SystemExit(f"dbt build failed: {built.failures[:3]}")
        compiled = work / "dbt" / "target" / "compiled" / "finks" / "models"
        (work / "straight").mkdir()
        straight = straight_duckdb_seconds(config, compiled, work / "straight" / "warehouse.duckdb")
    ratio = built.elapsed / straight
    print(
        f"  silver+gold (dbt build of {built.models} models on DuckDB): {built.elapsed:7.2f}s, "
        f"models read {built.rows_read} rows"
    )
    print(f"  the same SQL straight on DuckDB:                  {straight:7.2f}s")
    print(f"  ratio dbt / straight: {ratio:.2f}  (goal <= {GOAL_DBT})")
    own, children = peak_rss_mib()
    print(f"  peak RSS: {own:.0f} MiB (bench process), {children:.0f} MiB (largest server)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
