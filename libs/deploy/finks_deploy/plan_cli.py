"""``./pants run libs/deploy:plan -- --env ENV --base REV|auto [--head REV] [--format json|text]``.

Prints the plan as JSON on stdout (the ``[ENV]`` banner and progress go to
stderr so CI can pipe stdout to jq) or as a table. ``--github-output`` also
writes ``projects`` (a JSON list for a job matrix) and ``any`` to
``$GITHUB_OUTPUT``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import TextIO

import finks_config
from finks_deploy import ledger
from finks_deploy.errors import UsageError
from finks_deploy.planner import AUTO, LastDeployed, Plan, make_plan


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="./pants run libs/deploy:plan --",
        description="Which projects a change set deploys to ENV, and why.",
    )
    parser.add_argument("--env", required=True, help="local, dev, staging or prod")
    parser.add_argument(
        "--base",
        required=True,
        help="commit the environment runs now, or 'auto' to read it from the deploy ledger",
    )
    parser.add_argument("--head", default="HEAD", help="commit to deploy (default: HEAD)")
    parser.add_argument("--format", choices=("json", "text"), default="json")
    parser.add_argument(
        "--github-output",
        action="store_true",
        help="also append projects=<json list> and any=<true|false> to $GITHUB_OUTPUT",
    )
    return parser


def ledger_reader(env: finks_config.Environment) -> LastDeployed:
    """``project -> sha`` of the last successful deploy to ``env``, from its ledger."""
    config = finks_config.load_config(None, env)

    def last(project: str) -> str | None:
        entry = ledger.last_successful(config, project)
        return entry.sha if entry else None

    return last


def write_github_output(plan: Plan, path: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"projects={json.dumps(plan.projects)}\n")
        handle.write(f"any={'true' if plan.projects else 'false'}\n")


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    stdout = out if out is not None else sys.stdout
    try:
        args = build_parser().parse_args(list(argv) if argv is not None else None)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        env = finks_config.Environment.parse(args.env, source="--env")
    except finks_config.ConfigError as error:
        print(f"[?] plan: error: {error}", file=sys.stderr)
        return 2
    banner = sys.stderr if args.format == "json" else stdout
    print(f"{env.indicator} planning deploys to {env.value}", file=banner, flush=True)

    def progress(message: str) -> None:
        print(f"{env.indicator} {message}", file=sys.stderr, flush=True)

    try:
        root = finks_config.repo_root()
        reader = ledger_reader(env) if args.base == AUTO else None
        plan = make_plan(
            root, env.value, args.base, args.head, last_deployed=reader, progress=progress
        )
        if args.github_output:
            target = os.environ.get("GITHUB_OUTPUT")
            if not target:
                raise UsageError("--github-output needs $GITHUB_OUTPUT (set by GitHub Actions)")
            write_github_output(plan, target)
    except (UsageError, finks_config.ConfigError) as error:
        print(f"{env.indicator} plan: error: {error}", file=sys.stderr, flush=True)
        return 2
    except Exception as error:
        print(f"{env.indicator} plan failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps(plan.to_json(), indent=2), file=stdout, flush=True)
    else:
        print(plan.to_text(), file=stdout, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
