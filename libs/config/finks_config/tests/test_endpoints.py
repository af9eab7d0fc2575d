"""Per-environment endpoint and credentials: one process, several emulated accounts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from finks_config import ConfigError, IsolationError, load_config
from finks_config.aws import aws_session, clear_client_cache, client, get_parameter, prefect_api_url
from finks_testing.awsfaults import closed_port
from finks_testing.fixtures import MotoFactory
from finks_testing.moto import MotoEndpoint

from .conftest import caught


@pytest.fixture(autouse=True)
def fresh_clients() -> Iterator[None]:
    clear_client_cache()
    yield
    clear_client_cache()


@pytest.fixture(scope="module")
def staging_account(moto_accounts: MotoFactory) -> MotoEndpoint:
    """A second emulated account (another account id), as the release rehearsal has."""
    return moto_accounts(account_id="222222222222")


def test_each_environment_talks_to_its_own_account(
    moto: MotoEndpoint,
    staging_account: MotoEndpoint,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    staging_account.reset()
    port = closed_port()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")  # the shared key: unused
    monkeypatch.setenv("FINKS_DEV_AWS_ENDPOINT_URL", moto.url)
    monkeypatch.setenv("FINKS_STAGING_AWS_ENDPOINT_URL", staging_account.url)
    dev, staging = load_config(env="dev"), load_config(env="staging")
    accounts = {
        config.environment.value: client(config, "sts").get_caller_identity()["Account"]
        for config in (dev, staging)
    }
    assert accounts == {"dev": moto.account_id, "staging": "222222222222"}
    for config in (dev, staging):
        client(config, "s3").create_bucket(
            Bucket=config.artifacts_bucket,
            CreateBucketConfiguration={"LocationConstraint": config.aws_region},
        )
    dev_raw: Any = moto.raw_client("s3")
    staging_raw: Any = staging_account.raw_client("s3")
    assert [b["Name"] for b in dev_raw.list_buckets()["Buckets"]] == ["dev-artifacts"]
    assert [b["Name"] for b in staging_raw.list_buckets()["Buckets"]] == ["staging-artifacts"]


def test_per_environment_credentials_win_over_the_chain(
    moto: MotoEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "chain-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "chain-secret")
    config = load_config(
        env="prod",
        overrides={
            "FINKS_PROD_AWS_ENDPOINT_URL": moto.url,
            "FINKS_PROD_AWS_ACCESS_KEY_ID": "prod-key",
            "FINKS_PROD_AWS_SECRET_ACCESS_KEY": "prod-secret",
            "FINKS_PROD_AWS_SESSION_TOKEN": "prod-token",
        },
    )
    credentials = aws_session(config).get_credentials()
    assert credentials is not None
    assert (credentials.access_key, credentials.secret_key, credentials.token) == (
        "prod-key",
        "prod-secret",
        "prod-token",
    )
    chain = aws_session(load_config(env="dev", overrides={"AWS_ENDPOINT_URL": moto.url}))
    chain_credentials = chain.get_credentials()
    assert chain_credentials is not None and chain_credentials.access_key == "chain-key"


def test_half_a_credential_pair_is_an_error() -> None:
    config = load_config(env="staging", overrides={"FINKS_STAGING_AWS_ACCESS_KEY_ID": "k"})
    with pytest.raises(ConfigError) as info:
        aws_session(config)
    assert caught(info).key == "FINKS_STAGING_AWS_SECRET_ACCESS_KEY"
    assert "k" not in caught(info).message


def test_unguarded_sessions_exist_only_for_iam_proof_tests(moto: MotoEndpoint) -> None:
    config = load_config(env="dev", overrides={"AWS_ENDPOINT_URL": moto.url})
    with pytest.raises(IsolationError):
        aws_session(config).client("s3").head_bucket(Bucket="prod-bronze-zone")
    unguarded: Any = aws_session(config, guard=False).client("s3")
    with pytest.raises(Exception) as info:  # reaches the account: IAM (here moto) answers
        unguarded.head_bucket(Bucket="prod-bronze-zone")
    assert not isinstance(info.value, IsolationError)


def test_parameters_and_the_prefect_api_url(moto: MotoEndpoint) -> None:
    raw: Any = moto.raw_client("ssm")
    raw.put_parameter(
        Name="/staging/prefect/api_url", Value="http://10.0.0.5:4200/api", Type="String"
    )
    raw.put_parameter(Name="/prod/prefect/api_url", Value="http://10.0.0.9:4200/api", Type="String")
    staging = load_config(env="staging", overrides={"AWS_ENDPOINT_URL": moto.url})
    assert get_parameter(staging, staging.prefect_api_url_parameter) == "http://10.0.0.5:4200/api"
    assert prefect_api_url(staging) == "http://10.0.0.5:4200/api"
    with pytest.raises(IsolationError):
        get_parameter(staging, "/prod/prefect/api_url")
    keyed = load_config(
        env="staging",
        overrides={"AWS_ENDPOINT_URL": moto.url, "PREFECT_API_URL": "https://prefect.example/api"},
    )
    assert prefect_api_url(keyed) == "https://prefect.example/api"
    dev = load_config(env="dev", overrides={"AWS_ENDPOINT_URL": moto.url})
    with pytest.raises(ConfigError) as info:
        prefect_api_url(dev)
    assert caught(info).key == "PREFECT_API_URL"
    assert "/dev/prefect/api_url" in str(caught(info))
