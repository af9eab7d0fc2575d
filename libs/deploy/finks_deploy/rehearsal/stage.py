"""The rehearsal's stage: the throwaway repository, the accounts, and how to push to them.

``Stage.open`` does what the README's release checklist asks a person to do once (admin
per account, the state backend, the first infrastructure deploy, the secrets' values, the
repository variables), then ``Stage.push`` runs the real deploy workflow under act for one
push (or another event) and returns what act did.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import finks_config
from finks_deploy.rehearsal import broker as broker_mod
from finks_deploy.rehearsal import probes, standins
from finks_deploy.rehearsal.accounts import EmulatedAccount, start_accounts
from finks_deploy.rehearsal.act import ActRun, run_act
from finks_deploy.rehearsal.ecs import EcsStandIn
from finks_deploy.rehearsal.repo import ThrowawayRepo, source_files
from finks_local.fmp import LOCAL_FMP_API_KEY, LocalFmpServer
from finks_local.processes import ProcessRegistry

if TYPE_CHECKING:
    from finks_pipelines.checks.settings import ChecksSettings

# The rehearsal's "today": the local FMP server serves data up to it and the checks run at it.
AS_OF = date(2026, 11, 30)
# What CI lints, checks and tests on the rehearsal's pushes (FINKS_CI_TARGETS): a small real
# target, because the full suite includes this rehearsal (see README "Deploys").
CI_TARGETS = "build-support/finks_build/tests/test_junit_summary.py"
WORKFLOW = ".github/workflows/deploy.yml"
# The release a person tags to deploy prod's infrastructure the first time (README checklist).
FIRST_RELEASE = "v0.1.0"
DEPLOY_ROLE = "finks-{env}-github-deploy"
LEDGER_ROLE = "finks-{env}-ledger-reader"
# What stands in for the cloud in every scenario (the README lists them too).
STANDING_SUBSTITUTIONS = (
    "GitHub Actions: nektos/act runs the real workflow files on this machine (host mode);"
    " environments are accepted, approvals are not asked",
    "remote actions: setup-python uses this machine's interpreters, cache does nothing,"
    " pulumi/actions installs nothing and sets FINKS_PULUMI_EMULATE=1",
    "GitHub OIDC: configure-aws-credentials' stand-in gets the named role from a broker that"
    " calls sts:AssumeRoleWithWebIdentity signed with the account's admin key (moto cannot serve"
    " the unsigned call under IAM enforcement; trust-policy subjects are not evaluated)",
    "AWS: one moto server per env (accounts 111111111111/222222222222/333333333333), IAM"
    " enforced after the bootstrap admin is created",
    "pulumi up: infrastructure:deploy applies the resources the program renders under Pulumi's"
    " mocks to the emulated account (finks_infra.emulate); the Prefect URL it publishes is the"
    " env's local Prefect API (FINKS_EMULATED_PREFECT_API_URL)",
    "the cloud Prefect server (ECS + RDS): one local `prefect server` per env, basic auth from"
    " /{env}/prefect/api_key",
    "ECS: no containers; the env's workers run from the worker PEX its ledger records"
    " (python3.11 worker.pex, empty dir, clean env), restarted when the deployed digest changes",
    f"CI on the rehearsal's pushes lints, checks and tests {CI_TARGETS} (FINKS_CI_TARGETS),"
    " not every target: the full suite contains this rehearsal",
    "FMP: the local FMP server (FMP_BASE_URL override on the workers)",
)
# Clean, so nothing of this machine (credentials, PYTHONPATH, a personal AWS profile) reaches a job.
_CLEAN_PATH = "/usr/local/bin:/usr/bin:/bin"


def clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    """A job's environment: PATH, HOME (Pants' caches), no AWS files, nothing else of ours."""
    env = {
        "PATH": _CLEAN_PATH,
        "HOME": os.environ.get("HOME", "/root"),
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EC2_METADATA_DISABLED": "true",
        # No daemon may outlive its job: each job's workspace is a fresh copy.
        "PANTS_PANTSD": "false",
        "NO_SCIE_WARNING": "1",
    }
    if "PYENV_ROOT" in os.environ:
        env["PYENV_ROOT"] = os.environ["PYENV_ROOT"]
    env.update(extra)
    return env


@dataclass
class Stage:
    """Everything the scenarios share (see the module docstring)."""

    work: Path
    repo: ThrowawayRepo
    accounts: dict[str, EmulatedAccount]
    broker: broker_mod.Broker
    broker_url: str
    ecs: EcsStandIn
    local_actions: dict[str, Path]
    say: Callable[[str], None]
    substitutions: list[str] = field(default_factory=list)

    # ---- pushing -------------------------------------------------------------------------
    @property
    def variables(self) -> dict[str, str]:
        """The repository variables a person sets once (README checklist): the stacks' roles."""
        found = {"FINKS_CI_TARGETS": CI_TARGETS, "FINKS_CHECK_AS_OF": AS_OF.isoformat()}
        for env, account in self.accounts.items():
            found[f"FINKS_DEPLOY_ROLE_{env.upper()}"] = account.role_arn(
                DEPLOY_ROLE.format(env=env)
            )
            found[f"FINKS_LEDGER_ROLE_{env.upper()}"] = account.role_arn(
                LEDGER_ROLE.format(env=env)
            )
        return found

    def act(self, event: str, payload: Mapping[str, Any], *, workflow: str = WORKFLOW) -> ActRun:
        return run_act(
            self.repo.root,
            event,
            payload,
            workflow=workflow,
            env=clean_env(
                {"FINKS_REHEARSAL_BROKER": self.broker_url, "TMPDIR": str(self.work / "tmp")}
            ),
            variables=self.variables,
            local_actions=self.local_actions,
            work=self.work / "act",
            say=self.say,
        )

    def push_main(self) -> ActRun:
        """``git push origin main`` of the checked-out main branch."""
        self.repo.checkout("main")
        return self.act("push", self._push_payload("refs/heads/main"))

    def push_tag(self, tag: str, rev: str) -> ActRun:
        """Tag ``rev`` and push the tag (act runs the tagged commit, checked out)."""
        self.repo.tag(tag, rev)
        self.repo.checkout(tag)
        try:
            return self.act("push", self._push_payload(f"refs/tags/{tag}"))
        finally:
            self.repo.checkout("main")

    def publish_release(self, tag: str) -> ActRun:
        """A ``release: published`` event for an already pushed tag (every workflow file)."""
        self.repo.checkout(tag)
        try:
            payload = {
                **self._push_payload(f"refs/tags/{tag}"),
                "action": "published",
                "release": {"tag_name": tag, "prerelease": False, "draft": False},
            }
            return self.act("release", payload, workflow=".github/workflows/")
        finally:
            self.repo.checkout("main")

    def _push_payload(self, ref: str) -> dict[str, Any]:
        return {
            "ref": ref,
            "after": self.repo.head,
            "repository": {"full_name": "finks/finks", "default_branch": "main"},
            "pusher": {"name": "rehearsal"},
        }

    # ---- looking -------------------------------------------------------------------------
    def states(self, projects: Sequence[str]) -> dict[str, probes.EnvState]:
        return {env: probes.env_state(account, projects) for env, account in self.accounts.items()}

    def fingerprint(self, env: str) -> dict[str, str]:
        """A digest per service of what the env's account holds (``probes.holdings``).

        Listed through the admin's clients, not moto's /moto-api/data.json: that answers 500
        once a bucket holds certain objects under a non-default account id (seen after b).
        """
        return {
            service: hashlib.sha256(json.dumps(v, sort_keys=True, default=str).encode()).hexdigest()
            for service, v in probes.holdings(self.accounts[env]).items()
        }

    def substitute(self, line: str) -> None:
        """Say, once, that the rehearsal stands in for something the emulator cannot do."""
        if line not in self.substitutions:
            self.substitutions.append(line)
            self.say(f"substitution: {line}")

    # ---- the one-time setup, as a person does it ---------------------------------------
    def command(
        self, argv: Sequence[str], *, env: str | None = None, extra: Mapping[str, str] | None = None
    ) -> str:
        """Run ``argv`` in the repository as a person would: logged in to ``env`` as its admin."""
        self.say(f"[{env or 'no account'}] $ {' '.join(argv)}")
        login = self.accounts[env].admin_env() if env else {}
        result = subprocess.run(
            list(argv),
            cwd=self.repo.root,
            env=clean_env({**login, **(extra or {}), "TMPDIR": str(self.work / "tmp")}),
            capture_output=True,
            text=True,
            timeout=1800,
        )
        output = result.stdout + result.stderr
        if result.returncode != 0:
            tail = "\n".join(output.strip().splitlines()[-15:])
            raise RuntimeError(f"`{' '.join(argv)}` exited {result.returncode}:\n{tail}")
        return output

    def set_up_account(self, env: str) -> None:
        """State backend, first infrastructure deploy (it creates the roles), secret values."""
        account = self.accounts[env]
        self.command(["dist/infrastructure/bootstrap.pex", "--env", env], env=env)
        extra = {"FINKS_PULUMI_EMULATE": "1", "FINKS_EMULATED_PREFECT_API_URL": account.prefect.url}
        if env == "prod":
            # Prod takes only a release staging ran: the person tags the base commit (staging's
            # infrastructure runs it) and reads the staging ledger with their staging login.
            self.repo.tag(FIRST_RELEASE)
            staging = self.accounts["staging"].admin_env()
            extra |= {k: v for k, v in staging.items() if k.startswith("FINKS_STAGING_")}
        self.command(["dist/infrastructure/deploy.pex", "--env", env], env=env, extra=extra)
        config = probes.env_config(account)
        values = {
            config.secret_path("prefect"): account.prefect_auth,
            config.secret_path("fmp"): LOCAL_FMP_API_KEY,
            config.secret_path("slack", "webhook_url"): f"http://127.0.0.1:9/slack/{env}",
        }
        manager = account.client("secretsmanager")
        for name, value in values.items():
            try:
                manager.put_secret_value(SecretId=name, SecretString=value)
            except manager.exceptions.ResourceNotFoundException:
                manager.create_secret(Name=name, SecretString=value)
        self.say(f"[{env}] secrets set: {', '.join(sorted(values))}")


