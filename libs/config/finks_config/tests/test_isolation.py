"""The isolation guard, against a real moto server over HTTP.

Every refusal is proven twice: the other environment's object or secret is
unchanged on the server, and a client pointed at a listener that counts
connections shows nothing ever left the process.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from botocore import exceptions as boto_errors  # pants: no-infer-dep
from botocore.config import Config as BotoConfig  # pants: no-infer-dep

from finks_config import (
    Config,
    ConfigError,
    Environment,
    IsolationError,
    load_config,
)
from finks_config.aws import aws_session, clear_client_cache, client, get_secret
from finks_config.aws.guard import referenced_resources
from finks_config.ownership import owner_for
from finks_testing.moto import MotoEndpoint

from .conftest import caught


def dev_config(url: str) -> Config:
    return load_config(env="dev", overrides={"AWS_ENDPOINT_URL": url})


class ConnectionCounter:
    """A loopback TCP listener that only counts connections (and never answers)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self.sock.getsockname()
        return f"http://{host}:{port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def counter() -> Iterator[ConnectionCounter]:
    listener = ConnectionCounter()
    yield listener
    listener.close()


def test_own_bucket_round_trip(moto: MotoEndpoint) -> None:
    config = dev_config(moto.url)
    s3 = client(config, "s3")
    s3.create_bucket(
        Bucket=config.bronze_bucket,
        CreateBucketConfiguration={"LocationConstraint": config.aws_region},
    )
    s3.put_object(Bucket=config.bronze_bucket, Key="fmp/x.json", Body=b"{}")
    assert s3.get_object(Bucket=config.bronze_bucket, Key="fmp/x.json")["Body"].read() == b"{}"
    raw: Any = moto.raw_client("s3")
    assert [b["Name"] for b in raw.list_buckets()["Buckets"]] == ["dev-bronze-zone"]


def test_environment_neutral_bucket_passes(moto: MotoEndpoint) -> None:
    s3 = client(dev_config(moto.url), "s3")
    s3.create_bucket(
        Bucket="finks-shared-tools",
        CreateBucketConfiguration={"LocationConstraint": "ca-central-1"},
    )
    s3.put_object(Bucket="finks-shared-tools", Key="k", Body=b"1")
    raw: Any = moto.raw_client("s3")
    assert raw.get_object(Bucket="finks-shared-tools", Key="k")["Body"].read() == b"1"


def _seed_prod(moto: MotoEndpoint) -> tuple[Any, Any]:
    raw_s3: Any = moto.raw_client("s3")
    raw_s3.create_bucket(
        Bucket="prod-bronze-zone", CreateBucketConfiguration={"LocationConstraint": "ca-central-1"}
    )
    raw_s3.put_object(Bucket="prod-bronze-zone", Key="fmp/a.json", Body=b"prod-data")
    raw_sm: Any = moto.raw_client("secretsmanager")
    raw_sm.create_secret(Name="/prod/fmp/api_key", SecretString="prod-secret-value")
    return raw_s3, raw_sm


def test_other_environment_bucket_refused_and_untouched(moto: MotoEndpoint) -> None:
    raw_s3, _ = _seed_prod(moto)
    s3 = client(dev_config(moto.url), "s3")
    with pytest.raises(IsolationError) as info:
        s3.put_object(Bucket="prod-bronze-zone", Key="fmp/a.json", Body=b"overwritten")
    assert isinstance(caught(info), PermissionError)
    assert "'prod-bronze-zone' belongs to prod" in str(caught(info))
    with pytest.raises(IsolationError):
        s3.get_object(Bucket="prod-bronze-zone", Key="fmp/a.json")
    with pytest.raises(IsolationError):
        s3.delete_bucket(Bucket="prod-bronze-zone")
    assert (
        raw_s3.get_object(Bucket="prod-bronze-zone", Key="fmp/a.json")["Body"].read()
        == b"prod-data"
    )


def test_copy_source_from_other_environment_refused(moto: MotoEndpoint) -> None:
    raw_s3, _ = _seed_prod(moto)
    config = dev_config(moto.url)
    s3 = client(config, "s3")
    s3.create_bucket(
        Bucket=config.bronze_bucket,
        CreateBucketConfiguration={"LocationConstraint": "ca-central-1"},
    )
    for source in (
        {"Bucket": "prod-bronze-zone", "Key": "fmp/a.json"},
        "prod-bronze-zone/fmp/a.json",
    ):
        with pytest.raises(IsolationError, match="prod-bronze-zone"):
            s3.copy_object(Bucket=config.bronze_bucket, Key="stolen.json", CopySource=source)
    assert s3.list_objects_v2(Bucket=config.bronze_bucket)["KeyCount"] == 0


