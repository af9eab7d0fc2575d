"""``infrastructure:bootstrap``: the one-time, idempotent Pulumi state backend of an env."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from finks_config import Environment, load_config
from finks_config.aws import clear_client_cache
from finks_infra.bootstrap import main
from finks_infra.program import PROJECT_CONFIG_DIR
from finks_testing.awsfaults import account_state, empty_credential_chain
from finks_testing.moto import MotoEndpoint


@pytest.fixture
def staging_account(moto: MotoEndpoint, monkeypatch: pytest.MonkeyPatch) -> MotoEndpoint:
    """The staging config's endpoint is the test's moto server (FINKS_STAGING_AWS_ENDPOINT_URL)."""
    monkeypatch.setenv("FINKS_STAGING_AWS_ENDPOINT_URL", moto.url)
    return moto


def test_bootstrap_creates_the_state_bucket_and_key_once(
    staging_account: MotoEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    config = load_config(PROJECT_CONFIG_DIR, env=Environment.STAGING)
    assert main(["--env", "staging"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[STAGING] ")
    assert f"PULUMI_BACKEND_URL=s3://{config.pulumi_state_bucket}?region=ca-central-1" in out
    assert (
        f"--secrets-provider awskms://{config.pulumi_secrets_key_alias}?region=ca-central-1" in out
    )
    assert "state backend ready" in out

    kms = staging_account.raw_client("kms")
    key = kms.describe_key(KeyId=config.pulumi_secrets_key_alias)["KeyMetadata"]
    assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True
    s3 = staging_account.raw_client("s3")
    bucket = config.pulumi_state_bucket
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": key["Arn"],
    }
    blocked = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(blocked.values())
    (tls,) = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    assert tls["Effect"] == "Deny" and tls["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }

    assert main(["--env", "staging"]) == 0
    again = capsys.readouterr().out
    assert "already in place: nothing changed" in again
    assert len(kms.list_keys()["Keys"]) == 1
    assert [
        a["AliasName"]
        for a in kms.list_aliases()["Aliases"]
        if a["AliasName"].startswith("alias/finks")
    ] == [config.pulumi_secrets_key_alias]


def test_bootstrap_repairs_a_half_made_backend(
    staging_account: MotoEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    config = load_config(PROJECT_CONFIG_DIR, env=Environment.STAGING)
    s3 = staging_account.raw_client("s3")
    s3.create_bucket(
        Bucket=config.pulumi_state_bucket,
        CreateBucketConfiguration={"LocationConstraint": "ca-central-1"},
    )
    assert main(["--env", "staging"]) == 0
    out = capsys.readouterr().out
    assert f"s3://{config.pulumi_state_bucket} versioning: created" in out
    assert f"s3://{config.pulumi_state_bucket} bucket" not in out  # it existed
    assert s3.get_bucket_versioning(Bucket=config.pulumi_state_bucket)["Status"] == "Enabled"


def test_dry_run_changes_nothing(
    staging_account: MotoEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--env", "staging", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "dry run: would create KMS key alias/finks-staging-pulumi" in out
    assert "dry run: nothing changed" in out
    assert staging_account.raw_client("s3").list_buckets()["Buckets"] == []
    assert staging_account.raw_client("kms").list_keys()["Keys"] == []


def test_an_env_without_a_stack_exits_2_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--env", "local"]) == 2
    captured = capsys.readouterr()
    assert captured.out.startswith("[LOCAL] ")
    (line,) = captured.err.strip().splitlines()
    assert line.startswith("[LOCAL] infrastructure bootstrap: error:")
    assert "local has no Pulumi stack" in line and "bootstrap dev, staging or prod" in line


def test_no_credentials_exits_2_in_one_line_and_creates_nothing(
    moto: MotoEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FINKS_DEV_AWS_ENDPOINT_URL", moto.url)
    empty_credential_chain(monkeypatch, tmp_path)
    clear_client_cache()
    before = account_state(moto)
    assert main(["--env", "dev"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("[DEV] infrastructure bootstrap: error: creating the Pulumi secrets key")
    assert "no AWS credentials for dev" in line
    assert "Traceback" not in line and "NoCredentialsError" not in line
    assert account_state(moto) == before
