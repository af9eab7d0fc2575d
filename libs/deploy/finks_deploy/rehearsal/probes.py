"""What the rehearsal looks at after a run: ledgers, locks, deployments, request logs.

The ledger and locks are read through finks_deploy's own API with the env's Config (the
admin key of its emulated account), so the rehearsal checks the layout the deploys write,
not a copy of it. Prefect is read over its HTTP API, requests from each moto server's log.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import finks_config
from finks_deploy import ledger, lock
from finks_deploy.rehearsal.accounts import EmulatedAccount
from finks_local.moto import MotoRequest

LOCK_NAMES = ("deploy", "warehouse")
WRITE_METHODS = frozenset({"PUT", "DELETE"})
_DIGEST_TAG = re.compile(r"^artifact:(?P<name>[^:]+):sha256:(?P<digest>[0-9a-f]{64})$")


def env_config(account: EmulatedAccount) -> finks_config.Config:
    """The env's shared Config, reaching its emulated account with the admin key."""
    upper = account.env.upper()
    overrides = {
        f"FINKS_{upper}_AWS_ENDPOINT_URL": account.endpoint,
        f"FINKS_{upper}_AWS_ACCESS_KEY_ID": account.admin["AWS_ACCESS_KEY_ID"],
        f"FINKS_{upper}_AWS_SECRET_ACCESS_KEY": account.admin["AWS_SECRET_ACCESS_KEY"],
    }
    return finks_config.load_config(None, finks_config.Environment.parse(account.env), overrides)


