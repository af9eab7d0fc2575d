"""Prod audit logging (issue 14.3): CloudTrail data events and S3 server access logs."""

from __future__ import annotations

from finks_infra.program import lake_buckets
from finks_infra.tests.conftest import RenderedStack

TRAIL = "aws:cloudtrail/trail:Trail"
LOGGING = "aws:s3/bucketLogging:BucketLogging"


def test_audit_logging_only_where_the_stack_asks(stack: RenderedStack) -> None:
    on = stack.settings.audit_logging
    assert on is (stack.env == "prod")
    assert bool(stack.of_type(TRAIL)) is on
    assert bool(stack.of_type(LOGGING)) is on


def test_cloudtrail_records_object_events_of_the_zone_and_artifacts_buckets(
    rendered: dict[str, RenderedStack],
) -> None:
    prod = rendered["prod"]
    config = prod.config
    (trail,) = prod.of_type(TRAIL)
    assert trail.inputs["isMultiRegionTrail"] is True
    assert trail.inputs["enableLogFileValidation"] is True
    (selector,) = trail.inputs["eventSelectors"]
    assert selector["includeManagementEvents"] is True
    assert selector["readWriteType"] == "All"
    (data,) = selector["dataResources"]
    assert data["type"] == "AWS::S3::Object"
    zones = {
        config.bronze_bucket,
        config.silver_bucket,
        config.gold_bucket,
        config.artifacts_bucket,
    }
    assert {f"arn:aws:s3:::{b}/" for b in zones} <= set(data["values"])
    trail_bucket = config.audit_bucket
    assert trail.inputs["s3BucketName"] == trail_bucket


def test_every_lake_bucket_writes_server_access_logs(rendered: dict[str, RenderedStack]) -> None:
    prod = rendered["prod"]
    trail_bucket, access_logs = prod.config.audit_bucket, prod.config.access_logs_bucket
    logged = {r.physical_name: r.inputs for r in prod.of_type(LOGGING)}
    assert set(logged) == {*lake_buckets(prod.config).values(), trail_bucket}
    for bucket, inputs in logged.items():
        assert inputs["targetBucket"] == access_logs
        assert inputs["targetPrefix"] == f"{bucket}/"
    # S3's log delivery may write there, for this account only.
    policy = prod.statements("aws:s3/bucketPolicy:BucketPolicy", access_logs)
    (delivery,) = (s for s in policy if s.get("Sid") == "S3ServerAccessLogs")
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Condition"]["StringEquals"]["aws:SourceAccount"].isdigit()
