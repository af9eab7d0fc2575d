"""Prod monitoring as code (issue 17.3): alarms notify the env's alerts topic (and Slack)."""

from __future__ import annotations

from finks_config.layout import SOURCE
from finks_infra.offline import render_stack
from finks_infra.tests.conftest import RenderedStack

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"


def _alarms(stack: RenderedStack) -> dict[str, dict]:
    return {a.physical_name.removeprefix("finks-prod-"): a.inputs for a in stack.of_type(ALARM)}


def test_monitoring_only_in_prod(stack: RenderedStack) -> None:
    assert bool(stack.of_type(ALARM)) is (stack.env == "prod")
    assert bool(stack.of_type(TOPIC)) is (stack.env == "prod")


def test_each_alarm_notifies_the_alerts_topic(rendered: dict[str, RenderedStack]) -> None:
    prod = rendered["prod"]
    topic = prod.the(TOPIC, "finks-prod-alerts").outputs["arn"]
    alarms = _alarms(prod)
    assert set(alarms) == {
        "workers-below-desired", "db-cpu", "db-free-storage", "athena-bytes-per-day", "bronze-stale"
    }  # fmt: skip
    for inputs in alarms.values():
        assert inputs["alarmActions"] == [topic]
        assert inputs["okActions"] == [topic]


def test_workers_below_desired(rendered: dict[str, RenderedStack]) -> None:
    prod = rendered["prod"]
    alarm = _alarms(prod)["workers-below-desired"]
    assert (alarm["namespace"], alarm["metricName"]) == (
        "ECS/ContainerInsights",
        "RunningTaskCount",
    )
    assert alarm["dimensions"] == {
        "ClusterName": prod.config.ecs_cluster,
        "ServiceName": prod.config.worker_service,
    }
    assert alarm["comparisonOperator"] == "LessThanThreshold"
    assert alarm["threshold"] == prod.settings.worker_count == 3
    assert alarm["treatMissingData"] == "breaching"  # no metric = no workers
    cluster = prod.the("aws:ecs/cluster:Cluster", prod.config.ecs_cluster)
    assert {"name": "containerInsights", "value": "enabled"} in cluster.inputs["settings"]


def test_database_cpu_and_free_storage(rendered: dict[str, RenderedStack]) -> None:
    prod = rendered["prod"]
    alarms = _alarms(prod)
    db = prod.config.resource_name("postgres")
    cpu, storage = alarms["db-cpu"], alarms["db-free-storage"]
    assert (cpu["metricName"], cpu["comparisonOperator"], cpu["threshold"]) == (
        "CPUUtilization", "GreaterThanThreshold", 80
    )  # fmt: skip
    assert storage["metricName"] == "FreeStorageSpace"
    assert storage["threshold"] == prod.settings.db_allocated_storage_gb * 1024**3 * 0.1
    assert cpu["dimensions"] == storage["dimensions"] == {"DBInstanceIdentifier": db}


def test_athena_bytes_scanned_per_day_above_the_budget(rendered: dict[str, RenderedStack]) -> None:
    prod = rendered["prod"]
    alarm = _alarms(prod)["athena-bytes-per-day"]
    assert alarm["threshold"] == prod.settings.athena_daily_bytes_budget
    assert alarm["comparisonOperator"] == "GreaterThanThreshold"
    metrics = [q["metric"] for q in alarm["metricQueries"] if "metric" in q]
    assert {m["dimensions"]["QueryState"] for m in metrics} == {"SUCCEEDED", "FAILED", "CANCELED"}
    for metric in metrics:
        assert (metric["metricName"], metric["stat"], metric["period"]) == (
            "ProcessedBytes",
            "Sum",
            86400,
        )
        assert metric["dimensions"]["WorkGroup"] == prod.config.athena_work_group
    (total,) = (q for q in alarm["metricQueries"] if q.get("returnData"))
    assert total["expression"] == "FILL(m0, 0) + FILL(m1, 0) + FILL(m2, 0)"
    workgroup = prod.one("aws:athena/workgroup:Workgroup").inputs["configuration"]
    assert workgroup["publishCloudwatchMetricsEnabled"] is True  # the metric exists


def test_no_new_bronze_object_by_the_deadline(rendered: dict[str, RenderedStack]) -> None:
    prod = rendered["prod"]
    alarm = _alarms(prod)["bronze-stale"]
    hours = prod.settings.bronze_stale_after_hours
    assert (alarm["namespace"], alarm["metricName"], alarm["period"]) == (
        "AWS/S3",
        "PutRequests",
        3600,
    )
    assert alarm["evaluationPeriods"] == alarm["datapointsToAlarm"] == hours
    assert alarm["treatMissingData"] == "breaching"  # no PUT in an hour = a breaching hour
    metric = prod.one("aws:s3/bucketMetric:BucketMetric")
    assert metric.inputs["bucket"] == prod.config.bronze_bucket
    assert metric.inputs["filter"] == {"prefix": f"{SOURCE}/"}
    assert alarm["dimensions"] == {
        "BucketName": prod.config.bronze_bucket,
        "FilterId": metric.inputs["name"],
    }


def test_slack_through_chatbot_when_the_channel_is_configured(
    rendered: dict[str, RenderedStack],
) -> None:
    prod = rendered["prod"]
    assert prod.of_type("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration") == []
    settings = prod.settings.model_copy(
        update={"alerts_slack_team_id": "T0123456789", "alerts_slack_channel_id": "C0123456789"}
    )
    resources = render_stack(settings, prod.config)
    (slack,) = (r for r in resources if r.type.startswith("aws:chatbot/"))
    (topic,) = (r for r in resources if r.type == TOPIC)
    assert slack.inputs["snsTopicArns"] == [topic.outputs["arn"]]
    assert (slack.inputs["slackTeamId"], slack.inputs["slackChannelId"]) == (
        "T0123456789",
        "C0123456789",
    )
