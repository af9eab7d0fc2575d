"""The env's work pool and deployments on its Prefect API, applied as desired state.

Why a desired-state diff instead of ``flow.deploy()``: a re-deploy of the same commit
must change nothing (no new versions, no schedule churn), a deployment no longer in
the desired set must go (with its schedule), and a dry run must list the difference.
Deployments carry no pull step: the worker runs the runtime artifact (the worker PEX),
whose digest each deployment carries as a tag so a smoke check can compare it with
the ledger.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from prefect import Flow
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.actions import (
    DeploymentScheduleCreate,
    DeploymentUpdate,
    WorkPoolCreate,
    WorkPoolUpdate,
)
from prefect.client.schemas.filters import WorkPoolFilter, WorkPoolFilterName
from prefect.client.schemas.schedules import CronSchedule
from prefect.exceptions import ObjectNotFound
from prefect.settings import (
    PREFECT_API_AUTH_STRING,
    PREFECT_API_KEY,
    PREFECT_API_URL,
    temporary_settings,
)
from prefect.utilities.callables import parameter_schema

from finks_config import Config, ConfigError
from finks_pipelines.flows import FLOW_BASES, FLOWS, MEDALLION, entrypoint
from finks_pipelines.settings import PipelinesSettings

Action = Literal["created", "updated", "unchanged", "removed"]
MANAGED_TAG = "finks"
# Tag prefix of the runtime artifact a deployment runs: artifact:worker.pex:sha256:<64 hex>.
ARTIFACT_TAG = "artifact:"
WORKER_ARTIFACT = "worker.pex"
AUTH_VARIABLES = ("PREFECT_API_AUTH_STRING", "PREFECT_API_KEY")


@dataclass(frozen=True)
class Schedule:
    cron: str
    timezone: str


@dataclass(frozen=True)
class DeploymentSpec:
    """One deployment as we want it to be on the API."""

    flow_name: str
    name: str
    entrypoint: str
    work_pool: str
    version: str
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)
    schedules: tuple[Schedule, ...] = ()
    job_variables: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return f"{self.flow_name}/{self.name}"


@dataclass(frozen=True)
class Applied:
    """What happened (or, in a dry run, would happen) to one object on the API."""

    what: str
    action: Action
    changes: tuple[str, ...] = ()
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return self.action != "unchanged"

    def line(self) -> str:
        verb = f"would be {self.action}" if self.dry_run and self.changed else self.action
        suffix = f" ({', '.join(self.changes)})" if self.changes else ""
        return f"{self.what}: {verb}{suffix}"


def artifact_tag(sha256: str, name: str = WORKER_ARTIFACT) -> str:
    return f"{ARTIFACT_TAG}{name}:sha256:{sha256}"


def artifact_digest(deployment: Any, name: str = WORKER_ARTIFACT) -> str | None:
    """The sha256 of the runtime artifact a deployment (from the API) runs, or None."""
    prefix = f"{ARTIFACT_TAG}{name}:sha256:"
    for tag in getattr(deployment, "tags", None) or []:
        if str(tag).startswith(prefix):
            return str(tag)[len(prefix) :]
    return None


def desired_deployments(
    config: Config, settings: PipelinesSettings, version: str, artifact_sha256: str | None
) -> list[DeploymentSpec]:
    """The env's three deployments (flow ``base``, name ``config.deployment_name(base)``)."""
    env = config.environment.value
    schedule: tuple[Schedule, ...] = ()
    if settings.pipeline_schedule_cron:
        schedule = (Schedule(settings.pipeline_schedule_cron, settings.pipeline_schedule_timezone),)
    artifact = (artifact_tag(artifact_sha256),) if artifact_sha256 else ()
    return [
        DeploymentSpec(
            flow_name=base,
            name=config.deployment_name(base),
            entrypoint=entrypoint(base),
            work_pool=config.prefect_work_pool,
            version=version,
            description=f"{config.indicator} {base} (finks pipelines {version[:12]})",
            parameters={"env": env},
            schedules=schedule if base == MEDALLION else (),
            job_variables={"env": {"ENVIRONMENT": env}},
            tags=(MANAGED_TAG, f"env:{env}", base, *artifact),
        )
        for base in FLOW_BASES
    ]


