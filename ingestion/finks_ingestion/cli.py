"""`./pants run ingestion:ingest -- --env ENV --symbols A,B [--as-of D] [--datasets ...]`.

Exit codes (finks_config.cli): 0 everything landed; 1 some request could not be fetched or
written after retries (each failure is printed, then the command that re-runs exactly
those); 2 bad arguments or setup (credentials, permissions, endpoints, FMP unreachable or
key rejected: one line, nothing written); 130 interrupted (the same command resumes).
"""

from __future__ import annotations

import argparse
import logging
import shlex
from collections.abc import Sequence
from datetime import UTC, date, datetime

from finks_config import configure_logging
from finks_config.cli import (
    ArgumentParser,
    Invocation,
    UsageError,
    add_as_of_argument,
    add_env_argument,
    doing,
    parse_date,
    run_cli,
)
from finks_config.layout import DATASETS
from finks_config.progress import progress
from finks_ingestion.planning import validate_arguments
from finks_ingestion.runner import IngestReport, run_ingestion
from finks_ingestion.settings import PROJECT_CONFIG_DIR

QUIET_LOGGERS = ("botocore", "boto3", "urllib3")


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="ingest",
        description="Fetch what bronze lacks of FMP prices, profiles and income, up to --as-of.",
    )
    add_env_argument(parser)
    parser.add_argument("--symbols", required=True, help="comma-separated, e.g. AAPL,MSFT")
    add_as_of_argument(parser)
    parser.add_argument(
        "--to", dest="as_of", type=parse_date, help=argparse.SUPPRESS
    )  # the DESIGN's `--from D --to D` spelling
    parser.add_argument(
        "--backfill",
        "--from",
        dest="backfill",
        type=parse_date,
        default=None,
        metavar="FROM",
        help="also re-fetch prices from FROM (and the full income history), whatever bronze holds",
    )
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="ignore the watermarks: fetch the whole history again",
    )
    parser.add_argument(
        "--datasets",
        default=",".join(DATASETS),
        help=f"comma-separated subset of {','.join(DATASETS)} (default: all)",
    )
    return parser


def rerun_command(env: str, report: IngestReport, args: argparse.Namespace, as_of: date) -> str:
    """The command that retries exactly what failed (same as-of date, so same partition)."""
    symbols = sorted({r.symbol for r in report.failed_requests})
    datasets = [d for d in DATASETS if any(r.dataset == d for r in report.failed_requests)]
    argv = ["./pants", "run", "ingestion:ingest", "--", "--env", env]
    argv += ["--symbols", ",".join(symbols), "--datasets", ",".join(datasets)]
    argv += ["--as-of", as_of.isoformat()]
    if args.backfill:
        argv += ["--backfill", args.backfill.isoformat()]
    if args.full_refresh:
        argv.append("--full-refresh")
    return shlex.join(argv)


def _run(cli: Invocation) -> int:
    args = cli.args
    as_of: date = args.as_of or datetime.now(UTC).date()  # the one wall-clock read
    try:
        symbols, datasets = validate_arguments(
            args.symbols.split(","),
            [d.strip() for d in args.datasets.split(",") if d.strip()],
            as_of=as_of,
            backfill_from=args.backfill,
        )
    except ValueError as exc:
        flag, _, problem = str(exc).partition(": ")
        raise UsageError(problem, key=f"--{flag}") from None
    config = cli.config(PROJECT_CONFIG_DIR)
    configure_logging(config)
    # Progress lines already say what these would log (requests, retries, failures), and
    # a setup error must stay the one line on stderr.
    for name in (*QUIET_LOGGERS, "finks_ingestion"):
        logging.getLogger(name).setLevel(logging.WARNING)

    def say(message: str) -> None:
        cli.echo(f"{config.indicator} {message}")

    say(f"as of {as_of}: {len(symbols)} symbol(s) x {datasets} -> s3://{config.bronze_bucket}/")
    with (
        doing(f"ingesting FMP into s3://{config.bronze_bucket}/"),
        progress("ingest fmp", unit="pairs", emit=say) as bar,
    ):
        report = run_ingestion(
            config,
            symbols,
            as_of=as_of,
            datasets=datasets,
            backfill_from=args.backfill,
            full_refresh=args.full_refresh,
            progress=bar,
        )
    say("report:")
    for line in report.summary_lines():
        say(f"  {line}")
    if report.ok:
        say("done: bronze holds every requested (dataset, symbol) through the as-of date.")
        return 0
    for failure in report.failures:
        print(f"{config.indicator} ingest: failed: {failure}", file=cli.err)
    print(
        f"{config.indicator} ingest: {len(report.failures)} request(s) failed after retries; "
        f"re-run them with: {rerun_command(config.environment.value, report, args, as_of)}",
        file=cli.err,
        flush=True,
    )
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli(
        "ingest",
        _run,
        argv,
        parser=build_parser(),
        banner="ingest: FMP -> bronze",
        interrupted_hint="run the same command again: it resumes where it stopped",
    )


if __name__ == "__main__":
    raise SystemExit(main())
