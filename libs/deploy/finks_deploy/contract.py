"""The deploy contract: the one sequence every ``<project>:deploy`` runs.

``deploy_main(project, argv)`` owns what must be identical for every project:
flags, the ``[ENV]`` banner, the preflight (config, credentials, the artifacts
bucket), the prod release rule (a final tag, and the digests staging ran), the
env's ``deploy`` lock with its heartbeat, content-addressed uploads, the ledger
record (with artifact digests and the dirty flag), and exit codes. The project
supplies only what it builds and how it applies it (``finks_deploy.project``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from typing import Any, TextIO

import finks_config
from finks_config.cli import (
    ArgumentParser,
    Invocation,
    add_env_argument,
    doing,
    error_line,
    run_cli,
)
from finks_deploy import ledger
from finks_deploy import lock as locks
from finks_deploy.artifacts import Built, locate, measure, upload_once
from finks_deploy.errors import DeployError, UsageError
from finks_deploy.gitinfo import GitInfo, ci_run_url, current_actor, read_git_info
from finks_deploy.project import DeployContext, Project
from finks_deploy.promotion import check_release, check_staging_ran
from finks_deploy.store import ArtifactStore


def build_parser(project: Project) -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog=f"./pants run {project.name}:deploy --",
        description=f"Deploy {project.name} to one environment (see libs/deploy/README.md).",
    )
    add_env_argument(parser, required=True)
    parser.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    parser.add_argument(
        "--lock-timeout",
        type=float,
        default=locks.DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="how long to wait for another deploy to the same env (default %(default)s)",
    )
    project.add_arguments(parser)
    return parser


def deploy_main(
    project: Project,
    argv: Sequence[str] | None = None,
    *,
    overrides: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run ``project``'s deploy with the shared contract; returns the exit code.

    ``overrides`` go to ``finks_config.load_config`` (the local stack and tests point
    AWS at an emulator with them).
    """
    raw = list(sys.argv[1:] if argv is None else argv)
    mode = " (dry run: nothing will change)" if "--dry-run" in raw else ""
    return run_cli(
        f"{project.name} deploy",
        lambda cli: _deploy(project, cli, overrides),
        raw,
        parser=build_parser(project),
        banner=f"deploying {project.name}{mode}",
        env_required=True,
        interrupted_hint="the deploy lock is released; the ledger shows the attempt as failed",
        out=out,
        err=err,
    )


def _deploy(project: Project, cli: Invocation, overrides: Mapping[str, str] | None) -> int:
    with project.environment(cli.env, cli.args) as provided:
        return _deploy_in(project, cli, {**provided, **(overrides or {})})


def _deploy_in(project: Project, cli: Invocation, overrides: Mapping[str, str]) -> int:
    args, env = cli.args, cli.env
    config = cli.config(project.config_path, overrides)
    git = _git_info(env, args.dry_run)
    ctx = DeployContext(
        project=project.name,
        env=env,
        config=config,
        dry_run=args.dry_run,
        args=args,
        git=git,
        actor=current_actor(),
        out=cli.out,
    )
    dirty = f" with uncommitted changes (diff {git.diff_digest[:12]})" if git.diff_digest else ""
    ctx.log(f"{project.name} to {env.value}: commit {git.short_sha} ({git.version}){dirty}")
    is_prod = env is finks_config.Environment.PROD
    if is_prod:
        _prod_rule(ctx, lambda: check_release(git))

    store = ArtifactStore(config)
    ledger_on = _preflight_bucket(ctx, project, store)
    project.preflight(ctx)
    built = [measure(artifact) for artifact in project.build(ctx)]
    for item in built:
        ctx.log(f"built {item.name}: {item.size} bytes, sha256 {item.sha256}")
    if is_prod:
        _prod_rule(ctx, lambda: check_staging_ran(project.name, git, built, overrides=overrides))

    if ctx.dry_run:
        for item in built:
            where = locate(store, project.name, item)
            ctx.artifacts[item.name] = where
            ctx.log(f"dry run: would upload {item.name} to {where.uri} (unless already there)")
        project.apply(ctx)
        ctx.log(f"{project.name} dry run done: nothing changed")
        return 0
    if not ledger_on:
        project.apply(ctx)
        if project.creates_artifacts_bucket and store.bucket_exists():  # it just created it
            _upload(ctx, store, built)
            ledger.record(config, _entry(ctx).finished("ok", artifacts=_digests(ctx)))
            ctx.log(f"{project.name} {git.short_sha} recorded in the new {env.value} ledger")
        ctx.log(f"{project.name} deploy done")
        return 0
    return _locked_deploy(ctx, project, store, built)


