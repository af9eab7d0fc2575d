"""``./pants run libs/deploy:rehearse -- [--scenario a,b,...] [--keep DIR]``.

Rehearses the release on this machine only (the banner says ``[LOCAL]``: dev, staging and
prod are emulated accounts here; nothing reaches a real one). Exit 0 when every scenario
passed, 1 when one failed, 2 for bad usage or a machine that cannot rehearse.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from finks_config import Environment
from finks_config.cli import ArgumentParser, Invocation, UsageError, run_cli
from finks_deploy.rehearsal import runner, scenarios


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="./pants run libs/deploy:rehearse --",
        description="Run .github/workflows/deploy.yml with act against emulated dev/staging/prod.",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        metavar="NAMES",
        help="scenarios to run, comma-separated (a, b, c, d, e; default all) and what they need",
    )
    parser.add_argument(
        "--keep",
        metavar="DIR",
        type=Path,
        help="work in DIR and keep it (repository, act logs, server logs) instead of a temp dir",
    )
    return parser


def scenario_names(values: Sequence[str] | None) -> list[str]:
    """The names of ``--scenario`` values (comma-separated, repeatable), checked: UsageError
    (exit 2) for an unknown one. Empty: every scenario."""
    names = [n.strip() for item in values or [] for n in item.split(",") if n.strip()]
    try:
        scenarios.select(names)
    except ValueError as error:
        raise UsageError(str(error), key="--scenario", fix="e.g. --scenario a,b") from None
    return names


def _run(cli: Invocation) -> int:
    names = scenario_names(cli.args.scenario)
    if cli.args.keep is not None and cli.args.keep.exists() and any(cli.args.keep.iterdir()):
        raise UsageError(
            f"{cli.args.keep} is not empty", key="--keep", fix="name a new or empty directory"
        )
    report = runner.run(names or None, work_dir=cli.args.keep, say=cli.echo)
    for line in report.lines():
        cli.echo(line)
    return 0 if report.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli(
        "rehearse",
        _run,
        argv,
        parser=build_parser(),
        banner="rehearsing the release: dev, staging and prod emulated on this machine",
        default_env=Environment.LOCAL,
        interrupted_hint="every server the rehearsal started is stopped",
    )


if __name__ == "__main__":
    sys.exit(main())