def test_other_environment_secret_refused_and_untouched(moto: MotoEndpoint) -> None:
    _, raw_sm = _seed_prod(moto)
    config = dev_config(moto.url)
    sm = client(config, "secretsmanager")
    sent = len(moto.requests())
    for call, named in (
        (lambda: sm.get_secret_value(SecretId="/prod/fmp/api_key"), "/prod/fmp/api_key"),
        (
            lambda: sm.put_secret_value(SecretId="/prod/fmp/api_key", SecretString="x"),
            "/prod/fmp/api_key",
        ),
        (
            lambda: sm.create_secret(Name="/prod/other/api_key", SecretString="x"),
            "/prod/other/api_key",
        ),
        (
            lambda: sm.get_secret_value(
                SecretId="arn:aws:secretsmanager:ca-central-1:123456789012:secret:"
                "/prod/fmp/api_key-AbCdEf"
            ),
            "/prod/fmp/api_key-AbCdEf",
        ),
    ):
        with pytest.raises(IsolationError) as info:
            call()
        assert named in str(caught(info)) and "belongs to prod" in str(caught(info))
    assert len(moto.requests()) == sent  # refused in-process: the server never saw them
    assert (
        raw_sm.get_secret_value(SecretId="/prod/fmp/api_key")["SecretString"] == "prod-secret-value"
    )
    assert [s["Name"] for s in raw_sm.list_secrets()["SecretList"]] == ["/prod/fmp/api_key"]


def test_get_secret_reads_own_environment(moto: MotoEndpoint) -> None:
    raw_sm: Any = moto.raw_client("secretsmanager")
    raw_sm.create_secret(Name="/dev/fmp/api_key", SecretString="dev-key-123")
    raw_sm.create_secret(Name="/dev/fmp/json", SecretString='{"json": "from-json"}')
    config = dev_config(moto.url)
    assert get_secret(config, "fmp").get_secret_value() == "dev-key-123"
    assert get_secret(config, "fmp", "json").get_secret_value() == "from-json"
    with pytest.raises(ConfigError) as info:
        get_secret(config, "missing")
    assert "/dev/missing/api_key" in str(caught(info))
    assert caught(info).key == "FINKS_SECRET_MISSING_API_KEY"


def test_nothing_leaves_the_process(counter: ConnectionCounter, aws_credentials: None) -> None:
    config = dev_config(counter.url)
    fast = BotoConfig(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=1)
    s3 = client(config, "s3", config=fast)
    sm = client(config, "secretsmanager")
    glue = client(config, "glue")
    athena = client(config, "athena")
    refused = [
        lambda: s3.put_object(Bucket="prod-bronze-zone", Key="k", Body=b"x"),
        lambda: s3.list_objects_v2(Bucket="staging-silver-zone"),
        lambda: s3.generate_presigned_url(
            "get_object", Params={"Bucket": "prod-gold-zone", "Key": "k"}
        ),
        lambda: sm.get_secret_value(SecretId="/staging/fmp/api_key"),
        lambda: glue.get_tables(DatabaseName="prod_analytics"),
        lambda: glue.get_database(Name="staging_bronze"),
        lambda: glue.create_database(DatabaseInput={"Name": "prod_bronze"}),
        lambda: sm.batch_get_secret_value(Filters=[{"Key": "name", "Values": ["/prod/"]}]),
        lambda: athena.get_work_group(WorkGroup="finks-prod"),
        lambda: athena.start_query_execution(
            QueryString="select 1",
            QueryExecutionContext={"Database": "prod_analytics"},
            ResultConfiguration={"OutputLocation": config.athena_results_location},
        ),
        lambda: athena.start_query_execution(
            QueryString="select 1",
            QueryExecutionContext={"Database": config.analytics_database},
            ResultConfiguration={"OutputLocation": "s3://prod-athena-results/"},
        ),
        lambda: athena.start_query_execution(
            QueryString="select * from prod_analytics.daily_returns",
            QueryExecutionContext={"Database": config.analytics_database},
        ),
    ]
    for call in refused:
        with pytest.raises(IsolationError):
            call()
    assert counter.connections == 0
    # Control: an allowed request does reach the listener (so the counter works).
    with pytest.raises(
        (
            boto_errors.ConnectionClosedError,
            boto_errors.EndpointConnectionError,
            boto_errors.ReadTimeoutError,
        )
    ):
        s3.list_objects_v2(Bucket=config.bronze_bucket)
    assert counter.connections >= 1


