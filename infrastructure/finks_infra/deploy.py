"""``./pants run infrastructure:deploy -- --env ENV [--dry-run]`` on finks_deploy's contract.

Three ways to apply the stack, one program:
- ``--dry-run``: render it offline through Pulumi's mocks (no AWS, no CLI) and print it;
- a real deploy: ``pulumi up`` through the Automation API, logged in to the env's
  state backend (``infrastructure:bootstrap`` creates it) with its KMS secrets provider;
- ``FINKS_PULUMI_EMULATE=1`` (set only by the release rehearsal's Pulumi stand-in):
  apply the rendered resources to the emulated account instead (finks_infra.emulate).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from finks_config import Config
from finks_config.aws import client
from finks_config.cli import doing
from finks_config.endpoints import aws_credentials
from finks_deploy import DeployContext, Project, UsageError, deploy_main
from finks_infra import ensure
from finks_infra.backend import backend_url, secrets_provider
from finks_infra.offline import render_stack
from finks_infra.program import PROJECT_CONFIG_DIR, check_settings, run_in_engine
from finks_infra.report import render_table, summarize
from finks_infra.stack_config import StackConfig, infra_dir, load_stack_config, project_name

# The release rehearsal's switch: apply to the emulated account instead of `pulumi up`.
EMULATE_VARIABLE = "FINKS_PULUMI_EMULATE"

INSTALL_HINT = (
    "install it (https://www.pulumi.com/docs/install/: `curl -fsSL https://get.pulumi.com | sh`"
    " or `brew install pulumi/tap/pulumi`; CI: pulumi/actions) and run again; `--dry-run` works"
    " without it"
)


def emulated() -> bool:
    """True when the rehearsal's Pulumi stand-in asked for the emulated apply."""
    return os.environ.get(EMULATE_VARIABLE) == "1"


def find_pulumi_root() -> str | None:
    """Where the pulumi CLI is: None when on PATH, ``~/.pulumi`` for the default install.

    Raises UsageError when there is no CLI at all: a real deploy cannot start.
    """
    if shutil.which("pulumi"):
        return None
    default = Path.home() / ".pulumi"
    if (default / "bin" / "pulumi").is_file():
        return str(default)
    raise UsageError(
        f"the pulumi CLI is not installed (not on PATH, not in ~/.pulumi/bin): {INSTALL_HINT}"
    )


def check_state_backend(config: Config) -> None:
    """The state bucket exists (else: run the one-time bootstrap first, exit 2)."""
    bucket = config.pulumi_state_bucket
    with doing(f"checking the Pulumi state backend s3://{bucket}"):
        present = ensure.bucket_exists(client(config, "s3"), bucket)
    if not present:
        env = config.environment.value
        raise UsageError(
            f"the {env} Pulumi state backend s3://{bucket} does not exist",
            fix=f"bootstrap it once: ./pants run infrastructure:bootstrap -- --env {env}",
        )


def check_image_pinned(settings: StackConfig) -> None:
    if not settings.prefect_image_pinned:
        raise UsageError(
            f"infrastructure/Pulumi.yaml pins prefectImage to the placeholder digest"
            f" ({settings.prefect_image}); a real deploy needs the real one",
            key="prefectImage",
            fix="set it from `docker buildx imagetools inspect <repository:tag>` and commit it",
        )


class InfrastructureDeploy(Project):
    """The env's Pulumi stack; its apply creates the artifacts bucket (first deploy)."""

    name = "infrastructure"
    config_dir = PROJECT_CONFIG_DIR
    creates_artifacts_bucket = True

    def __init__(self) -> None:
        self._settings: StackConfig | None = None

    def preflight(self, ctx: DeployContext) -> None:
        ctx.step(1, _steps(ctx), f"validating infrastructure/Pulumi.{ctx.env.value}.yaml")
        settings = load_stack_config(ctx.env.value)
        check_settings(settings, ctx.config)
        self._settings = settings
        if ctx.dry_run or emulated():
            return
        find_pulumi_root()
        check_state_backend(ctx.config)
        check_image_pinned(settings)

    def apply(self, ctx: DeployContext) -> None:
        settings = self._settings or load_stack_config(ctx.env.value)
        if ctx.dry_run:
            ctx.step(2, 2, "rendering the stack offline through Pulumi's mocks (no AWS, no CLI)")
            resources = render_stack(settings, ctx.config)
            print(render_table(resources), file=ctx.out, flush=True)
            ctx.log(f"dry run: stack {ctx.env.value} would hold {summarize(resources)}")
        elif emulated():
            ctx.step(2, 2, f"{EMULATE_VARIABLE}=1: applying the rendered stack to the emulated"
                           " account instead of `pulumi up`")  # fmt: skip
            from finks_infra.emulate import apply_stack

            report = apply_stack(ctx.config, settings=settings, say=ctx.log)
            ctx.detail("emulated", True)
            ctx.detail("changes", len(report.created) + len(report.updated))
        else:
            _up(ctx)


def _steps(ctx: DeployContext) -> int:
    return 2 if ctx.dry_run or emulated() else 3


def _workspace_env(config: Config) -> dict[str, str]:
    """The Pulumi engine's environment: the state backend and this env's AWS credentials."""
    env = {"PULUMI_BACKEND_URL": backend_url(config), "AWS_REGION": config.aws_region}
    # aws_credentials refuses half a key pair (ConfigError naming the missing variable);
    # None leaves the engine on the default chain.
    credentials = aws_credentials(config) or {}
    env.update({name.upper(): value for name, value in credentials.items()})
    return env


def _up(ctx: DeployContext) -> None:
    from pulumi import automation as auto

    config = ctx.config
    ctx.step(2, 3, f"logging in to {backend_url(config)} (secrets: {secrets_provider(config)})")
    workspace = auto.LocalWorkspaceOptions(
        work_dir=str(infra_dir()),
        pulumi_command=auto.PulumiCommand(root=find_pulumi_root()),
        env_vars=_workspace_env(config),
        secrets_provider=secrets_provider(config),
    )
    stack = auto.create_or_select_stack(
        stack_name=ctx.env.value, project_name=project_name(), program=run_in_engine, opts=workspace
    )
    ctx.step(3, 3, f"pulumi up on stack {ctx.env.value} (Automation API, inline program)")
    result = stack.up(on_output=lambda line: ctx.log(line.rstrip()), color="never")
    changes = ", ".join(f"{k}={v}" for k, v in (result.summary.resource_changes or {}).items())
    ctx.detail("resource_changes", dict(result.summary.resource_changes or {}))
    ctx.log(f"pulumi up {result.summary.result}: {changes or 'no changes'}")


def main(
    argv: Sequence[str] | None = None,
    *,
    overrides: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Deploy the infrastructure stack of one environment; returns the exit code."""
    return deploy_main(InfrastructureDeploy(), argv, overrides=overrides, out=out, err=err)


if __name__ == "__main__":
    raise SystemExit(main())
