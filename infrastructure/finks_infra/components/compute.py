"""Compute: the ECS cluster and the Prefect worker service, sized by the stack.

Both capacity providers are attached to the cluster; ``workerSpot`` picks which
one the worker service uses (Spot where interruptions are acceptable, i.e. dev).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from finks_infra.components.access import Access
from finks_infra.components.network import Network
from finks_infra.components.secrets import Secrets
from finks_infra.names import PlatformNames
from finks_infra.stack_config import StackConfig

CAPACITY_PROVIDERS = ("FARGATE", "FARGATE_SPOT")
_WORKER = "prefect-worker"


class Compute(pulumi.ComponentResource):
    """Cluster, capacity providers, log group, worker task definition and service."""

    cluster: aws.ecs.Cluster
    task_definition: aws.ecs.TaskDefinition
    service: aws.ecs.Service

    def __init__(
        self,
        names: PlatformNames,
        settings: StackConfig,
        network: Network,
        access: Access,
        secrets: Secrets,
        prefect_api_url: str | None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("finks:infra:Compute", names.resource("compute"), None, opts)
        child = pulumi.ResourceOptions(parent=self)
        strategy = [
            {
                "capacity_provider": "FARGATE_SPOT" if settings.worker_spot else "FARGATE",
                "weight": 1,
                "base": 0,
            }
        ]
        self.cluster = aws.ecs.Cluster(
            names.resource("cluster"), name=names.resource("cluster"), opts=child
        )
        providers = aws.ecs.ClusterCapacityProviders(
            names.resource("capacity-providers"),
            cluster_name=self.cluster.name,
            capacity_providers=list(CAPACITY_PROVIDERS),
            default_capacity_provider_strategies=strategy,
            opts=pulumi.ResourceOptions(parent=self.cluster),
        )
        logs = aws.cloudwatch.LogGroup(
            names.resource("worker-logs"),
            name=names.worker_log_group,
            retention_in_days=settings.log_retention_days,
            opts=child,
        )

        environment = [{"name": "PREFECT_LOGGING_LEVEL", "value": "INFO"}]
        if prefect_api_url:
            environment.append({"name": "PREFECT_API_URL", "value": prefect_api_url})
        container = {
            "name": _WORKER,
            "image": settings.worker_image,
            "essential": True,
            "command": ["prefect", "worker", "start", "--pool", settings.prefect_work_pool],
            "environment": environment,
            "secrets": [{"name": "PREFECT_API_KEY", "valueFrom": secrets.prefect_api_key.arn}],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": logs.name,
                    "awslogs-region": names.region,
                    "awslogs-stream-prefix": _WORKER,
                },
            },
        }
        self.task_definition = aws.ecs.TaskDefinition(
            names.resource("worker-task"),
            family=names.resource(_WORKER),
            cpu=str(settings.worker_cpu_units),
            memory=str(settings.worker_memory_mb),
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": "X86_64"},
            execution_role_arn=access.worker_execution_role.arn,
            task_role_arn=access.worker_task_role.arn,
            container_definitions=pulumi.Output.json_dumps([container]),
            opts=child,
        )
        self.service = aws.ecs.Service(
            names.resource("worker-service"),
            name=names.resource(_WORKER),
            cluster=self.cluster.arn,
            task_definition=self.task_definition.arn,
            desired_count=settings.worker_count,
            capacity_provider_strategies=strategy,
            network_configuration={
                "subnets": network.app_subnet_ids,
                "security_groups": [network.worker_security_group.id],
                "assign_public_ip": False,
            },
            deployment_circuit_breaker={"enable": True, "rollback": True},
            propagate_tags="SERVICE",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[providers]),
        )
        self.register_outputs({"cluster": self.cluster.name, "service": self.service.name})
