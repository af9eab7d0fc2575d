"""Cloud Prefect (issue 11.2): the env's own Prefect server, database, auth, URL, workers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from finks_infra.tests.conftest import RenderedStack

TASK = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"


def _container(stack: RenderedStack, kind: str) -> dict[str, Any]:
    """The one container of the ``server`` or ``workers`` task definition."""
    family = {"server": stack.config.prefect_server_service, "workers": stack.config.worker_service}
    task = stack.the(TASK, family[kind])
    (container,) = json.loads(task.inputs["containerDefinitions"])
    return dict(container)


def _environment(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container["environment"]}


def _secrets(container: dict[str, Any]) -> dict[str, str]:
    return {s["name"]: s["valueFrom"] for s in container["secrets"]}


def test_the_server_runs_prefect_on_the_envs_postgres(stack: RenderedStack) -> None:
    server = _container(stack, "server")
    assert server["command"][:3] == ["prefect", "server", "start"]
    assert server["image"] == stack.settings.prefect_image  # pinned by digest, one place
    assert "@sha256:" in server["image"]
    env = _environment(server)
    database = stack.one("aws:rds/instance:Instance")
    assert env["PREFECT_SERVER_DATABASE_DRIVER"] == "postgresql+asyncpg"
    assert env["PREFECT_SERVER_DATABASE_HOST"] == database.outputs["address"]
    assert env["PREFECT_SERVER_DATABASE_PORT"] == str(database.outputs["port"])
    assert env["PREFECT_SERVER_DATABASE_NAME"] == database.inputs["dbName"]
    assert env["PREFECT_SERVER_DATABASE_USER"] == database.inputs["username"]
    secrets = _secrets(server)
    # The RDS-managed master secret is JSON: ECS injects only its password field.
    master = database.outputs["masterUserSecrets"][0]["secretArn"]
    assert secrets["PREFECT_SERVER_DATABASE_PASSWORD"] == f"{master}:password::"
    assert stack.config.secret_path("prefect") in secrets["PREFECT_SERVER_API_AUTH_STRING"]
    assert not [k for k in env if "PASSWORD" in k or "AUTH" in k]  # never in plain env


def test_every_prefect_setting_is_one_prefect_accepts_by_its_canonical_name(
    stack: RenderedStack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A misspelt PREFECT_* variable is silently ignored by Prefect: check each one."""
    from prefect.settings import Settings

    values: dict[str, str] = {}
    for kind in ("server", "workers"):
        container = _container(stack, kind)
        values.update(
            {n: v for n, v in _environment(container).items() if n.startswith("PREFECT_")}
        )
        values.update(
            {n: "secret-from-ecs" for n in _secrets(container) if n.startswith("PREFECT_")}
        )
    assert {"PREFECT_SERVER_API_AUTH_STRING", "PREFECT_API_AUTH_STRING"} <= set(values)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    accepted = Settings().to_environment_variables(exclude_unset=True)
    assert sorted(set(values) - set(accepted)) == []


def test_the_load_balancer_probes_the_unauthenticated_health_route(
    rendered: dict[str, RenderedStack], tmp_path: Path
) -> None:
    """Prefect's own API app (with basic auth on) answers the probed path without auth."""
    from prefect.server.api.server import create_api_app
    from prefect.settings import PREFECT_HOME, PREFECT_SERVER_API_AUTH_STRING, temporary_settings
    from starlette.testclient import TestClient  # pants: no-infer-dep (comes with prefect)

    path = rendered["dev"].one("aws:lb/targetGroup:TargetGroup").inputs["healthCheck"]["path"]
    assert path.startswith("/api/")  # the server mounts its API under /api
    auth = {PREFECT_HOME: str(tmp_path), PREFECT_SERVER_API_AUTH_STRING: "finks:not-a-password"}
    with temporary_settings(updates=auth):
        client = TestClient(create_api_app(ignore_cache=True))
        assert client.get(path.removeprefix("/api")).status_code == 200
        assert client.post("/flows/filter").status_code == 401


