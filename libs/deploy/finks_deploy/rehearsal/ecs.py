"""The rehearsal's stand-in for ECS: each env's workers, run from the artifact it deployed.

Without a Docker engine the pipelines deploy builds no image and updates no ECS service,
so the rehearsal does what the service would: when an env's Prefect deployments start
carrying a new worker digest (tag ``artifact:worker.pex:sha256:...``), it downloads that
worker PEX from the env's artifacts bucket (the key the env's ledger records) and
restarts the env's workers from it the way the container runs it: ``python3.11
worker.pex`` in an empty directory, a clean environment (no repository, no PYTHONPATH),
``ENVIRONMENT`` set, the worker task role's credentials, and FMP pointed at the local
FMP server through an environment override.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from finks_deploy.rehearsal import probes
from finks_deploy.rehearsal.accounts import EmulatedAccount
from finks_deploy.rehearsal.broker import Broker
from finks_local.processes import ManagedProcess, ProcessRegistry

WORKER_ROLE = "finks-{env}-worker-task"
POLL_SECONDS = 2.0
MAX_FAILURES = 10  # per digest: then the scenario that needs the workers reports it


def interpreter(version: str) -> str:
    """This machine's ``python{version}`` (PATH, then pyenv), as the setup-python stand-in."""
    candidates = [shutil.which(f"python{version}")]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates += [
        str(p) for p in sorted(pyenv.glob(f"{version}.*/bin/python{version}"), reverse=True)
    ]
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True
        )
        if probe.returncode == 0:
            return probe.stdout.strip()
    raise FileNotFoundError(
        f"no python{version} on this machine (the worker PEX needs CPython {version})"
    )


def deployed_digests(account: EmulatedAccount) -> set[str]:
    """The worker digests the env's Prefect deployments carry."""
    return {
        digest
        for deployment in probes.deployments(account).values()
        if (digest := deployment.digests.get("worker.pex"))
    }


@dataclass
class Fleet:
    """One env's running workers and the digest they run."""

    digest: str | None = None
    workers: list[ManagedProcess] = field(default_factory=list)
    starts: int = 0
    failures: dict[str, int] = field(default_factory=dict)  # digest -> failed starts


@dataclass
class EcsStandIn:
    """Keeps each env's workers on the digest its deployments carry (see the module docstring)."""

    accounts: Mapping[str, EmulatedAccount]
    counts: Mapping[str, int]  # env -> desired workers (0: none)
    broker: Broker
    registry: ProcessRegistry
    work: Path
    fmp_url: str
    download: Callable[[EmulatedAccount, str, Path], None]  # (account, digest, dest)
    say: Callable[[str], None] = print
    fleets: dict[str, Fleet] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        """Poll from one long-lived thread (it starts the workers, so they live as long as it)."""
        self._thread = threading.Thread(target=self._loop, name="rehearsal-ecs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                for env, count in self.counts.items():
                    if count > 0 and self.accounts[env].prefect.running():
                        self._sync(env, count)
                self._stop.wait(POLL_SECONDS)
        finally:
            for fleet in self.fleets.values():
                for worker in fleet.workers:
                    worker.stop()

    def _sync(self, env: str, count: int) -> None:
        fleet = self.fleets.setdefault(env, Fleet())
        try:
            digests = deployed_digests(self.accounts[env])
        except OSError:
            return  # the API is restarting or down (a scenario stopped it): try again later
        if len(digests) != 1 or fleet.digest in digests:
            return  # nothing new deployed (or a deploy is half-way: two digests)
        digest = digests.pop()
        if fleet.failures.get(digest, 0) >= MAX_FAILURES:
            return
        try:
            self._replace(env, fleet, digest, count)
        except Exception as error:  # retried next poll; reported by the scenario needing them
            fleet.failures[digest] = fleet.failures.get(digest, 0) + 1
            message = f"{env}: starting workers of {digest[:12]} failed: {error}"
            if message not in self.errors:
                self.errors.append(message)
                self.say(f"ECS stand-in: {message} (retrying)")

    def _replace(self, env: str, fleet: Fleet, digest: str, count: int) -> None:
        account = self.accounts[env]
        base = self.work / env
        pex = base / "artifacts" / digest / "worker.pex"
        if not pex.exists():
            pex.parent.mkdir(parents=True, exist_ok=True)
            self.download(account, digest, pex)
        for worker in fleet.workers:
            worker.stop()
        grant = self.broker.assume(
            account.role_arn(WORKER_ROLE.format(env=env)), f"ecs-{env}", "ecs:worker"
        )
        python = interpreter("3.11")
        fleet.workers = []
        for index in range(count):
            fleet.starts += 1
            run_dir = base / f"task-{fleet.starts}"
            for empty in ("home", "cwd"):
                (run_dir / empty).mkdir(parents=True, exist_ok=True)
            env_vars = {
                "PATH": f"{Path(python).parent}:/usr/bin:/bin",
                "HOME": str(run_dir / "home"),
                "LANG": "C.UTF-8",
                "ENVIRONMENT": env,
                "PEX_ROOT": str(self.work / "pex-root"),  # the container's image holds it unpacked
                "AWS_ACCESS_KEY_ID": grant["access_key_id"],
                "AWS_SECRET_ACCESS_KEY": grant["secret_access_key"],
                "AWS_SESSION_TOKEN": grant["session_token"],
                "AWS_REGION": account.region,
                "AWS_DEFAULT_REGION": account.region,
                "AWS_ENDPOINT_URL": account.endpoint,
                f"FINKS_{env.upper()}_AWS_ENDPOINT_URL": account.endpoint,
                "AWS_CONFIG_FILE": "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
                "AWS_EC2_METADATA_DISABLED": "true",
                "FMP_BASE_URL": self.fmp_url,
                "FINKS_EMULATED_ATHENA": "1",
            }
            fleet.workers.append(
                self.registry.start(
                    f"{env} worker {index + 1} ({digest[:12]})",
                    [python, str(pex)],
                    env_vars,
                    run_dir / "worker.log",
                    cwd=run_dir / "cwd",
                )
            )
        fleet.digest = digest
        self.say(f"ECS stand-in: {env} runs {count} worker(s) of worker.pex {digest[:12]}")
