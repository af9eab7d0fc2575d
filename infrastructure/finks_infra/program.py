"""The Pulumi program: one environment's whole platform, assembled from the components.

``build_stack`` is the wiring: names come from the environment's Config, shapes
from its stack file, and each component gets a typed args object built from
those and from other components' outputs (never a sibling component itself).
The engine run, the offline dry-run, the emulated apply and the tests all run
exactly this code.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from finks_config import Config, Environment, load_config
from finks_config.layout import SOURCE
from finks_infra import policies
from finks_infra.access import ci_access, people, task_roles
from finks_infra.components.audit import Audit, AuditArgs
from finks_infra.components.catalog import Catalog, CatalogArgs
from finks_infra.components.ci import CiAccess
from finks_infra.components.cluster import Cluster, ClusterArgs
from finks_infra.components.data_lake import DataLake, DataLakeArgs
from finks_infra.components.database import DATABASE_NAME, MASTER_USER, Database, DatabaseArgs
from finks_infra.components.fargate import FargateService, FargateServiceArgs
from finks_infra.components.monitoring import Monitoring, MonitoringArgs, SlackTarget
from finks_infra.components.network import Network, NetworkArgs
from finks_infra.components.people import People
from finks_infra.components.prefect_server import PrefectServer, PrefectServerArgs, listener_port
from finks_infra.components.registry import Registry, RegistryArgs
from finks_infra.components.secrets import Secrets, SecretsArgs
from finks_infra.stack_config import StackConfig, StackConfigError, load_stack_config, stack_file

# Project-specific env files (finks_config merges them over libs/config's).
PROJECT_CONFIG_DIR = "infrastructure/config"
WORKER_CONTAINER = "prefect-worker"


@dataclass(frozen=True)
class FinksStack:
    """Handles on what a stack run created (used for exports and by tests)."""

    data_lake: DataLake
    catalog: Catalog
    secrets: Secrets
    registry: Registry
    network: Network
    database: Database
    cluster: Cluster
    prefect: PrefectServer
    workers: FargateService
    ci: CiAccess
    people: People
    audit: Audit | None
    monitoring: Monitoring | None


def check_settings(settings: StackConfig, config: Config) -> None:
    """Cross-checks between the stack file and the environment's config."""
    region = config.aws_region
    foreign = [zone for zone in settings.availability_zones if not zone.startswith(region)]
    if foreign:
        path = stack_file(config.environment.value).name
        raise StackConfigError(
            f"infrastructure/{path}: key 'finks-infra:availabilityZones': {foreign} are not in "
            f"the environment's AWS_REGION {region}; list zones of {region}"
        )


def lake_buckets(config: Config) -> dict[str, str]:
    """The data lake's buckets by role (the role is the logical-name suffix)."""
    return {
        "bronze": config.bronze_bucket,
        "silver": config.silver_bucket,
        "gold": config.gold_bucket,
        "athena-results": config.athena_results_bucket,
        "artifacts": config.artifacts_bucket,
    }