def api_auth(config: Config) -> dict[str, str]:
    """Client auth for the env's Prefect API, from the secret ``/{env}/prefect/api_key``.

    ``user:password`` is the self-hosted server's basic auth (``PREFECT_API_AUTH_STRING``),
    anything else a Prefect Cloud key (``PREFECT_API_KEY``). Nothing to read when the
    process already has it (an ECS task definition injects it) or for ``local``.
    """
    if any(os.environ.get(name) for name in AUTH_VARIABLES) or config.is_local:
        return {}
    import finks_config.aws
    from finks_config.cli import doing

    with doing(f"reading the {config.environment} Prefect API key"):
        value = finks_config.aws.get_secret(config, "prefect").get_secret_value()
    return {AUTH_VARIABLES[0] if ":" in value else AUTH_VARIABLES[1]: value}


@contextmanager
def prefect_client(
    api_url: str, auth: Mapping[str, str] | None = None
) -> Iterator[SyncPrefectClient]:
    """A sync Prefect client for ``api_url`` (this block only; nothing global changes)."""
    updates: dict[Any, Any] = {PREFECT_API_URL: api_url}
    for name, value in (auth or {}).items():
        updates[PREFECT_API_AUTH_STRING if name == AUTH_VARIABLES[0] else PREFECT_API_KEY] = value
    with temporary_settings(updates=updates), get_client(sync_client=True) as client:
        yield client


@contextmanager
def env_client(config: Config) -> Iterator[SyncPrefectClient]:
    """A client for ``config``'s env's Prefect API: URL and auth found through finks_config."""
    import finks_config.aws

    with prefect_client(finks_config.aws.prefect_api_url(config), api_auth(config)) as client:
        yield client


def ensure_work_pool(
    client: SyncPrefectClient, settings: PipelinesSettings, name: str, *, dry_run: bool = False
) -> Applied:
    """The env's one work pool with its concurrency limit; another type is an error."""
    pool_type, limit = settings.prefect_work_pool_type, settings.prefect_work_pool_concurrency
    what = f"work pool {name}"
    try:
        pool = client.read_work_pool(name)
    except ObjectNotFound:
        if not dry_run:
            template: dict[str, Any] = {}
            if pool_type == "process":
                from prefect.workers.process import ProcessWorker

                template = ProcessWorker.get_default_base_job_template()
            client.create_work_pool(
                WorkPoolCreate(
                    name=name, type=pool_type, base_job_template=template, concurrency_limit=limit
                )
            )
        return Applied(what, "created", (f"type {pool_type}", f"concurrency {limit}"), dry_run)
    if pool.type != pool_type:
        raise ConfigError(
            f"work pool {name} exists with type {pool.type!r}, config asks for {pool_type!r}",
            key="PREFECT_WORK_POOL_TYPE",
            fix=f"set PREFECT_WORK_POOL_TYPE={pool.type} in pipelines/config, or delete the pool",
        )
    if pool.concurrency_limit == limit:
        return Applied(what, "unchanged", dry_run=dry_run)
    if not dry_run:
        client.update_work_pool(name, WorkPoolUpdate(concurrency_limit=limit))
    return Applied(what, "updated", (f"concurrency {pool.concurrency_limit} -> {limit}",), dry_run)


def _schedules_of(deployment: Any) -> set[Schedule]:
    found = set()
    for s in deployment.schedules or []:
        sched = s.schedule
        if isinstance(sched, CronSchedule) and s.active:
            found.add(Schedule(sched.cron, str(sched.timezone)))
        else:
            found.add(Schedule(repr(sched), "?"))
    return found


