"""Bronze zone layout and the idempotent writer.

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
from datetime import date
from typing import Any, Literal

from botocore.exceptions import ClientError  # pants: no-infer-dep

from finks_config import Config, Environment
from finks_config.aws import client

SOURCE = "fmp"
SCHEMA_VERSION = 1
QUARANTINE_PREFIX = "quarantine/"
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


def bronze_key(dataset: str, ingest_date: date, symbol: str, params: Mapping[str, str]) -> str:
    """`fmp/{dataset}/ingest_date=YYYY-MM-DD/symbol={SYM}/{name}.json`."""
    return (
        f"{SOURCE}/{dataset}/ingest_date={ingest_date.isoformat()}/symbol={symbol}/"
        f"{object_name(params)}.json"
    )


def quarantine_key(dataset: str, ingest_date: date, symbol: str, params: Mapping[str, str]) -> str:
    return QUARANTINE_PREFIX + bronze_key(dataset, ingest_date, symbol, params)


def encode(document: Mapping[str, Any]) -> bytes:
    """Stable UTF-8 JSON (one line per object keeps Athena/DuckDB JSON readers happy)."""
    return (json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


@dataclass(frozen=True)
class WriteResult:
    key: str
    outcome: Literal["written", "unchanged"]


class BronzeWriter:
    """Writes bronze/quarantine objects to the environment's bronze bucket, idempotently."""

    def __init__(self, config: Config, *, bucket: str | None = None) -> None:
        self.config = config
        # Overriding the bucket exists for tooling and tests; the guarded client still
        # refuses a bucket that belongs to another environment (IsolationError).
        self.bucket = bucket or config.bronze_bucket
        self._s3: Any = client(config, "s3")

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def ensure_bucket(self) -> None:
        """Create the bucket in the `local` environment only (elsewhere infrastructure owns it)."""
        if self.config.environment != Environment.LOCAL:
            return
        try:
            self._s3.head_bucket(Bucket=self.bucket)
            return
        except ClientError:
            pass
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

    def exists(self, key: str) -> bool:
        return self.stored_sha(key) is not None

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
        document: Mapping[str, Any],
        content_sha256: str,
        *,
        may_exist: bool = True,
    ) -> WriteResult:
        """Put the document unless an object with the same content sha is already there.

        `may_exist=False` (the key was absent from a listing taken at the start of the run)
        skips the HEAD; a concurrent writer could at worst rewrite identical records.
        """
        if may_exist and self.stored_sha(key) == content_sha256:
            return WriteResult(key, "unchanged")
        self._s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=encode(document),
            ContentType="application/json",
            Metadata={_SHA_META: content_sha256, _VERSION_META: str(SCHEMA_VERSION)},
        )
        return WriteResult(key, "written")
