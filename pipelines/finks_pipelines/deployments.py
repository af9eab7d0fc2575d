"""Work pool and deployments on an environment's Prefect API, applied idempotently.

Why a desired-state diff instead of `flow.deploy()`: a re-deploy of the same commit
must change nothing (no new versions, no schedule churn, no `updated` bumps), so we
compute the deployments we want from config, read what the API has, and write only
the differences. Schedules come from config: none in dev/local, the medallion flow
daily after market close in staging/prod.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from prefect import Flow
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.actions import (
    DeploymentScheduleCreate,
    DeploymentUpdate,
    WorkPoolCreate,
)
from prefect.client.schemas.schedules import CronSchedule
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.utilities.callables import parameter_schema

from finks_config import Config, ConfigError
from finks_pipelines.flows import FLOW_BASES, MEDALLION, entrypoint, flows_for
from finks_pipelines.settings import PipelinesSettings

Action = Literal["created", "updated", "unchanged"]
PULL_STEP = "finks_pipelines.packaging.pull_flow_code"


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
    pull_steps: tuple[dict[str, Any], ...] = ()
    job_variables: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return f"{self.flow_name}/{self.name}"


@dataclass(frozen=True)
class Applied:
    what: str
    action: Action
    changes: tuple[str, ...] = ()

    def line(self) -> str:
        suffix = f" ({', '.join(self.changes)})" if self.changes else ""
        return f"{self.what}: {self.action}{suffix}"


def require_api_url(config: Config) -> str:
    """The env's PREFECT_API_URL, or a ConfigError naming the key and where to set it."""
    if config.prefect_api_url:
        return config.prefect_api_url
    env = config.environment.value
    raise ConfigError(
        f"no Prefect API configured for {env}",
        file=f"libs/config/.env.{env}",
        key="PREFECT_API_URL",
        fix=f"set PREFECT_API_URL=https://<{env} prefect host>/api in libs/config/.env.{env}"
        f" (or pipelines/config/.env.{env}, or the environment)",
    )


def desired_deployments(
    config: Config,
    settings: PipelinesSettings,
    version: str,
    artifact_uri: str | None,
) -> list[DeploymentSpec]:
    """The three deployments of this environment; only medallion carries the schedule."""
    env = config.environment.value
    pull: tuple[dict[str, Any], ...] = ()
    if artifact_uri:
        pull = (
            {
                PULL_STEP: {
                    "id": "flow-code",
                    "uri": artifact_uri,
                    "directory": f"finks-flow-code/{version}",
                }
            },
            {
                "prefect.deployments.steps.set_working_directory": {
                    "directory": "{{ flow-code.directory }}"
                }
            },
        )
    schedule: tuple[Schedule, ...] = ()
    if settings.pipeline_schedule_cron:
        schedule = (Schedule(settings.pipeline_schedule_cron, settings.pipeline_schedule_timezone),)
    specs = []
    for base in FLOW_BASES:
        specs.append(
            DeploymentSpec(
                flow_name=config.flow_name(base),
                name=env,
                entrypoint=entrypoint(base),
                work_pool=settings.prefect_work_pool,
                version=version,
                description=f"{config.indicator} {base} (finks pipelines {version[:12]})",
                parameters={"env": env},
                schedules=schedule if base == MEDALLION else (),
                pull_steps=pull,
                job_variables={"env": {"ENVIRONMENT": env}},
                tags=("finks", env, base),
            )
        )
    return specs


@contextmanager
def prefect_client(api_url: str) -> Iterator[SyncPrefectClient]:
    """A sync Prefect client for `api_url` (this block only; nothing global changes)."""
    with (
        temporary_settings(updates={PREFECT_API_URL: api_url}),
        get_client(sync_client=True) as client,
    ):
        yield client


def ensure_work_pool(client: SyncPrefectClient, name: str, pool_type: str) -> Applied:
    """Create the work pool when missing; an existing pool of another type is an error."""
    try:
        pool = client.read_work_pool(name)
    except ObjectNotFound:
        template: dict[str, Any] = {}
        if pool_type == "process":
            from prefect.workers.process import ProcessWorker

            template = ProcessWorker.get_default_base_job_template()
        client.create_work_pool(
            WorkPoolCreate(name=name, type=pool_type, base_job_template=template)
        )
        return Applied(f"work pool {name}", "created", (f"type {pool_type}",))
    if pool.type != pool_type:
        raise ConfigError(
            f"work pool {name} exists with type {pool.type!r}, config asks for {pool_type!r}",
            key="PREFECT_WORK_POOL_TYPE",
            fix="use the existing type or a new PREFECT_WORK_POOL name",
        )
    return Applied(f"work pool {name}", "unchanged")


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
    """Names of the fields where the API's deployment differs from `spec`."""
    pairs = {
        "version": (spec.version, current.version),
        "entrypoint": (spec.entrypoint, current.entrypoint),
        "work pool": (spec.work_pool, current.work_pool_name),
        "description": (spec.description, current.description),
        "parameters": (spec.parameters, dict(current.parameters or {})),
        "pull steps": (list(spec.pull_steps), list(current.pull_steps or [])),
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
    client: SyncPrefectClient, spec: DeploymentSpec, flow_obj: Flow[Any, Any]
) -> Applied:
    """Create `spec`, update only what differs, or leave it alone."""
    # What a deployment is made of; creating and updating send the same fields.
    fields: dict[str, Any] = {
        "version": spec.version,
        "description": spec.description,
        "entrypoint": spec.entrypoint,
        "work_pool_name": spec.work_pool,
        "parameters": spec.parameters,
        "pull_steps": list(spec.pull_steps),
        "job_variables": spec.job_variables,
        "tags": list(spec.tags),
        "parameter_openapi_schema": parameter_schema(flow_obj.fn).model_dump_for_openapi(),
    }
    try:
        current = client.read_deployment_by_name(spec.full_name)
    except ObjectNotFound:
        current = None
    if current is not None:
        changes = diff(spec, current)
        if not changes:
            return Applied(f"deployment {spec.full_name}", "unchanged")
        client.update_deployment(current.id, DeploymentUpdate(**fields))
        if "schedules" in changes:
            for existing in current.schedules or []:
                client.delete_deployment_schedule(current.id, existing.id)
            if spec.schedules:
                client.create_deployment_schedules(current.id, _schedule_creates(spec))
        return Applied(f"deployment {spec.full_name}", "updated", tuple(changes))
    flow_id = client.create_flow_from_name(spec.flow_name)
    client.create_deployment(
        flow_id=flow_id, name=spec.name, schedules=_schedule_creates(spec), **fields
    )
    return Applied(f"deployment {spec.full_name}", "created")


def apply_all(
    api_url: str,
    config: Config,
    settings: PipelinesSettings,
    specs: Sequence[DeploymentSpec],
    say: Callable[[str], None],
) -> list[Applied]:
    """Ensure the work pool, then every deployment; returns what happened to each."""
    flows = {f.name: f for f in flows_for(config.environment.value).values()}
    done: list[Applied] = []
    with prefect_client(api_url) as client:
        for applied in [
            ensure_work_pool(client, settings.prefect_work_pool, settings.prefect_work_pool_type)
        ]:
            done.append(applied)
            say(applied.line())
        for spec in specs:
            applied = apply_deployment(client, spec, flows[spec.flow_name])
            done.append(applied)
            say(applied.line())
    return done
