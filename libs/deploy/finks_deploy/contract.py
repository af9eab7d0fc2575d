"""The deploy contract every ``<project>:deploy`` binary runs through.

One function, ``run_deploy``, owns what must be identical for every project:
flags (``--env``, ``--dry-run``), the ``[ENV]`` banner, the prod release rule,
the per-environment lock, the ledger record, and exit codes (0 done, 2 bad
usage or configuration with nothing changed, 1 the deploy itself failed).
Projects supply only ``_deploy(ctx)``.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import botocore.exceptions as boto_errors  # pants: no-infer-dep

import finks_config
from finks_deploy import ledger, lock
from finks_deploy.errors import DeployError, UsageError
from finks_deploy.gitinfo import GitInfo, ci_run_url, current_actor, read_git_info
from finks_deploy.promotion import check_prod_release
from finks_deploy.store import ArtifactStore

DeployFn = Callable[["DeployContext"], None]
AddArguments = Callable[[argparse.ArgumentParser], None]

# The project whose deploy creates the artifacts bucket: it may run before the bucket exists.
BOOTSTRAP_PROJECT = "infrastructure"


@dataclass
class DeployContext:
    """What a project's ``_deploy(ctx)`` gets: where it deploys, what, and how to report."""

    project: str
    env: finks_config.Environment
    config: finks_config.Config
    dry_run: bool
    args: argparse.Namespace
    git_sha: str
    release_tag: str | None
    out: TextIO = field(default=sys.stdout, repr=False)

    @property
    def artifact_prefix(self) -> str:
        """``{project}/{git_sha}/``: where this deploy's artifacts live in the artifacts bucket."""
        return f"{self.project}/{self.git_sha}/"

    @property
    def indicator(self) -> str:
        return self.env.indicator

    def log(self, message: str) -> None:
        """One progress line, prefixed with the ``[ENV]`` indicator."""
        print(f"{self.indicator} {message}", file=self.out, flush=True)

    def step(self, i: int, n: int, message: str) -> None:
        """``[ENV] [i/n] message``: where a long deploy is."""
        self.log(f"[{i}/{n}] {message}")

    def upload_artifact(self, local_path: str | Path, name: str) -> str:
        """Upload a file to ``s3://{artifacts}/{artifact_prefix}{name}``; returns that URI.

        Identical bytes already there are not uploaded again (a re-deploy of the
        same sha changes nothing). A dry run only says what it would upload.
        """
        path = Path(local_path)
        if not path.is_file():
            raise DeployError(f"artifact {path} does not exist (was it built?)")
        store = ArtifactStore(self.config)
        key = f"{self.artifact_prefix}{name}"
        uri = store.uri(key)
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if self.dry_run:
            self.log(f"dry run: would upload {path.name} ({len(data)} bytes) to {uri}")
            return uri
        try:
            head = store.client.head_object(Bucket=store.bucket, Key=key)
            if head.get("Metadata", {}).get("sha256") == digest:
                self.log(f"artifact unchanged: {uri}")
                return uri
        except boto_errors.ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
                raise
        store.client.put_object(
            Bucket=store.bucket, Key=key, Body=data, Metadata={"sha256": digest}
        )
        self.log(f"uploaded {path.name} ({len(data)} bytes) to {uri}")
        return uri


