"""`./pants run pipelines:deploy -- --env ENV [--dry-run] [--no-run]`.

dev/staging/prod: package the flow code, upload it to `{artifacts}/pipelines/{sha}/`,
create/update the work pool and deployments on the env's Prefect API (idempotent),
and let finks_deploy record it. local: start the embedded stack first (its S3 holds
the artifacts and the ledger), deploy to its Prefect API, run `medallion-local`
once end to end and print a summary of gold.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from finks_config import ConfigError, Environment, load_config, repo_root
from finks_deploy import DeployContext, run_deploy
from finks_pipelines import local_run
from finks_pipelines.deployments import apply_all, desired_deployments, require_api_url
from finks_pipelines.local_stack import LocalStack, local_paths, running_local_stack
from finks_pipelines.packaging import BUNDLE_NAME, build_bundle
from finks_pipelines.settings import PROJECT, PROJECT_CONFIG_DIR, load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-run",
        action="store_true",
        help="local: deploy but do not run medallion-local (remote deploys never start runs)",
    )
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        help="local: state directory (default $FINKS_LOCAL_DIR or .finks/local)",
    )
    parser.add_argument(
        "--symbols",
        metavar="A,B",
        help="local: symbols for this run (default: PIPELINE_SYMBOLS in pipelines/config)",
    )


def _deploy_remote(ctx: DeployContext) -> None:
    settings = load_settings(ctx.config)
    if ctx.env is Environment.LOCAL:  # only a dry run gets here (see main)
        paths = local_paths(getattr(ctx.args, "state_dir", None))
        ctx.log(
            f"dry run: would start moto, the local FMP server and a Prefect API under {paths.root}"
        )
        ctx.log(f"dry run: would deploy {ctx.config.flow_name('medallion')} and run it once")
        return
    if ctx.dry_run and not ctx.config.prefect_api_url:
        try:
            require_api_url(ctx.config)
        except ConfigError as error:
            ctx.log(f"dry run: a real deploy would be refused: {error}")
        return
    api_url = require_api_url(ctx.config)  # before anything changes
    steps = 3
    ctx.step(1, steps, "packaging the flow code")
    with tempfile.TemporaryDirectory(prefix="finks-pipelines-") as tmp:
        bundle = build_bundle(repo_root(), Path(tmp), ctx.git_sha)
        ctx.log(f"bundle: {bundle.files} files, {bundle.size} bytes, sha256 {bundle.sha256[:12]}")
        uri = ctx.upload_artifact(bundle.path, BUNDLE_NAME)
    specs = desired_deployments(ctx.config, settings, ctx.git_sha, uri)
    if ctx.dry_run:
        ctx.step(
            2, steps, f"dry run: would ensure work pool {settings.prefect_work_pool} on {api_url}"
        )
        for spec in specs:
            sched = (
                ", ".join(f"cron '{s.cron}' {s.timezone}" for s in spec.schedules) or "no schedule"
            )
            ctx.log(f"  would apply {spec.full_name} ({spec.entrypoint}; {sched})")
        ctx.step(3, steps, "dry run: nothing changed")
        return
    ctx.step(2, steps, f"work pool and deployments on {api_url}")
    applied = apply_all(api_url, ctx.config, settings, specs, ctx.log)
    changed = [a for a in applied if a.action != "unchanged"]
    ctx.step(3, steps, f"{len(changed)} change(s), {len(applied) - len(changed)} unchanged")


def _deploy_local(ctx: DeployContext, stack: LocalStack) -> None:
    settings = load_settings(ctx.config)
    no_run = bool(getattr(ctx.args, "no_run", False))
    steps = 3 if no_run else 5
    ctx.step(1, steps, "packaging the flow code")
    bundle = build_bundle(repo_root(), stack.paths.work, ctx.git_sha)
    ctx.upload_artifact(bundle.path, BUNDLE_NAME)
    ctx.step(2, steps, f"work pool and deployments on the local Prefect API {stack.prefect_url}")
    specs = desired_deployments(ctx.config, settings, ctx.git_sha, None)
    apply_all(stack.prefect_url, ctx.config, settings, specs, ctx.log)
    if no_run:
        ctx.step(3, steps, "--no-run: deployed, not running")
        return
    symbols = [s.strip().upper() for s in (ctx.args.symbols or "").split(",") if s.strip()] or None
    ctx.step(
        3,
        steps,
        f"running {ctx.config.flow_name('medallion')} (ingest -> silver -> gold -> checks)",
    )
    result = local_run.run_medallion(ctx.config, stack, ctx.log, symbols=symbols)
    ctx.step(4, steps, f"{result.flow_run_name}: {result.state} in {result.elapsed:.1f}s")
    stages = result.result
    ingest = stages.get("ingest", {})
    ctx.log(
        f"  ingest {ingest.get('elapsed', 0):.1f}s"
        f" ({ingest.get('records_written', 0)} records written,"
        f" {ingest.get('skipped', 0)} requests skipped as already in bronze)"
    )
    for stage in ("silver", "gold"):
        if stage in stages:
            ctx.log(f"  {stage} {stages[stage]['elapsed']:.1f}s ({stages[stage]['models']} models)")
    ctx.step(5, steps, "gold summary")
    window = (ingest["start"], ingest["end"]) if "start" in ingest else None
    for line in local_run.gold_summary(stack, ctx.config, window):
        ctx.log(line)


def _preflight(argv: Sequence[str]) -> int | None:
    """Refuse a remote deploy without a Prefect API before anything (lock, ledger) changes."""
    peek = argparse.ArgumentParser(add_help=False)
    peek.add_argument("--env")
    peek.add_argument("--dry-run", action="store_true")
    known, _ = peek.parse_known_args(list(argv))
    try:
        env = Environment.parse(known.env) if known.env else None
    except ConfigError:
        return None  # run_deploy reports the bad --env
    if env is None or env is Environment.LOCAL or known.dry_run:
        return None
    try:
        require_api_url(load_config(PROJECT_CONFIG_DIR, env))
    except ConfigError as error:
        print(f"{env.indicator} deploying {PROJECT} to {env.value}", flush=True)
        print(f"{env.indicator} {PROJECT} deploy failed: {error}", file=sys.stderr, flush=True)
        return 2
    return None


def _local_requested(argv: Sequence[str]) -> tuple[bool, str | None]:
    """(is this a real local deploy?, --state-dir) without consuming run_deploy's parsing."""
    peek = argparse.ArgumentParser(add_help=False)
    peek.add_argument("--env")
    peek.add_argument("--dry-run", action="store_true")
    peek.add_argument("--state-dir")
    known, _ = peek.parse_known_args(list(argv))
    try:
        env = Environment.parse(known.env) if known.env else None
    except ConfigError:
        return False, None  # run_deploy reports the bad --env
    return env is Environment.LOCAL and not known.dry_run, known.state_dir


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    local, state_dir = _local_requested(args)
    if not local:
        refused = _preflight(args)
        if refused is not None:
            return refused
        return run_deploy(PROJECT, _deploy_remote, args, add_arguments)
    paths = local_paths(state_dir)

    def say(message: str) -> None:
        print(f"{Environment.LOCAL.indicator} {message}", flush=True)

    say(f"starting the embedded platform under {paths.root}")
    try:
        with running_local_stack(paths, say) as stack:
            return run_deploy(
                PROJECT,
                lambda ctx: _deploy_local(ctx, stack),
                args,
                add_arguments,
                overrides=stack.overrides,
            )
    except KeyboardInterrupt:
        say("interrupted; local servers stopped")
        return 130
    except ConfigError as error:
        print(f"{Environment.LOCAL.indicator} error: {error}", file=sys.stderr, flush=True)
        return 2
    except (OSError, RuntimeError) as error:
        print(
            f"{Environment.LOCAL.indicator} local stack failed: {error}",
            file=sys.stderr,
            flush=True,
        )
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
