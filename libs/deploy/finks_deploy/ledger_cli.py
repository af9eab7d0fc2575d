"""``./pants run libs/deploy:ledger -- show|carry|artifacts --env ENV``: the deploy ledger.

``show`` prints the newest deploys per project (the projects the ledger has seen).
``carry`` runs after a staging deploy: every project the planner finds unchanged
since its last successful staging deploy is content-identical at HEAD, so HEAD is
recorded for it with the same artifact digests. That is what lets a release of
HEAD pass the prod rule for projects the change-driven pipeline did not redeploy.
``artifacts`` prints the digests a deploy recorded (JSON), for checks and rehearsals.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import TextIO

import finks_config
from finks_config.cli import ArgumentParser, Invocation, add_env_argument, doing, run_cli
from finks_deploy import ledger
from finks_deploy.errors import UsageError
from finks_deploy.gitinfo import current_actor, read_git_info
from finks_deploy.planner import make_plan
from finks_deploy.store import ArtifactStore


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="./pants run libs/deploy:ledger --")
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser("show", help="newest deploys per project")
    add_env_argument(show, required=True)
    show.add_argument("--project", action="append", help="only these projects (repeatable)")
    show.add_argument("--limit", type=int, default=5)
    show.add_argument("--json", action="store_true", help="print the records as JSON")
    carry = commands.add_parser("carry", help="record HEAD for unchanged projects")
    add_env_argument(carry, required=True)
    artifacts = commands.add_parser("artifacts", help="artifact digests of a deploy (JSON)")
    add_env_argument(artifacts, required=True)
    artifacts.add_argument("--project", required=True)
    artifacts.add_argument("--sha", help="a clean deploy of this commit (default: what runs now)")
    return parser


def carry(config: finks_config.Config, out: TextIO) -> int:
    root = finks_config.repo_root()
    git = read_git_info(root)
    if git.dirty:
        raise UsageError(
            f"carry records HEAD {git.short_sha} as deployed, but the tree has uncommitted"
            " changes; run it on a clean checkout"
        )
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
            deploy_id=ledger.new_id(),
        )
        ledger.record(config, carried)
        print(f"{env.indicator} {project}: {git.short_sha} carried from {entry.sha[:12]}", file=out)
    return 0


def show(
    config: finks_config.Config, projects: list[str] | None, limit: int, as_json: bool, out: TextIO
) -> int:
    names = projects or ledger.projects(config)
    if as_json:
        data = {p: [r.to_json() for r in ledger.history(config, p, limit)] for p in names}
        print(json.dumps(data, indent=2, sort_keys=True), file=out)
        return 0
    if not names:
        print(f"{config.indicator} the {config.environment} ledger is empty", file=out)
    for project in names:
        print(f"{config.indicator} {project}", file=out)
        for entry in ledger.history(config, project, limit):
            tag = f" {entry.tag}" if entry.tag else ""
            dirty = " dirty" if entry.dirty else ""
            note = f" ({entry.message})" if entry.message else ""
            line = f"{entry.started_at}  {entry.status:<7} {entry.sha[:12]}{tag}{dirty}"
            print(f"  {line} by {entry.actor}{note}", file=out)
    return 0


def artifacts(config: finks_config.Config, project: str, sha: str | None, out: TextIO) -> int:
    entry = ledger.deployed(config, project, sha) if sha else ledger.current(config, project)
    if entry is None:
        what = f"a clean deploy of {sha[:12]}" if sha else "any deploy"
        raise UsageError(f"the {config.environment} ledger has no {what} of {project}")
    print(json.dumps(entry.artifacts, indent=2, sort_keys=True), file=out)
    return 0


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    raw = list(sys.argv[1:] if argv is None else argv)
    stdout = out if out is not None else sys.stdout
    # Machine-readable output goes alone on stdout; the banner then goes to stderr.
    machine = bool(raw) and (raw[0] == "artifacts" or "--json" in raw)

    def run(cli: Invocation) -> int:
        args = cli.args
        target = stdout if machine else cli.out
        with doing(f"reading the {cli.env.value} deploy ledger"):
            config = cli.config()
            ArtifactStore(config).require_bucket()
            if args.command == "carry":
                return carry(config, target)
            if args.command == "artifacts":
                return artifacts(config, args.project, args.sha, target)
            return show(config, args.project, args.limit, args.json, target)

    command = raw[0] if raw and not raw[0].startswith("-") else "ledger"
    return run_cli(
        "ledger",
        run,
        raw,
        parser=build_parser(),
        banner=f"deploy ledger ({command})",
        env_required=True,
        out=sys.stderr if machine else stdout,
    )


if __name__ == "__main__":
    sys.exit(main())
