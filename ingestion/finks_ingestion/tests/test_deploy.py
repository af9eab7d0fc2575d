"""ingestion:deploy on the deploy contract: the bronze Glue tables as desired state, the FMP
secret checked first, and every setup failure as one line, exit 2, nothing changed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import finks_config.aws
from finks_config import load_config
from finks_config.layout import DATASETS
from finks_ingestion.bronze_tables import PROJECTION_START, table_input, table_name
from finks_ingestion.deploy import main
from finks_ingestion.settings import PROJECT_CONFIG_DIR
from finks_testing.awsfaults import add_user, allow, closed_port, empty_credential_chain, policy
from finks_testing.moto import MotoEndpoint

SHA = "0123456789abcdef0123456789abcdef01234567"
REGION = {"CreateBucketConfiguration": {"LocationConstraint": "ca-central-1"}}


@pytest.fixture(autouse=True)
def fresh_clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("GITHUB_SHA", SHA)  # the commit, where the sandbox has no .git
    monkeypatch.delenv("GITHUB_REF", raising=False)
    finks_config.aws.clear_client_cache()
    yield
    finks_config.aws.clear_client_cache()


def provision(moto: Any, env: str = "dev", *, secret: bool = True, database: bool = True) -> Any:
    """What infrastructure's deploy leaves behind: buckets, the Glue database, the secret."""
    config = load_config(PROJECT_CONFIG_DIR, env)
    s3 = moto.raw_client("s3")
    for bucket in (config.artifacts_bucket, config.bronze_bucket):
        s3.create_bucket(Bucket=bucket, **REGION)
    if database:
        moto.raw_client("glue").create_database(DatabaseInput={"Name": config.bronze_database})
    if secret:
        moto.raw_client("secretsmanager").create_secret(
            Name=config.secret_path("fmp"), SecretString="fmp-secret-value-9d1e"
        )
    return config


@pytest.fixture
def dev(monkeypatch: pytest.MonkeyPatch, moto: MotoEndpoint) -> Callable[..., Any]:
    """`--env dev` against the moto account, provisioned unless told otherwise."""
    monkeypatch.delenv("FINKS_SECRET_FMP_API_KEY", raising=False)

    def point(
        endpoint: str | None = None, credentials: dict[str, str] | None = None, **kw: Any
    ) -> Any:
        monkeypatch.setenv("FINKS_DEV_AWS_ENDPOINT_URL", endpoint or moto.url)
        for key, value in (credentials or {}).items():
            monkeypatch.setenv(f"FINKS_DEV_{key}", value)
        return provision(moto, **kw) if endpoint is None else None

    return point


def tables(moto: Any, database: str) -> dict[str, dict[str, Any]]:
    found = moto.raw_client("glue").get_tables(DatabaseName=database)["TableList"]
    return {t["Name"]: t for t in found}


def state(moto: Any, config: Any) -> tuple[list[str], list[str]]:
    """(Glue tables, keys in the artifacts bucket): what a failed deploy must not change."""
    glue = moto.raw_client("glue")
    names = sorted(
        t["Name"]
        for db in glue.get_databases()["DatabaseList"]
        for t in glue.get_tables(DatabaseName=db["Name"])["TableList"]
    )
    listing = moto.raw_client("s3").list_objects_v2(Bucket=config.artifacts_bucket)
    return names, sorted(o["Key"] for o in listing.get("Contents", []))


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("[DEV] ") and " error: " in lines[0], lines[0]
    assert "Traceback" not in err
    return lines[0]


