"""finks_infra.emulate: the rendered stack applied to an emulated account (a real moto server)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from finks_config import Config, Environment, load_config
from finks_infra.emulate import apply_stack
from finks_infra.program import PROJECT_CONFIG_DIR, lake_buckets
from finks_testing.moto import MotoEndpoint

Lines = list[str]


def _config(env: str, moto: MotoEndpoint) -> Config:
    return load_config(
        PROJECT_CONFIG_DIR, env=Environment.parse(env), overrides={"AWS_ENDPOINT_URL": moto.url}
    )


def _quiet(lines: Lines) -> Callable[[str], None]:
    return lines.append


def test_apply_creates_what_the_dev_stack_declares(moto: MotoEndpoint) -> None:
    config = _config("dev", moto)
    lines: Lines = []
    report = apply_stack(config, say=_quiet(lines))
    assert report.created and not report.updated
    s3 = moto.raw_client("s3")
    buckets = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert buckets == set(lake_buckets(config).values())
    bronze = config.bronze_bucket
    assert s3.get_bucket_versioning(Bucket=bronze)["Status"] == "Enabled"
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bronze)["Rules"]
    assert rule["Expiration"]["Days"] == 7
    # Its only policy statement is HTTPS-only, which the plain-HTTP emulator leaves out (said so).
    assert any("without their HTTPS-only statement" in line for line in lines)
    assert s3.get_public_access_block(Bucket=bronze)["PublicAccessBlockConfiguration"][
        "BlockPublicPolicy"
    ]

    iam = moto.raw_client("iam")
    roles = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    assert {"finks-dev-github-deploy", "finks-dev-ledger-reader", "finks-dev-worker-task"} <= roles
    assert [g["GroupName"] for g in iam.list_groups()["Groups"]] == ["finks-dev-developers"]
    assert len(iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]) == 1
    ledger = iam.get_role_policy(
        RoleName="finks-dev-ledger-reader", PolicyName="finks-dev-ledger-reader"
    )
    resources = {r for st in ledger["PolicyDocument"]["Statement"] for r in st["Resource"]}
    assert resources == {
        f"arn:aws:s3:::{config.artifacts_bucket}",
        f"arn:aws:s3:::{config.artifacts_bucket}/deploys/*",
    }

    secrets = {s["Name"] for s in moto.raw_client("secretsmanager").list_secrets()["SecretList"]}
    assert secrets == {config.secret_path("prefect"), config.secret_path("fmp"),
                       config.secret_path("slack", "webhook_url")}  # fmt: skip
    glue = {d["Name"] for d in moto.raw_client("glue").get_databases()["DatabaseList"]}
    assert glue == {config.analytics_database, config.bronze_database}
    group = moto.raw_client("athena").get_work_group(WorkGroup=config.athena_work_group)[
        "WorkGroup"
    ]
    assert (
        group["Configuration"]["ResultConfiguration"]["OutputLocation"]
        == config.athena_results_location
    )
    (repo,) = moto.raw_client("ecr").describe_repositories()["repositories"]
    assert (repo["repositoryName"], repo["imageTagMutability"]) == (
        config.ecr_repository,
        "IMMUTABLE",
    )
    assert repo["imageScanningConfiguration"]["scanOnPush"] is True

    ecs = moto.raw_client("ecs")
    cluster = config.ecs_cluster
    services = ecs.describe_services(
        cluster=cluster,
        services=[config.worker_service, config.prefect_server_service],
    )["services"]
    assert [(s["serviceName"], s["desiredCount"]) for s in services] == [
        (config.worker_service, 1), (config.prefect_server_service, 1)
    ]  # fmt: skip
    subnets = services[0]["networkConfiguration"]["awsvpcConfiguration"]["subnets"]
    assert {
        s["SubnetId"] for s in moto.raw_client("ec2").describe_subnets(SubnetIds=subnets)["Subnets"]
    } == set(subnets)
    assert moto.raw_client("ssm").get_parameter(Name=config.prefect_api_url_parameter)["Parameter"][
        "Value"
    ]
    assert any("skipped (not emulated): " in line and "rds:Instance" in line for line in lines)
    assert any(line.startswith("emulate: substituted: IAM view") for line in lines)


def test_a_second_apply_changes_nothing(moto: MotoEndpoint) -> None:
    config = _config("dev", moto)
    first = apply_stack(config, say=lambda _: None)
    second = apply_stack(config, say=lambda _: None)
    assert first.changed and not second.changed
    assert len(second.unchanged) == len(first.created) + len(first.unchanged)


def test_drift_is_repaired(moto: MotoEndpoint) -> None:
    config = _config("dev", moto)
    apply_stack(config, say=lambda _: None)
    s3, iam = moto.raw_client("s3"), moto.raw_client("iam")
    s3.delete_bucket_lifecycle(Bucket=config.gold_bucket)
    iam.delete_role_policy(RoleName="finks-dev-worker-task", PolicyName="finks-dev-worker-task")
    report = apply_stack(config, say=lambda _: None)
    assert sorted(report.created) == [
        f"iam:RolePolicy {config.resource_name('worker-task')}",
        f"s3:BucketLifecycleConfiguration {config.gold_bucket}",
    ]
    assert s3.get_bucket_lifecycle_configuration(Bucket=config.gold_bucket)["Rules"]


def test_secret_values_are_never_overwritten(moto: MotoEndpoint) -> None:
    config = _config("dev", moto)
    sm = moto.raw_client("secretsmanager")
    sm.create_secret(Name=config.secret_path("fmp"), SecretString="the-real-key")
    apply_stack(config, say=lambda _: None)
    assert sm.get_secret_value(SecretId=config.secret_path("fmp"))["SecretString"] == "the-real-key"
    fresh = sm.get_secret_value(SecretId=config.secret_path("prefect"))["SecretString"]
    assert fresh == "emulated-placeholder"


@pytest.mark.parametrize("emulated", ["http://127.0.0.1:4299/api", None])
def test_the_prefect_url_parameter(
    moto: MotoEndpoint, monkeypatch: pytest.MonkeyPatch, emulated: str | None
) -> None:
    config = _config("staging", moto)
    if emulated:
        monkeypatch.setenv("FINKS_EMULATED_PREFECT_API_URL", emulated)
    else:
        monkeypatch.delenv("FINKS_EMULATED_PREFECT_API_URL", raising=False)
    lines: Lines = []
    apply_stack(config, say=_quiet(lines))
    value = moto.raw_client("ssm").get_parameter(Name=config.prefect_api_url_parameter)[
        "Parameter"
    ]["Value"]
    if emulated:
        assert value == emulated
        assert any("FINKS_EMULATED_PREFECT_API_URL" in line and emulated in line for line in lines)
    else:
        assert value.startswith("http://finks-staging-prefect") and value.endswith("/api")


def test_the_pipelines_deploys_worker_revision_survives_a_reapply(moto: MotoEndpoint) -> None:
    """What RELEASE's deploy does: a new revision with the runtime image, then update-service."""
    config = _config("dev", moto)
    apply_stack(config, say=lambda _: None)
    ecs = moto.raw_client("ecs")
    family, cluster = config.worker_service, config.ecs_cluster
    current = ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
    (container,) = current["containerDefinitions"]
    container = {**container, "image": f"{config.ecr_repository}@sha256:{'b' * 64}"}
    container.pop("command")
    keep = (
        "cpu",
        "memory",
        "networkMode",
        "requiresCompatibilities",
        "executionRoleArn",
        "taskRoleArn",
    )
    revision = ecs.register_task_definition(
        family=family, containerDefinitions=[container], **{k: current[k] for k in keep}
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=cluster, service=family, taskDefinition=revision)

    report = apply_stack(config, say=lambda _: None)
    assert not report.changed
    (service,) = ecs.describe_services(cluster=cluster, services=[family])["services"]
    assert service["taskDefinition"] == revision
    assert len(ecs.list_task_definitions(familyPrefix=family)["taskDefinitionArns"]) == 2