def build_stack(settings: StackConfig, config: Config) -> FinksStack:
    """Declare every resource of ``config``'s environment, shaped by ``settings``."""
    check_settings(settings, config)
    name = config.resource_name
    env = config.environment.value
    provider = aws.Provider(
        name("aws"),
        region=config.aws_region,
        default_tags={
            "tags": {"finks:environment": env, "finks:project": "finks", "managed-by": "pulumi"}
        },
    )
    opts = pulumi.ResourceOptions(providers=[provider])
    invoke = pulumi.InvokeOutputOptions(provider=provider)
    account_id = aws.get_caller_identity_output(opts=invoke).account_id
    state_key = aws.kms.get_alias_output(name=config.pulumi_secrets_key_alias, opts=invoke)
    scope = policies.Scope(config, account_id)
    buckets = lake_buckets(config)
    trail_bucket, access_logs_bucket = config.audit_bucket, config.access_logs_bucket

    audit = None
    if settings.audit_logging:
        audit = Audit(
            name("audit"),
            AuditArgs(
                trail_name=name("audit"),
                trail_bucket=trail_bucket,
                access_logs_bucket=access_logs_bucket,
                data_event_buckets=list(buckets.values()),
                retention_days=settings.retention_days,
                account_id=account_id,
                region=config.aws_region,
            ),
            opts,
        )
    lake = DataLake(
        name("data-lake"),
        DataLakeArgs(
            buckets=buckets,
            retention_days=settings.retention_days,
            keep_current=frozenset({"artifacts"}),
            access_logs_bucket=audit.access_logs_target if audit else None,
        ),
        opts,
    )
    catalog = Catalog(
        name("catalog"),
        CatalogArgs(
            analytics_database=config.analytics_database,
            bronze_database=config.bronze_database,
            work_group=config.athena_work_group,
            results_location=config.athena_results_location,
            bytes_scanned_cutoff=settings.athena_bytes_scanned_cutoff,
        ),
        pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(depends_on=[lake.buckets["athena-results"]])
        ),
    )
    secrets = Secrets(
        name("secrets"),
        SecretsArgs(
            secrets={
                "prefect-api-key": (
                    config.secret_path("prefect"),
                    "Prefect API basic auth, user:password (server and clients)",
                ),
                "fmp-api-key": (config.secret_path("fmp"), "Financial Modeling Prep API key"),
                "slack-webhook-url": (
                    config.secret_path("slack", "webhook_url"),
                    "Slack incoming-webhook URL of this environment's channel",
                ),
            },
            recovery_window_days=settings.secret_recovery_days,
        ),
        opts,
    )
    auth_secret = secrets.secrets["prefect-api-key"].arn
    registry = Registry(name("registry"), RegistryArgs(repository=config.ecr_repository), opts)
    port = listener_port(settings.prefect_api_certificate_arn)
    network = Network(
        name("network"),
        NetworkArgs(
            cidr=settings.vpc_cidr,
            zones=settings.availability_zones,
            app_zones=settings.app_availability_zones,
            api_ingress_cidrs=settings.prefect_api_ingress_cidrs,
            api_port=port,
        ),
        opts,
    )
    database = Database(
        name("database"),
        DatabaseArgs(
            identifier=name("postgres"),
            subnet_ids=network.db_subnet_ids,
            security_group_ids=[network.db_security_group.id],
            instance_class=settings.db_instance_class,
            engine_version=settings.db_engine_version,
            allocated_storage_gb=settings.db_allocated_storage_gb,
            multi_az=settings.multi_az,
            availability_zone=None if settings.multi_az else settings.availability_zones[0],
            backup_retention_days=settings.db_backup_retention_days,
            deletion_protection=settings.db_deletion_protection,
        ),
        opts,
    )

    roles = task_roles(
        scope,
        auth_secret=auth_secret,
        database_secret=database.master_secret_arn,
        repository_arn=registry.repository.arn,
        opts=opts,
    )
    # The workers' capacity, and the cluster's default for any other service.
    capacity_provider = "FARGATE_SPOT" if settings.worker_spot else "FARGATE"
    cluster = Cluster(
        name("cluster"),
        ClusterArgs(
            cluster_name=config.ecs_cluster,
            default_capacity_provider=capacity_provider,
        ),
        opts,
    )
    prefect = PrefectServer(
        name("prefect"),
        PrefectServerArgs(
            cluster_arn=cluster.cluster.arn,
            service_name=config.prefect_server_service,
            load_balancer_name=name("prefect"),
            image=settings.prefect_image,
            cpu_units=settings.prefect_server_cpu_units,
            memory_mb=settings.prefect_server_memory_mb,
            vpc_id=network.vpc.id,
            public_subnet_ids=network.public_subnet_ids,
            app_subnet_ids=network.app_subnet_ids,
            load_balancer_security_group_id=network.load_balancer_security_group.id,
            server_security_group_id=network.server_security_group.id,
            execution_role_arn=roles.server_execution.arn,
            database_host=database.instance.address,
            database_port=database.instance.port,
            database_name=DATABASE_NAME,
            database_user=MASTER_USER,
            database_secret_arn=database.master_secret_arn,
            auth_secret_arn=auth_secret,
            url_parameter=config.prefect_api_url_parameter,
            certificate_arn=settings.prefect_api_certificate_arn,
            region=config.aws_region,
            log_retention_days=settings.log_retention_days,
        ),
        opts,
    )
    workers = FargateService(
        name("workers"),
        FargateServiceArgs(
            cluster_arn=cluster.cluster.arn,
            service_name=config.worker_service,
            container_name=WORKER_CONTAINER,
            # Until the pipelines deploy registers the runtime image (by digest): stock Prefect.
            image=settings.prefect_image,
            command=["prefect", "worker", "start", "--pool", config.prefect_work_pool,
                     "--type", "process"],
            cpu_units=settings.worker_cpu_units,
            memory_mb=settings.worker_memory_mb,
            desired_count=settings.worker_count,
            capacity_provider=capacity_provider,
            subnet_ids=network.app_subnet_ids,
            security_group_ids=[network.worker_security_group.id],
            execution_role_arn=roles.worker_execution.arn,
            task_role_arn=roles.worker_task.arn,
            region=config.aws_region,
            log_retention_days=settings.log_retention_days,
            environment={"ENVIRONMENT": env, "PREFECT_API_URL": prefect.api_url,
                         "PREFECT_LOGGING_LEVEL": "INFO"},
            secrets={"PREFECT_API_AUTH_STRING": auth_secret},
            external_revisions=True,
        ),
        pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(depends_on=[cluster.capacity_providers])
        ),
    )  # fmt: skip

    stack_buckets = [*buckets.values(), *((trail_bucket, access_logs_bucket) if audit else ())]
    ci = ci_access(settings, scope, roles, state_key.target_key_arn, stack_buckets, opts)
    humans = people(settings, scope, stack_buckets, opts)
    monitoring = None
    if settings.monitoring:
        slack = None
        if settings.alerts_slack_team_id and settings.alerts_slack_channel_id:
            slack = SlackTarget(settings.alerts_slack_team_id, settings.alerts_slack_channel_id)
        monitoring = Monitoring(
            name("monitoring"),
            MonitoringArgs(
                name_prefix=name(),
                cluster_name=cluster.cluster.name,
                worker_service_name=workers.service.name,
                worker_count=settings.worker_count,
                db_identifier=database.instance.identifier,
                db_allocated_storage_gb=settings.db_allocated_storage_gb,
                work_group=catalog.workgroup.name,
                athena_daily_bytes_budget=settings.athena_daily_bytes_budget,
                bronze_bucket=lake.buckets["bronze"].bucket,
                bronze_prefix=f"{SOURCE}/",
                bronze_stale_after_hours=settings.bronze_stale_after_hours,
                account_id=account_id,
                slack=slack,
            ),
            opts,
        )
    return FinksStack(
        data_lake=lake,
        catalog=catalog,
        secrets=secrets,
        registry=registry,
        network=network,
        database=database,
        cluster=cluster,
        prefect=prefect,
        workers=workers,
        ci=ci,
        people=humans,
        audit=audit,
        monitoring=monitoring,
    )


