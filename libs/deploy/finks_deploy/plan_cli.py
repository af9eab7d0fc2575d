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
from finks_config.cli import ArgumentParser, Invocation, add_env_argument, error_line, run_cli
from finks_deploy import ledger
from finks_deploy.errors import UsageError
from finks_deploy.gitinfo import read_git_info
from finks_deploy.planner import AUTO, LastDeployed, Plan, Running, make_plan
from finks_deploy.promotion import check_release, staged_record
from finks_deploy.store import ArtifactStore


def ledger_reader(env: finks_config.Environment) -> LastDeployed:
    """``project -> Running`` from ``env``'s ledger: the clean base, and a dirty deploy after it.

    A missing artifacts bucket means nothing was ever deployed there (every project
    deploys, infrastructure first). Any other setup problem exits 2 saying what
    ``--base auto`` needs.
    """
    config = finks_config.load_config(None, env)
    bucket: dict[str, bool] = {}

    def last(project: str) -> Running | None:
        try:
            if "exists" not in bucket:
                bucket["exists"] = ArtifactStore(config).bucket_exists()
            if not bucket["exists"]:
                return None
            clean = ledger.last_successful(config, project)
            now = ledger.current(config, project)
        except Exception as error:
            line, code = error_line(error, env=env, config=config)
            if code != 2:
                raise
            raise UsageError(
                f"--base auto reads the {env.value} deploy ledger and could not: {line}",
                fix=f"use credentials with read access to s3://{config.artifacts_bucket}/deploys/*"
                " (the ledger-reader role), or pass an explicit --base REV",
            ) from None
        base = clean.sha if clean else None
        if now is not None and now.dirty and (clean is None or now.started_at > clean.started_at):
            return Running(
                base,
                f"(running a dirty-tree deploy of {now.sha[:12]}, diff {str(now.diff_digest)[:12]},"
                f" since {now.started_at})",
            )
        return Running(base) if base else None

    return last


def write_github_output(plan: Plan, path: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"projects={json.dumps(plan.projects)}\n")
        handle.write(f"any={'true' if plan.projects else 'false'}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="./pants run libs/deploy:plan --",
        description="Which projects a change set deploys to ENV, and why.",
    )
    add_env_argument(parser, required=True)
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


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    raw = list(sys.argv[1:] if argv is None else argv)
    stdout = out if out is not None else sys.stdout
    # JSON alone on stdout (for jq); the banner and progress then go to stderr.
    as_json = not _text_format(raw)

    def run(cli: Invocation) -> int:
        args, env = cli.args, cli.env

        def progress(message: str) -> None:
            print(f"{env.indicator} {message}", file=sys.stderr, flush=True)

        root = finks_config.repo_root()
        prod = env is finks_config.Environment.PROD
        release = read_git_info(root, args.head) if prod else None
        if release is not None:
            check_release(release)  # before any AWS request (and before the approval gate)
        reader = ledger_reader(env) if args.base == AUTO else None
        plan = make_plan(
            root, env.value, args.base, args.head, last_deployed=reader, progress=progress
        )
        if release is not None:
            for project in plan.projects:  # the digests are compared by the deploy itself
                staged_record(project, release)
        if args.github_output:
            target = os.environ.get("GITHUB_OUTPUT")
            if not target:
                raise UsageError("--github-output needs $GITHUB_OUTPUT (set by GitHub Actions)")
            write_github_output(plan, target)
        text = json.dumps(plan.to_json(), indent=2) if args.format == "json" else plan.to_text()
        print(text, file=stdout if as_json else cli.out, flush=True)
        return 0

    return run_cli(
        "plan",
        run,
        raw,
        parser=build_parser(),
        banner="planning deploys",
        env_required=True,
        out=sys.stderr if as_json else stdout,
    )


def _text_format(argv: Sequence[str]) -> bool:
    """``--format text`` asked for (read before parsing: it decides where the banner goes)."""
    pairs = zip(argv, [*argv[1:], ""], strict=False)
    return any(a == "--format=text" or (a == "--format" and b == "text") for a, b in pairs)


if __name__ == "__main__":
    sys.exit(main())