def build_parser(project: str, add_arguments: AddArguments | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"./pants run {project}:deploy --",
        description=f"Deploy {project} to one environment (see libs/deploy/README.md).",
    )
    parser.add_argument(
        "--env", required=True, help="local, dev, staging or prod (prod needs a release)"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    parser.add_argument(
        "--lock-timeout",
        type=float,
        default=lock.DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="how long to wait for another deploy to the same env (default %(default)s)",
    )
    if add_arguments is not None:
        add_arguments(parser)
    return parser


def run_deploy(
    project: str,
    fn: DeployFn,
    argv: Sequence[str] | None = None,
    add_arguments: AddArguments | None = None,
    *,
    config_dir: str | Path | None = None,
    overrides: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run ``fn`` as ``project``'s deploy with the shared contract; returns the exit code.

    ``config_dir`` defaults to ``<project>/config`` (relative to the repo root);
    ``overrides`` go to ``finks_config.load_config`` (tests point AWS at moto with it).
    """
    stdout = out if out is not None else sys.stdout
    stderr = err if err is not None else sys.stderr
    parser = build_parser(project, add_arguments)
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exit_:  # argparse printed the usage error (or --help)
        return int(exit_.code or 0)

    try:
        env = finks_config.Environment.parse(args.env, source="--env")
    except finks_config.ConfigError as error:
        print(f"[?] {project} deploy: error: {error}", file=stderr, flush=True)
        return 2

    def fail(code: int, message: str) -> int:
        print(f"{env.indicator} {project} deploy failed: {message}", file=stderr, flush=True)
        return code

    mode = " (dry run: nothing will change)" if args.dry_run else ""
    print(f"{env.indicator} deploying {project} to {env.value}{mode}", file=stdout, flush=True)
    try:
        return _run(project, fn, args, env, config_dir, overrides, stdout, stderr)
    except (UsageError, finks_config.ConfigError) as error:
        return fail(2, str(error))
    except (boto_errors.NoCredentialsError, boto_errors.PartialCredentialsError) as error:
        return fail(
            2,
            f"no usable AWS credentials for {env.value} ({error}); log in to the {env.value}"
            " account (CI: the OIDC role), or use --dry-run",
        )
    except KeyboardInterrupt:
        return fail(130, "interrupted")
    except Exception as error:
        return fail(1, _one_line(error))


def _run(
    project: str,
    fn: DeployFn,
    args: argparse.Namespace,
    env: finks_config.Environment,
    config_dir: str | Path | None,
    overrides: Mapping[str, str] | None,
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    config = finks_config.load_config(
        config_dir if config_dir is not None else f"{project}/config", env, overrides
    )
    git = _git_info(env, args.dry_run)
    ctx = DeployContext(
        project=project,
        env=env,
        config=config,
        dry_run=args.dry_run,
        args=args,
        git_sha=git.sha,
        release_tag=git.release_tag,
        out=stdout,
    )
    ctx.log(
        f"commit {git.short_sha} ({git.version}){' with uncommitted changes' if git.dirty else ''}"
    )

    if env is finks_config.Environment.PROD:
        if args.dry_run:
            try:
                check_prod_release(project, git, overrides=overrides)
            except UsageError as error:
                ctx.log(f"dry run: a real prod deploy would be refused: {error}")
            except (boto_errors.BotoCoreError, boto_errors.ClientError) as error:
                ctx.log(f"dry run: could not check the staging ledger: {_one_line(error)}")
        else:
            check_prod_release(project, git, overrides=overrides)

    if not _ledger_enabled(ctx, project):
        fn(ctx)
        ctx.log(f"{project} {'dry run' if args.dry_run else 'deploy'} done")
        return 0

    actor = current_actor()
    with ExitStack() as stack:
        bucket_ready = ArtifactStore(config).bucket_exists()
        if bucket_ready:
            stack.enter_context(
                lock.env_lock(
                    config,
                    project=project,
                    sha=git.sha,
                    actor=actor,
                    timeout=args.lock_timeout,
                    progress=ctx.log,
                )
            )
            ctx.log(f"holding the {env.value} deploy lock")
        elif project == BOOTSTRAP_PROJECT:
            ctx.log(
                f"artifacts bucket {config.artifacts_bucket} does not exist yet: first deploy,"
                " running without the lock"
            )
        else:
            raise UsageError(
                f"the {env.value} artifacts bucket {config.artifacts_bucket} does not exist;"
                " deploy infrastructure first:"
                f" ./pants run infrastructure:deploy -- --env {env.value}"
            )
        entry = ledger.LedgerRecord(
            project=project,
            environment=env.value,
            sha=git.sha,
            version=git.version,
            tag=git.release_tag,
            status="started",
            actor=actor,
            run_url=ci_run_url(),
        )
        if bucket_ready:
            ledger.record(config, entry)
        try:
            fn(ctx)
        except BaseException as error:
            _record_quietly(config, entry.finished("failed", _one_line(error)), stderr)
            raise
        ledger.record(config, entry.finished("ok"))
        ctx.log(f"{project} {git.short_sha} deployed to {env.value}; recorded in the ledger")
    return 0


def _git_info(env: finks_config.Environment, dry_run: bool) -> GitInfo:
    info = read_git_info(finks_config.repo_root())
    if info.sha == "unknown" and env is not finks_config.Environment.LOCAL and not dry_run:
        raise UsageError(
            f"deploying to {env.value} needs a git checkout (the ledger records the commit);"
            " none found at the repo root"
        )
    return info


def _ledger_enabled(ctx: DeployContext, project: str) -> bool:
    """Dry runs write nothing; ``local`` has a ledger only when an S3 endpoint is configured."""
    if ctx.dry_run:
        return False
    if ctx.env is finks_config.Environment.LOCAL and not ctx.config.aws_endpoint_url:
        ctx.log("local: no S3 endpoint configured before the deploy, so no lock or ledger")
        return False
    if ctx.env is finks_config.Environment.LOCAL and not ArtifactStore(ctx.config).bucket_exists():
        ctx.log(f"local: bucket {ctx.config.artifacts_bucket} does not exist, so no lock or ledger")
        return False
    return True


def _record_quietly(
    config: finks_config.Config, entry: ledger.LedgerRecord, stderr: TextIO
) -> None:
    """Record a failure without masking the original error if the ledger is unreachable too."""
    try:
        if ArtifactStore(config).bucket_exists():
            ledger.record(config, entry)
    except Exception as error:
        print(f"warning: could not record the failed deploy: {_one_line(error)}", file=stderr)


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return f"{type(error).__name__}: {text}" if not isinstance(error, DeployError) else text