def test_local_environment_uses_dummy_credentials(
    moto: MotoEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    config = load_config(env="local", overrides={"AWS_ENDPOINT_URL": moto.url})
    session = aws_session(config)
    credentials = session.get_credentials()
    assert credentials is not None and credentials.access_key == "finks-local"
    s3 = session.client("s3")
    s3.create_bucket(
        Bucket=config.bronze_bucket,
        CreateBucketConfiguration={"LocationConstraint": "ca-central-1"},
    )
    assert config.bronze_bucket == "local-bronze-zone"
    with pytest.raises(IsolationError):
        s3.head_bucket(Bucket="dev-bronze-zone")
    resource = session.resource("s3")
    with pytest.raises(IsolationError):
        resource.Object("prod-bronze-zone", "k").get()


def test_local_without_endpoint_never_reaches_aws() -> None:
    config = load_config(env="local")
    with pytest.raises(ConfigError) as info:
        client(config, "s3")
    assert caught(info).key == "AWS_ENDPOINT_URL"
    assert "overrides" in str(caught(info))


@pytest.mark.parametrize(
    ("env", "name", "owner"),
    [
        ("dev", "prod-bronze-zone", "prod"),
        ("dev", "/prod/fmp/api_key", "prod"),
        ("dev", "prod_analytics", "prod"),
        ("dev", "production-archive", "prod"),
        ("prod", "staging-artifacts", "staging"),
        ("prod", "local-bronze-zone", "local"),
        ("staging", "dev_bronze", "dev"),
        ("dev", "dev-bronze-zone", None),
        ("dev", "/dev/fmp/api_key", None),
        ("dev", "finks-shared", None),
        ("dev", "product-catalog", None),
        ("dev", "developer-tools", None),
        ("dev", "finks-prod", "prod"),
        ("dev", "finks-dev", None),
        ("dev", "/dev/fmp/prod_key", None),
        ("prod", "finks_local_cache", "local"),
        ("staging", "athena-results", None),
    ],
)
def test_owner_rules(env: str, name: str, owner: str | None) -> None:
    config = Config(environment=Environment(env), s3_bucket_prefix=env)
    found = owner_for(config, name)
    assert (found.value if found else None) == owner


def test_custom_prefix_variants_of_other_environments() -> None:
    config = Config(environment=Environment.DEV, s3_bucket_prefix="acme-dev")
    assert owner_for(config, "acme-dev-bronze-zone") is None
    found = owner_for(config, "acme-prod-bronze-zone")
    assert found is not None and found.value == "prod"


def test_referenced_resources_sees_nested_names() -> None:
    found = referenced_resources(
        "glue",
        "CreateTable",
        {
            "DatabaseName": "dev_bronze",
            "TableInput": {
                "Name": "stg_prices",
                "StorageDescriptor": {"Location": "s3://prod-bronze-zone/fmp/"},
            },
        },
    )
    names = {(ref.kind, ref.name, ref.where) for ref in found}
    assert ("database", "dev_bronze", "DatabaseName") in names
    assert ("S3 location", "prod-bronze-zone", "TableInput.StorageDescriptor.Location") in names
    assert not any(ref.name == "stg_prices" for ref in found)  # a table inside the database


def test_a_changed_credential_chain_gets_a_new_client(
    moto: MotoEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = dev_config(moto.url)
    first = client(config, "s3")
    assert client(config, "s3") is first
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "rotated-key")  # e.g. fresh keys exported
    rotated = client(config, "s3")
    assert rotated is not first
    credentials = rotated._request_signer._credentials
    assert credentials.access_key == "rotated-key"


def test_clients_are_shared_per_environment_and_endpoint(moto: MotoEndpoint) -> None:
    config = dev_config(moto.url)
    assert client(config, "s3") is client(
        load_config(env="dev", overrides={"AWS_ENDPOINT_URL": moto.url}), "s3"
    )
    staging = load_config(env="staging", overrides={"AWS_ENDPOINT_URL": moto.url})
    assert client(staging, "s3") is not client(config, "s3")
    first = client(config, "s3")
    clear_client_cache()
    assert client(config, "s3") is not first
    # A shared client still refuses other environments' names.
    with pytest.raises(IsolationError):
        client(staging, "s3").head_bucket(Bucket=config.bronze_bucket)


def test_local_requests_never_leave_for_a_non_loopback_host() -> None:
    """The last look before sending: even a client the guard did not build (here: plain
    boto3 aimed at real AWS) is stopped by the guard's before-send check for local."""
    import boto3

    from finks_config.aws.guard import IsolationGuard

    config = Config(environment=Environment.LOCAL, s3_bucket_prefix="local")
    plain: Any = boto3.Session(
        region_name="ca-central-1", aws_access_key_id="x", aws_secret_access_key="y"
    ).client("s3")
    IsolationGuard(config, "http://127.0.0.1:9").register(plain.meta.events)
    with pytest.raises(IsolationError, match="local only talks to loopback"):
        plain.head_bucket(Bucket="local-bronze-zone")
