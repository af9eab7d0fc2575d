"""The doctor CLI: called through main(argv), output captured, exit code checked.

The account checks (``--aws``, ``--secret``, ``--prefect``) run against real loopback
servers: moto (with IAM enforced for access denied), a closed port, an empty
credential chain, a bucket created in another region, and a canned AWS endpoint
for answers moto cannot give (throttling, an expired token). Each failing case
asserts the exit code, the one error line, and that nothing changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from finks_config.doctor import main
from finks_testing.awsfaults import (
    account_state,
    add_user,
    allow,
    canned_aws,
    closed_port,
    empty_credential_chain,
    policy,
)
from finks_testing.fixtures import MotoFactory
from finks_testing.moto import MotoEndpoint

from .conftest import WriteFile

ERROR_LINE = re.compile(r"^\[(DEV|STAGING|PROD|LOCAL|\?)\] doctor: error: ")
IAM_ACCOUNT = "111111111111"
DEV_BUCKETS = ("dev-bronze-zone", "dev-silver-zone", "dev-gold-zone", "dev-artifacts")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], list[str]]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


def one_error(err: list[str]) -> str:
    """The single stderr line of a failed run (no traceback, no class names)."""
    assert len(err) == 1, err
    line = err[0]
    assert ERROR_LINE.match(line), line
    for word in ("Traceback", "Error:", "Exception", "botocore", "ClientError"):
        assert word not in line, line
    return line


def make_buckets(moto: MotoEndpoint, region: str = "ca-central-1") -> None:
    s3: Any = moto.raw_client("s3", region=region)
    for bucket in DEV_BUCKETS:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})


# --- configuration -----------------------------------------------------------------


def test_healthy_environment(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = run(capsys, "--env", "staging")
    assert code == 0 and err == []
    assert lines[0] == "[STAGING] finks config doctor"
    text = "\n".join(lines)
    assert "S3_BUCKET_PREFIX  staging" in text
    assert "<- libs/config/.env.staging:" in text
    assert "bronze_bucket             staging-bronze-zone" in text
    assert "analytics_database        staging_analytics" in text
    assert "slack webhook secret      /staging/slack/webhook_url" in text
    assert "validation: ok" in text
    assert "contamination: ok" in text
    assert lines[-1] == "result: OK"


def test_secrets_are_masked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINKS_SECRET_FMP_API_KEY", "doctor-secret-999")
    code, lines, _ = run(
        capsys,
        "--env",
        "local",
        "--set",
        "AWS_ENDPOINT_URL=http://127.0.0.1:5000",
        "--set",
        "FINKS_SECRET_OTHER_TOKEN=tok-123456",
    )
    text = "\n".join(lines)
    assert code == 0
    assert lines[0].startswith("[LOCAL]")
    assert "doctor-secret-999" not in text and "tok-123456" not in text
    assert "FINKS_SECRET_FMP_API_KEY" in text and "********" in text
    assert re.search(r"AWS_ENDPOINT_URL +http://127\.0\.0\.1:5000 +<- override", text)


def test_webhook_urls_are_masked_under_any_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = "https://hooks.slack.com/services/T0FINKS00/B0FINKS00/abcdefghijklmnopqrstuvwx"
    monkeypatch.setenv("FINKS_SECRET_SLACK_WEBHOOK_URL", hook)
    code, lines, err = run(
        capsys,
        "--env",
        "dev",
        "--set",
        "NOTIFY_WEBHOOK_URL=https://notify.example.com/post/finks",  # the key says it is one
        "--set",
        f"ALERT_TARGET={hook}",  # no secret word in the key: the value's shape gives it away
        "--secret",
        "slack/webhook_url",
    )
    text = "\n".join(lines + err)
    assert code == 0, text
    assert "hooks.slack.com" not in text and "notify.example.com" not in text
    assert re.search(r"NOTIFY_WEBHOOK_URL +\*{8}", text)
    assert re.search(r"ALERT_TARGET +\*{8}", text)
    assert "secret /dev/slack/webhook_url: available (environment variable)" in text


def test_environment_from_variable_and_ignored_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "dev")
    code, lines, _ = run(capsys)
    assert code == 0 and lines[0].startswith("[DEV]")
    code, lines, _ = run(capsys, "--env", "prod")
    assert code == 0 and lines[0].startswith("[PROD]")
    assert any("ENVIRONMENT=dev (environment variable) ignored" in line for line in lines)


def test_validation_failure_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(
        capsys, "--env", "prod", "--set", "DEBUG_MODE=true", "--set", "LOG_LEVEL=DEBUG"
    )
    assert code == 2
    assert lines[0].startswith("[PROD]")
    text = "\n".join(lines)
    assert "override: DEBUG_MODE=true: prod requires false" in text
    assert "override: LOG_LEVEL=DEBUG: prod requires INFO" in text
    assert lines[-1].startswith("result: FAILED")


def test_contamination_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(
        capsys, "--env", "dev", "--set", "PREFECT_API_URL=https://prefect.prod.example.com/api"
    )
    assert code == 2
    assert any(
        "PREFECT_API_URL=https://prefect.prod.example.com/api: names prod, this is dev" in line
        for line in lines
    )
    code, lines, _ = run(
        capsys, "--env", "local", "--set", "AWS_ENDPOINT_URL=https://s3.ca-central-1.amazonaws.com"
    )
    assert code == 2
    assert any("local must only talk to loopback services" in line for line in lines)
    # A cloud env at a loopback emulator: fine at run time (tests, the rehearsal's accounts),
    # wrong in a committed file.
    code, lines, _ = run(
        capsys, "--env", "staging", "--set", "AWS_ENDPOINT_URL=http://127.0.0.1:5000"
    )
    assert code == 0
    assert any("staging talks to a local service (an emulator)" in line for line in lines)


def test_committed_loopback_endpoint_for_a_cloud_env_exits_2(
    capsys: pytest.CaptureFixture[str],
    write: WriteFile,
    scratch_root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write(
        "libs/config/.env.staging",
        "ENVIRONMENT=staging\nS3_BUCKET_PREFIX=staging\nAWS_ENDPOINT_URL=http://127.0.0.1:5000\n",
    )
    monkeypatch.chdir(scratch_root)
    code, lines, _ = run(capsys, "--env", "staging")
    assert code == 2
    assert any(
        "libs/config/.env.staging:3: AWS_ENDPOINT_URL=http://127.0.0.1:5000: staging points at "
        "a local service" in line
        for line in lines
    )


def test_contaminated_project_key(
    capsys: pytest.CaptureFixture[str],
    write: WriteFile,
    scratch_root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write("proj/config/.env.dev", "RAW_BUCKET=prod-bronze-zone\nAPI_TOKEN=abcdef123456\n")
    monkeypatch.chdir(scratch_root)
    code, lines, _ = run(capsys, "--env", "dev", "--project", "proj/config")
    text = "\n".join(lines)
    assert code == 2
    assert "proj/config/.env.dev:1: RAW_BUCKET=prod-bronze-zone: names prod, this is dev" in text
    assert (
        "proj/config/.env.dev:2: API_TOKEN: committed file carries a secret-looking value" in text
    )
    assert "abcdef123456" not in text


def test_bad_usage_and_bad_files_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
    write: WriteFile,
    scratch_root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, lines, err = run(capsys, "--env", "production")
    assert code == 2 and lines == ["[?] finks config doctor"]
    assert "--env: unknown environment 'production'" in one_error(err)
    assert "did you mean 'prod'" in err[0]
    monkeypatch.chdir(scratch_root)
    write("libs/config/.env.dev", "S3_BUCKET_PREFIX=dev\nDEBUG_MODE=maybe\nLOG_LEVL=INFO\n")
    code, lines, err = run(capsys, "--env", "dev")
    assert code == 2
    assert one_error(err) == (
        "[DEV] doctor: error: loading the dev configuration: libs/config/.env.dev:2: "
        "DEBUG_MODE: expected true or false (got 'maybe')"
    )
    (scratch_root / "libs/config/.env.dev").unlink()
    code, lines, err = run(capsys, "--env", "dev")
    assert code == 2 and lines[0] == "[DEV] finks config doctor"
    assert "cp libs/config/.env.example libs/config/.env.dev" in one_error(err)
    code, lines, err = run(capsys, "--env", "dev", "--set", "novalue")
    assert code == 2
    assert "--set: 'novalue' is not KEY=VALUE" in one_error(err)


def test_warnings_do_not_fail(
    capsys: pytest.CaptureFixture[str],
    write: WriteFile,
    scratch_root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(scratch_root)
    write(
        "libs/config/.env.dev",
        "S3_BUCKET_PREFIX=dev\nLOG_LEVL=INFO\nDEBUG_MODE=false\nDEBUG_MODE=false\n",
    )
    code, lines, _ = run(capsys, "--env", "dev")
    text = "\n".join(lines)
    assert code == 0
    assert "LOG_LEVL is not a shared key (did you mean LOG_LEVEL?)" in text
    assert "DEBUG_MODE is set more than once (last wins)" in text


def test_usage_error_still_prints_banner_first(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = run(capsys, "--env", "staging", "--bogus")
    assert code == 2
    assert lines == ["[STAGING] finks config doctor"]
    line = one_error(err)
    assert "unrecognized arguments: --bogus" in line and "usage: doctor" in line
    assert main(["--help"]) == 0


# --- the account: every failure is one line, exit 2, nothing changed ----------------


@pytest.fixture(autouse=True)
def fresh_clients() -> Iterator[None]:
    from finks_config.aws import clear_client_cache

    clear_client_cache()
    yield
    clear_client_cache()


@pytest.fixture
def no_aws_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")


def test_healthy_account(capsys: pytest.CaptureFixture[str], moto: MotoEndpoint) -> None:
    make_buckets(moto)
    sm: Any = moto.raw_client("secretsmanager")
    sm.create_secret(Name="/dev/fmp/api_key", SecretString="moto-fmp-key-1")
    before = account_state(moto)
    code, lines, err = run(
        capsys, "--env", "dev", "--set", f"AWS_ENDPOINT_URL={moto.url}", "--aws", "--secret", "fmp"
    )
    text = "\n".join(lines)
    assert code == 0 and err == [], text + "\n".join(err)
    assert f"aws endpoint:    {moto.url} (from AWS_ENDPOINT_URL)" in text
    assert "aws identity: arn:aws:" in text
    for bucket in DEV_BUCKETS:
        assert f"bucket {bucket}: ok (ca-central-1)" in text
    assert "secret /dev/fmp/api_key: available (Secrets Manager)" in text
    assert "moto-fmp-key-1" not in text
    assert account_state(moto) == before


def test_missing_bucket_says_deploy_infrastructure_first(
    capsys: pytest.CaptureFixture[str], moto: MotoEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINKS_DEV_AWS_ENDPOINT_URL", moto.url)  # the per-env endpoint variable
    before = account_state(moto)
    code, lines, err = run(capsys, "--env", "dev", "--aws")
    assert code == 2
    assert one_error(err) == (
        "[DEV] doctor: error: checking bucket dev-bronze-zone: bucket dev-bronze-zone does not "
        "exist in the dev account (s3:HeadBucket) (fix: deploy infrastructure first: "
        "./pants run infrastructure:deploy -- --env dev)"
    )
    assert "(from FINKS_DEV_AWS_ENDPOINT_URL)" in "\n".join(lines)
    assert account_state(moto) == before


def test_bucket_in_another_region(capsys: pytest.CaptureFixture[str], moto: MotoEndpoint) -> None:
    make_buckets(moto, region="us-west-2")
    before = account_state(moto)
    code, _, err = run(capsys, "--env", "dev", "--set", f"AWS_ENDPOINT_URL={moto.url}", "--aws")
    assert code == 2
    line = one_error(err)
    assert line.startswith(
        "[DEV] doctor: error: checking bucket dev-bronze-zone: AWS_REGION: s3://dev-bronze-zone "
        "is in region us-west-2, but the dev config uses ca-central-1 (fix: "
    )
    assert "AWS_REGION=us-west-2" in line
    assert account_state(moto) == before


def test_no_credentials(
    capsys: pytest.CaptureFixture[str],
    moto: MotoEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    empty_credential_chain(monkeypatch, tmp_path)
    sent = len(moto.requests())
    code, _, err = run(capsys, "--env", "dev", "--set", f"AWS_ENDPOINT_URL={moto.url}", "--aws")
    assert code == 2
    assert one_error(err) == (
        "[DEV] doctor: error: checking AWS access for dev: no AWS credentials for dev (fix: log "
        "in to the dev account (aws sso login --profile <dev profile>, or export AWS_PROFILE), "
        "or set FINKS_DEV_AWS_ACCESS_KEY_ID and FINKS_DEV_AWS_SECRET_ACCESS_KEY)"
    )
    assert len(moto.requests()) == sent  # nothing was sent


def test_expired_sso_session(
    capsys: pytest.CaptureFixture[str],
    moto: MotoEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    empty_credential_chain(monkeypatch, tmp_path)
    start_url = "https://finks.awsapps.com/start"
    (tmp_path / "no-config").write_text(
        "[profile finks-dev]\n"
        f"sso_start_url = {start_url}\nsso_region = ca-central-1\n"
        "sso_account_id = 111111111111\nsso_role_name = Developer\n"
    )
    cache = tmp_path / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    import hashlib
    import json

    name = hashlib.sha1(start_url.encode()).hexdigest()  # noqa: S324 - botocore's cache key
    (cache / f"{name}.json").write_text(
        json.dumps(
            {
                "startUrl": start_url,
                "region": "ca-central-1",
                "accessToken": "old-sso-token",
                "expiresAt": "2000-01-01T00:00:00Z",
            }
        )
    )
    monkeypatch.setenv("AWS_PROFILE", "finks-dev")
    sent = len(moto.requests())
    code, _, err = run(capsys, "--env", "dev", "--set", f"AWS_ENDPOINT_URL={moto.url}", "--aws")
    assert code == 2
    line = one_error(err)
    assert line.startswith(
        "[DEV] doctor: error: checking AWS access for dev: the AWS SSO session for dev has "
        "expired or was never started (fix: run aws sso login"
    )
    assert "old-sso-token" not in line
    assert len(moto.requests()) == sent


def test_expired_token_and_throttling(
    capsys: pytest.CaptureFixture[str], no_aws_retries: None, aws_credentials: None
) -> None:
    with canned_aws(
        "ExpiredToken", 400, "The security token included in the request is expired"
    ) as aws:
        code, _, err = run(capsys, "--env", "dev", "--set", f"AWS_ENDPOINT_URL={aws.url}", "--aws")
    assert code == 2
    assert one_error(err).startswith(
        "[DEV] doctor: error: checking AWS access for dev: the AWS credentials for dev have "
        "expired (sts:GetCallerIdentity) (fix: log in to the dev account"
    )
    with canned_aws("Throttling", 400, "Rate exceeded") as aws:
        code, _, err = run(capsys, "--env", "dev", "--set", f"AWS_ENDPOINT_URL={aws.url}", "--aws")
        attempts = aws.requests
    assert code == 2
    assert attempts == 2  # botocore retried (AWS_MAX_ATTEMPTS=2) before giving up
    assert one_error(err).startswith(
        "[DEV] doctor: error: checking AWS access for dev: AWS throttled "
        "sts:GetCallerIdentity for dev after 2 attempt(s) (fix: retry later"
    )


def test_unreachable_endpoints(
    capsys: pytest.CaptureFixture[str], no_aws_retries: None, aws_credentials: None
) -> None:
    port = closed_port()
    code, _, err = run(
        capsys, "--env", "dev", "--set", f"AWS_ENDPOINT_URL=http://127.0.0.1:{port}", "--aws"
    )
    assert code == 2
    assert one_error(err) == (
        f"[DEV] doctor: error: checking AWS access for dev: cannot reach http://127.0.0.1:{port} "
        f"for dev (connection refused) (fix: start the emulator or service at "
        f"http://127.0.0.1:{port}, or fix AWS_ENDPOINT_URL)"
    )
    code, _, err = run(
        capsys,
        "--env",
        "dev",
        "--set",
        "AWS_ENDPOINT_URL=http://finks-doctor.invalid:4566",
        "--aws",
    )
    assert code == 2
    assert (
        "cannot reach http://finks-doctor.invalid:4566 for dev (DNS name not found)"
        in one_error(err)
    )
    code, _, err = run(
        capsys, "--env", "dev", "--set", f"PREFECT_API_URL=http://127.0.0.1:{port}/api", "--prefect"
    )
    assert code == 2
    assert one_error(err) == (
        f"[DEV] doctor: error: checking the Prefect API at http://127.0.0.1:{port}: cannot reach "
        f"the Prefect API at http://127.0.0.1:{port} for dev (connection refused) (fix: start the "
        f"Prefect API at http://127.0.0.1:{port}, or fix PREFECT_API_URL (override))"
    )


def test_prefect_url_from_the_stack_parameter(
    capsys: pytest.CaptureFixture[str], moto: MotoEndpoint
) -> None:
    endpoint = f"AWS_ENDPOINT_URL={moto.url}"
    code, _, err = run(capsys, "--env", "dev", "--set", endpoint, "--prefect")
    assert code == 2
    assert one_error(err) == (
        "[DEV] doctor: error: finding the dev Prefect API: PREFECT_API_URL: is not set and SSM "
        "parameter /dev/prefect/api_url does not exist (fix: set PREFECT_API_URL (env var or "
        ".env.dev.local), or deploy infrastructure so the dev stack publishes "
        "/dev/prefect/api_url: ./pants run infrastructure:deploy -- --env dev)"
    )
    port = closed_port()
    ssm: Any = moto.raw_client("ssm")
    ssm.put_parameter(
        Name="/dev/prefect/api_url", Value=f"http://127.0.0.1:{port}/api", Type="String"
    )
    code, _, err = run(capsys, "--env", "dev", "--set", endpoint, "--prefect")
    assert code == 2
    assert f"cannot reach the Prefect API at http://127.0.0.1:{port} for dev" in one_error(err)


def test_secret_check_reports_origin_never_value(
    capsys: pytest.CaptureFixture[str], moto: MotoEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw: Any = moto.raw_client("secretsmanager")
    raw.create_secret(Name="/local/fmp/api_key", SecretString="from-moto-123")
    monkeypatch.setenv("FINKS_SECRET_SLACK_API_KEY", "from-env-456")
    endpoint = f"AWS_ENDPOINT_URL={moto.url}"
    code, lines, err = run(
        capsys, "--env", "local", "--set", endpoint, "--secret", "fmp", "--secret", "slack"
    )
    text = "\n".join(lines + err)
    assert code == 0, text
    assert "secret /local/fmp/api_key: available (Secrets Manager)" in text
    assert "secret /local/slack/api_key: available (environment variable)" in text
    assert "from-moto-123" not in text and "from-env-456" not in text
    code, lines, err = run(capsys, "--env", "local", "--set", endpoint, "--secret", "nothere")
    assert code == 2
    assert one_error(err) == (
        "[LOCAL] doctor: error: reading secret /local/nothere/api_key: "
        "FINKS_SECRET_NOTHERE_API_KEY: secret /local/nothere/api_key does not exist in the local "
        "account (fix: create it in Secrets Manager (ca-central-1) or set "
        "FINKS_SECRET_NOTHERE_API_KEY (env var, overrides, or your git-ignored .env.local.local))"
    )


@pytest.fixture(scope="module")
def iam_account(
    moto_accounts: MotoFactory,
) -> Iterator[tuple[MotoEndpoint, dict[str, dict[str, str]]]]:
    """An emulated dev account with IAM enforced: the buckets, a secret and two users.

    The first 11 requests (buckets, secret, users) are unauthenticated; every later
    request is checked against the caller's policies.
    """
    server = moto_accounts(account_id=IAM_ACCOUNT, initial_no_auth_actions=11)
    make_buckets(server)  # 4
    sm: Any = server.raw_client("secretsmanager")
    sm.create_secret(Name="/dev/fmp/api_key", SecretString="iam-protected-value")  # 1
    identity = allow(["sts:GetCallerIdentity"], ["*"])
    users = {
        "reader": add_user(  # 3: may list the dev buckets, may not read secrets
            server,
            "dev-reader",
            # moto names HeadBucket's action s3:HeadBucket; AWS checks s3:ListBucket.
            policy(identity, allow(["s3:ListBucket", "s3:HeadBucket"], ["arn:aws:s3:::dev-*"])),
        ),
        "nobody": add_user(server, "dev-nobody", policy(identity)),  # 3
    }
    yield server, users


def _as(monkeypatch: pytest.MonkeyPatch, credentials: dict[str, str]) -> None:
    monkeypatch.setenv("FINKS_DEV_AWS_ACCESS_KEY_ID", credentials["AWS_ACCESS_KEY_ID"])
    monkeypatch.setenv("FINKS_DEV_AWS_SECRET_ACCESS_KEY", credentials["AWS_SECRET_ACCESS_KEY"])


def test_access_denied_names_action_and_resource(
    capsys: pytest.CaptureFixture[str],
    iam_account: tuple[MotoEndpoint, dict[str, dict[str, str]]],
    monkeypatch: pytest.MonkeyPatch,
    aws_credentials: None,
) -> None:
    server, users = iam_account
    before = account_state(server)
    endpoint = f"AWS_ENDPOINT_URL={server.url}"
    _as(monkeypatch, users["reader"])
    code, lines, err = run(capsys, "--env", "dev", "--set", endpoint, "--aws", "--secret", "fmp")
    assert code == 2
    assert "aws credentials: FINKS_DEV_AWS_*" in "\n".join(lines)
    assert "bucket dev-artifacts: ok (ca-central-1)" in "\n".join(lines)
    line = one_error(err)
    assert line.startswith(
        "[DEV] doctor: error: reading secret /dev/fmp/api_key: access denied: "
        f"arn:aws:iam::{IAM_ACCOUNT}:user/dev-reader may not secretsmanager:GetSecretValue on "
        "/dev/fmp/api_key in the dev account (fix: "
    )
    assert (
        "iam-protected-value" not in line and users["reader"]["AWS_SECRET_ACCESS_KEY"] not in line
    )
    _as(monkeypatch, users["nobody"])
    code, _, err = run(capsys, "--env", "dev", "--set", endpoint, "--aws")
    assert code == 2
    assert one_error(err).startswith(
        "[DEV] doctor: error: checking bucket dev-bronze-zone: access denied: may not "
        "s3:ListBucket on s3://dev-bronze-zone in the dev account (fix: "
    )
    assert account_state(server) == before


def test_credentials_the_account_rejects(
    capsys: pytest.CaptureFixture[str],
    iam_account: tuple[MotoEndpoint, dict[str, dict[str, str]]],
    monkeypatch: pytest.MonkeyPatch,
    aws_credentials: None,
) -> None:
    server, _ = iam_account
    before = account_state(server)
    _as(
        monkeypatch,
        {"AWS_ACCESS_KEY_ID": "AKIAFINKSUNKNOWN0000", "AWS_SECRET_ACCESS_KEY": "x" * 40},
    )
    code, _, err = run(capsys, "--env", "dev", "--set", f"AWS_ENDPOINT_URL={server.url}", "--aws")
    assert code == 2
    assert one_error(err) == (
        "[DEV] doctor: error: checking AWS access for dev: the AWS credentials for dev are not "
        "valid in the dev account (sts:GetCallerIdentity) (fix: log in to the dev account (aws "
        "sso login --profile <dev profile>, or export AWS_PROFILE), or set "
        "FINKS_DEV_AWS_ACCESS_KEY_ID and FINKS_DEV_AWS_SECRET_ACCESS_KEY)"
    )
    assert account_state(server) == before