def download_worker(account: EmulatedAccount, digest: str, dest: Path) -> None:
    """The worker PEX of ``digest`` from the env's artifacts bucket (content-addressed key),
    checked against the digest: the bytes the deploy shipped, nothing rebuilt here."""
    from finks_deploy.artifacts import artifact_key

    config = probes.env_config(account)
    key = artifact_key("pipelines", digest, "worker.pex")
    body = account.client("s3").get_object(Bucket=config.artifacts_bucket, Key=key)["Body"]
    hasher = hashlib.sha256()
    partial = dest.with_suffix(".part")
    with partial.open("wb") as handle:
        for chunk in iter(lambda: body.read(1 << 20), b""):
            hasher.update(chunk)
            handle.write(chunk)
    if hasher.hexdigest() != digest:
        partial.unlink()
        raise RuntimeError(f"s3://{config.artifacts_bucket}/{key} does not hash to {digest}")
    partial.chmod(0o755)
    partial.replace(dest)


def checks_settings(env: str) -> ChecksSettings:
    """The env's post-deploy check keys (pipelines/config), validated as ``pipelines:check``
    validates them (defaults included: unset CHECK_SYMBOLS is the check's AAPL,MSFT)."""
    from finks_pipelines.checks.settings import ChecksSettings

    config = finks_config.load_config("pipelines/config", finks_config.Environment.parse(env))
    return config.section(ChecksSettings)


