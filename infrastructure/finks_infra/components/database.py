"""Database: the RDS PostgreSQL instance that backs the env's Prefect server.

The master password is generated and kept by RDS in Secrets Manager
(``manage_master_user_password``), so no password exists in code, config or
state; the Prefect server's task reads it from that secret at start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

DATABASE_NAME = "prefect"
MASTER_USER = "finks"


@dataclass(frozen=True)
class DatabaseArgs:
    identifier: str
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_ids: Sequence[pulumi.Input[str]]
    instance_class: str
    engine_version: str
    allocated_storage_gb: int
    multi_az: bool
    # The zone of a single-AZ instance (None with multi_az).
    availability_zone: str | None
    backup_retention_days: int
    deletion_protection: bool


class Database(pulumi.ComponentResource):
    """Subnet group over the private subnets and one encrypted PostgreSQL instance."""

    instance: aws.rds.Instance
    master_secret_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("finks:infra:Database", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        subnets = aws.rds.SubnetGroup(
            f"{name}-subnets", name=args.identifier, subnet_ids=list(args.subnet_ids), opts=child
        )
        keep_snapshot = args.deletion_protection
        self.instance = aws.rds.Instance(
            args.identifier,
            identifier=args.identifier,
            engine="postgres",
            engine_version=args.engine_version,
            instance_class=args.instance_class,
            allocated_storage=args.allocated_storage_gb,
            storage_type="gp3",
            storage_encrypted=True,
            multi_az=args.multi_az,
            availability_zone=args.availability_zone,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=list(args.security_group_ids),
            publicly_accessible=False,
            db_name=DATABASE_NAME,
            username=MASTER_USER,
            manage_master_user_password=True,
            backup_retention_period=args.backup_retention_days,
            deletion_protection=args.deletion_protection,
            skip_final_snapshot=not keep_snapshot,
            final_snapshot_identifier=f"{args.identifier}-final" if keep_snapshot else None,
            auto_minor_version_upgrade=True,
            opts=child,
        )
        self.master_secret_arn = self.instance.master_user_secrets.apply(
            lambda secrets: secrets[0].secret_arn if secrets else ""
        )
        self.register_outputs({"endpoint": self.instance.endpoint})
