"""``./pants run libs/deploy:ledger -- show|carry --env ENV``: read and maintain the ledger.

``show`` prints the newest deploys per project. ``carry`` runs after a staging
deploy: every project the planner finds unchanged since its last successful
staging deploy is content-identical at HEAD, so HEAD is marked as deployed for
it. That is what lets a release of HEAD pass the prod rule for projects the
change-driven pipeline did not need to redeploy.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import TextIO

import finks_config
from finks_deploy import ledger
from finks_deploy.errors import UsageError
from finks_deploy.gitinfo import current_actor, read_git_info
from finks_deploy.planner import make_plan


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="./pants run libs/deploy:ledger --")
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser("show", help="newest deploys per project")
    show.add_argument("--env", required=True)
    show.add_argument("--project", action="append", help="only these projects (repeatable)")
    show.add_argument("--limit", type=int, default=5)
    carry = commands.add_parser("carry", help="mark HEAD deployed for unchanged projects")
    carry.add_argument("--env", required=True)
    return parser


def carry(config: finks_config.Config, out: TextIO) -> int:
    root = finks_config.repo_root()
    git = read_git_info(root)
    env = config.environment
    last: dict[str, ledger.LedgerRecord | None] = {}

    def last_deployed(project: str) -> str | None:
        last[project] = ledger.last_successful(config, project)
        entry = last[project]
        return entry.sha if entry else None

    plan = make_plan(root, str(env), "auto", git.sha, last_deployed=last_deployed)
    for project in plan.all_projects:
        entry = last.get(project)
        if project in plan.projects or entry is None:
            print(f"{env.indicator} {project}: not carried (changed or never deployed)", file=out)
            continue
        if ledger.was_deployed(config, project, git.sha):
            print(f"{env.indicator} {project}: {git.short_sha} already recorded", file=out)
            continue
        carried = replace(
            entry.finished("ok", f"unchanged since {entry.sha[:12]}"),
            sha=git.sha,
            version=git.version,
            tag=git.release_tag,
            actor=current_actor(),
        )
        ledger.record(config, carried)
        print(f"{env.indicator} {project}: {git.short_sha} carried from {entry.sha[:12]}", file=out)
    return 0


def show(config: finks_config.Config, projects: list[str] | None, limit: int, out: TextIO) -> int:
    names = projects or ["infrastructure", "ingestion", "dbt", "pipelines"]
    for project in names:
        print(f"{config.indicator} {project}", file=out)
        for entry in ledger.history(config, project, limit):
            tag = f" {entry.tag}" if entry.tag else ""
            note = f" ({entry.message})" if entry.message else ""
            line = f"{entry.started_at}  {entry.status:<7} {entry.sha[:12]}{tag}"
            print(f"  {line} by {entry.actor}{note}", file=out)
    return 0


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    stdout = out if out is not None else sys.stdout
    try:
        args = build_parser().parse_args(list(argv) if argv is not None else None)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        env = finks_config.Environment.parse(args.env, source="--env")
        print(f"{env.indicator} deploy ledger ({args.command})", file=stdout, flush=True)
        config = finks_config.load_config(None, env)
        if args.command == "carry":
            return carry(config, stdout)
        return show(config, args.project, args.limit, stdout)
    except (UsageError, finks_config.ConfigError) as error:
        print(f"ledger: error: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        print(f"ledger failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
