"""ECS resources of the stack (cluster, task definitions, services), emulated.

A service whose ``ignore_changes`` names ``taskDefinition`` (the workers: the
pipelines deploy registers their revisions) keeps whatever revision it runs.
"""

from __future__ import annotations

import json
from typing import Any

from finks_infra.emulate.context import ApplyContext, Outcome
from finks_infra.offline import RecordedResource


def cluster(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    ecs = ctx.client("ecs")
    name = inputs["name"]
    found = [c for c in ecs.describe_clusters(clusters=[name])["clusters"]
             if c.get("status") == "ACTIVE"]  # fmt: skip
    if found:
        ctx.alias(r.outputs.get("arn"), found[0]["clusterArn"])
        return "unchanged"
    settings = [{"name": s["name"], "value": s["value"]} for s in inputs.get("settings", [])]
    arn = ecs.create_cluster(clusterName=name, settings=settings)["cluster"]["clusterArn"]
    ctx.alias(r.outputs.get("arn"), arn)
    return "created"


def _container(definition: dict[str, Any]) -> dict[str, Any]:
    """The fields of a container definition that the stack sets (for comparison)."""
    keys = ("name", "image", "command", "environment", "secrets", "portMappings", "essential")
    return {k: definition.get(k) for k in keys if definition.get(k) not in (None, [])}


def task_definition(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    ecs = ctx.client("ecs")
    family = inputs["family"]
    containers = json.loads(inputs["containerDefinitions"])
    wanted = {
        "cpu": str(inputs["cpu"]),
        "memory": str(inputs["memory"]),
        "executionRoleArn": inputs.get("executionRoleArn"),
        "taskRoleArn": inputs.get("taskRoleArn"),
        "containers": [_container(c) for c in containers],
    }
    revisions = ecs.list_task_definitions(familyPrefix=family, status="ACTIVE")
    current = None
    # Like Pulumi's state: any active revision the stack registered counts, so revisions a
    # deploy registered later (the worker's runtime image) neither flap nor get rolled back.
    for arn in revisions.get("taskDefinitionArns", []):
        current = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
        have = {
            "cpu": current.get("cpu"),
            "memory": current.get("memory"),
            "executionRoleArn": current.get("executionRoleArn"),
            "taskRoleArn": current.get("taskRoleArn"),
            "containers": [_container(c) for c in current.get("containerDefinitions", [])],
        }
        if have == wanted:
            ctx.alias(r.outputs.get("arn"), current["taskDefinitionArn"])
            return "unchanged"
    arguments: dict[str, Any] = {
        "family": family,
        "containerDefinitions": containers,
        "cpu": wanted["cpu"],
        "memory": wanted["memory"],
        "networkMode": inputs.get("networkMode", "awsvpc"),
        "requiresCompatibilities": list(inputs.get("requiresCompatibilities", ["FARGATE"])),
        "executionRoleArn": wanted["executionRoleArn"],
    }
    if wanted["taskRoleArn"]:
        arguments["taskRoleArn"] = wanted["taskRoleArn"]
    arn = ecs.register_task_definition(**arguments)["taskDefinition"]["taskDefinitionArn"]
    ctx.alias(r.outputs.get("arn"), arn)
    return "created" if current is None else "updated"


def service(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    ecs = ctx.client("ecs")
    cluster_arn, name = inputs["cluster"], inputs["name"]
    found = [s for s in ecs.describe_services(cluster=cluster_arn, services=[name])["services"]
             if s.get("status") == "ACTIVE"]  # fmt: skip
    network = inputs.get("networkConfiguration", {})
    if not found:
        ecs.create_service(
            cluster=cluster_arn,
            serviceName=name,
            taskDefinition=inputs["taskDefinition"],
            desiredCount=int(inputs["desiredCount"]),
            launchType="FARGATE",
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": list(network.get("subnets", [])),
                    "securityGroups": list(network.get("securityGroups", [])),
                    "assignPublicIp": "DISABLED",
                }
            },
        )
        ctx.substitute(
            "ECS services run on the FARGATE launch type, without capacity-provider strategies"
            " or load balancers (neither is emulated)"
        )
        return "created"
    current = found[0]
    changes: dict[str, Any] = {}
    if current.get("desiredCount") != int(inputs["desiredCount"]):
        changes["desiredCount"] = int(inputs["desiredCount"])
    keeps_revision = "taskDefinition" in r.ignore_changes
    if not keeps_revision and current.get("taskDefinition") != inputs["taskDefinition"]:
        changes["taskDefinition"] = inputs["taskDefinition"]
    if not changes:
        return "unchanged"
    ecs.update_service(cluster=cluster_arn, service=name, **changes)
    return "updated"
