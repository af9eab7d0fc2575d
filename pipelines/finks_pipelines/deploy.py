"""``./pants run pipelines:deploy -- --env ENV [--dry-run]``: the pipelines project's deploy.

What it builds: the worker runtime (``pipelines:worker``, one reproducible PEX per commit).
How it applies it, as desired state on the env's Prefect API: the FMP rate limit, the work
pool with its concurrency limit, the three deployments (carrying the PEX digest; stale
ones removed), the Slack block and the alert automations; then the image and the ECS
worker service when there is an image to run. Everything else (flags, prod rule, lock,
upload, ledger, exit codes) is the deploy contract's (finks_deploy).

``--env local`` is the whole platform on this machine: the embedded stack starts first
(its S3 holds the ledger and lock), the deploy applies the same desired state to its
Prefect API, runs ``medallion`` once for ``--as-of`` and prints the gold summary and the
report's path; ``--serve`` keeps the Prefect UI and dbt docs up afterwards.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from prefect.client.orchestration import SyncPrefectClient

import finks_config.aws
from finks_config import ConfigError, Environment, load_config
from finks_config.cli import doing
from finks_deploy import Artifact, DeployContext, Project, deploy_main
from finks_pipelines import automations, limits, local_run, runtime
from finks_pipelines.deployments import (
    WORKER_ARTIFACT,
    Applied,
    api_auth,
    apply_all,
    desired_deployments,
    prefect_client,
)
from finks_pipelines.flows import MEDALLION
from finks_pipelines.local_stack import LocalStack, local_paths, running_local_stack
from finks_pipelines.notify import SLACK_NAME, SLACK_SERVICE
from finks_pipelines.settings import (
    PROJECT_CONFIG_DIR,
    PipelinesSettings,
    default_as_of,
    load_settings,
    parse_as_of,
)


class PipelinesDeploy(Project):
    """The pipelines project: the worker runtime and the env's Prefect desired state."""

    name = "pipelines"
    config_dir = PROJECT_CONFIG_DIR

    def __init__(self) -> None:
        self.stack: LocalStack | None = None
        self.api_url: str | None = None
        self.auth: dict[str, str] = {}
        self.webhook_url: str | None = None
        self.settings: PipelinesSettings | None = None
        self.pex: Path | None = None
        self.work_dir = Path(tempfile.gettempdir())

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--worker-pex", metavar="PATH", help="the worker PEX to ship (default: build it now)"
        )
        parser.add_argument(
            "--image",
            metavar="REF@sha256:D",
            help="a pushed worker image to roll ECS to (default: build and push when Docker runs)",
        )
        local = parser.add_argument_group("--env local (the platform on this machine)")
        local.add_argument("--as-of", type=parse_as_of, help="the run's date (default: today)")
        local.add_argument("--symbols", metavar="A,B", help="symbols (default PIPELINE_SYMBOLS)")
        local.add_argument("--no-run", action="store_true", help="deploy, do not run medallion")
        local.add_argument(
            "--serve", action="store_true", help="keep the Prefect UI and dbt docs up after the run"
        )
        local.add_argument(
            "--state-dir", metavar="DIR", help="state directory (default .finks/local)"
        )
        local.add_argument(
            "--wait",
            type=float,
            default=0.0,
            metavar="SECONDS",
            help="wait this long for another local run holding the state directory",
        )

    @contextmanager
    def environment(
        self, env: Environment, args: argparse.Namespace
    ) -> Iterator[Mapping[str, str]]:
        """``local`` (not a dry run): the embedded stack, for the whole deploy and run."""
        if env is not Environment.LOCAL or args.dry_run:
            with tempfile.TemporaryDirectory(prefix="finks-pipelines-deploy-") as tmp:
                self.work_dir = Path(tmp)  # the canonical worker PEX, for this deploy only
                yield {}
            return
        from finks_local.state import StateDirBusy

        args.as_of = args.as_of or default_as_of(load_config(PROJECT_CONFIG_DIR, env))
        paths = local_paths(args.state_dir)
        say = _say(env)
        say(f"starting the embedded platform under {paths.root} (as of {args.as_of})")
        try:
            with running_local_stack(
                paths, say, as_of=args.as_of, ui=args.serve, wait=args.wait
            ) as stack:
                self.stack = stack
                yield stack.overrides
        except StateDirBusy as busy:
            raise ConfigError(str(busy)) from None

    def preflight(self, ctx: DeployContext) -> None:
        # the pipelines keys, validated (exit 2 names file and key); kept for apply
        self.settings = load_settings(ctx.config)
        if ctx.args.image:
            runtime.check_image_ref(ctx.args.image)
        if self.stack is not None or ctx.env is Environment.LOCAL:
            self.api_url = self.stack.prefect_url if self.stack else None
            self.webhook_url = _optional_webhook(ctx)
            return
        try:
            self.api_url = finks_config.aws.prefect_api_url(ctx.config)
            self.auth = api_auth(ctx.config)
            _check_api(self.api_url, self.auth, ctx)
            self.webhook_url = finks_config.aws.get_secret(
                ctx.config, SLACK_SERVICE, SLACK_NAME
            ).get_secret_value()
        except Exception as error:  # - a dry run previews what it can
            ctx.preview_failure(error)
            self.api_url = None

    def build(self, ctx: DeployContext) -> Sequence[Artifact]:
        if ctx.env is Environment.LOCAL:
            return ()  # the local platform runs the flows in-process, from this checkout
        if ctx.dry_run and not ctx.args.worker_pex:
            ctx.log("dry run: not building the worker PEX (pass --worker-pex to see its digest)")
            return ()
        self.pex = runtime.worker_pex(ctx.args.worker_pex, ctx.log, self.work_dir)
        return [Artifact(WORKER_ARTIFACT, self.pex)]

    def apply(self, ctx: DeployContext) -> None:
        if self.api_url is None:
            ctx.log("dry run: no Prefect API to compare with; nothing else to show")
            return
        local = self.stack is not None
        steps = 4 if not local else (3 if ctx.args.no_run else 5)
        changes = self._apply_prefect(ctx, self.api_url, steps)
        if local:
            self._run_local(ctx, steps)
            return
        ctx.step(4, steps, "worker image and ECS service")
        changes += self._apply_runtime(ctx)
        verb = "would change" if ctx.dry_run else "changed"
        ctx.log(f"{len([a for a in changes if a.changed])} object(s) {verb}")

    def _apply_prefect(self, ctx: DeployContext, api_url: str, steps: int) -> list[Applied]:
        assert self.settings is not None  # preflight() ran
        config, settings = ctx.config, self.settings
        digest = ctx.artifacts[WORKER_ARTIFACT].sha256 if WORKER_ARTIFACT in ctx.artifacts else None
        specs = desired_deployments(config, settings, ctx.git_sha, digest)
        done: list[Applied] = []
        with prefect_client(api_url, self.auth) as client:
            ctx.step(1, steps, f"FMP rate limit on {api_url}")
            spec = limits.fmp_rate_limit(config)
            action, fields = limits.apply_rate_limit(client, spec, dry_run=ctx.dry_run)
            done.append(Applied(f"rate limit {spec.name}", action, fields, ctx.dry_run))
            ctx.log(done[-1].line())
            ctx.step(2, steps, "work pool and deployments")
            done += apply_all(client, config, settings, specs, ctx.log, dry_run=ctx.dry_run)
            ctx.step(3, steps, "alert automations")
            done += self._apply_alerts(ctx, client, settings)
        ctx.detail("deployments", [s.full_name for s in specs])
        return done

    def _apply_alerts(
        self, ctx: DeployContext, client: SyncPrefectClient, settings: PipelinesSettings
    ) -> list[Applied]:
        if self.webhook_url is None:
            secret = ctx.config.secret_path(SLACK_SERVICE, SLACK_NAME)
            ctx.log(f"local: no Slack webhook ({secret}); alert automations not applied")
            return []
        block, notifier = automations.ensure_slack_block(
            client, ctx.config, self.webhook_url, dry_run=ctx.dry_run
        )
        wanted = automations.desired_automations(ctx.config, settings, notifier)
        done = [block, *automations.apply_automations(client, ctx.config, wanted, ctx.dry_run)]
        for applied in done:
            ctx.log(applied.line())
        return done

    def _apply_runtime(self, ctx: DeployContext) -> list[Applied]:
        image = ctx.args.image
        if image is None and self.pex is not None and runtime.docker_engine():
            if ctx.dry_run:
                ctx.log("dry run: would build and push the worker image")
                return []
            image = runtime.push_image(ctx.config, self.pex, ctx.log)
        if image is None:
            ctx.log(
                "no Docker engine here: the worker image is not built or pushed, and the ECS"
                " worker service keeps its task definition (pass --image REF@sha256:D for an"
                " image pushed elsewhere); the worker PEX above is uploaded and recorded"
            )
            ctx.detail("image", None)
            return []
        ctx.detail("image", image)
        done = runtime.roll_out(ctx.config, image, dry_run=ctx.dry_run)
        for applied in done:
            ctx.log(applied.line())
        return done

    def _run_local(self, ctx: DeployContext, steps: int) -> None:
        stack, args = self.stack, ctx.args
        assert stack is not None
        if args.no_run:
            ctx.log("--no-run: deployed, not running medallion")
            return
        as_of: date = args.as_of
        symbols = [s.strip().upper() for s in (args.symbols or "").split(",") if s.strip()]
        ctx.step(4, steps, f"running {ctx.config.deployment_name(MEDALLION)} for {as_of}")
        result = local_run.run_medallion(ctx.config, stack, ctx.log, as_of=as_of, symbols=symbols)
        ctx.log(f"{result.flow_run_name}: {result.state} in {result.elapsed:.1f}s")
        ctx.step(5, steps, "gold summary")
        for line in local_run.gold_summary(stack, ctx.config, as_of=as_of, symbols=symbols):
            ctx.log(line)
        from finks_pipelines.report import report_local

        report_local(ctx.config, stack, ctx.log)
        if args.serve:
            from finks_pipelines.serve import serve_local

            serve_local(ctx.config, stack, ctx.log, flow_run_id=result.flow_run_id)


def _say(env: Environment) -> Callable[[str], None]:
    def say(message: str) -> None:
        print(f"{env.indicator} {message}", flush=True)

    return say


def _check_api(api_url: str, auth: dict[str, str], ctx: DeployContext) -> None:
    """The Prefect API answers before anything changes (unreachable: exit 2, one line)."""
    with doing(f"checking the {ctx.env.value} Prefect API at {api_url}"), prefect_client(
        api_url, auth
    ) as client:
        failure = client.api_healthcheck()
    if failure is not None:
        raise failure


def _optional_webhook(ctx: DeployContext) -> str | None:
    """``local`` alerts only when a webhook stand-in is configured."""
    try:
        return finks_config.aws.get_secret(ctx.config, SLACK_SERVICE, SLACK_NAME).get_secret_value()
    except ConfigError:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    return deploy_main(PipelinesDeploy(), argv)


if __name__ == "__main__":
    raise SystemExit(main())
