"""Database: the RDS PostgreSQL instance (Prefect's database), sized by the stack.

The master password is generated and kept by RDS in Secrets Manager
(``manage_master_user_password``), so no password exists in code, config or state.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from finks_infra.components.network import Network
from finks_infra.names import PlatformNames
from finks_infra.stack_config import StackConfig


class Database(pulumi.ComponentResource):
    """Subnet group over the private subnets and one encrypted PostgreSQL instance."""

    instance: aws.rds.Instance

    def __init__(
        self,
        names: PlatformNames,
        settings: StackConfig,
        network: Network,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("finks:infra:Database", names.resource("database"), None, opts)
        child = pulumi.ResourceOptions(parent=self)
        subnets = aws.rds.SubnetGroup(
            names.resource("db-subnets"),
            name=names.resource("db"),
            subnet_ids=network.db_subnet_ids,
            opts=child,
        )
        identifier = names.resource("postgres")
        keep_snapshot = settings.db_deletion_protection
        self.instance = aws.rds.Instance(
            identifier,
            identifier=identifier,
            engine="postgres",
            engine_version=settings.db_engine_version,
            instance_class=settings.db_instance_class,
            allocated_storage=settings.db_allocated_storage_gb,
            storage_type="gp3",
            storage_encrypted=True,
            multi_az=settings.multi_az,
            availability_zone=None if settings.multi_az else settings.availability_zones[0],
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[network.db_security_group.id],
            publicly_accessible=False,
            db_name="prefect",
            username="finks",
            manage_master_user_password=True,
            backup_retention_period=settings.db_backup_retention_days,
            deletion_protection=settings.db_deletion_protection,
            skip_final_snapshot=not keep_snapshot,
            final_snapshot_identifier=f"{identifier}-final" if keep_snapshot else None,
            auto_minor_version_upgrade=True,
            opts=child,
        )
        self.register_outputs({"endpoint": self.instance.endpoint})
