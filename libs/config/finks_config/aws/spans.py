"""Calls that can span environments: limited to the own environment, or refused.

Listing, filtering and path calls name no single resource, so the name rules
cannot judge them. Each is one of:

- **scoped**: allowed only when its filter or path keeps it inside this
  environment (Secrets Manager ``ListSecrets``/``BatchGetSecretValue`` name filters
  under ``/{env}/``, SSM ``GetParametersByPath``/``DescribeParameters`` under
  ``/{env}/``, Athena query listings of the env's own work group); anything else
  (no filter, another filter key, a negation, ``/`` recursive) is refused;
- **filtered**: account-wide listings of names only (``s3:ListBuckets``,
  ``glue:GetDatabases``, ``athena:ListWorkGroups``/``ListDatabases``,
  ``iam:ListRoles``/``ListUsers``/``ListPolicies``, ``kms:ListAliases``,
  ``ecr:DescribeRepositories`` without names, ``sns:ListTopics``,
  ``logs:DescribeLogGroups`` without a prefix): sent, and the answer is cut down
  to this environment's and neutral names before the caller sees it;
- **refused**: calls that search or export across everything
  (``glue:SearchTables``, ``resourcegroupstaggingapi:GetResources``,
  ``lakeformation:ListPermissions`` without a resource, ``SHOW DATABASES`` and
  ``information_schema`` in SQL).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finks_config.settings import Config

Judge = Callable[[str], bool]  # True when a name is this env's or neutral


def _own_path(config: Config, value: object) -> bool:
    if not isinstance(value, str):
        return False
    own = f"/{config.environment.value}"
    text = value.strip()
    return text == own or text.startswith(own + "/")


def _secret_filters(config: Config, filters: object) -> str | None:
    if not isinstance(filters, list) or not filters:
        return "no name filter: it would read every environment's secrets"
    for item in filters:
        key = item.get("Key") if isinstance(item, dict) else None
        values = item.get("Values") if isinstance(item, dict) else None
        if key != "name":
            return f"filter key {key!r} can match any environment's secrets"
        if not isinstance(values, list) or not values:
            return "a name filter without values matches every secret"
        for value in values:
            if not _own_path(config, value) or str(value).startswith("!"):
                return f"name filter {value!r} is not limited to /{config.environment.value}/"
    return None


def _parameter_filters(config: Config, params: dict[str, Any]) -> str | None:
    filters = params.get("ParameterFilters") or []
    legacy = params.get("Filters") or []
    if not filters and not legacy:
        return "no filter: it would list every environment's parameters"
    for item in [*filters, *legacy]:
        key = item.get("Key") if isinstance(item, dict) else None
        values = item.get("Values") if isinstance(item, dict) else None
        if key not in ("Name", "Path"):
            return f"filter key {key!r} can match any environment's parameters"
        if not isinstance(values, list) or not all(_own_path(config, v) for v in values):
            return f"filter values {values!r} are not limited to /{config.environment.value}/"
    return None


def span_problem(
    config: Config, service: str, operation: str, params: dict[str, Any]
) -> str | None:
    """Why this call would reach beyond the environment, or None when it stays inside."""
    env = config.environment.value
    if service == "secretsmanager" and operation == "ListSecrets":
        return _secret_filters(config, params.get("Filters"))
    if service == "secretsmanager" and operation == "BatchGetSecretValue":
        if params.get("SecretIdList"):
            return None if not params.get("Filters") else _secret_filters(config, params["Filters"])
        return _secret_filters(config, params.get("Filters"))
    if service == "ssm" and operation == "GetParametersByPath":
        if _own_path(config, params.get("Path")):
            return None
        return f"path {params.get('Path')!r} is not under /{env}/"
    if service == "ssm" and operation == "DescribeParameters":
        return _parameter_filters(config, params)
    if (
        service == "athena"
        and operation in ("ListQueryExecutions", "ListNamedQueries", "ListPreparedStatements")
        and not params.get("WorkGroup")
    ):
        return "no WorkGroup: the shared primary work group holds every environment's queries"
    if (service, operation) in _REFUSED:
        return _REFUSED[(service, operation)]
    if service == "lakeformation" and operation == "ListPermissions" and not params.get("Resource"):
        return "no Resource: it would list every environment's grants"
    return None


_REFUSED = {
    ("glue", "SearchTables"): "it searches the tables of every database",
    ("resourcegroupstaggingapi", "GetResources"): "it lists every resource of the account",
    ("resourcegroupstaggingapi", "GetTagValues"): "it lists every resource's tags",
}

# (service, operation) -> (list key in the response, name key of each item)
RESULT_FILTERS: dict[tuple[str, str], tuple[str, str]] = {
    ("s3", "ListBuckets"): ("Buckets", "Name"),
    ("s3", "ListDirectoryBuckets"): ("Buckets", "Name"),
    ("glue", "GetDatabases"): ("DatabaseList", "Name"),
    ("athena", "ListWorkGroups"): ("WorkGroups", "Name"),
    ("athena", "ListDatabases"): ("DatabaseList", "Name"),
    ("iam", "ListRoles"): ("Roles", "RoleName"),
    ("iam", "ListUsers"): ("Users", "UserName"),
    ("iam", "ListPolicies"): ("Policies", "PolicyName"),
    ("iam", "ListGroups"): ("Groups", "GroupName"),
    ("kms", "ListAliases"): ("Aliases", "AliasName"),
    ("ecr", "DescribeRepositories"): ("repositories", "repositoryName"),
    ("sns", "ListTopics"): ("Topics", "TopicArn"),
    ("logs", "DescribeLogGroups"): ("logGroups", "logGroupName"),
    ("secretsmanager", "ListSecrets"): ("SecretList", "Name"),
}


def filter_result(service: str, operation: str, parsed: dict[str, Any], judge: Judge) -> int:
    """Drop other environments' items from an account-wide listing, in place; how many."""
    spec = RESULT_FILTERS.get((service, operation))
    if spec is None:
        return 0
    list_key, name_key = spec
    items = parsed.get(list_key)
    if not isinstance(items, list):
        return 0
    kept = [i for i in items if not isinstance(i, dict) or judge(str(i.get(name_key, "")))]
    parsed[list_key] = kept
    return len(items) - len(kept)
