"""``./pants run infrastructure:deploy -- --env ENV [--dry-run]``.

``--dry-run`` renders the stack offline through Pulumi's mocks engine (no AWS
account, no Pulumi CLI) and prints what it holds. A real deploy runs ``up`` on
stack ENV through the Automation API with this repository's Pulumi.yaml and
Pulumi.ENV.yaml; the prod release rules come from finks_deploy's ``run_deploy``.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from finks_config import Config
from finks_deploy import DeployContext, UsageError, run_deploy
from finks_infra.offline import render_stack
from finks_infra.program import check_settings, run_in_engine
from finks_infra.report import render_table, summarize
from finks_infra.stack_config import (
    StackConfig,
    infra_dir,
    load_stack_config,
    project_name,
    stack_file,
)

PROJECT = "infrastructure"

INSTALL_HINT = (
    "install it (https://www.pulumi.com/docs/install/: `curl -fsSL https://get.pulumi.com | sh`"
    " or `brew install pulumi/tap/pulumi`), log in to the state backend (`pulumi login`), and"
    " run again; `--dry-run` works without it"
)


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


def _dry_run(ctx: DeployContext, settings: StackConfig) -> None:
    ctx.step(2, 2, "rendering the stack offline through Pulumi's mocks engine (no AWS, no CLI)")
    resources = render_stack(settings, ctx.config)
    print(render_table(resources), file=ctx.out, flush=True)
    ctx.log(f"dry run: stack {ctx.env.value} would hold {summarize(resources)}; nothing changed")


def _up(ctx: DeployContext) -> None:
    from pulumi import automation as auto

    ctx.step(2, 3, "looking for the pulumi CLI")
    command = auto.PulumiCommand(root=find_pulumi_root())
    env_vars = _workspace_env(ctx.config)
    ctx.step(3, 3, f"pulumi up on stack {ctx.env.value} (Automation API, inline program)")
    workspace = auto.LocalWorkspaceOptions(
        work_dir=str(infra_dir()), pulumi_command=command, env_vars=env_vars
    )
    stack = auto.create_or_select_stack(
        stack_name=ctx.env.value,
        project_name=project_name(),
        program=run_in_engine,
        opts=workspace,
    )
    result = stack.up(on_output=lambda line: ctx.log(line.rstrip()), color="never")
    changes = ", ".join(f"{k}={v}" for k, v in (result.summary.resource_changes or {}).items())
    ctx.log(f"pulumi up {result.summary.result}: {changes or 'no changes'}")


def _workspace_env(config: Config) -> Mapping[str, str]:
    backend = config.raw("PULUMI_BACKEND_URL")
    return {"PULUMI_BACKEND_URL": backend} if backend else {}


def _deploy(ctx: DeployContext) -> None:
    steps = 2 if ctx.dry_run else 3
    ctx.step(1, steps, f"validating {PROJECT}/{stack_file(ctx.env.value).name}")
    settings = load_stack_config(ctx.env.value)
    check_settings(settings, ctx.config)
    if ctx.dry_run:
        _dry_run(ctx, settings)
    else:
        _up(ctx)


def main(
    argv: Sequence[str] | None = None,
    *,
    overrides: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Deploy the infrastructure stack of one environment; returns the exit code."""
    return run_deploy(PROJECT, _deploy, argv, overrides=overrides, out=out, err=err)


if __name__ == "__main__":
    raise SystemExit(main())
