"""The worker runtime's entry point: ``python3.11 worker.pex [--env ENV]``.

What the container runs (and the rehearsal, from the PEX the ledger records): a
Prefect process worker on the env's work pool. It finds the env's Prefect API through
finks_config (``PREFECT_API_URL``, else SSM ``/{env}/prefect/api_url``) and its
credentials in ``/{env}/prefect/api_key`` (unless the task definition already injected
them), checks that the artifact holds everything a flow run needs (flows, dbt project,
env files), and polls. Flow runs are child processes of this PEX's own interpreter:
the code that runs is the code that was deployed, with no pull step and no repository.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Sequence
from types import FrameType

import finks_config.aws
from finks_config import repo_root
from finks_config.cli import ArgumentParser, Invocation, add_env_argument, doing, run_cli
from finks_pipelines.settings import PROJECT_CONFIG_DIR


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="worker.pex", description="Run a Prefect process worker for one environment."
    )
    add_env_argument(parser)
    parser.add_argument("--name", help="worker name shown in the Prefect UI (default: host-pid)")
    parser.add_argument("--limit", type=int, help="flow runs this worker runs at once")
    parser.add_argument(
        "--run-once", action="store_true", help="poll once, wait for those runs, exit"
    )
    return parser


def check_runtime() -> list[str]:
    """Prove the artifact is complete before polling: flows import, dbt and env files found."""
    import finks_dbt
    from finks_pipelines.flows import FLOWS

    root = repo_root()
    env_file = root / "libs" / "config" / ".env.example"
    if not env_file.is_file():
        raise finks_config.ConfigError(
            f"the worker runtime has no env files under {root}",
            fix="rebuild it: ./pants package pipelines:worker",
        )
    return [
        f"flows: {', '.join(sorted(FLOWS))}",
        f"dbt project: {finks_dbt.project_dir()}",
        f"env files: {env_file.parent}",
    ]


def _stop_on_sigterm() -> None:
    """ECS stops a task with SIGTERM: stop polling the way Ctrl-C does."""

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def _run(cli: Invocation) -> int:
    config = cli.config(PROJECT_CONFIG_DIR)
    with doing(f"finding the {cli.env.value} Prefect API"):
        api_url = finks_config.aws.prefect_api_url(config)
    from finks_pipelines.deployments import api_auth, prefect_client

    auth = api_auth(config)
    # Flow runs are child processes: they read the API and its auth from the environment.
    os.environ.update({"PREFECT_API_URL": api_url, "ENVIRONMENT": cli.env.value, **auth})
    for line in check_runtime():
        cli.echo(f"{config.indicator} {line}")

    from prefect.workers.process import ProcessWorker

    name = cli.args.name or f"{socket.gethostname()}-{os.getpid()}"
    pool = config.prefect_work_pool
    cli.echo(f"{config.indicator} worker {name} polling work pool {pool} at {api_url}")
    worker = ProcessWorker(
        work_pool_name=pool, name=name, limit=cli.args.limit, create_pool_if_not_found=False
    )
    _stop_on_sigterm()
    with prefect_client(api_url, auth):  # this process's settings: the same API and auth
        asyncio.run(worker.start(run_once=cli.args.run_once))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli(
        "worker",
        _run,
        argv,
        parser=build_parser(),
        banner="finks worker",
        interrupted_hint="worker stopped",
    )


if __name__ == "__main__":
    sys.exit(main())
