"""Cluster: the env's ECS cluster, where the Prefect server and its workers run.

Both Fargate capacity providers are attached; each service picks one (Spot where
interruptions are acceptable, i.e. dev workers). Container Insights is on: the
"workers below desired" alarm reads its RunningTaskCount metric.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

CAPACITY_PROVIDERS = ("FARGATE", "FARGATE_SPOT")


@dataclass(frozen=True)
class ClusterArgs:
    cluster_name: str
    default_capacity_provider: str


class Cluster(pulumi.ComponentResource):
    cluster: aws.ecs.Cluster
    capacity_providers: aws.ecs.ClusterCapacityProviders

    def __init__(
        self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("finks:infra:Cluster", name, None, opts)
        self.cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            name=args.cluster_name,
            settings=[{"name": "containerInsights", "value": "enabled"}],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.capacity_providers = aws.ecs.ClusterCapacityProviders(
            f"{name}-capacity-providers",
            cluster_name=self.cluster.name,
            capacity_providers=list(CAPACITY_PROVIDERS),
            default_capacity_provider_strategies=[
                {"capacity_provider": args.default_capacity_provider, "weight": 1, "base": 0}
            ],
            opts=pulumi.ResourceOptions(parent=self.cluster),
        )
        self.register_outputs({"cluster": self.cluster.name})