def worker_counts(accounts: Mapping[str, EmulatedAccount]) -> dict[str, int]:
    """How many workers each env's ECS stand-in runs: prod what its smoke check counts."""
    counts = {"dev": 0, "staging": 1}
    if "prod" in accounts:
        counts["prod"] = checks_settings("prod").check_workers
    return {env: n for env, n in counts.items() if env in accounts}


@contextmanager
def opened(
    source: Path,
    work: Path,
    say: Callable[[str], None],
    envs: Sequence[str] = ("dev", "staging", "prod"),
) -> Iterator[Stage]:
    """The stage, set up once; every server and worker stopped on exit."""
    started = time.monotonic()
    (work / "tmp").mkdir(parents=True, exist_ok=True)
    repo = ThrowawayRepo.create(source, work / "repo", source_files(source))
    say(f"throwaway repository {repo.root} at {repo.head[:12]} (the tree of {source})")
    local_actions = standins.materialize(repo.root, work / "standins")
    registry = ProcessRegistry(work / "processes.json")
    with ExitStack() as stack:
        stack.callback(registry.stop_all)
        say("starting the emulated accounts (moto with IAM enforced) and their Prefect APIs")
        accounts = start_accounts(registry, work / "accounts", envs)
        fmp = stack.enter_context(LocalFmpServer(as_of=AS_OF))
        broker = broker_mod.Broker({a.account_id: a.access() for a in accounts.values()})
        broker_url = stack.enter_context(broker_mod.serving(broker))
        ecs = EcsStandIn(
            accounts=accounts,
            counts=worker_counts(accounts),
            broker=broker,
            registry=registry,
            work=work / "workers",
            fmp_url=fmp.url,
            download=download_worker,
            say=say,
        )
        stage = Stage(
            work=work,
            repo=repo,
            accounts=accounts,
            broker=broker,
            broker_url=broker_url,
            ecs=ecs,
            local_actions=local_actions,
            say=say,
        )
        for line in STANDING_SUBSTITUTIONS:
            stage.substitute(line)
        # One Pants run builds both one-time commands (the same binaries `./pants run` runs).
        stage.command(["./pants", "package", "infrastructure:bootstrap", "infrastructure:deploy"])
        for env in envs:
            stage.set_up_account(env)
        ecs.start()
        stack.callback(ecs.stop)
        say(f"stage ready in {time.monotonic() - started:.0f}s")
        yield stage
