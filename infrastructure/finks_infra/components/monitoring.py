"""Monitoring: prod's alarms, each notifying the env's alerts topic (and Slack through Chatbot).

What each alarm watches:
- workers below desired: Container Insights ``RunningTaskCount`` of the worker service;
- RDS CPU and free storage of the Prefect database;
- Athena bytes scanned per day above a budget: the work group's ``ProcessedBytes``
  (the catalog publishes work-group metrics), summed over a day;
- no new bronze objects by the deadline: S3 request metrics (``PutRequests``) on the
  bronze bucket's ``fmp/`` prefix; every hour without a PUT breaches, and
  ``bronzeStaleAfterHours`` such hours in a row alarm (the daily schedule plus grace).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from finks_infra import trust
from finks_infra.components.roles import ScopedRole, ScopedRoleArgs
from finks_infra.policies import allow, document

CPU_ALARM_PERCENT = 80
FREE_STORAGE_FRACTION = 0.1
BRONZE_METRIC_FILTER = "bronze-puts"
_HOUR = 3600
_DAY = 86400


@dataclass(frozen=True)
class SlackTarget:
    team_id: str
    channel_id: str


@dataclass(frozen=True)
class MonitoringArgs:
    name_prefix: str  # finks-{env}: alarm, topic and chatbot names start with it
    cluster_name: pulumi.Input[str]
    worker_service_name: pulumi.Input[str]
    worker_count: int
    db_identifier: pulumi.Input[str]
    db_allocated_storage_gb: int
    work_group: pulumi.Input[str]
    athena_daily_bytes_budget: int
    bronze_bucket: pulumi.Input[str]
    bronze_prefix: str
    bronze_stale_after_hours: int
    account_id: pulumi.Input[str]
    slack: SlackTarget | None = None


class Monitoring(pulumi.ComponentResource):
    topic: aws.sns.Topic
    alarms: dict[str, aws.cloudwatch.MetricAlarm]

    def __init__(
        self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("finks:infra:Monitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        prefix = args.name_prefix
        self.topic = aws.sns.Topic(f"{name}-alerts", name=f"{prefix}-alerts", opts=child)
        self._args = args
        self._name = name
        aws.s3.BucketMetric(
            f"{name}-bronze-puts",
            bucket=args.bronze_bucket,
            name=BRONZE_METRIC_FILTER,
            filter={"prefix": args.bronze_prefix},
            opts=child,
        )
        free_bytes = int(args.db_allocated_storage_gb * 1024**3 * FREE_STORAGE_FRACTION)
        # What both database alarms watch: the Prefect database's instance, 5-minute periods.
        database: dict[str, object] = {
            "namespace": "AWS/RDS",
            "dimensions": {"DBInstanceIdentifier": args.db_identifier},
            "period": 300,
        }
        self.alarms = {
            "workers-below-desired": self._alarm(
                "workers-below-desired",
                f"fewer than {args.worker_count} Prefect workers running",
                namespace="ECS/ContainerInsights",
                metric_name="RunningTaskCount",
                dimensions={
                    "ClusterName": args.cluster_name,
                    "ServiceName": args.worker_service_name,
                },
                statistic="Minimum",
                period=300,
                evaluation_periods=3,
                comparison_operator="LessThanThreshold",
                threshold=args.worker_count,
                treat_missing_data="breaching",
            ),
            "db-cpu": self._alarm(
                "db-cpu",
                f"Prefect database CPU above {CPU_ALARM_PERCENT}% for 15 minutes",
                **database,
                metric_name="CPUUtilization",
                statistic="Average",
                evaluation_periods=3,
                comparison_operator="GreaterThanThreshold",
                threshold=CPU_ALARM_PERCENT,
            ),
            "db-free-storage": self._alarm(
                "db-free-storage",
                f"Prefect database free storage below {FREE_STORAGE_FRACTION:.0%}",
                **database,
                metric_name="FreeStorageSpace",
                statistic="Minimum",
                evaluation_periods=1,
                comparison_operator="LessThanThreshold",
                threshold=free_bytes,
            ),
            "athena-bytes-per-day": self._athena_budget(),
            "bronze-stale": self._alarm(
                "bronze-stale",
                f"no new bronze object for {args.bronze_stale_after_hours} hours",
                namespace="AWS/S3",
                metric_name="PutRequests",
                dimensions={"BucketName": args.bronze_bucket, "FilterId": BRONZE_METRIC_FILTER},
                statistic="Sum",
                period=_HOUR,
                evaluation_periods=args.bronze_stale_after_hours,
                datapoints_to_alarm=args.bronze_stale_after_hours,
                comparison_operator="LessThanThreshold",
                threshold=1,
                treat_missing_data="breaching",
            ),
        }
        if args.slack is not None:
            self._chatbot(args.slack)
        self.register_outputs({"topic": self.topic.arn})

    def _alarm(
        self, suffix: str, description: str, **settings: object
    ) -> aws.cloudwatch.MetricAlarm:
        settings.setdefault("treat_missing_data", "notBreaching")
        return aws.cloudwatch.MetricAlarm(
            f"{self._name}-{suffix}",
            name=f"{self._args.name_prefix}-{suffix}",
            alarm_description=description,
            alarm_actions=[self.topic.arn],
            ok_actions=[self.topic.arn],
            opts=pulumi.ResourceOptions(parent=self),
            **settings,  # type: ignore[arg-type]
        )

    def _athena_budget(self) -> aws.cloudwatch.MetricAlarm:
        """ProcessedBytes carries QueryState/QueryType dimensions: sum the DML states."""
        args = self._args
        queries: list[dict[str, object]] = []
        for index, state in enumerate(("SUCCEEDED", "FAILED", "CANCELED")):
            queries.append(
                {
                    "id": f"m{index}",
                    "return_data": False,
                    "metric": {
                        "namespace": "AWS/Athena",
                        "metric_name": "ProcessedBytes",
                        "dimensions": {
                            "WorkGroup": args.work_group,
                            "QueryState": state,
                            "QueryType": "DML",
                        },
                        "period": _DAY,
                        "stat": "Sum",
                    },
                }
            )
        total = " + ".join(f"FILL(m{i}, 0)" for i in range(len(queries)))
        queries.append({"id": "total", "expression": total, "label": "bytes", "return_data": True})
        return self._alarm(
            "athena-bytes-per-day",
            f"Athena scanned more than {args.athena_daily_bytes_budget} bytes in a day",
            metric_queries=queries,
            evaluation_periods=1,
            comparison_operator="GreaterThanThreshold",
            threshold=args.athena_daily_bytes_budget,
        )

    def _chatbot(self, slack: SlackTarget) -> None:
        """AWS Chatbot posts the topic's alarms to the env's Slack channel."""
        args = self._args
        role = ScopedRole(
            f"{self._name}-chatbot",
            ScopedRoleArgs(
                role_name=f"{args.name_prefix}-chatbot",
                description="AWS Chatbot: read the alarms it posts to Slack",
                trust_policy=trust.service("chatbot.amazonaws.com", args.account_id),
                policy=document(
                    [allow("ReadAlarmTopic", ["sns:GetTopicAttributes"], [self.topic.arn])]
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.chatbot.SlackChannelConfiguration(
            f"{self._name}-slack",
            configuration_name=f"{args.name_prefix}-alerts",
            iam_role_arn=role.arn,
            slack_team_id=slack.team_id,
            slack_channel_id=slack.channel_id,
            sns_topic_arns=[self.topic.arn],
            opts=pulumi.ResourceOptions(parent=self),
        )
