"""Network: the environment's VPC, single-AZ or multi-AZ as the stack says.

Why the shape: RDS needs a subnet group spanning two zones even for a single-AZ
instance, so private subnets exist in every listed zone; the costly parts (NAT
gateways, worker placement) exist only in the "app" zones -- the first zone
without ``multiAz``, every zone with it.
"""

from __future__ import annotations

import ipaddress

import pulumi
import pulumi_aws as aws

from finks_infra.names import PlatformNames
from finks_infra.stack_config import StackConfig


class Network(pulumi.ComponentResource):
    """VPC, public/private subnets, NAT per app zone, and the worker and database groups."""

    vpc: aws.ec2.Vpc
    app_subnet_ids: list[pulumi.Output[str]]
    db_subnet_ids: list[pulumi.Output[str]]
    worker_security_group: aws.ec2.SecurityGroup
    db_security_group: aws.ec2.SecurityGroup

    def __init__(
        self,
        names: PlatformNames,
        settings: StackConfig,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("finks:infra:Network", names.resource("network"), None, opts)
        child = pulumi.ResourceOptions(parent=self)
        block = ipaddress.IPv4Network(settings.vpc_cidr)
        cidrs = iter(block.subnets(prefixlen_diff=4))

        self.vpc = aws.ec2.Vpc(
            names.resource("vpc"),
            cidr_block=settings.vpc_cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": names.resource("vpc")},
            opts=child,
        )
        gateway = aws.ec2.InternetGateway(
            names.resource("igw"),
            vpc_id=self.vpc.id,
            tags={"Name": names.resource("igw")},
            opts=child,
        )
        public_routes = aws.ec2.RouteTable(
            names.resource("public-rt"),
            vpc_id=self.vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": gateway.id}],
            tags={"Name": names.resource("public-rt")},
            opts=child,
        )

        nat_by_zone: dict[str, aws.ec2.NatGateway] = {}
        for zone in settings.app_availability_zones:
            public = aws.ec2.Subnet(
                names.resource(f"public-{zone}"),
                vpc_id=self.vpc.id,
                cidr_block=str(next(cidrs)),
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={"Name": names.resource(f"public-{zone}")},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                names.resource(f"public-{zone}-rta"),
                subnet_id=public.id,
                route_table_id=public_routes.id,
                opts=child,
            )
            address = aws.ec2.Eip(
                names.resource(f"nat-{zone}-eip"),
                domain="vpc",
                tags={"Name": names.resource(f"nat-{zone}")},
                opts=child,
            )
            nat_by_zone[zone] = aws.ec2.NatGateway(
                names.resource(f"nat-{zone}"),
                subnet_id=public.id,
                allocation_id=address.id,
                tags={"Name": names.resource(f"nat-{zone}")},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[gateway]),
            )

        self.app_subnet_ids = []
        self.db_subnet_ids = []
        for zone in settings.availability_zones:
            private = aws.ec2.Subnet(
                names.resource(f"private-{zone}"),
                vpc_id=self.vpc.id,
                cidr_block=str(next(cidrs)),
                availability_zone=zone,
                tags={"Name": names.resource(f"private-{zone}")},
                opts=child,
            )
            nat = nat_by_zone.get(zone)
            routes = [{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}] if nat else []
            table = aws.ec2.RouteTable(
                names.resource(f"private-{zone}-rt"),
                vpc_id=self.vpc.id,
                routes=routes,
                tags={"Name": names.resource(f"private-{zone}-rt")},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                names.resource(f"private-{zone}-rta"),
                subnet_id=private.id,
                route_table_id=table.id,
                opts=child,
            )
            self.db_subnet_ids.append(private.id)
            if nat is not None:
                self.app_subnet_ids.append(private.id)

        self.worker_security_group = aws.ec2.SecurityGroup(
            names.resource("worker-sg"),
            name=names.resource("worker"),
            description="Prefect workers: outbound only",
            vpc_id=self.vpc.id,
            egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}],
            opts=child,
        )
        self.db_security_group = aws.ec2.SecurityGroup(
            names.resource("db-sg"),
            name=names.resource("db"),
            description="PostgreSQL: reachable from the workers only",
            vpc_id=self.vpc.id,
            ingress=[
                {
                    "protocol": "tcp",
                    "from_port": 5432,
                    "to_port": 5432,
                    "security_groups": [self.worker_security_group.id],
                }
            ],
            opts=child,
        )
        self.register_outputs({"vpc_id": self.vpc.id})
