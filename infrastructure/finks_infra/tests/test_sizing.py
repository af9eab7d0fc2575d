"""The seed's sizing, retention and cost rules, checked on what each stack declares."""

from __future__ import annotations

import pytest

from finks_infra.offline import RecordedResource
from finks_infra.tests.conftest import RenderedStack

# The seed's "Infrastructure Sizing" table, row by row:
# env: (Fargate CPU units, memory MiB, worker count, RDS class, Multi-AZ)
SEED_SIZING = {
    "dev": (512, 1024, 1, "db.t3.micro", False),
    "staging": (1024, 2048, 2, "db.t3.small", False),
    "prod": (2048, 4096, 3, "db.t3.medium", True),
}
SEED_RETENTION_DAYS = {"dev": 7, "staging": 30, "prod": 365}

TASK = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
# The Prefect server's size (not in the seed table: one small task per env, bigger in prod).
SERVER_SIZING = {"dev": (512, 1024), "staging": (512, 1024), "prod": (1024, 2048)}


def _worker(stack: RenderedStack, token: str) -> RecordedResource:
    return stack.the(token, stack.config.worker_service)


def _server(stack: RenderedStack, token: str) -> RecordedResource:
    return stack.the(token, stack.config.prefect_server_service)


RDS = "aws:rds/instance:Instance"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
BUCKET = "aws:s3/bucket:Bucket"


@pytest.mark.parametrize("env", sorted(SEED_SIZING))
def test_worker_and_database_match_the_seed_sizing_row(
    env: str, rendered: dict[str, RenderedStack]
) -> None:
    stack = rendered[env]
    cpu, memory, count, db_class, multi_az = SEED_SIZING[env]
    task = _worker(stack, TASK)
    assert (task.inputs["cpu"], task.inputs["memory"]) == (str(cpu), str(memory))
    assert task.inputs["requiresCompatibilities"] == ["FARGATE"]
    assert _worker(stack, SERVICE).inputs["desiredCount"] == count
    server = _server(stack, TASK)
    assert (server.inputs["cpu"], server.inputs["memory"]) == tuple(map(str, SERVER_SIZING[env]))
    assert _server(stack, SERVICE).inputs["desiredCount"] == 1
    db = stack.one(RDS)
    assert db.inputs["instanceClass"] == db_class
    assert db.inputs["multiAz"] is multi_az
    assert db.inputs["engine"] == "postgres"
    assert db.inputs["storageEncrypted"] is True
    assert db.inputs["publiclyAccessible"] is False
    assert db.inputs["manageMasterUserPassword"] is True
    assert "password" not in db.inputs


def test_multi_az_networking_only_in_prod(stack: RenderedStack) -> None:
    prod = stack.env == "prod"
    nats = stack.of_type("aws:ec2/natGateway:NatGateway")
    worker_subnets = _worker(stack, SERVICE).inputs["networkConfiguration"]["subnets"]
    zones = stack.settings.availability_zones
    if prod:
        assert len(zones) >= 2
        assert len(nats) == len(zones)
        assert len(worker_subnets) == len(zones)
        assert "availabilityZone" not in stack.one(RDS).inputs
    else:
        assert len(nats) == 1
        assert len(worker_subnets) == 1
        assert stack.one(RDS).inputs["availabilityZone"] == zones[0]
    # RDS always gets a subnet group over two or more zones (AWS requires it), and the
    # Prefect API's load balancer public subnets in every zone (it needs two).
    group = stack.one("aws:rds/subnetGroup:SubnetGroup")
    assert len(group.inputs["subnetIds"]) == len(zones) >= 2
    balancer = stack.one("aws:lb/loadBalancer:LoadBalancer")
    assert len(balancer.inputs["subnets"]) == len(zones)


