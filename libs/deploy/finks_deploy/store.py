"""JSON objects in the environment's artifacts bucket, through finks_config's guarded client.

The ledger and the lock are both small JSON documents next to the deploy
artifacts; this module is the one place that turns S3 answers (404, 412) into
Python values, so the rest reads like plain logic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError  # pants: no-infer-dep

import finks_config
import finks_config.aws
from finks_config.aws.listing import child_names
from finks_deploy.errors import UsageError

LEDGER_ROOT = "deploys"


@dataclass(frozen=True)
class StoredJson:
    data: dict[str, Any]
    etag: str


class ArtifactStore:
    """Read and write JSON under the artifacts bucket of one environment's Config."""

    def __init__(self, config: finks_config.Config) -> None:
        self.config = config
        self.bucket: str = config.artifacts_bucket
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = finks_config.aws.client(self.config, "s3")  # shared per config
        return self._client

    def bucket_exists(self) -> bool:
        """True when the artifacts bucket exists (infrastructure has been deployed)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as error:
            if _status(error) == 404 or _code(error) in ("404", "NoSuchBucket", "NotFound"):
                return False
            raise
        return True

    def require_bucket(self) -> None:
        """The one "is infrastructure deployed here?" check: UsageError naming the fix."""
        if not self.bucket_exists():
            env = self.config.environment.value
            raise UsageError(
                f"the {env} artifacts bucket {self.bucket} does not exist",
                fix="deploy infrastructure first:"
                f" ./pants run infrastructure:deploy -- --env {env}",
            )

    def get_json(self, key: str) -> StoredJson | None:
        """The object at ``key`` parsed as JSON, or None when it does not exist."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _code(error) in ("NoSuchKey", "404", "NotFound"):
                return None
            raise
        body = response["Body"].read()
        return StoredJson(data=json.loads(body.decode("utf-8")), etag=response["ETag"])

    def put_json(
        self,
        key: str,
        data: dict[str, Any],
        *,
        if_none_match: bool = False,
        if_match: str | None = None,
    ) -> str | None:
        """Write ``data`` at ``key``; returns the new ETag, or None when a condition failed."""
        extra: dict[str, str] = {}
        if if_none_match:
            extra["IfNoneMatch"] = "*"
        if if_match is not None:
            extra["IfMatch"] = if_match
        body = json.dumps(data, indent=2, sort_keys=True).encode("utf-8")
        try:
            response = self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentType="application/json",
                **extra,
            )
        except ClientError as error:
            if is_precondition_failure(error):
                return None
            raise
        return str(response.get("ETag", ""))

    def delete(self, key: str, *, if_match: str | None = None) -> bool:
        """Delete ``key`` (only if its ETag still matches); False when the condition failed."""
        extra = {"IfMatch": if_match} if if_match is not None else {}
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key, **extra)
        except ClientError as error:
            if is_precondition_failure(error) or _code(error) in ("NoSuchKey", "404"):
                return False
            raise
        return True

    def head(self, key: str) -> dict[str, Any] | None:
        """The object's metadata (``head_object``), or None when it does not exist."""
        try:
            return dict(self.client.head_object(Bucket=self.bucket, Key=key))
        except ClientError as error:
            if _code(error) in ("NoSuchKey", "404", "NotFound"):
                return None
            raise

    def list_dirs(self, prefix: str) -> list[str]:
        """The next path level under ``prefix`` (``deploys/`` -> ``["dbt", "pipelines"]``)."""
        return child_names(self.client, self.bucket, prefix)

    def list_keys(self, prefix: str) -> list[str]:
        """Every key under ``prefix``, in S3's (lexicographic) order."""
        keys: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        return keys

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"


def is_precondition_failure(error: ClientError) -> bool:
    """412 from a conditional write: someone else got there first."""
    return _code(error) in ("PreconditionFailed", "412", "ConditionalRequestConflict") or (
        _status(error) in (409, 412)
    )


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
