"""moto servers as emulated accounts: one account id each, IAM enforced on request."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from finks_local.moto import running_moto, start_moto
from finks_local.processes import ProcessRegistry
from finks_testing.awsfaults import add_user, allow, policy

REGION = {"CreateBucketConfiguration": {"LocationConstraint": "ca-central-1"}}


def test_each_server_is_its_own_account(tmp_path: Path) -> None:
    with (
        running_moto(workdir=tmp_path, account_id="111111111111") as dev,
        running_moto(workdir=tmp_path, account_id="222222222222") as prod,
    ):
        assert dev.raw_client("sts").get_caller_identity()["Account"] == "111111111111"
        assert prod.raw_client("sts").get_caller_identity()["Account"] == "222222222222"
        dev.raw_client("s3").create_bucket(Bucket="dev-bronze-zone", **REGION)
        assert [b["Name"] for b in dev.raw_client("s3").list_buckets()["Buckets"]] == [
            "dev-bronze-zone"
        ]
        assert prod.raw_client("s3").list_buckets()["Buckets"] == []
        # What reached each account is visible afterwards: its request log and resources.
        assert any(
            r.method == "PUT" and r.path.startswith("/dev-bronze-zone") for r in dev.requests()
        )
        assert not any("dev-bronze-zone" in r.path for r in prod.requests())
        assert "dev-bronze-zone" in json.dumps(dev.resources().get("s3", {}))
        dev.reset()
        assert dev.raw_client("s3").list_buckets()["Buckets"] == []
        stopping = time.monotonic()
    # Stopped, and promptly (an exited child is reaped, not waited for as if alive).
    assert time.monotonic() - stopping < 5.0
    assert not dev.running() and not prod.running()


def test_iam_is_enforced_after_the_initial_actions(tmp_path: Path) -> None:
    with running_moto(workdir=tmp_path, initial_no_auth_actions=4) as account:
        assert account.iam_enforced
        document = policy(allow(["s3:*"], ["arn:aws:s3:::dev-*"]))
        creds = add_user(account, "dev-deployer", document)
        s3 = account.raw_client("s3", credentials=creds)
        s3.create_bucket(Bucket="dev-bronze-zone", **REGION)
        with pytest.raises(ClientError) as denied:
            s3.create_bucket(Bucket="prod-bronze-zone", **REGION)
        assert denied.value.response["Error"]["Code"] == "AccessDenied"


def test_a_server_that_dies_at_start_up_is_reported_with_its_output(tmp_path: Path) -> None:
    registry = ProcessRegistry(tmp_path / "pids.json")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError, match="exited during start-up") as error:
            start_moto(registry, log_path=tmp_path / "moto.log", port=port, timeout=30)
    assert "Address already in use" in str(error.value) or "in use" in str(error.value)
    registry.stop_all()


def test_account_ids_are_checked() -> None:
    with pytest.raises(ValueError, match="12 digits"), running_moto(account_id="dev"):
        pass
