"""The Pulumi program: one environment's whole platform, assembled from the components.

``build_stack`` is pure wiring (settings + names in, resources out) so that the
engine run, the offline dry-run and the tests execute exactly the same code.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from finks_config import Config, Environment, load_config
from finks_infra.components.access import Access
from finks_infra.components.catalog import Catalog
from finks_infra.components.compute import Compute
from finks_infra.components.data_lake import DataLake
from finks_infra.components.database import Database
from finks_infra.components.network import Network
from finks_infra.components.secrets import Secrets
from finks_infra.names import PlatformNames
from finks_infra.stack_config import StackConfig, StackConfigError, load_stack_config, stack_file

# Project-specific env files (finks_config merges them over libs/config's).
PROJECT_CONFIG_DIR = "infrastructure/config"


@dataclass(frozen=True)
class FinksStack:
    """Handles on what a stack run created (used for exports and by tests)."""

    names: PlatformNames
    data_lake: DataLake
    catalog: Catalog
    secrets: Secrets
    network: Network
    access: Access
    compute: Compute
    database: Database


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


def build_stack(settings: StackConfig, config: Config) -> FinksStack:
    """Declare every resource of ``config``'s environment, shaped by ``settings``."""
    check_settings(settings, config)
    names = PlatformNames.from_config(config)
    provider = aws.Provider(
        names.resource("aws"),
        region=config.aws_region,
        default_tags={
            "tags": {
                "finks:environment": names.env,
                "finks:project": "finks",
                "managed-by": "pulumi",
            }
        },
    )
    opts = pulumi.ResourceOptions(providers=[provider])
    account_id = aws.get_caller_identity_output(
        opts=pulumi.InvokeOutputOptions(provider=provider)
    ).account_id

    data_lake = DataLake(names, settings.retention_days, opts=opts)
    catalog = Catalog(
        names, settings.athena_bytes_scanned_cutoff, data_lake.buckets["athena-results"], opts=opts
    )
    secrets = Secrets(names, settings.secret_recovery_days, opts=opts)
    network = Network(names, settings, opts=opts)
    access = Access(names, settings, account_id, data_lake, catalog, secrets, opts=opts)
    compute = Compute(names, settings, network, access, secrets, config.prefect_api_url, opts=opts)
    database = Database(names, settings, network, opts=opts)
    return FinksStack(names, data_lake, catalog, secrets, network, access, compute, database)


def load_inputs(env: Environment) -> tuple[StackConfig, Config]:
    """The stack's settings and the environment's config, both validated."""
    config = load_config(PROJECT_CONFIG_DIR, env=env)
    settings = load_stack_config(env.value)
    check_settings(settings, config)
    return settings, config


def run_in_engine() -> None:
    """Entry point under the Pulumi engine (CLI or Automation API): stack name = environment."""
    env = Environment.parse(pulumi.get_stack())
    settings, config = load_inputs(env)
    stack = build_stack(settings, config)
    for zone, bucket in stack.data_lake.buckets.items():
        pulumi.export(f"{zone}_bucket", bucket.bucket)
    pulumi.export("analytics_database", stack.catalog.analytics_database.name)
    pulumi.export("athena_workgroup", stack.catalog.workgroup.name)
    pulumi.export("ecs_cluster", stack.compute.cluster.name)
    pulumi.export("worker_service", stack.compute.service.name)
    pulumi.export("database_endpoint", stack.database.instance.endpoint)
    pulumi.export("deploy_role_arn", stack.access.deploy_role.arn)
