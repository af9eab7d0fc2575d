"""The idempotent bronze writer (the key layout itself is finks_config.layout).

Why deterministic keys + a content hash: the same request always maps to the same key, so a
re-run or a resumed run overwrites nothing and duplicates nothing. An object is (re)written
only when the raw response differs from what is stored (checked via the object's
`content-sha256` metadata), so an immediate re-run changes no object at all.
All S3 access goes through finks_config's guarded client (environment isolation).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from botocore.config import Config as BotoConfig  # pants: no-infer-dep
from botocore.exceptions import ClientError  # pants: no-infer-dep

from finks_config import Config, Environment
from finks_config.aws import client

SCHEMA_VERSION = 1
_SHA_META = "content-sha256"
_VERSION_META = "schema-version"
_SAFE = re.compile(r"[^A-Za-z0-9._=-]+")


def object_name(params: Mapping[str, str]) -> str:
    """Deterministic file stem from the request parameters (symbol excluded: it is a partition).

    prices -> "from=2024-01-01_to=2024-03-31", income -> "limit=8_period=quarter",
    profiles -> "latest".
    """
    parts = [f"{k}={v}" for k, v in sorted(params.items()) if k != "symbol"]
    return _SAFE.sub("-", "_".join(parts)) or "latest"


def encode(document: Mapping[str, Any]) -> bytes:
    """Stable UTF-8 JSON (one line per object keeps Athena/DuckDB JSON readers happy)."""
    return (json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def encode_with_raw_records(envelope: Mapping[str, Any], raw_records: bytes) -> bytes:
    """``{"envelope": ..., "records": <the response body>}`` without re-serialising records.

    For a response whose every record is valid, bronze's records are the body itself. JSON
    cannot hold a raw line break inside a string, so removing CR/LF only removes
    whitespace: the document stays one line (what Athena's JSON SerDe needs).
    """
    head = json.dumps({"envelope": envelope}, ensure_ascii=False, separators=(",", ":"))[:-1]
    records = raw_records.replace(b"\r", b"").replace(b"\n", b"").strip()
    return head.encode() + b',"records":' + records + b"}\n"


@dataclass(frozen=True)
class WriteResult:
    key: str
    outcome: Literal["written", "unchanged"]
    size: int = 0  # bytes put (0 when unchanged)


class BronzeWriter:
    """Writes bronze/quarantine objects to the environment's bronze bucket, idempotently."""

    def __init__(self, config: Config, *, bucket: str | None = None, connections: int = 0) -> None:
        self.config = config
        # Overriding the bucket exists for tooling and tests; the guarded client still
        # refuses a bucket that belongs to another environment (IsolationError).
        self.bucket = bucket or config.bronze_bucket
        # A run's threads share this client: one pooled connection each (botocore keeps 10).
        pool = {"config": BotoConfig(max_pool_connections=connections)} if connections > 10 else {}
        self._s3: Any = client(config, "s3", **pool)

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def ensure_bucket(self) -> None:
        """Check the bucket answers from the configured region before anything is written.

        ``head_bucket`` is the call that carries the bucket's region, so a bucket in another
        region, a missing one or a denied one fails here (finks_config translates it) and
        not half-way through a run. Only ``local`` creates its bucket (elsewhere
        infrastructure owns it).
        """
        try:
            self._s3.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            missing = exc.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket")
            if not (missing and self.config.environment == Environment.LOCAL):
                raise
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        if self.config.aws_region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.config.aws_region}
        try:
            self._s3.create_bucket(**kwargs)
        except ClientError as exc:
            # Concurrent runs (one Prefect task per symbol) race to create it: fine.
            code = exc.response.get("Error", {}).get("Code")
            if code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    def stored_sha(self, key: str) -> str | None:
        """The content sha recorded on an existing object, or None when there is none."""
        try:
            head = self._s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        meta = head.get("Metadata", {})
        if meta.get(_VERSION_META) != str(SCHEMA_VERSION):
            return None
        return str(meta.get(_SHA_META, "")) or None

    def existing_keys(self, prefix: str) -> set[str]:
        """Keys under `prefix`: one listing replaces a HEAD per new object."""
        keys: set[str] = set()
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            keys.update(item["Key"] for item in page.get("Contents", []))
        return keys

    def write(
        self,
        key: str,
        document: Mapping[str, Any] | bytes,
        content_sha256: str,
        *,
        may_exist: bool = True,
    ) -> WriteResult:
        """Put the document (or its encoded bytes) unless the same content sha is there.

        `may_exist=False` (the key was absent from a listing taken at the start of the run)
        skips the HEAD; a concurrent writer could at worst rewrite identical records.
        """
        if may_exist and self.stored_sha(key) == content_sha256:
            return WriteResult(key, "unchanged")
        body = document if isinstance(document, bytes) else encode(document)
        self._s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType="application/json",
            Metadata={_SHA_META: content_sha256, _VERSION_META: str(SCHEMA_VERSION)},
        )
        return WriteResult(key, "written", len(body))

    def read_json(self, key: str) -> Any | None:
        """The JSON document at ``key``, or None when there is no such object."""
        try:
            body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return json.loads(body)

    def put_json(self, key: str, document: Mapping[str, Any]) -> None:
        """Small state objects (watermarks): always written, no content hash."""
        self._s3.put_object(
            Bucket=self.bucket, Key=key, Body=encode(document), ContentType="application/json"
        )

    def delete(self, key: str) -> None:
        """Remove a state object (a migrated watermark); bronze data is never deleted."""
        self._s3.delete_object(Bucket=self.bucket, Key=key)
