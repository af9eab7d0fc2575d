"""`./pants run pipelines:check -- --env ENV [--as-of WHEN] [--kind integration|smoke]`.

What each environment checks after a deploy, as the environment design says: dev and
staging run the integration and performance check (a real medallion run through the
deployed deployment), prod runs the read-only smoke check. `[ENV]` first; exit 0 every
check passed, 1 a check failed, 2 bad usage, configuration or setup (one line).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from finks_config import Config, Environment
from finks_config.cli import (
    ArgumentParser,
    Invocation,
    UsageError,
    add_env_argument,
    doing,
    run_cli,
)
from finks_config.emulation import athena_emulated
from finks_deploy import ledger
from finks_pipelines.checks import smoke, staging
from finks_pipelines.checks.outcome import CheckReport, write_job_summary
from finks_pipelines.checks.settings import ChecksSettings
from finks_pipelines.deployments import env_client
from finks_pipelines.settings import PROJECT, PROJECT_CONFIG_DIR, PipelinesSettings

KINDS = (staging.KIND, smoke.KIND)


def default_kind(env: Environment) -> str:
    """prod: smoke tests only; dev and staging: integration and performance."""
    return smoke.KIND if env is Environment.PROD else staging.KIND


def parse_when(value: str) -> datetime | date:
    """``--as-of``: a date (YYYY-MM-DD) or a moment (YYYY-MM-DDTHH:MM, schedule time zone)."""
    try:
        return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--as-of must be YYYY-MM-DD or YYYY-MM-DDTHH:MM, got {value!r}"
        ) from None


def check_moment(when: datetime | date | None, zone: str) -> datetime:
    """The moment the check judges: ``--as-of`` (a date means its end), else now (read once)."""
    tz = ZoneInfo(zone)
    if when is None:
        return datetime.now(tz)
    if isinstance(when, datetime):
        return when if when.tzinfo else when.replace(tzinfo=tz)
    return datetime.combine(when, time(23, 59, 59), tz)


def _current_sha(config: Config) -> str:
    with doing(f"reading the pipelines deploy from the ledger in s3://{config.artifacts_bucket}"):
        current = ledger.current(config, PROJECT)
    return current.sha if current is not None else "unknown"


def run_checks(cli: Invocation) -> CheckReport:
    """The checks of ``cli.env``, printed line by line after the `[ENV]` indicator."""
    config = cli.config(PROJECT_CONFIG_DIR)
    if config.is_local:
        raise UsageError(
            "pipelines:check checks a deployed environment",
            key="--env",
            fix="use --env dev, staging or prod (the local main job runs its own gold checks)",
        )
    settings = config.section(ChecksSettings)
    pipelines = config.section(PipelinesSettings)
    kind = cli.args.kind or default_kind(cli.env)
    now = check_moment(cli.args.as_of, pipelines.pipeline_schedule_timezone)

    def say(line: str) -> None:
        cli.echo(f"{config.indicator} {line}")

    with doing("connecting to the env's Prefect API"), env_client(config) as client:
        if kind == staging.KIND:
            report = staging.check_integration(
                config,
                settings,
                client,
                as_of=now.date(),
                sha=_current_sha(config),
                say=say,
                emulated_athena=athena_emulated(),
            )
        else:
            report, sha = smoke.check_smoke(config, settings, pipelines, client, now=now, say=say)
            smoke.record_verdict(config, report, sha)
    for line in report.lines():
        say(line)
    summary = write_job_summary(report)
    if summary is not None:
        say(f"job summary appended to {summary}")
    return report


def _handler(cli: Invocation) -> int:
    return 0 if run_checks(cli).ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = ArgumentParser(prog="check", description=__doc__.splitlines()[0])
    add_env_argument(parser, required=True)
    parser.add_argument(
        "--as-of",
        type=parse_when,
        default=None,
        metavar="WHEN",
        help="judge as of this date or moment (default: now)",
    )
    parser.add_argument(
        "--kind", choices=KINDS, help="default: smoke for prod, integration for dev/staging"
    )
    return run_cli(
        "check", _handler, argv, parser=parser, banner="post-deploy check", env_required=True
    )


if __name__ == "__main__":
    raise SystemExit(main())