def test_the_api_url_is_published_where_finks_config_reads_it(stack: RenderedStack) -> None:
    parameter = stack.the("aws:ssm/parameter:Parameter", stack.config.prefect_api_url_parameter)
    balancer = stack.one("aws:lb/loadBalancer:LoadBalancer")
    scheme = "https" if stack.settings.prefect_api_certificate_arn else "http"
    url = f"{scheme}://{balancer.outputs['dnsName']}/api"
    assert parameter.inputs["value"] == url
    assert _environment(_container(stack, "server"))["PREFECT_SERVER_UI_API_URL"] == url
    assert _environment(_container(stack, "workers"))["PREFECT_API_URL"] == url
    assert balancer.inputs["internal"] is False  # CI reaches it from GitHub's runners


def test_the_api_is_reachable_only_through_its_load_balancer(stack: RenderedStack) -> None:
    groups = {g.physical_name: g for g in stack.of_type("aws:ec2/securityGroup:SecurityGroup")}
    prefix = stack.config.resource_name("network")
    balancer, server = groups[f"{prefix}-prefect-lb"], groups[f"{prefix}-prefect-server"]
    worker, database = groups[f"{prefix}-worker"], groups[f"{prefix}-db"]
    port = 443 if stack.settings.prefect_api_certificate_arn else 80
    ingress = balancer.inputs["ingress"]
    assert {(r["fromPort"], tuple(r.get("cidrBlocks", []))) for r in ingress} == {
        (port, tuple(stack.settings.prefect_api_ingress_cidrs)),
        (port, ()),
    }
    assert [r["securityGroups"] for r in ingress if "securityGroups" in r] == [[worker.resource_id]]
    (server_in,) = server.inputs["ingress"]
    assert (server_in["fromPort"], server_in["securityGroups"]) == (4200, [balancer.resource_id])
    (db_in,) = database.inputs["ingress"]
    assert (db_in["fromPort"], db_in["securityGroups"]) == (5432, [server.resource_id])


def test_https_when_a_certificate_is_configured(rendered: dict[str, RenderedStack]) -> None:
    from finks_infra.offline import render_stack

    stack = rendered["staging"]
    arn = "arn:aws:acm:ca-central-1:123456789012:certificate/abc-123"
    settings = stack.settings.model_copy(update={"prefect_api_certificate_arn": arn})
    resources = render_stack(settings, stack.config)
    (listener,) = (r for r in resources if r.type == "aws:lb/listener:Listener")
    assert (listener.inputs["port"], listener.inputs["protocol"]) == (443, "HTTPS")
    assert listener.inputs["certificateArn"] == arn
    (parameter,) = (r for r in resources if r.type == "aws:ssm/parameter:Parameter")
    assert parameter.inputs["value"].startswith("https://")


def test_one_immutable_scanned_registry_per_env(stack: RenderedStack) -> None:
    repository = stack.the("aws:ecr/repository:Repository", stack.config.ecr_repository)
    assert repository.inputs["imageTagMutability"] == "IMMUTABLE"
    assert repository.inputs["imageScanningConfiguration"]["scanOnPush"] is True


def test_workers_are_the_servers_agents_and_keep_the_pipelines_deploys_revision(
    stack: RenderedStack,
) -> None:
    name = stack.config.worker_service
    service = stack.the(SERVICE, name)
    assert service.inputs["desiredCount"] == stack.settings.worker_count
    # The pipelines deploy registers revisions with the runtime image's digest: a later
    # `pulumi up` must not roll the service back to the stack's revision.
    assert service.ignore_changes == ("taskDefinition",)
    assert stack.the(SERVICE, stack.config.prefect_server_service).ignore_changes == ()
    worker = _container(stack, "workers")
    assert worker["command"] == [
        "prefect", "worker", "start", "--pool", stack.config.prefect_work_pool, "--type", "process"
    ]  # fmt: skip
    assert worker["image"] == stack.settings.prefect_image
    assert _environment(worker)["ENVIRONMENT"] == stack.env