def prefect_post(account: EmulatedAccount, path: str, body: Mapping[str, Any]) -> Any:
    """POST to the env's Prefect API with its basic auth; the decoded JSON answer."""
    token = base64.b64encode(account.prefect_auth.encode()).decode()
    request = urllib.request.Request(  # noqa: S310 - our loopback servers
        f"{account.prefect.url}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Basic {token}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


@dataclass(frozen=True)
class Deployment:
    """A Prefect deployment as the smoke check sees it: name, version (git sha), digests."""

    name: str
    version: str | None
    digests: Mapping[str, str]


def deployments(account: EmulatedAccount) -> dict[str, Deployment]:
    found: dict[str, Deployment] = {}
    for item in prefect_post(account, "/deployments/filter", {}):
        digests = {
            m["name"]: m["digest"] for tag in item.get("tags", []) if (m := _DIGEST_TAG.match(tag))
        }
        found[item["name"]] = Deployment(item["name"], item.get("version"), digests)
    return found


def flow_runs(account: EmulatedAccount, deployment_name: str) -> list[dict[str, Any]]:
    """The env's flow runs of one deployment (name, state type, parameters), newest first."""
    ids = [
        d["id"]
        for d in prefect_post(account, "/deployments/filter", {})
        if d["name"] == deployment_name
    ]
    if not ids:
        return []
    runs = prefect_post(
        account,
        "/flow_runs/filter",
        {"deployments": {"id": {"any_": ids}}, "sort": "EXPECTED_START_TIME_DESC"},
    )
    return list(runs)


@dataclass
class EnvState:
    """One env at one moment: its ledger per project, locks, deployments, request count."""

    env: str
    current: dict[str, ledger.LedgerRecord | None]
    history: dict[str, int]
    locks: dict[str, dict[str, Any] | None]
    deployments: dict[str, Deployment]
    requests_before: int  # the account's request count when the reading started
    requests_after: int  # ... and when it ended (these reads are the rehearsal's own)

    def sha(self, project: str) -> str | None:
        record = self.current.get(project)
        return record.sha if record else None


def env_state(account: EmulatedAccount, projects: Iterable[str]) -> EnvState:
    """Read the env's state, noting the request log's length before and after the reads."""
    before = len(account.requests())
    config = env_config(account)
    names = sorted(set(projects) | set(_ledger_projects(config)))
    current = {p: ledger.current(config, p) for p in names}
    history = {p: len(ledger.history(config, p, limit=1000)) for p in names}
    locks = {name: lock.current_holder(config, name) for name in LOCK_NAMES}
    try:
        held = deployments(account)
    except OSError:  # the env's Prefect API is down (scenario d stops it): nothing to read
        held = {}
    return EnvState(
        env=account.env,
        current=current,
        history=history,
        locks=locks,
        deployments=held,
        requests_before=before,
        requests_after=len(account.requests()),
    )


def _ledger_projects(config: finks_config.Config) -> list[str]:
    try:
        return list(ledger.projects(config))
    except Exception:  # the bucket does not exist yet (before infrastructure)
        return []


def artifact_digests(
    record: ledger.LedgerRecord | None, *, promoted_only: bool = False
) -> dict[str, str]:
    """``{artifact name: sha256}`` of a ledger record (``promoted_only``: those prod must
    receive unchanged from staging; e.g. dbt's manifest names each env's schemas)."""
    if record is None:
        return {}
    return {
        name: str(info.get("sha256"))
        for name, info in (record.artifacts or {}).items()
        if not promoted_only or info.get("promote", True)
    }


def bucket_of(request: MotoRequest) -> str | None:
    """The S3 bucket a path-style request names (None for query-protocol calls ``POST /``)."""
    path = request.path.split("?", 1)[0].lstrip("/")
    return path.split("/", 1)[0] or None


def foreign_requests(account: EmulatedAccount, requests: Iterable[MotoRequest]) -> list[str]:
    """Requests to this account that name a bucket not of its environment."""
    prefix = f"{account.env}-"
    return [
        f"{r.method} {r.path.split('?', 1)[0]}"
        for r in requests
        if (bucket := bucket_of(r)) and not bucket.startswith(prefix)
    ]


def writes(requests: Iterable[MotoRequest]) -> list[str]:
    """The S3 writes among ``requests`` (PUT/DELETE; query-protocol POSTs are not classified)."""
    return [f"{r.method} {r.path.split('?', 1)[0]}" for r in requests if r.method in WRITE_METHODS]


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    return [
        item
        for page in client.get_paginator(operation).paginate(**kwargs)
        for item in page.get(key, [])
    ]


def holdings(account: EmulatedAccount) -> dict[str, Any]:
    """What the account holds in every service the deploys write, as plain data.

    S3 objects by version and ETag, IAM roles with their policies, users, SSM parameters
    by version, secrets by version, Glue databases and tables, Athena work groups and the
    number of queries each received, ECR repositories, KMS aliases. No STS sessions:
    assuming a role to read changes nothing in the account.
    """
    s3, iam = account.client("s3"), account.client("iam")
    # Server access logs are written for reads too (in AWS and in moto): not a change.
    logs = env_config(account).access_logs_bucket
    buckets = {}
    for bucket in sorted(b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"] != logs):
        versions = _pages(s3, "list_object_versions", "Versions", Bucket=bucket)
        buckets[bucket] = sorted((v["Key"], v.get("VersionId"), v["ETag"]) for v in versions)
    roles = {}
    for role in _pages(iam, "list_roles", "Roles"):
        name = role["RoleName"]
        roles[name] = {
            "trust": role.get("AssumeRolePolicyDocument"),
            "inline": {
                p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
                for p in _pages(iam, "list_role_policies", "PolicyNames", RoleName=name)
            },
            "attached": sorted(
                a["PolicyArn"]
                for a in _pages(
                    iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name
                )
            ),
        }
    ssm, secrets = account.client("ssm"), account.client("secretsmanager")
    glue, athena = account.client("glue"), account.client("athena")
    databases = sorted(d["Name"] for d in _pages(glue, "get_databases", "DatabaseList"))
    groups = sorted(g["Name"] for g in athena.list_work_groups()["WorkGroups"])
    return {
        "s3": buckets,
        "iam": {
            "roles": roles,
            "users": sorted(u["UserName"] for u in _pages(iam, "list_users", "Users")),
        },
        "ssm": sorted(
            (p["Name"], p.get("Version")) for p in _pages(ssm, "describe_parameters", "Parameters")
        ),
        "secretsmanager": sorted(
            (x["Name"], sorted(x.get("SecretVersionsToStages", {})))
            for x in _pages(secrets, "list_secrets", "SecretList")
        ),
        "glue": {
            db: sorted(
                (t["Name"], str(t.get("UpdateTime")))
                for t in _pages(glue, "get_tables", "TableList", DatabaseName=db)
            )
            for db in databases
        },
        "athena": {
            group: len(
                _pages(athena, "list_query_executions", "QueryExecutionIds", WorkGroup=group)
            )
            for group in groups
        },
        "ecr": sorted(
            r["repositoryName"]
            for r in _pages(account.client("ecr"), "describe_repositories", "repositories")
        ),
        "kms": sorted(
            a["AliasName"] for a in _pages(account.client("kms"), "list_aliases", "Aliases")
        ),
    }
