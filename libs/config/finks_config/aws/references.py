"""What one AWS request names: the resources the guard judges, found in its parameters.

- Name parameters (any depth, any service): a key ending in Bucket, Name(s), Arn(s),
  Id(s)/IdList, Path, Database, WorkGroup, Catalog, Role, Cluster, Family, Alias,
  Repository, Service(s), Topic, Queue, Target, Location, Uri/Url, Principal,
  Identifier, Destination, Image, LogGroupName: the whole value is judged as a name.
- Every other string that is not data: any S3 location in it (every spelling,
  ``finks_config.locations``) and any ARN.
- SQL parameters (Athena ``QueryString``/``QueryStatement``, Glue ``ViewOriginalText``/
  ``ViewExpandedText``, ``Sql``/``Statement``): the databases and locations the SQL names
  (``finks_config.sqlrefs``).
- Data, never names: object bodies and keys, metadata, secret values, parameter
  values, tags, descriptions, comments, policy documents (IAM judges those), tokens.
- Names inside a judged container are not judged again: table names inside a
  database (``stg_prices``: a ``Name`` next to a ``DatabaseName``, Glue's table and
  partition names), object keys inside a bucket.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from finks_config.locations import buckets_in, copy_source_bucket
from finks_config.sqlrefs import sql_references

_NAME_KEY = re.compile(
    r"(?:bucket|names?|arns?|ids?|idlist|path|database|workgroup|catalog|role|cluster|family|"
    r"familyprefix|alias|repository|repositorynames?|services?|topic|queue|target|location|uri|"
    r"url|principal|identifier|destination|image|loggroupname|loggroupnameprefix|"
    r"taskdefinition|keyid|functionname|statemachinearn|trailname)$",
    re.IGNORECASE,
)
# Data: never judged (bodies, values, tags, free text, documents IAM judges, tokens, object keys).
_DATA_KEYS = {
    k.lower()
    for k in (
        "Body",
        "Metadata",
        "SecretString",
        "SecretBinary",
        "Value",
        "Tags",
        "TagList",
        "tags",
        "Tagging",
        "TagKeys",
        "Description",
        "Comment",
        "PolicyDocument",
        "Policy",
        "AssumeRolePolicyDocument",
        "PolicyText",
        "ContentMD5",
        "ChecksumCRC32",
        "ChecksumSHA256",
        "ClientRequestToken",
        "ClientToken",
        "ExecutionParameters",
        "Message",
        "Subject",
        "MessageBody",
        "Payload",
        "Key",
        "Prefix",
        "Delimiter",
        "StartAfter",
        "ContinuationToken",
        "Marker",
        "NextToken",
        "VersionId",
        "UploadId",
        "ETag",
        "Range",
        "IfMatch",
        "IfNoneMatch",
        "ExpectedBucketOwner",
        "ExpectedSourceBucketOwner",
        "CatalogId",
        "AccountId",
        "RegistryId",
        "QueryExecutionId",
        "QueryExecutionIds",
        "NamedQueryId",
        "NamedQueryIds",
        "RequestId",
        "SSECustomerKey",
        "SSECustomerKeyMD5",
        "ContentType",
        "ContentEncoding",
        "CacheControl",
        "ContentDisposition",
        "ContentLanguage",
        "StorageClass",
        "ServerSideEncryption",
        "environment",
        "command",
        "entryPoint",
        "Environment",
        "imageDigest",
        "imageTag",
        "imageIds",
        "Columns",
        "PartitionKeys",
        "PartitionValues",
        "TableName",
    )
}
# SQL text, by key.
_SQL_KEYS = {
    "querystring",
    "querystatement",
    "vieworiginaltext",
    "viewexpandedtext",
    "sql",
    "sqls",
    "statement",
}
# Per service: keys whose value names a sub-resource inside a judged container.
_INNER_NAMES: dict[str, set[str]] = {
    "glue": {"name"},  # tables/partitions/columns in a database (databases: DatabaseInput.Name...)
    "athena": set(),
    "s3": {"name"},  # Tag/metric/inventory ids inside the bucket
}
# Glue operations whose top-level Name is a database.
_GLUE_DATABASE_OPS = {"GetDatabase", "DeleteDatabase", "UpdateDatabase"}


@dataclass(frozen=True)
class Reference:
    """One resource a request names: what kind, the name, and where in the parameters."""

    kind: str
    name: str
    where: str


def _kind_of(key: str) -> str:
    lowered = key.lower()
    for word, kind in (
        ("bucket", "bucket"),
        ("database", "database"),
        ("secret", "secret"),
        ("workgroup", "work group"),
        ("role", "role"),
        ("catalog", "catalog"),
        ("repository", "repository"),
        ("location", "location"),
        ("path", "path"),
        ("image", "image"),
        ("cluster", "cluster"),
        ("alias", "alias"),
        ("principal", "principal"),
    ):
        if word in lowered:
            return kind
    return "name"


def _strings_in(value: str, where: str) -> Iterator[Reference]:
    """The S3 locations and ARNs inside a string that is not itself a name."""
    for bucket in buckets_in(value):
        yield Reference("S3 location", bucket, where)
    for arn in re.findall(r"\barn:aws[a-z-]*:[a-z0-9-]+:[^\s'\",]*", value):
        yield Reference("ARN", arn, where)


def _walk(
    value: Any, service: str, where: str, key: str | None, inner: set[str]
) -> Iterator[Reference]:
    if isinstance(value, dict):
        # {"DatabaseName": d, "Name": t}: the Name is a table inside database d.
        here = inner | {"name"} if "DatabaseName" in value else inner
        for child, item in value.items():
            name = str(child)
            lowered = name.lower()
            path = f"{where}.{name}" if where else name
            if lowered in _DATA_KEYS:
                continue
            if name == "CopySource":
                bucket = copy_source_bucket(item)
                if bucket:
                    yield Reference("bucket", bucket, path)
                continue
            if (
                name == "DatabaseInput"
                and isinstance(item, dict)
                and isinstance(item.get("Name"), str)
            ):
                yield Reference("database", item["Name"], f"{path}.Name")
            if lowered in _SQL_KEYS and isinstance(item, str):
                for ref in sql_references(item):
                    yield Reference(ref.kind, ref.name, path)
                continue
            yield from _walk(item, service, path, name, here)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _walk(item, service, f"{where}[{index}]", key, inner)
    elif isinstance(value, str) and value:
        lowered = (key or "").lower()
        # An S3 location is judged by its bucket (below), not by the words of its key path.
        if (
            key is not None
            and _NAME_KEY.search(lowered)
            and lowered not in inner
            and not buckets_in(value)
        ):
            yield Reference(_kind_of(key), value, where)
        yield from _strings_in(value, where)


def referenced_resources(service: str, operation: str, params: dict[str, Any]) -> list[Reference]:
    """Every resource name one API call's parameters mention (see the module doc)."""
    inner = set(_INNER_NAMES.get(service, set()))
    found = list(_walk(params, service, "", None, inner))
    if (
        service == "glue"
        and operation in _GLUE_DATABASE_OPS
        and isinstance(params.get("Name"), str)
    ):
        found.append(Reference("database", params["Name"], "Name"))
    return found