def diff(spec: DeploymentSpec, current: Any) -> list[str]:
    """Names of the fields where the API's deployment differs from ``spec``."""
    pairs = {
        "version": (spec.version, current.version),
        "entrypoint": (spec.entrypoint, current.entrypoint),
        "work pool": (spec.work_pool, current.work_pool_name),
        "description": (spec.description, current.description),
        "parameters": (spec.parameters, dict(current.parameters or {})),
        "pull steps": ([], list(current.pull_steps or [])),
        "job variables": (spec.job_variables, dict(current.job_variables or {})),
        "tags": (sorted(spec.tags), sorted(current.tags or [])),
        "schedules": (set(spec.schedules), _schedules_of(current)),
    }
    return [name for name, (want, have) in pairs.items() if want != have]


def _schedule_creates(spec: DeploymentSpec) -> list[DeploymentScheduleCreate]:
    return [
        DeploymentScheduleCreate(
            schedule=CronSchedule(cron=s.cron, timezone=s.timezone), active=True
        )
        for s in spec.schedules
    ]


def apply_deployment(
    client: SyncPrefectClient, spec: DeploymentSpec, flow_obj: Flow[Any, Any], dry_run: bool
) -> Applied:
    """Create ``spec``, update only what differs, or leave it alone."""
    what = f"deployment {spec.full_name}"
    # What a deployment is made of; creating and updating send the same fields.
    fields: dict[str, Any] = {
        "version": spec.version,
        "description": spec.description,
        "entrypoint": spec.entrypoint,
        "work_pool_name": spec.work_pool,
        "parameters": spec.parameters,
        "pull_steps": [],
        "job_variables": spec.job_variables,
        "tags": list(spec.tags),
        "parameter_openapi_schema": parameter_schema(flow_obj.fn).model_dump_for_openapi(),
    }
    try:
        current = client.read_deployment_by_name(spec.full_name)
    except ObjectNotFound:
        current = None
    if current is None:
        if not dry_run:
            flow_id = client.create_flow_from_name(spec.flow_name)
            client.create_deployment(
                flow_id=flow_id, name=spec.name, schedules=_schedule_creates(spec), **fields
            )
        return Applied(what, "created", dry_run=dry_run)
    changes = diff(spec, current)
    if not changes:
        return Applied(what, "unchanged", dry_run=dry_run)
    if not dry_run:
        client.update_deployment(current.id, DeploymentUpdate(**fields))
        if "schedules" in changes:
            for existing in current.schedules or []:
                client.delete_deployment_schedule(current.id, existing.id)
            if spec.schedules:
                client.create_deployment_schedules(current.id, _schedule_creates(spec))
    return Applied(what, "updated", tuple(changes), dry_run)


def remove_stale(
    client: SyncPrefectClient, pool: str, keep: Sequence[DeploymentSpec], dry_run: bool
) -> list[Applied]:
    """Delete deployments of the env's pool that are no longer desired (schedules go too)."""
    wanted = {spec.full_name for spec in keep}
    flows = {f.id: f.name for f in client.read_flows()}
    found = client.read_deployments(
        work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=[pool]))
    )
    removed = []
    for deployment in found:
        full = f"{flows.get(deployment.flow_id, '?')}/{deployment.name}"
        if full in wanted:
            continue
        if not dry_run:
            client.delete_deployment(deployment.id)
        removed.append(Applied(f"deployment {full}", "removed", ("not desired",), dry_run))
    return removed


def apply_all(
    client: SyncPrefectClient,
    config: Config,
    settings: PipelinesSettings,
    specs: Sequence[DeploymentSpec],
    say: Callable[[str], None],
    *,
    dry_run: bool = False,
) -> list[Applied]:
    """The work pool, every deployment, then the removal of stale ones; one line each."""
    pool = config.prefect_work_pool
    done = [ensure_work_pool(client, settings, pool, dry_run=dry_run)]
    done += [apply_deployment(client, s, FLOWS[s.flow_name], dry_run) for s in specs]
    done += remove_stale(client, pool, specs, dry_run)
    for applied in done:
        say(applied.line())
    return done