def _locked_deploy(
    ctx: DeployContext, project: Project, store: ArtifactStore, built: list[Built]
) -> int:
    config, git = ctx.config, ctx.git
    with ExitStack() as stack:
        ctx.held = stack.enter_context(
            locks.named_lock(
                config,
                locks.DEPLOY,
                holder=ctx.holder,
                timeout=float(ctx.args.lock_timeout),
                progress=ctx.log,
                extra={"project": project.name, "sha": git.sha},
            )
        )
        ctx.log(f"holding the {ctx.env.value} deploy lock")
        entry = ledger.record(config, _entry(ctx))
        try:
            _upload(ctx, store, built)
            project.apply(ctx)
            if ctx.held.lost:
                raise DeployError(
                    f"lost the {ctx.env.value} deploy lock while applying (another deploy took"
                    " it over after this one stopped renewing it); redeploy"
                )
        except BaseException as error:
            _record_quietly(config, _finished(ctx, entry, "failed", _one_line(error)))
            raise
        ledger.record(config, _finished(ctx, entry, "ok"))
    state = " (dirty tree: recorded, never a diff base)" if git.dirty else ""
    ctx.log(f"{project.name} {git.short_sha} deployed to {ctx.env.value}; in the ledger{state}")
    return 0


def _git_info(env: finks_config.Environment, dry_run: bool) -> GitInfo:
    info = read_git_info(finks_config.repo_root())
    if info.sha == "unknown" and env is not finks_config.Environment.LOCAL and not dry_run:
        raise UsageError(
            f"deploying to {env.value} needs a git checkout (the ledger records the commit);"
            " none found at the repo root"
        )
    return info


def _prod_rule(ctx: DeployContext, check: Callable[[], None]) -> None:
    """Enforce a prod rule; a dry run only says that a real deploy would be refused."""
    if not ctx.dry_run:
        check()
        return
    try:
        check()
    except UsageError as error:
        ctx.log(f"dry run: a real prod deploy would be refused: {error}")
    except Exception as error:  # no staging ledger access from a laptop: still a preview
        ctx.preview_failure(error, "could not check the prod rule")


def _preflight_bucket(ctx: DeployContext, project: Project, store: ArtifactStore) -> bool:
    """Credentials and the artifacts bucket, checked once; True when lock and ledger apply."""
    config, env = ctx.config, ctx.env
    if env is finks_config.Environment.LOCAL and not config.aws_endpoint_url:
        ctx.log("local: no S3 endpoint configured, so no lock, uploads or ledger")
        return False
    try:
        with doing(f"checking the {env.value} artifacts bucket s3://{config.artifacts_bucket}"):
            if store.bucket_exists():
                return True
            if env is finks_config.Environment.LOCAL:
                ctx.log(f"local: no bucket {config.artifacts_bucket}, so no lock or ledger")
                return False
            if project.creates_artifacts_bucket:
                ctx.log(
                    f"artifacts bucket {config.artifacts_bucket} does not exist yet: first"
                    " deploy, running without the lock; the ledger starts once the bucket exists"
                )
                return False
            store.require_bucket()
    except Exception as error:  # - a dry run previews what it can
        ctx.preview_failure(error)
    return False


def _upload(ctx: DeployContext, store: ArtifactStore, built: list[Built]) -> None:
    for item in built:
        where, sent = upload_once(store, ctx.project, item)
        ctx.artifacts[item.name] = where
        verb = "uploaded" if sent else "already there (same sha256)"
        ctx.log(f"{item.name} {verb}: {where.uri}")


def _entry(ctx: DeployContext) -> ledger.LedgerRecord:
    return ledger.LedgerRecord(
        project=ctx.project,
        environment=ctx.env.value,
        sha=ctx.git.sha,
        version=ctx.git.version,
        tag=ctx.git.release_tag,
        status="started",
        actor=ctx.actor,
        run_url=ci_run_url(),
        dirty=ctx.git.dirty,
        diff_digest=ctx.git.diff_digest,
    )


def _digests(ctx: DeployContext) -> dict[str, dict[str, Any]]:
    return {name: where.to_json() for name, where in sorted(ctx.artifacts.items())}


def _finished(
    ctx: DeployContext,
    entry: ledger.LedgerRecord,
    status: ledger.Status,
    message: str | None = None,
) -> ledger.LedgerRecord:
    """The final record: status, and the facts the deploy gathered (digests, details)."""
    return entry.finished(status, message, artifacts=_digests(ctx), details=dict(ctx.details))


def _record_quietly(config: finks_config.Config, entry: ledger.LedgerRecord) -> None:
    """Record a failure without masking the original error if the ledger fails too."""
    try:
        ledger.record(config, entry)
    except Exception as error:
        print(f"warning: could not record the failed deploy: {_one_line(error)}", file=sys.stderr)


def _one_line(error: BaseException) -> str:
    return error_line(error)[0]
