"""The guard under attack: a few hundred crafted requests against a real moto server.

One emulated account holds every environment's resources (buckets, secrets,
parameters, Glue databases, Athena work groups, roles). For each of dev, staging
and prod as the configured environment, requests are generated from the classes
of issue 14 (other spellings, aliases anywhere, SQL in any parameter, listings,
grants and redirects, endpoint overrides) and sent through ``finks_config.aws``:

- every cross-environment request is refused in-process, and moto's access log
  proves none of them reached the server;
- every legitimate own-environment request passes, including payloads that
  merely mention another environment (bodies, metadata, secret values, tags,
  parameter values, comments, SQL string literals) and dbt's ``stg_*`` tables.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore import exceptions as boto_errors  # pants: no-infer-dep
from botocore import xform_name  # pants: no-infer-dep

from finks_config import Config, Environment, IsolationError, load_config
from finks_config.aws import clear_client_cache, client
from finks_testing.moto import MotoEndpoint

CLOUD = (Environment.DEV, Environment.STAGING, Environment.PROD)
ACCOUNT = "123456789012"
REGION = "ca-central-1"


@dataclass(frozen=True)
class Case:
    """One crafted request: who sends it, what, and whether it must be refused."""

    cls: str
    service: str
    operation: str
    params: dict[str, Any]
    refuse: bool

    def __str__(self) -> str:
        return f"{self.cls}: {self.service}.{self.operation} {self.params}"


def _spellings(env: Environment) -> list[str]:
    """Ways code might spell another environment inside a name."""
    words = {env.value, *env.aliases}
    return sorted(words | {w.upper() for w in words} | {w.capitalize() for w in words})


def _bucket_spellings(bucket: str) -> list[str]:
    return [
        f"s3://{bucket}/fmp/",
        f"S3://{bucket.upper()}/fmp/",
        f"s3a://{bucket}/fmp/",
        f"s3n://{bucket}/fmp/",
        f"https://{bucket}.s3.amazonaws.com/fmp/",
        f"https://{bucket}.s3.{REGION}.amazonaws.com/fmp/",
        f"https://{bucket}.s3-{REGION}.amazonaws.com/fmp/",
        f"https://s3.amazonaws.com/{bucket}/fmp/",
        f"https://s3.{REGION}.amazonaws.com/{bucket}/fmp/",
        f"https://{bucket}.s3.dualstack.{REGION}.amazonaws.com/x",
        f"arn:aws:s3:::{bucket}/fmp/",
        f"s3%3A%2F%2F{bucket}%2Ffmp%2F",
    ]


def _sql_spellings(database: str) -> list[str]:
    return [
        f"select * from {database}.daily_returns",
        f"SELECT * FROM {database.upper()}.T",
        f'select * from "{database}"."t"',
        f"select * from `{database}`.t",
        f'SELECT * FROM "AwsDataCatalog"."{database.upper()}"."T"',
        f"select * from own_t a join {database}.u b on a.k = b.k",
        f"insert into own_t select * from (select * from {database}.u)",
        f"create table own_t as select * from {database}.u",
        f"use {database}",
        f"drop database if exists {database} cascade",
        f"show tables in {database}",
        f"msck repair table {database}.t",
        f"select * from own_t -- harmless\n union all select * from {database}.u",
    ]


def attacks(config: Config, foreign: Config) -> Iterator[Case]:
    """Requests from ``config``'s process that would touch ``foreign``'s resources."""
    fenv = foreign.environment
    own_bucket, own_db = config.bronze_bucket, config.analytics_database
    for bucket in foreign.buckets:
        yield Case("bucket", "s3", "HeadBucket", {"Bucket": bucket}, True)
        yield Case("bucket", "s3", "PutObject", {"Bucket": bucket, "Key": "k", "Body": b"x"}, True)
        yield Case("bucket", "s3", "ListObjectsV2", {"Bucket": bucket}, True)
    bronze = foreign.bronze_bucket
    for source in (
        {"Bucket": bronze, "Key": "fmp/a.json"},
        f"{bronze}/fmp/a.json",
        f"/{bronze}/fmp/a.json?versionId=1",
        f"{bronze}%2Ffmp%2Fa.json",
    ):
        yield Case(
            "copy source",
            "s3",
            "CopyObject",
            {"Bucket": own_bucket, "Key": "stolen", "CopySource": source},
            True,
        )
    for word in _spellings(fenv):
        for name in (f"finks-{word}-bronze", f"{word}-bronze-zone", f"acme-{word}-data"):
            yield Case("alias in a name", "s3", "HeadBucket", {"Bucket": name.lower()}, True)
        for secret_id in (f"/{word}/fmp/api_key", f"Finks{word.capitalize()}FmpKey"):
            yield Case(
                "alias in a secret",
                "secretsmanager",
                "GetSecretValue",
                {"SecretId": secret_id},
                True,
            )
        yield Case(
            "alias in a database", "glue", "GetTables", {"DatabaseName": f"{word}_analytics"}, True
        )
        yield Case(
            "alias in a database", "glue", "GetTables", {"DatabaseName": f"{word}_scratch_v2"}, True
        )
        yield Case(
            "alias in a work group", "athena", "GetWorkGroup", {"WorkGroup": f"finks-{word}"}, True
        )
    for location in _bucket_spellings(bronze):
        yield Case(
            "S3 spelling",
            "athena",
            "StartQueryExecution",
            {
                "QueryString": "select 1",
                "WorkGroup": config.athena_work_group,
                "QueryExecutionContext": {"Database": own_db},
                "ResultConfiguration": {"OutputLocation": location},
            },
            True,
        )
        yield Case(
            "S3 spelling",
            "glue",
            "CreateTable",
            {
                "DatabaseName": config.bronze_database,
                "TableInput": {"Name": "prices", "StorageDescriptor": {"Location": location}},
            },
            True,
        )
    secret = foreign.secret_path("fmp")
    for secret_id in (
        secret,
        f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{secret}-AbCdEf",
        secret.upper(),
    ):
        yield Case("secret", "secretsmanager", "GetSecretValue", {"SecretId": secret_id}, True)
    yield Case(
        "secret",
        "secretsmanager",
        "PutSecretValue",
        {"SecretId": secret, "SecretString": "x"},
        True,
    )
    yield Case(
        "secret",
        "secretsmanager",
        "CreateSecret",
        {"Name": foreign.secret_path("other"), "SecretString": "x"},
        True,
    )
    yield Case("secret", "secretsmanager", "BatchGetSecretValue", {"SecretIdList": [secret]}, True)
    param = foreign.prefect_api_url_parameter
    yield Case("parameter", "ssm", "GetParameter", {"Name": param}, True)
    yield Case(
        "parameter",
        "ssm",
        "GetParameters",
        {"Names": [config.prefect_api_url_parameter, param]},
        True,
    )
    yield Case(
        "parameter", "ssm", "PutParameter", {"Name": param, "Value": "x", "Type": "String"}, True
    )
    yield Case("database", "glue", "GetDatabase", {"Name": foreign.analytics_database}, True)
    yield Case(
        "database",
        "glue",
        "CreateDatabase",
        {"DatabaseInput": {"Name": foreign.bronze_database}},
        True,
    )
    yield Case(
        "database",
        "athena",
        "StartQueryExecution",
        {
            "QueryString": "select 1",
            "WorkGroup": config.athena_work_group,
            "QueryExecutionContext": {"Database": foreign.analytics_database.upper()},
        },
        True,
    )
    yield Case(
        "work group",
        "athena",
        "StartQueryExecution",
        {
            "QueryString": "select 1",
            "WorkGroup": foreign.athena_work_group,
            "QueryExecutionContext": {"Database": own_db},
        },
        True,
    )
    for sql in _sql_spellings(foreign.analytics_database):
        yield Case(
            "SQL",
            "athena",
            "StartQueryExecution",
            {
                "QueryString": sql,
                "WorkGroup": config.athena_work_group,
                "QueryExecutionContext": {"Database": own_db},
            },
            True,
        )
    unload = f"unload (select 1) to '{_bucket_spellings(foreign.gold_bucket)[1]}'"
    yield Case(
        "SQL location",
        "athena",
        "StartQueryExecution",
        {
            "QueryString": unload,
            "WorkGroup": config.athena_work_group,
            "QueryExecutionContext": {"Database": own_db},
        },
        True,
    )
    prepared = f"select * from {foreign.analytics_database}.t where k = ?"
    yield Case(
        "SQL parameter",
        "athena",
        "CreatePreparedStatement",
        {"StatementName": "s", "WorkGroup": config.athena_work_group, "QueryStatement": prepared},
        True,
    )
    yield Case(
        "SQL parameter",
        "athena",
        "CreateNamedQuery",
        {"Name": "q", "Database": own_db, "QueryString": prepared},
        True,
    )
    for view_key in ("ViewOriginalText", "ViewExpandedText"):
        yield Case(
            "SQL parameter",
            "glue",
            "CreateTable",
            {
                "DatabaseName": own_db,
                "TableInput": {"Name": "v", "TableType": "VIRTUAL_VIEW", view_key: prepared},
            },
            True,
        )
    role = f"arn:aws:iam::{ACCOUNT}:role/{foreign.resource_name('worker')}"
    yield Case("grant", "sts", "AssumeRole", {"RoleArn": role, "RoleSessionName": "x"}, True)
    yield Case(
        "grant",
        "lakeformation",
        "GrantPermissions",
        {
            "Principal": {"DataLakePrincipalIdentifier": role},
            "Resource": {"Database": {"Name": own_db}},
            "Permissions": ["ALL"],
        },
        True,
    )
    yield Case(
        "grant",
        "lakeformation",
        "GrantPermissions",
        {
            "Principal": {"DataLakePrincipalIdentifier": f"arn:aws:iam::{ACCOUNT}:role/x"},
            "Resource": {"Table": {"DatabaseName": foreign.analytics_database, "Name": "t"}},
            "Permissions": ["SELECT"],
        },
        True,
    )
    yield Case(
        "grant",
        "lakeformation",
        "GrantPermissions",
        {
            "Principal": {"DataLakePrincipalIdentifier": f"arn:aws:iam::{ACCOUNT}:role/x"},
            "Resource": {"DataLocation": {"ResourceArn": f"arn:aws:s3:::{bronze}"}},
            "Permissions": ["DATA_LOCATION_ACCESS"],
        },
        True,
    )
    yield Case(
        "redirect",
        "s3",
        "PutBucketLogging",
        {
            "Bucket": own_bucket,
            "BucketLoggingStatus": {
                "LoggingEnabled": {
                    "TargetBucket": foreign.artifacts_bucket,
                    "TargetPrefix": "logs/",
                }
            },
        },
        True,
    )
    yield Case(
        "redirect",
        "s3",
        "PutBucketReplication",
        {
            "Bucket": own_bucket,
            "ReplicationConfiguration": {
                "Role": f"arn:aws:iam::{ACCOUNT}:role/{config.resource_name('replication')}",
                "Rules": [
                    {
                        "Status": "Enabled",
                        "Prefix": "",
                        "Destination": {"Bucket": f"arn:aws:s3:::{bronze}"},
                    }
                ],
            },
        },
        True,
    )
    yield Case(
        "pass role",
        "ecs",
        "RegisterTaskDefinition",
        {
            "family": config.worker_service,
            "taskRoleArn": role,
            "containerDefinitions": [{"name": "w", "image": "busybox"}],
        },
        True,
    )
    yield Case(
        "pass role",
        "glue",
        "CreateCrawler",
        {"Name": "c", "Role": role, "DatabaseName": own_db, "Targets": {"S3Targets": []}},
        True,
    )
    yield Case(
        "image",
        "ecs",
        "RegisterTaskDefinition",
        {
            "family": config.worker_service,
            "containerDefinitions": [
                {
                    "name": "w",
                    "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{foreign.ecr_repository}:1",
                }
            ],
        },
        True,
    )
    for filters in (
        None,
        [{"Key": "name", "Values": [f"/{fenv.value}/"]}],
        [{"Key": "name", "Values": ["/"]}],
        [{"Key": "all", "Values": ["api_key"]}],
        [{"Key": "description", "Values": [config.environment.value]}],
        [{"Key": "tag-value", "Values": [config.environment.value]}],
        [{"Key": "name", "Values": [f"!/{config.environment.value}/"]}],
    ):
        params = {} if filters is None else {"Filters": filters}
        yield Case("listing", "secretsmanager", "ListSecrets", params, True)
        yield Case("listing", "secretsmanager", "BatchGetSecretValue", params, True)
    for path in ("/", f"/{fenv.value}", f"/{fenv.value}/prefect", "/fmp"):
        yield Case("path", "ssm", "GetParametersByPath", {"Path": path, "Recursive": True}, True)
    yield Case("listing", "ssm", "DescribeParameters", {}, True)
    yield Case(
        "listing",
        "ssm",
        "DescribeParameters",
        {
            "ParameterFilters": [
                {"Key": "Name", "Option": "BeginsWith", "Values": [f"/{fenv.value}/"]}
            ]
        },
        True,
    )
    yield Case("listing", "glue", "SearchTables", {"SearchText": "prices"}, True)
    yield Case("listing", "athena", "ListQueryExecutions", {}, True)
    for sql in ("SHOW DATABASES", "select schema_name from information_schema.schemata"):
        yield Case(
            "listing",
            "athena",
            "StartQueryExecution",
            {
                "QueryString": sql,
                "WorkGroup": config.athena_work_group,
                "QueryExecutionContext": {"Database": own_db},
            },
            True,
        )


def legitimate(config: Config, foreign: Config) -> Iterator[Case]:
    """Own-environment requests whose payloads mention another environment: all must pass."""
    own = config.bronze_bucket
    mention = f"s3://{foreign.bronze_bucket}/fmp/ and {foreign.analytics_database}.daily_returns"
    yield Case(
        "payload",
        "s3",
        "PutObject",
        {
            "Bucket": own,
            "Key": "fmp/prices/ingest_date=2026-11-27/symbol=PRD/a.json",
            "Body": mention.encode(),
            "Metadata": {"copied-from": mention, "env": foreign.environment.value},
            "Tagging": f"source={foreign.environment.value}",
        },
        False,
    )
    yield Case(
        "payload",
        "s3",
        "GetObject",
        {"Bucket": own, "Key": "fmp/prices/ingest_date=2026-11-27/symbol=PRD/a.json"},
        False,
    )
    yield Case(
        "payload",
        "s3",
        "ListObjectsV2",
        {"Bucket": own, "Prefix": f"{foreign.environment.value}/"},
        False,
    )
    yield Case(
        "payload",
        "secretsmanager",
        "CreateSecret",
        {
            "Name": config.secret_path("notes"),
            "SecretString": mention,
            "Description": f"like {foreign.secret_path('notes')}",
            "Tags": [{"Key": "mirror-of", "Value": foreign.environment.value}],
        },
        False,
    )
    yield Case(
        "payload",
        "ssm",
        "PutParameter",
        {
            "Name": config.prefect_api_url_parameter + "_note",
            "Value": mention,
            "Description": f"not {foreign.prefect_api_url_parameter}",
            "Type": "String",
        },
        False,
    )
    yield Case(
        "payload",
        "glue",
        "CreateTable",
        {
            "DatabaseName": config.analytics_database,
            "TableInput": {
                "Name": "stg_prices",
                "Description": f"rebuilt like {foreign.analytics_database}",
                "StorageDescriptor": {
                    "Location": f"s3://{config.silver_bucket}/stg_prices/",
                    "Columns": [{"Name": "close", "Type": "double", "Comment": mention}],
                },
            },
        },
        False,
    )
    yield Case(
        "payload",
        "glue",
        "GetTable",
        {"DatabaseName": config.analytics_database, "Name": "stg_prices"},
        False,
    )
    yield Case(
        "own SQL",
        "athena",
        "StartQueryExecution",
        {
            "QueryString": f"select '{foreign.analytics_database}' as label, stg_prices.close "
            f"from {config.analytics_database}.stg_prices -- not {foreign.analytics_database}",
            "WorkGroup": config.athena_work_group,
            "QueryExecutionContext": {"Database": config.analytics_database},
            "ResultConfiguration": {"OutputLocation": config.athena_results_location},
        },
        False,
    )
    yield Case(
        "own listing",
        "secretsmanager",
        "ListSecrets",
        {"Filters": [{"Key": "name", "Values": [f"/{config.environment.value}/"]}]},
        False,
    )
    yield Case(
        "own listing",
        "ssm",
        "GetParametersByPath",
        {"Path": f"/{config.environment.value}/", "Recursive": True},
        False,
    )
    yield Case(
        "own listing",
        "athena",
        "ListQueryExecutions",
        {"WorkGroup": config.athena_work_group},
        False,
    )
    yield Case("neutral", "s3", "HeadBucket", {"Bucket": "finks-shared-tools"}, False)
    yield Case("neutral", "sts", "GetCallerIdentity", {}, False)


def _seed(moto: MotoEndpoint) -> None:
    s3: Any = moto.raw_client("s3")
    sm: Any = moto.raw_client("secretsmanager")
    ssm: Any = moto.raw_client("ssm")
    glue: Any = moto.raw_client("glue")
    athena: Any = moto.raw_client("athena")
    for env in Environment:
        config = Config(environment=env, s3_bucket_prefix=env.value)
        for bucket in (*config.buckets, config.athena_results_bucket):
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
            )
        sm.create_secret(Name=config.secret_path("fmp"), SecretString=f"{env.value}-fmp-secret")
        ssm.put_parameter(
            Name=config.prefect_api_url_parameter, Value=f"http://{env.value}", Type="String"
        )
        for database in (config.analytics_database, config.bronze_database):
            glue.create_database(DatabaseInput={"Name": database})
        athena.create_work_group(Name=config.athena_work_group)
    s3.create_bucket(
        Bucket="finks-shared-tools", CreateBucketConfiguration={"LocationConstraint": REGION}
    )


def _send(config: Config, case: Case) -> Callable[[], Any]:
    method = getattr(client(config, case.service), xform_name(case.operation))
    return lambda: method(**case.params)


def _settled_count(moto: MotoEndpoint) -> int:
    time.sleep(0.3)  # the server writes its access-log line after answering
    return len(moto.requests())


@pytest.fixture
def account(moto: MotoEndpoint) -> Iterator[MotoEndpoint]:
    clear_client_cache()
    _seed(moto)
    yield moto
    clear_client_cache()


def _configs(url: str) -> dict[Environment, Config]:
    return {env: load_config(env=env, overrides={"AWS_ENDPOINT_URL": url}) for env in Environment}


def test_no_cross_environment_request_reaches_the_account(account: MotoEndpoint) -> None:
    configs = _configs(account.url)
    cases = [
        (configs[env], case)
        for env in CLOUD
        for other in Environment
        if other is not env
        for case in attacks(configs[env], configs[other])
    ]
    assert len(cases) >= 300
    before = _settled_count(account)
    slipped = []
    for config, case in cases:
        try:
            _send(config, case)()
        except IsolationError:
            continue
        except (boto_errors.ClientError, boto_errors.BotoCoreError):
            pass
        slipped.append(f"[{config.environment.value}] {case}")
    assert slipped == []
    assert _settled_count(account) == before  # not one of them was sent


def test_legitimate_requests_pass_even_when_payloads_mention_other_envs(
    account: MotoEndpoint,
) -> None:
    configs = _configs(account.url)
    refused = []
    sent = 0
    for env in CLOUD:
        for other in Environment:
            if other is env:
                continue
            for case in legitimate(configs[env], configs[other]):
                try:
                    _send(configs[env], case)()
                except IsolationError as exc:
                    refused.append(f"[{env.value}] {case}: {exc.message}")
                except (boto_errors.ClientError, boto_errors.BotoCoreError):
                    pass  # moto's own answer (e.g. already exists): it reached the account
                sent += 1
    assert refused == []
    assert _settled_count(account) >= sent
    raw: Any = account.raw_client("s3")
    body = raw.get_object(
        Bucket="dev-bronze-zone", Key="fmp/prices/ingest_date=2026-11-27/symbol=PRD/a.json"
    )
    assert b"s3://" in body["Body"].read()


def test_account_wide_listings_answer_with_the_own_environment_only(account: MotoEndpoint) -> None:
    configs = _configs(account.url)
    for env in CLOUD:
        names = [b["Name"] for b in client(configs[env], "s3").list_buckets()["Buckets"]]
        assert names and all(
            n.startswith(f"{env.value}-") or n == "finks-shared-tools" for n in names
        )
        databases = [
            d["Name"] for d in client(configs[env], "glue").get_databases()["DatabaseList"]
        ]
        assert sorted(databases) == sorted(
            [configs[env].analytics_database, configs[env].bronze_database]
        )
        groups = [
            g["Name"] for g in client(configs[env], "athena").list_work_groups()["WorkGroups"]
        ]
        assert configs[env].athena_work_group in groups
        assert not any(f"-{o.value}" in g for o in Environment if o is not env for g in groups)


def test_endpoint_overrides_are_refused(account: MotoEndpoint) -> None:
    dev = _configs(account.url)[Environment.DEV]
    for endpoint in (
        "http://127.0.0.1:1",
        "https://s3.ca-central-1.amazonaws.com",
        account.url + "/x",
    ):
        with pytest.raises(IsolationError, match="endpoint_url="):
            client(dev, "s3", endpoint_url=endpoint)
    assert client(dev, "s3", endpoint_url=account.url + "/") is not None  # the same endpoint
    staging = load_config(env="staging", overrides={"FINKS_STAGING_AWS_ENDPOINT_URL": account.url})
    with pytest.raises(IsolationError):
        client(staging, "s3", endpoint_url="http://127.0.0.1:9")
    local = load_config(env="local", overrides={"AWS_ENDPOINT_URL": "https://s3.amazonaws.com"})
    with pytest.raises(Exception, match="loopback"):
        client(local, "s3")
