"""One S3 "directory" level: the delimiter listing three projects need.

Why one home: a delimiter listing (``Delimiter="/"``) returns a page of child prefixes
instead of every object below them, which is what keeps partition and ledger lookups
cheap as history grows; the deploy ledger, the gold freshness check and the local dbt
build's partition list all ask it the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def child_prefixes(s3: Any, bucket: str, prefix: str) -> Iterator[str]:
    """The full prefixes one level below ``prefix`` (``a/`` -> ``a/b/``, ``a/c/``)."""
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=prefix, Delimiter="/"
    )
    for page in pages:
        for common in page.get("CommonPrefixes", []):
            yield str(common["Prefix"])


def child_names(s3: Any, bucket: str, prefix: str) -> list[str]:
    """The names one level below ``prefix`` (``deploys/`` -> ``["dbt", "pipelines"]``)."""
    return [child[len(prefix) :].rstrip("/") for child in child_prefixes(s3, bucket, prefix)]
