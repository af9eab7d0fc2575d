"""The VPC, subnets and security groups of the stack, emulated (what ECS services need).

Found again by their ``Name`` tag (groups: by name in the VPC), so a repeated
apply finds them. Gateways, NAT, addresses and route tables carry no traffic in
an emulated account and are skipped.
"""

from __future__ import annotations

from typing import Any

from finks_infra.emulate.context import ApplyContext, Outcome
from finks_infra.offline import RecordedResource


def _tags(ctx: ApplyContext, resource_type: str, inputs: dict[str, Any]) -> list[dict[str, Any]]:
    tags = {**inputs.get("tags", {}), "finks:environment": ctx.config.environment.value}
    return [{"ResourceType": resource_type,
             "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}]  # fmt: skip


def _by_name(ctx: ApplyContext, describe: str, key: str, name: str) -> dict[str, Any] | None:
    found = getattr(ctx.client("ec2"), describe)(Filters=[{"Name": "tag:Name", "Values": [name]}])
    items = found.get(key, [])
    return items[0] if items else None


def vpc(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    name = inputs["tags"]["Name"]
    found = _by_name(ctx, "describe_vpcs", "Vpcs", name)
    if found is None:
        found = ctx.client("ec2").create_vpc(
            CidrBlock=inputs["cidrBlock"], TagSpecifications=_tags(ctx, "vpc", inputs)
        )["Vpc"]
        outcome: Outcome = "created"
    else:
        outcome = "unchanged"
    ctx.alias(r.resource_id, found["VpcId"])
    return outcome


def subnet(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    name = inputs["tags"]["Name"]
    found = _by_name(ctx, "describe_subnets", "Subnets", name)
    if found is None:
        found = ctx.client("ec2").create_subnet(
            VpcId=inputs["vpcId"],
            CidrBlock=inputs["cidrBlock"],
            AvailabilityZone=inputs["availabilityZone"],
            TagSpecifications=_tags(ctx, "subnet", inputs),
        )["Subnet"]
        outcome: Outcome = "created"
    else:
        outcome = "unchanged"
    ctx.alias(r.resource_id, found["SubnetId"])
    return outcome


def _permission(rule: dict[str, Any]) -> dict[str, Any]:
    permission: dict[str, Any] = {
        "IpProtocol": rule["protocol"],
        "FromPort": int(rule["fromPort"]),
        "ToPort": int(rule["toPort"]),
    }
    if rule.get("cidrBlocks"):
        permission["IpRanges"] = [{"CidrIp": block} for block in rule["cidrBlocks"]]
    if rule.get("securityGroups"):
        permission["UserIdGroupPairs"] = [{"GroupId": g} for g in rule["securityGroups"]]
    return permission


def security_group(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    ec2 = ctx.client("ec2")
    name, vpc_id = inputs["name"], inputs["vpcId"]
    found = ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [name]}, {"Name": "vpc-id", "Values": [vpc_id]}]
    )["SecurityGroups"]
    if found:
        ctx.alias(r.resource_id, found[0]["GroupId"])
        return "unchanged"
    group_id = ec2.create_security_group(
        GroupName=name,
        Description=inputs.get("description", name),
        VpcId=vpc_id,
        TagSpecifications=_tags(ctx, "security-group", inputs),
    )["GroupId"]
    ctx.alias(r.resource_id, group_id)
    ingress = [_permission(rule) for rule in ctx.resolve(inputs.get("ingress", []))]
    if ingress:
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=ingress)
    ctx.substitute("security-group rules are applied when a group is created, not compared later")
    return "created"
