"""FargateService: one container as an ECS service with its log group and task definition.

Why shared: the Prefect server and the workers are both "one container on the
env's cluster, logs to CloudWatch, secrets from Secrets Manager"; one component
keeps that shape (and its security defaults) in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class LoadBalancing:
    target_group_arn: pulumi.Input[str]
    container_port: int


@dataclass(frozen=True)
class FargateServiceArgs:
    cluster_arn: pulumi.Input[str]
    service_name: str  # also the task-definition family and the log group name
    container_name: str
    image: pulumi.Input[str]
    cpu_units: int
    memory_mb: int
    desired_count: int
    capacity_provider: str
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_ids: Sequence[pulumi.Input[str]]
    execution_role_arn: pulumi.Input[str]
    region: str
    log_retention_days: int
    task_role_arn: pulumi.Input[str] | None = None
    command: Sequence[str] | None = None
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # env var -> Secrets Manager reference (secret ARN, or ARN:json-key:: for one JSON field)
    secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    load_balancing: LoadBalancing | None = None
    # True when another tool registers the task-definition revisions (the pipelines deploy).
    external_revisions: bool = False


class FargateService(pulumi.ComponentResource):
    log_group: aws.cloudwatch.LogGroup
    task_definition: aws.ecs.TaskDefinition
    service: aws.ecs.Service

    def __init__(
        self, name: str, args: FargateServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("finks:infra:FargateService", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=args.service_name,
            retention_in_days=args.log_retention_days,
            opts=child,
        )
        container: dict[str, Any] = {
            "name": args.container_name,
            "image": args.image,
            "essential": True,
            "environment": [{"name": k, "value": v} for k, v in sorted(args.environment.items())],
            "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(args.secrets.items())],
            "readonlyRootFilesystem": False,
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": self.log_group.name,
                    "awslogs-region": args.region,
                    "awslogs-stream-prefix": args.container_name,
                },
            },
        }
        if args.command is not None:
            container["command"] = list(args.command)
        if args.load_balancing is not None:
            port = args.load_balancing.container_port
            container["portMappings"] = [{"containerPort": port, "protocol": "tcp"}]
        self.task_definition = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=args.service_name,
            cpu=str(args.cpu_units),
            memory=str(args.memory_mb),
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": "X86_64"},
            execution_role_arn=args.execution_role_arn,
            task_role_arn=args.task_role_arn,
            container_definitions=pulumi.Output.json_dumps([container]),
            opts=child,
        )
        balancers = []
        if args.load_balancing is not None:
            balancers.append(
                {
                    "target_group_arn": args.load_balancing.target_group_arn,
                    "container_name": args.container_name,
                    "container_port": args.load_balancing.container_port,
                }
            )
        self.service = aws.ecs.Service(
            f"{name}-service",
            name=args.service_name,
            cluster=args.cluster_arn,
            task_definition=self.task_definition.arn,
            desired_count=args.desired_count,
            capacity_provider_strategies=[
                {"capacity_provider": args.capacity_provider, "weight": 1, "base": 0}
            ],
            network_configuration={
                "subnets": list(args.subnet_ids),
                "security_groups": list(args.security_group_ids),
                "assign_public_ip": False,
            },
            load_balancers=balancers,
            deployment_circuit_breaker={"enable": True, "rollback": True},
            propagate_tags="SERVICE",
            opts=pulumi.ResourceOptions(
                parent=self,
                ignore_changes=["taskDefinition"] if args.external_revisions else None,
            ),
        )
        self.register_outputs({"service": self.service.name})
