"""Every spelling of an S3 location, reduced to the bucket it names.

A bucket can be named as ``s3://b/k`` (any case: ``S3://``), Hadoop's ``s3a://``
and ``s3n://``, a virtual-hosted URL or host (``https://b.s3.ca-central-1.amazonaws.com``,
``b.s3-website-us-east-1.amazonaws.com``, dual-stack, accelerate), a path-style URL
(``https://s3.amazonaws.com/b/k``, ``https://s3.ca-central-1.amazonaws.com/b``),
an ARN (``arn:aws:s3:::b/k``, access points ``arn:aws:s3:region:acct:accesspoint/ap``),
and any of these percent-encoded. The guard and the doctor judge the bucket, so a
location cannot slip past in another spelling.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

_BUCKET = r"[a-z0-9][a-z0-9.\-_]{0,254}"
_AWS_HOST = (
    r"(?:[.-](?:dualstack|accelerate|website|fips|[a-z]{2}(?:-[a-z]+)+-\d))*"
    r"\.amazonaws\.com(?:\.cn)?"
)
_PATTERNS = (
    re.compile(rf"\bs3[an]?://({_BUCKET})", re.IGNORECASE),
    re.compile(rf"(?:\b|//)({_BUCKET})\.s3(?:-[a-z0-9-]+)?{_AWS_HOST}", re.IGNORECASE),
    re.compile(
        rf"(?<![a-z0-9.\-])s3(?:-[a-z0-9-]+)?{_AWS_HOST}(?::\d+)?/({_BUCKET})", re.IGNORECASE
    ),
    re.compile(rf"\barn:aws[a-z-]*:s3:::({_BUCKET})", re.IGNORECASE),
    re.compile(
        r"\barn:aws[a-z-]*:s3(?:-object-lambda)?:[a-z0-9-]*:\d*:accesspoint[/:]([a-z0-9-]+)",
        re.IGNORECASE,
    ),
)


def buckets_in(text: str) -> list[str]:
    """The buckets every S3 location in ``text`` names (in order, lower-cased, de-duplicated)."""
    found: dict[str, None] = {}
    variants = [text]
    decoded = unquote(text)
    if decoded != text:
        variants.append(decoded)
    for variant in variants:
        for pattern in _PATTERNS:
            for match in pattern.finditer(variant):
                found.setdefault(match.group(1).lower().rstrip("."), None)
    return list(found)


def copy_source_bucket(value: object) -> str | None:
    """The bucket of an S3 ``CopySource``: ``{"Bucket": b}``, ``b/k``, ``/b/k?versionId=``,
    percent-encoded, or an access-point ARN."""
    if isinstance(value, dict):
        bucket = value.get("Bucket")
        return bucket.lower() if isinstance(bucket, str) else None
    if not isinstance(value, str):
        return None
    text = unquote(value).strip().lstrip("/")
    located = buckets_in(text)
    if located:
        return located[0]
    return text.split("/", 1)[0].split("?", 1)[0].lower() or None
