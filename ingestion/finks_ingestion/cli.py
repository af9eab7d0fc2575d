"""`./pants run ingestion:ingest -- --env ENV --symbols A,B --from D --to D [--datasets ...]`.

Exit codes: 0 everything landed; 1 some request could not be fetched/written after retries
(the message says what to re-run); 2 bad arguments or configuration (nothing fetched).
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
from collections.abc import Sequence
from datetime import date

from botocore import exceptions as aws_errors  # pants: no-infer-dep

from finks_config import (
    Config,
    ConfigError,
    Environment,
    configure_logging,
    current_environment,
    load_config,
)
from finks_ingestion.models import DATASETS
from finks_ingestion.runner import IngestReport, run_ingestion, validate_arguments
from finks_ingestion.settings import PROJECT_CONFIG_DIR


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ingest",
        description="Fetch FMP data (prices, profiles, income) into the bronze zone.",
    )
    parser.add_argument("--env", help="local, dev, staging or prod (default: $ENVIRONMENT or dev)")
    parser.add_argument("--symbols", required=True, help="comma-separated, e.g. AAPL,MSFT")
    parser.add_argument("--from", dest="start", required=True, type=_date, help="YYYY-MM-DD")
    parser.add_argument("--to", dest="end", required=True, type=_date, help="YYYY-MM-DD")
    parser.add_argument(
        "--datasets",
        default=",".join(DATASETS),
        help=f"comma-separated subset of {','.join(DATASETS)} (default: all)",
    )
    parser.add_argument(
        "--ingest-date",
        type=_date,
        default=None,
        help="bronze ingest_date partition (default: today, UTC)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="skip requests already in bronze for this ingest date (no API call)",
    )
    return parser


def rerun_command(env: Environment, report: IngestReport, args: argparse.Namespace) -> str:
    """The command that retries exactly what failed."""
    symbols = sorted({r.symbol for r in report.failed_requests})
    datasets = [d for d in DATASETS if any(r.dataset == d for r in report.failed_requests)]
    argv = [
        "./pants",
        "run",
        "ingestion:ingest",
        "--",
        "--env",
        env.value,
        "--symbols",
        ",".join(symbols),
        "--from",
        args.start.isoformat(),
        "--to",
        args.end.isoformat(),
        "--datasets",
        ",".join(datasets),
    ]
    if args.ingest_date:
        argv += ["--ingest-date", args.ingest_date.isoformat()]
    return shlex.join(argv)


def _err(indicator: str, message: str) -> None:
    print(f"{indicator} error: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    raw = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(raw)
    except _UsageError as exc:
        print(f"[?] ingest: error: {exc}", file=sys.stderr)
        print(
            "usage: ingest --env ENV --symbols A,B --from YYYY-MM-DD --to YYYY-MM-DD "
            f"[--datasets {','.join(DATASETS)}]",
            file=sys.stderr,
        )
        return 2
    try:
        env = Environment.parse(args.env, source="--env") if args.env else current_environment()
    except ConfigError as exc:
        print(f"[?] ingest: error: {exc}", file=sys.stderr)
        return 2
    print(f"{env.indicator} ingest: FMP -> bronze ({env.value})", flush=True)
    try:
        symbols, datasets = validate_arguments(
            args.symbols.split(","),
            args.start,
            args.end,
            [d.strip() for d in args.datasets.split(",") if d.strip()],
        )
    except ValueError as exc:
        _err(env.indicator, f"--{exc}")
        return 2
    try:
        config: Config = load_config(PROJECT_CONFIG_DIR, env=env)
        configure_logging(config)
        logging.getLogger("httpx").setLevel(logging.WARNING)
        report = run_ingestion(
            config,
            symbols,
            args.start,
            args.end,
            datasets,
            progress=lambda msg: print(f"{env.indicator} {msg}", flush=True),
            ingest_date=args.ingest_date,
            resume=args.resume,
        )
    except ConfigError as exc:  # includes IsolationError
        _err(env.indicator, str(exc))
        return 2
    except KeyboardInterrupt:
        _err(
            env.indicator,
            "interrupted; run the same command again to resume (objects "
            "already in bronze are not rewritten; add --resume to skip fetching them)",
        )
        return 130
    except aws_errors.NoCredentialsError:
        _err(
            env.indicator,
            f"no AWS credentials for {env.value}; log in to the {env.value} "
            "account (locally: the local stack sets them)",
        )
        return 2
    except (aws_errors.ClientError, aws_errors.BotoCoreError) as exc:
        _err(env.indicator, f"S3 request failed: {' '.join(str(exc).split())}")
        return 1
    print(f"{env.indicator} report:")
    for line in report.summary_lines():
        print(f"{env.indicator}   {line}")
    if not report.ok:
        for failure in report.failures:
            _err(env.indicator, failure)
        print(
            f"{env.indicator} {len(report.failures)} request(s) failed after retries; "
            f"re-run them with:\n  {rerun_command(env, report, args)}",
            file=sys.stderr,
        )
        return 1
    print(f"{env.indicator} done: every requested record is in bronze.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
