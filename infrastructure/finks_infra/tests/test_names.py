"""Infrastructure and pipelines agree on every name they share (issue 13.2)."""

from __future__ import annotations

import json

from finks_config import load_config
from finks_infra.tests.conftest import RenderedStack


def test_the_stack_creates_what_the_pipelines_deploy_and_workers_look_for(
    stack: RenderedStack,
) -> None:
    pipelines = load_config("pipelines/config", env=stack.config.environment)
    settings = pipelines.raw
    service = stack.the("aws:ecs/service:Service", pipelines.worker_service)
    assert service.inputs["cluster"].endswith(f":cluster/{pipelines.ecs_cluster}")
    task = stack.the("aws:ecs/taskDefinition:TaskDefinition", pipelines.worker_service)
    (worker,) = json.loads(task.inputs["containerDefinitions"])
    pool, kind = worker["command"][4], worker["command"][6]
    assert pool == pipelines.prefect_work_pool  # the pool the deployments target
    assert kind == (settings("PREFECT_WORK_POOL_TYPE") or "process")
    # One flow run per worker at a time: the pool's limit is the stack's worker count.
    assert int(settings("PREFECT_WORK_POOL_CONCURRENCY") or 0) == stack.settings.worker_count
    assert stack.the("aws:ecr/repository:Repository", pipelines.ecr_repository)
    assert stack.the("aws:ssm/parameter:Parameter", pipelines.prefect_api_url_parameter)
    secrets = {s.physical_name for s in stack.of_type("aws:secretsmanager/secret:Secret")}
    assert {
        pipelines.secret_path("prefect"),
        pipelines.secret_path("slack", "webhook_url"),
    } <= secrets
    assert stack.the("aws:athena/workgroup:Workgroup", pipelines.athena_work_group)