def test_prod_audit_and_alarms(moto: MotoEndpoint) -> None:
    config = _config("prod", moto)
    apply_stack(config, say=lambda _: None)
    trail_bucket, access_logs = config.audit_bucket, config.access_logs_bucket
    trail = moto.raw_client("cloudtrail")
    (selector,) = trail.get_event_selectors(TrailName=config.resource_name("audit"))[
        "EventSelectors"
    ]
    values = selector["DataResources"][0]["Values"]
    assert f"arn:aws:s3:::{config.bronze_bucket}/" in values
    s3 = moto.raw_client("s3")
    for bucket in (config.bronze_bucket, config.artifacts_bucket, trail_bucket):
        assert s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]["TargetBucket"] == access_logs
    sids = [
        s["Sid"]
        for s in json.loads(s3.get_bucket_policy(Bucket=access_logs)["Policy"])["Statement"]
    ]
    assert sids == ["S3ServerAccessLogs"]
    alarms = moto.raw_client("cloudwatch").describe_alarms()["MetricAlarms"]
    topic = f"arn:aws:sns:{config.aws_region}:{moto.account_id}:finks-prod-alerts"
    assert len(alarms) == 5
    assert all(a["AlarmActions"] == [topic] for a in alarms)
    assert not apply_stack(config, say=lambda _: None).changed