def load_inputs(env: Environment) -> tuple[StackConfig, Config]:
    """The stack's settings and the environment's config, each validated on its own
    (build_stack cross-checks them with check_settings before it declares anything)."""
    config = load_config(PROJECT_CONFIG_DIR, env=env)
    return load_stack_config(env.value), config


def run_in_engine() -> None:
    """Entry point under the Pulumi engine (CLI or Automation API): stack name = environment."""
    env = Environment.parse(pulumi.get_stack())
    settings, config = load_inputs(env)
    stack = build_stack(settings, config)
    for role, bucket in stack.data_lake.buckets.items():
        pulumi.export(f"{role.replace('-', '_')}_bucket", bucket.bucket)
    pulumi.export("analytics_database", stack.catalog.analytics_database.name)
    pulumi.export("athena_workgroup", stack.catalog.workgroup.name)
    pulumi.export("ecs_cluster", stack.cluster.cluster.name)
    pulumi.export("worker_service", stack.workers.service.name)
    pulumi.export("prefect_server_service", stack.prefect.server.service.name)
    pulumi.export("prefect_api_url", stack.prefect.api_url)
    pulumi.export("ecr_repository_url", stack.registry.repository.repository_url)
    pulumi.export("database_endpoint", stack.database.instance.endpoint)
    pulumi.export("deploy_role_arn", stack.ci.deploy_role.arn)
    pulumi.export("ledger_reader_role_arn", stack.ci.ledger_reader_role.arn)
    if stack.monitoring is not None:
        pulumi.export("alerts_topic_arn", stack.monitoring.topic.arn)
