"""PrefectServer: the env's self-hosted Prefect API on its ECS cluster, behind a load balancer.

Why self-hosted: each cloud env gets its own API whose database is the env's RDS
PostgreSQL and whose credentials live in the env's Secrets Manager, so nothing
about an environment's orchestration sits outside its account. The server's
settings are Prefect 3's own (checked against prefect 3.9's settings models):
``PREFECT_SERVER_DATABASE_{DRIVER,HOST,PORT,USER,NAME,PASSWORD}`` and basic auth
``PREFECT_SERVER_API_AUTH_STRING`` (clients send ``PREFECT_API_AUTH_STRING``).
``GET /api/health`` answers without auth, so the load balancer can probe it.
The stack publishes the API URL as an SSM parameter (finks_config reads it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from finks_infra.components.fargate import FargateService, FargateServiceArgs, LoadBalancing
from finks_infra.components.network import PREFECT_PORT

HEALTH_PATH = "/api/health"


@dataclass(frozen=True)
class PrefectServerArgs:
    cluster_arn: pulumi.Input[str]
    service_name: str
    load_balancer_name: str
    image: str
    cpu_units: int
    memory_mb: int
    vpc_id: pulumi.Input[str]
    public_subnet_ids: Sequence[pulumi.Input[str]]
    app_subnet_ids: Sequence[pulumi.Input[str]]
    load_balancer_security_group_id: pulumi.Input[str]
    server_security_group_id: pulumi.Input[str]
    execution_role_arn: pulumi.Input[str]
    database_host: pulumi.Input[str]
    database_port: pulumi.Input[int]
    database_name: str
    database_user: str
    database_secret_arn: pulumi.Input[str]  # the RDS-managed master secret (JSON)
    auth_secret_arn: pulumi.Input[str]  # /{env}/prefect/api_key: "user:password"
    url_parameter: str  # config.prefect_api_url_parameter
    certificate_arn: str | None
    region: str
    log_retention_days: int


def listener_port(certificate_arn: str | None) -> int:
    """443 with a certificate (HTTPS), else 80."""
    return 443 if certificate_arn else 80


class PrefectServer(pulumi.ComponentResource):
    load_balancer: aws.lb.LoadBalancer
    api_url: pulumi.Output[str]
    server: FargateService
    url_parameter: aws.ssm.Parameter

    def __init__(
        self, name: str, args: PrefectServerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("finks:infra:PrefectServer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.load_balancer = aws.lb.LoadBalancer(
            f"{name}-lb",
            name=args.load_balancer_name,
            load_balancer_type="application",
            internal=False,
            subnets=list(args.public_subnet_ids),
            security_groups=[args.load_balancer_security_group_id],
            drop_invalid_header_fields=True,
            opts=child,
        )
        targets = aws.lb.TargetGroup(
            f"{name}-targets",
            name=args.load_balancer_name,
            port=PREFECT_PORT,
            protocol="HTTP",
            target_type="ip",
            vpc_id=args.vpc_id,
            health_check={"path": HEALTH_PATH, "matcher": "200", "interval": 30},
            opts=child,
        )
        https = args.certificate_arn is not None
        aws.lb.Listener(
            f"{name}-listener",
            load_balancer_arn=self.load_balancer.arn,
            port=listener_port(args.certificate_arn),
            protocol="HTTPS" if https else "HTTP",
            certificate_arn=args.certificate_arn,
            ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06" if https else None,
            default_actions=[{"type": "forward", "target_group_arn": targets.arn}],
            opts=child,
        )
        scheme = "https" if https else "http"
        self.api_url = pulumi.Output.concat(f"{scheme}://", self.load_balancer.dns_name, "/api")
        self.server = FargateService(
            f"{name}-service",
            FargateServiceArgs(
                cluster_arn=args.cluster_arn,
                service_name=args.service_name,
                container_name="prefect-server",
                image=args.image,
                cpu_units=args.cpu_units,
                memory_mb=args.memory_mb,
                desired_count=1,
                capacity_provider="FARGATE",
                subnet_ids=args.app_subnet_ids,
                security_group_ids=[args.server_security_group_id],
                execution_role_arn=args.execution_role_arn,
                region=args.region,
                log_retention_days=args.log_retention_days,
                command=["prefect", "server", "start", "--host", "0.0.0.0",
                         "--port", str(PREFECT_PORT)],
                environment={
                    "PREFECT_SERVER_DATABASE_DRIVER": "postgresql+asyncpg",
                    "PREFECT_SERVER_DATABASE_HOST": args.database_host,
                    "PREFECT_SERVER_DATABASE_PORT": pulumi.Output.from_input(
                        args.database_port).apply(str),
                    "PREFECT_SERVER_DATABASE_NAME": args.database_name,
                    "PREFECT_SERVER_DATABASE_USER": args.database_user,
                    "PREFECT_SERVER_UI_API_URL": self.api_url,
                    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                },
                secrets={
                    "PREFECT_SERVER_DATABASE_PASSWORD": pulumi.Output.concat(
                        args.database_secret_arn, ":password::"),
                    "PREFECT_SERVER_API_AUTH_STRING": args.auth_secret_arn,
                },
                load_balancing=LoadBalancing(targets.arn, PREFECT_PORT),
            ),
            opts=child,
        )  # fmt: skip
        self.url_parameter = aws.ssm.Parameter(
            f"{name}-api-url",
            name=args.url_parameter,
            type="String",
            value=self.api_url,
            description="The env's Prefect API URL (finks_config.aws.prefect_api_url reads it)",
            opts=child,
        )
        self.register_outputs({"api_url": self.api_url})
