"""Network: the environment's VPC, single-AZ or multi-AZ as the stack says.

Why the shape: RDS needs a subnet group spanning two zones even for a single-AZ
instance, and the Prefect API's load balancer needs public subnets in two zones,
so both subnet kinds exist in every listed zone; the costly parts (NAT gateways,
worker and server placement) exist only in the "app" zones -- the first zone
without ``multiAz``, every zone with it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

PREFECT_PORT = 4200
POSTGRES_PORT = 5432
_ANYWHERE = ["0.0.0.0/0"]


@dataclass(frozen=True)
class NetworkArgs:
    cidr: str
    zones: Sequence[str]
    app_zones: Sequence[str]
    # Who may reach the Prefect API load balancer (CI, operators); workers always may.
    api_ingress_cidrs: Sequence[str]
    api_port: int


def _tcp(port: int, **source: object) -> dict[str, object]:
    return {"protocol": "tcp", "from_port": port, "to_port": port, **source}


class Network(pulumi.ComponentResource):
    """VPC, subnets, NAT per app zone, and one security group per tier."""

    vpc: aws.ec2.Vpc
    public_subnet_ids: list[pulumi.Output[str]]
    app_subnet_ids: list[pulumi.Output[str]]
    db_subnet_ids: list[pulumi.Output[str]]
    load_balancer_security_group: aws.ec2.SecurityGroup
    server_security_group: aws.ec2.SecurityGroup
    worker_security_group: aws.ec2.SecurityGroup
    db_security_group: aws.ec2.SecurityGroup

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("finks:infra:Network", name, None, opts)
        self._name = name
        child = pulumi.ResourceOptions(parent=self)
        cidrs = iter(ipaddress.IPv4Network(args.cidr).subnets(prefixlen_diff=4))
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": f"{name}-vpc"},
            opts=child,
        )
        gateway = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=self.vpc.id, tags={"Name": f"{name}-igw"}, opts=child
        )
        public_routes = aws.ec2.RouteTable(
            f"{name}-public-rt",
            vpc_id=self.vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": gateway.id}],
            tags={"Name": f"{name}-public-rt"},
            opts=child,
        )
        self.public_subnet_ids = []
        nat_by_zone: dict[str, aws.ec2.NatGateway] = {}
        for zone in args.zones:
            public = self._subnet(f"public-{zone}", zone, str(next(cidrs)))
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{zone}-rta",
                subnet_id=public.id,
                route_table_id=public_routes.id,
                opts=child,
            )
            self.public_subnet_ids.append(public.id)
            if zone in args.app_zones:
                address = aws.ec2.Eip(
                    f"{name}-nat-{zone}-eip", domain="vpc", tags={"Name": f"{name}-nat-{zone}"},
                    opts=child,
                )  # fmt: skip
                nat_by_zone[zone] = aws.ec2.NatGateway(
                    f"{name}-nat-{zone}",
                    subnet_id=public.id,
                    allocation_id=address.id,
                    tags={"Name": f"{name}-nat-{zone}"},
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[gateway]),
                )

        self.app_subnet_ids = []
        self.db_subnet_ids = []
        for zone in args.zones:
            private = self._subnet(f"private-{zone}", zone, str(next(cidrs)))
            nat = nat_by_zone.get(zone)
            table = aws.ec2.RouteTable(
                f"{name}-private-{zone}-rt",
                vpc_id=self.vpc.id,
                routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}] if nat else [],
                tags={"Name": f"{name}-private-{zone}-rt"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{zone}-rta",
                subnet_id=private.id,
                route_table_id=table.id,
                opts=child,
            )
            self.db_subnet_ids.append(private.id)
            if nat is not None:
                self.app_subnet_ids.append(private.id)

        egress = [{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": _ANYWHERE}]
        self.worker_security_group = self._group(
            "worker", "Prefect workers: outbound only", ingress=[], egress=egress
        )
        listener_port = args.api_port
        self.load_balancer_security_group = self._group(
            "prefect-lb",
            "Prefect API load balancer: the allowed CIDRs and the workers",
            ingress=[
                _tcp(listener_port, cidr_blocks=list(args.api_ingress_cidrs)),
                _tcp(listener_port, security_groups=[self.worker_security_group.id]),
            ],
            egress=[_tcp(PREFECT_PORT, cidr_blocks=[args.cidr])],
        )
        self.server_security_group = self._group(
            "prefect-server",
            "Prefect server: the API port from its load balancer only",
            ingress=[_tcp(PREFECT_PORT, security_groups=[self.load_balancer_security_group.id])],
            egress=egress,
        )
        self.db_security_group = self._group(
            "db",
            "PostgreSQL: reachable from the Prefect server only",
            ingress=[_tcp(POSTGRES_PORT, security_groups=[self.server_security_group.id])],
            egress=[],
        )
        self.register_outputs({"vpc_id": self.vpc.id})

    def _subnet(self, suffix: str, zone: str, cidr: str) -> aws.ec2.Subnet:
        return aws.ec2.Subnet(
            f"{self._name}-{suffix}",
            vpc_id=self.vpc.id,
            cidr_block=cidr,
            availability_zone=zone,
            map_public_ip_on_launch=False,
            tags={"Name": f"{self._name}-{suffix}"},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _group(
        self, suffix: str, description: str, *, ingress: list, egress: list
    ) -> aws.ec2.SecurityGroup:
        return aws.ec2.SecurityGroup(
            f"{self._name}-{suffix}-sg",
            name=f"{self._name}-{suffix}",
            description=description,
            vpc_id=self.vpc.id,
            ingress=ingress,
            egress=egress,
            opts=pulumi.ResourceOptions(parent=self),
        )
