"""Secrets, parameters, catalog, registry, alerting and audit resources, emulated."""

from __future__ import annotations

import json
import os
from typing import Any

from finks_infra.emulate.context import ApplyContext, Outcome, error_code
from finks_infra.offline import RecordedResource

PLACEHOLDER_SECRET = "emulated-placeholder"  # noqa: S105 (a stand-in, never a credential)
# Set by the rehearsal's Pulumi stand-in: the URL of the env's emulated Prefect API.
PREFECT_URL_VARIABLE = "FINKS_EMULATED_PREFECT_API_URL"


def secret(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    sm = ctx.client("secretsmanager")
    name, description = inputs["name"], inputs.get("description", "")
    try:
        current = sm.describe_secret(SecretId=name)
    except Exception as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        ctx.substitute(
            f"new secrets get the value '{PLACEHOLDER_SECRET}' (AWS creates them empty; set real"
            " values with put-secret-value; an existing value is never overwritten)"
        )
        created = sm.create_secret(
            Name=name, Description=description, SecretString=PLACEHOLDER_SECRET
        )
        ctx.alias(r.outputs.get("arn"), created["ARN"])
        return "created"
    ctx.alias(r.outputs.get("arn"), current["ARN"])
    if current.get("Description", "") != description:
        sm.update_secret(SecretId=name, Description=description)
        return "updated"
    return "unchanged"


def parameter(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    ssm = ctx.client("ssm")
    name, value = inputs["name"], str(inputs["value"])
    if name == ctx.config.prefect_api_url_parameter:
        emulated = os.environ.get(PREFECT_URL_VARIABLE)
        if emulated:
            ctx.substitute(
                f"{name} = {PREFECT_URL_VARIABLE} ({emulated}): the load balancer in front of"
                " the Prefect server is not emulated"
            )
            value = emulated
        else:
            ctx.substitute(
                f"{name} = the rendered load balancer URL, which does not exist here (set"
                f" {PREFECT_URL_VARIABLE} to the emulated Prefect API)"
            )
    try:
        current = ssm.get_parameter(Name=name)["Parameter"]["Value"]
    except Exception as error:
        if error_code(error) != "ParameterNotFound":
            raise
        current = None
    if current == value:
        return "unchanged"
    ssm.put_parameter(
        Name=name,
        Value=value,
        Type=inputs.get("type", "String"),
        Description=inputs.get("description", ""),
        Overwrite=current is not None,
    )
    return "updated" if current is not None else "created"


def database(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    glue = ctx.client("glue")
    wanted = {"Name": inputs["name"], "Description": inputs.get("description", "")}
    try:
        current = glue.get_database(Name=wanted["Name"])["Database"]
    except Exception as error:
        if error_code(error) != "EntityNotFoundException":
            raise
        glue.create_database(DatabaseInput=wanted)
        return "created"
    if current.get("Description", "") != wanted["Description"]:
        glue.update_database(Name=wanted["Name"], DatabaseInput=wanted)
        return "updated"
    return "unchanged"


def _work_group_configuration(inputs: dict[str, Any]) -> dict[str, Any]:
    config = inputs.get("configuration", {})
    results = config.get("resultConfiguration", {})
    encryption = results.get("encryptionConfiguration", {})
    return {
        "ResultConfiguration": {
            "OutputLocation": results.get("outputLocation"),
            "EncryptionConfiguration": {"EncryptionOption": encryption.get("encryptionOption")},
        },
        "EnforceWorkGroupConfiguration": bool(config.get("enforceWorkgroupConfiguration")),
        "PublishCloudWatchMetricsEnabled": bool(config.get("publishCloudwatchMetricsEnabled")),
        "BytesScannedCutoffPerQuery": int(config.get("bytesScannedCutoffPerQuery", 0)),
    }


def work_group(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    athena = ctx.client("athena")
    name = inputs["name"]
    wanted = _work_group_configuration(inputs)
    try:
        found = athena.get_work_group(WorkGroup=name).get("WorkGroup")
    except Exception as error:
        if error_code(error) != "InvalidRequestException":
            raise
        found = None  # AWS: InvalidRequestException; moto: an empty answer
    if not found:
        athena.create_work_group(Name=name, Configuration=wanted)
        return "created"
    current = found.get("Configuration", {})
    if all(current.get(key) == value for key, value in wanted.items()):
        return "unchanged"
    athena.delete_work_group(WorkGroup=name, RecursiveDeleteOption=True)
    athena.create_work_group(Name=name, Configuration=wanted)
    ctx.substitute("an Athena work group whose settings changed is re-created (moto: no update)")
    return "updated"


def repository(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    ecr = ctx.client("ecr")
    name = inputs["name"]
    try:
        found = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
    except Exception as error:
        if error_code(error) != "RepositoryNotFoundException":
            raise
        found = ecr.create_repository(
            repositoryName=name,
            imageTagMutability=inputs.get("imageTagMutability", "MUTABLE"),
            imageScanningConfiguration={
                "scanOnPush": bool(inputs.get("imageScanningConfiguration", {}).get("scanOnPush"))
            },
        )["repository"]
        ctx.alias(r.outputs.get("repositoryUrl"), found["repositoryUri"])
        return "created"
    ctx.alias(r.outputs.get("repositoryUrl"), found["repositoryUri"])
    return "unchanged"


def repository_lifecycle(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    ecr = ctx.client("ecr")
    name, text = inputs["repository"], inputs["policy"]
    try:
        current = json.loads(ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"])
    except Exception as error:
        if error_code(error) != "LifecyclePolicyNotFoundException":
            raise
        current = None
    if current == json.loads(text):
        return "unchanged"
    ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=text)
    return "updated" if current is not None else "created"


def topic(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    sns = ctx.client("sns")
    name = inputs["name"]
    existing = [t["TopicArn"] for t in sns.list_topics().get("Topics", [])
                if t["TopicArn"].rsplit(":", 1)[-1] == name]  # fmt: skip
    arn = existing[0] if existing else sns.create_topic(Name=name)["TopicArn"]
    ctx.alias(r.outputs.get("arn"), arn)
    return "unchanged" if existing else "created"


_ALARM_KEYS = {
    "alarmDescription": "AlarmDescription",
    "comparisonOperator": "ComparisonOperator",
    "evaluationPeriods": "EvaluationPeriods",
    "datapointsToAlarm": "DatapointsToAlarm",
    "threshold": "Threshold",
    "treatMissingData": "TreatMissingData",
    "namespace": "Namespace",
    "metricName": "MetricName",
    "statistic": "Statistic",
    "period": "Period",
    "alarmActions": "AlarmActions",
    "okActions": "OKActions",
}


def _metric_queries(queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    api = []
    for query in queries:
        item: dict[str, Any] = {"Id": query["id"], "ReturnData": bool(query.get("returnData"))}
        if "expression" in query:
            item["Expression"] = query["expression"]
            if "label" in query:
                item["Label"] = query["label"]
        metric = query.get("metric")
        if metric:
            item["MetricStat"] = {
                "Metric": {
                    "Namespace": metric["namespace"],
                    "MetricName": metric["metricName"],
                    "Dimensions": [
                        {"Name": k, "Value": v} for k, v in sorted(metric["dimensions"].items())
                    ],
                },
                "Period": int(metric["period"]),
                "Stat": metric["stat"],
            }
        api.append(item)
    return api


def alarm(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    cloudwatch = ctx.client("cloudwatch")
    name = inputs["name"]
    wanted: dict[str, Any] = {api: inputs[key] for key, api in _ALARM_KEYS.items() if key in inputs}
    for key in ("EvaluationPeriods", "DatapointsToAlarm", "Period"):
        if key in wanted:
            wanted[key] = int(wanted[key])
    if "Threshold" in wanted:
        wanted["Threshold"] = float(wanted["Threshold"])
    if "dimensions" in inputs:
        wanted["Dimensions"] = [
            {"Name": k, "Value": v} for k, v in sorted(inputs["dimensions"].items())
        ]
    if "metricQueries" in inputs:
        wanted["Metrics"] = _metric_queries(inputs["metricQueries"])
    found = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    if found and all(found[0].get(k) == v for k, v in wanted.items() if k != "Metrics"):
        return "unchanged"
    cloudwatch.put_metric_alarm(AlarmName=name, **wanted)
    return "updated" if found else "created"


def log_group(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    logs = ctx.client("logs")
    name, days = inputs["name"], int(inputs["retentionInDays"])
    found = [g for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
             if g["logGroupName"] == name]  # fmt: skip
    outcome: Outcome = "unchanged"
    if not found:
        logs.create_log_group(logGroupName=name)
        outcome = "created"
    if not found or found[0].get("retentionInDays") != days:
        logs.put_retention_policy(logGroupName=name, retentionInDays=days)
        outcome = outcome if outcome == "created" else "updated"
    return outcome


def trail(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    cloudtrail = ctx.client("cloudtrail")
    name = inputs["name"]
    selectors = [
        {
            "ReadWriteType": s.get("readWriteType", "All"),
            "IncludeManagementEvents": bool(s.get("includeManagementEvents", True)),
            "DataResources": [
                {"Type": d["type"], "Values": list(d["values"])} for d in s.get("dataResources", [])
            ],
        }
        for s in inputs.get("eventSelectors", [])
    ]
    outcome: Outcome = "unchanged"
    try:
        cloudtrail.get_trail(Name=name)
    except Exception as error:
        if error_code(error) != "TrailNotFoundException":
            raise
        cloudtrail.create_trail(
            Name=name,
            S3BucketName=inputs["s3BucketName"],
            IncludeGlobalServiceEvents=bool(inputs.get("includeGlobalServiceEvents")),
            IsMultiRegionTrail=bool(inputs.get("isMultiRegionTrail")),
            EnableLogFileValidation=bool(inputs.get("enableLogFileValidation")),
        )
        outcome = "created"
    current = cloudtrail.get_event_selectors(TrailName=name).get("EventSelectors", [])
    if selectors and current != selectors:
        cloudtrail.put_event_selectors(TrailName=name, EventSelectors=selectors)
        outcome = outcome if outcome == "created" else "updated"
    return outcome