def test_spot_only_in_dev_and_both_capacity_providers_everywhere(stack: RenderedStack) -> None:
    expected = "FARGATE_SPOT" if stack.env == "dev" else "FARGATE"
    providers = stack.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
    assert providers.inputs["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    defaults = providers.inputs["defaultCapacityProviderStrategies"]
    assert [s["capacityProvider"] for s in defaults] == [expected]
    strategy = _worker(stack, SERVICE).inputs["capacityProviderStrategies"]
    assert [s["capacityProvider"] for s in strategy] == [expected]
    # The Prefect API is never on Spot: an interruption would stop every env's run.
    server = _server(stack, SERVICE).inputs["capacityProviderStrategies"]
    assert [s["capacityProvider"] for s in server] == ["FARGATE"]


def test_every_bucket_expires_at_the_env_retention(stack: RenderedStack) -> None:
    days = SEED_RETENTION_DAYS[stack.env]
    assert stack.settings.retention_days == days
    buckets = {b.physical_name for b in stack.of_type(BUCKET)}
    lifecycles = {r.physical_name: r.inputs["rules"] for r in stack.of_type(LIFECYCLE)}
    assert set(lifecycles) == buckets
    for bucket, rules in lifecycles.items():
        (rule,) = rules
        assert rule["status"] == "Enabled"
        assert rule["noncurrentVersionExpiration"]["noncurrentDays"] == days, bucket
        if bucket == stack.config.artifacts_bucket:
            # The deploy ledger lives here: current objects stay, old versions expire.
            assert "expiration" not in rule
        else:
            assert rule["expiration"]["days"] == days, bucket
    logs = stack.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert len(logs) == 2  # the Prefect server and the workers
    for group in logs:
        assert group.inputs["retentionInDays"] == stack.settings.log_retention_days == days


def test_data_lake_buckets_are_versioned_encrypted_and_private(stack: RenderedStack) -> None:
    config = stack.config
    results_bucket = config.athena_results_location.removeprefix("s3://").rstrip("/")
    expected = {
        config.bronze_bucket,
        config.silver_bucket,
        config.gold_bucket,
        config.artifacts_bucket,
        results_bucket,
    }
    buckets = {b.physical_name for b in stack.of_type(BUCKET)}
    assert expected <= buckets
    for bucket in buckets:
        (versioning,) = stack.named("aws:s3/bucketVersioning:BucketVersioning", bucket)
        assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
        (sse,) = stack.named(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            bucket,
        )
        algorithm = sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"]
        assert algorithm in ("AES256", "aws:kms")
        (block,) = stack.named("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket)
        for key in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        ):
            assert block.inputs[key] is True, (bucket, key)
        (bucket_resource,) = stack.named(BUCKET, bucket)
        assert bucket_resource.inputs.get("forceDestroy") is False


def test_catalog_and_workgroup(stack: RenderedStack) -> None:
    databases = {d.physical_name for d in stack.of_type("aws:glue/catalogDatabase:CatalogDatabase")}
    assert databases == {stack.config.analytics_database, stack.config.bronze_database}
    workgroup = stack.one("aws:athena/workgroup:Workgroup").inputs["configuration"]
    assert workgroup["enforceWorkgroupConfiguration"] is True
    assert (
        workgroup["resultConfiguration"]["outputLocation"] == stack.config.athena_results_location
    )
    assert workgroup["bytesScannedCutoffPerQuery"] == stack.settings.athena_bytes_scanned_cutoff
    assert workgroup["bytesScannedCutoffPerQuery"] >= 10 * 1024 * 1024


def test_secrets_exist_without_values(stack: RenderedStack) -> None:
    secrets = {s.physical_name for s in stack.of_type("aws:secretsmanager/secret:Secret")}
    config = stack.config
    assert secrets == {
        config.secret_path("prefect"),
        config.secret_path("fmp"),
        config.secret_path("slack", "webhook_url"),
    }
    assert not [r for r in stack.resources if r.type.startswith("aws:secretsmanager/secretVersion")]
    for secret in stack.of_type("aws:secretsmanager/secret:Secret"):
        assert "secretString" not in secret.inputs


def test_workers_read_the_prefect_auth_from_secrets_manager(stack: RenderedStack) -> None:
    import json

    (container,) = json.loads(_worker(stack, TASK).inputs["containerDefinitions"])
    (secret,) = container["secrets"]
    assert secret["name"] == "PREFECT_API_AUTH_STRING"
    assert stack.config.secret_path("prefect") in secret["valueFrom"]
    assert container["command"][3:5] == ["--pool", stack.config.prefect_work_pool]
    assert all("KEY" not in e["name"] and "AUTH" not in e["name"] for e in container["environment"])