def test_deploy_applies_the_bronze_tables_then_changes_nothing(
    dev: Callable[..., Any], moto: MotoEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    config = dev()
    assert main(["--env", "dev"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[DEV] ")
    assert "FMP secret /dev/fmp/api_key resolves" in out
    assert "fmp-secret-value" not in out
    found = tables(moto, config.bronze_database)
    assert set(found) == {table_name(d) for d in DATASETS}
    prices = found["fmp_prices"]
    assert [k["Name"] for k in prices["PartitionKeys"]] == ["ingest_date"]
    params = prices["Parameters"]
    assert params["projection.enabled"] == "true"
    assert params["projection.ingest_date.range"] == f"{PROJECTION_START},NOW"
    assert params["storage.location.template"] == (
        "s3://dev-bronze-zone/fmp/prices/ingest_date=${ingest_date}/"
    )
    assert (
        prices["StorageDescriptor"]["Columns"]
        == table_input(config, "prices")["StorageDescriptor"]["Columns"]
    )
    _, keys = state(moto, config)
    assert any(k.startswith("deploys/ingestion/") for k in keys)  # the ledger recorded it
    assert not any(k.startswith("ingestion/") for k in keys)  # nothing uploaded: no consumer

    updated = {name: t.get("UpdateTime") for name, t in found.items()}
    assert main(["--env", "dev"]) == 0
    again = capsys.readouterr().out
    assert again.count("keep Glue table") == 3 and "applying" not in again
    assert {
        n: t.get("UpdateTime") for n, t in tables(moto, config.bronze_database).items()
    } == updated


def test_a_table_that_drifted_is_updated(
    dev: Callable[..., Any], moto: MotoEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    config = dev()
    stale = table_input(config, "income")
    stale["PartitionKeys"] = []  # the unpartitioned table of an older commit
    moto.raw_client("glue").create_table(DatabaseName=config.bronze_database, TableInput=stale)
    assert main(["--env", "dev"]) == 0
    out = capsys.readouterr().out
    assert "update Glue table dev_bronze.fmp_income" in out
    assert "create Glue table dev_bronze.fmp_prices" in out
    income = tables(moto, config.bronze_database)["fmp_income"]
    assert [k["Name"] for k in income["PartitionKeys"]] == ["ingest_date"]


def test_dry_run_lists_the_changes_and_changes_nothing(
    dev: Callable[..., Any], moto: MotoEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    config = dev()
    before = state(moto, config)
    assert main(["--env", "dev", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.count("dry run: would create Glue table") == 3
    assert state(moto, config) == before


def test_dry_run_without_aws_still_previews(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty_credential_chain(monkeypatch, tmp_path)
    monkeypatch.delenv("FINKS_SECRET_FMP_API_KEY", raising=False)
    assert main(["--env", "staging", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[STAGING] ")
    assert "a real deploy would stop here" in out and "no AWS credentials for staging" in out
    assert "would create or update Glue table staging_bronze.fmp_prices" in out


# --- issue 16: one line, exit 2, nothing changed ---------------------------------------------


def test_a_missing_fmp_secret_exits_2_naming_it(
    dev: Callable[..., Any], moto: MotoEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    config = dev(secret=False)
    before = state(moto, config)
    assert main(["--env", "dev"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "/dev/fmp/api_key" in line and "FINKS_SECRET_FMP_API_KEY" in line
    assert state(moto, config) == before


def test_a_missing_bronze_database_exits_2(
    dev: Callable[..., Any], moto: MotoEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    config = dev(database=False)
    before = state(moto, config)
    assert main(["--env", "dev"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "dev_bronze" in line and "does not exist" in line
    assert state(moto, config) == before


def test_a_missing_artifacts_bucket_says_deploy_infrastructure_first(
    dev: Callable[..., Any], capsys: pytest.CaptureFixture[str]
) -> None:
    dev(endpoint=None, secret=True)  # provisioned, then the bucket goes
    config = load_config(PROJECT_CONFIG_DIR, "dev")
    finks_config.aws.client(config, "s3").delete_bucket(Bucket=config.artifacts_bucket)
    assert main(["--env", "dev"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "dev-artifacts" in line and "infrastructure" in line


def test_no_credentials_exits_2(
    dev: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    empty_credential_chain(monkeypatch, tmp_path)
    dev(endpoint=f"http://127.0.0.1:{closed_port()}")
    assert main(["--env", "dev"]) == 2
    assert "no AWS credentials for dev" in one_error_line(capsys.readouterr().err)


def test_an_unreachable_endpoint_exits_2(
    dev: Callable[..., Any], capsys: pytest.CaptureFixture[str]
) -> None:
    dev(endpoint=f"http://127.0.0.1:{closed_port()}")
    assert main(["--env", "dev"]) == 2
    assert "cannot reach http://127.0.0.1:" in one_error_line(capsys.readouterr().err)


def test_a_bucket_in_another_region_exits_2(
    dev: Callable[..., Any], moto: MotoEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    moto.raw_client("s3", region="us-west-2").create_bucket(
        Bucket="dev-artifacts", CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
    )
    dev(endpoint=moto.url)
    assert main(["--env", "dev"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "us-west-2" in line and "ca-central-1" in line
    assert moto.raw_client("glue").get_databases()["DatabaseList"] == []


def test_access_denied_by_iam_exits_2_and_changes_nothing(
    dev: Callable[..., Any], moto_accounts: Callable[..., Any], capsys: pytest.CaptureFixture[str]
) -> None:
    account = moto_accounts(account_id="111111111111", initial_no_auth_actions=10)
    config = provision(account)  # 4 unauthenticated requests, then 3 per user
    admin = add_user(account, "admin", policy(allow(["*"], ["*"])))
    # The deploy may use the bucket and read the secret, but not touch the Glue catalog.
    creds = add_user(
        account,
        "deployer",
        policy(
            allow(["s3:*"], ["arn:aws:s3:::dev-*"]),
            allow(["secretsmanager:GetSecretValue"], ["*"]),
        ),
    )
    dev(endpoint=account.url, credentials=creds)
    assert main(["--env", "dev"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "access denied" in line and "glue:GetDatabase" in line
    assert creds["AWS_SECRET_ACCESS_KEY"] not in line

    class AsAdmin:
        def raw_client(self, service: str) -> Any:
            return account.raw_client(service, credentials=admin)

    assert state(AsAdmin(), config) == ([], [])
