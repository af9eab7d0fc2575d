"""The ingest CLI: [ENV] banner, exit codes, report, re-run hint, and every setup failure as one
line with exit 2 and nothing written (issue 16), against real loopback servers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from finks_config import Config
from finks_ingestion.cli import main
from finks_ingestion.tests.conftest import AS_OF, FAST, TEST_API_KEY, all_objects
from finks_ingestion.tests.helpers import expected, landed
from finks_local.fmp import LocalFmpServer
from finks_testing.awsfaults import add_user, allow, closed_port, empty_credential_chain, policy
from finks_testing.moto import MotoEndpoint

DAY = ["--as-of", AS_OF.isoformat()]


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, moto: MotoEndpoint) -> Callable[[str], None]:
    """Point the CLI (which reads env vars, not overrides) at moto and an FMP server."""

    def point(fmp_url: str) -> None:
        monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
        monkeypatch.setenv("FMP_BASE_URL", fmp_url)
        for key, value in FAST.items():
            monkeypatch.setenv(key, value)

    return point


def one_error_line(err: str, tag: str = "[LOCAL]") -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{tag} ingest: error: "), lines[0]
    assert "Traceback" not in err and "Error:" not in err
    return lines[0]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--symbols", "AAPL", "--datasets", "prices,bogus"], "--datasets: unknown dataset"),
        (["--symbols", " , "], "--symbols: the symbol list is empty"),
        (["--symbols", "AAPL", "--as-of", "2024-13-01"], "not a date"),
        (["--symbols", "AAPL", "--backfill", "2027-01-01"], "after the as-of date"),
        (["--as-of", "2024-01-01"], "--symbols"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    args: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--env", "local", *DAY, *args]) == 2
    out, err = capsys.readouterr()
    assert out.startswith("[LOCAL] ingest")
    assert needle in one_error_line(err)


def test_an_unknown_env_exits_2_before_anything(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--env", "production", "--symbols", "AAPL"]) == 2
    out, err = capsys.readouterr()
    assert out.startswith("[?] ")
    assert "did you mean" in one_error_line(err, "[?]")


def test_happy_run_exits_0_and_a_rerun_of_the_day_fetches_nothing(
    cli_env: Callable[[str], None],
    fmp_server: LocalFmpServer,
    s3: Any,
    config_local: Config,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cli_env(fmp_server.url)
    argv = ["--env", "local", "--symbols", "aapl,gs", *DAY]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("[LOCAL] ingest: FMP -> bronze\n")
    assert f"[LOCAL] as of {AS_OF}: 2 symbol(s)" in out
    assert "ingest fmp: done, 6/6 pairs" in out and "records written:" in out
    good, _ = landed(all_objects(s3, config_local.bronze_bucket))
    start = AS_OF.fromordinal(AS_OF.toordinal() - int(FAST["INGEST_BACKFILL_DAYS"]))
    assert good == expected(["AAPL", "GS"], start, AS_OF)
    before = all_objects(s3, config_local.bronze_bucket)
    assert main(argv) == 0
    assert "up to date:          6" in capsys.readouterr().out
    assert all_objects(s3, config_local.bronze_bucket) == before


def test_unfetchable_data_exits_1_naming_the_rerun(
    cli_env: Callable[[str], None], capsys: pytest.CaptureFixture[str]
) -> None:
    with LocalFmpServer(
        api_key=TEST_API_KEY,
        fault_rate=1.0,
        faults=("500",),
        max_consecutive_faults=100,
        as_of=AS_OF,
    ) as broken:
        cli_env(broken.url)
        code = main(["--env", "local", "--symbols", "MSFT", "--datasets", "prices", *DAY])
    captured = capsys.readouterr()
    assert code == 1
    assert "gave up after 6 attempts" in captured.err
    assert f"--symbols MSFT --datasets prices --as-of {AS_OF}" in captured.err
    assert TEST_API_KEY not in captured.err + captured.out


def test_fmp_unreachable_exits_2_with_one_line_and_writes_nothing(
    cli_env: Callable[[str], None],
    s3: Any,
    config_local: Config,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cli_env(f"http://127.0.0.1:{closed_port()}")
    assert main(["--env", "local", "--symbols", "AAPL,MSFT", *DAY]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "cannot reach FMP at http://127.0.0.1:" in line and "FMP_BASE_URL" in line
    assert all_objects(s3, config_local.bronze_bucket) == {}


def test_a_rejected_fmp_key_exits_2_naming_the_secret(
    cli_env: Callable[[str], None],
    s3: Any,
    config_local: Config,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with LocalFmpServer(api_key="not-the-test-key", as_of=AS_OF) as other:
        cli_env(other.url)
        assert main(["--env", "local", "--symbols", "AAPL", *DAY]) == 2
    err = capsys.readouterr().err
    line = one_error_line(err)
    assert "FMP rejected the API key" in line and "/local/fmp/api_key" in line
    assert TEST_API_KEY not in err
    assert all_objects(s3, config_local.bronze_bucket) == {}


# --- cloud setup failures: dev against loopback stand-ins of a real account ----------------


@pytest.fixture
def dev_env(monkeypatch: pytest.MonkeyPatch, fmp_server: LocalFmpServer) -> Callable[..., None]:
    """Run `--env dev` against a given endpoint/credentials, FMP = the local server."""

    def point(endpoint: str | None, credentials: dict[str, str] | None = None) -> None:
        monkeypatch.setenv("FMP_BASE_URL", fmp_server.url)
        for key, value in FAST.items():
            monkeypatch.setenv(key, value)
        if endpoint:
            monkeypatch.setenv("FINKS_DEV_AWS_ENDPOINT_URL", endpoint)
        for key, value in (credentials or {}).items():
            monkeypatch.setenv(f"FINKS_DEV_{key}", value)

    return point


def dev_run(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["--env", "dev", "--symbols", "AAPL", *DAY])
    out, err = capsys.readouterr()
    assert out.startswith("[DEV] ingest")
    return code, one_error_line(err, "[DEV]")


def test_no_aws_credentials_exits_2(
    dev_env: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    empty_credential_chain(monkeypatch, tmp_path)
    dev_env(None)
    code, line = dev_run(capsys)
    assert code == 2 and "no AWS credentials for dev" in line


def test_unreachable_aws_endpoint_exits_2(
    dev_env: Callable[..., None], aws_credentials: None, capsys: pytest.CaptureFixture[str]
) -> None:
    dev_env(f"http://127.0.0.1:{closed_port()}")
    code, line = dev_run(capsys)
    assert code == 2 and "cannot reach http://127.0.0.1:" in line


def test_missing_bronze_bucket_exits_2_naming_infrastructure(
    dev_env: Callable[..., None], moto: MotoEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    dev_env(moto.url)
    code, line = dev_run(capsys)
    assert code == 2 and "dev-bronze-zone does not exist" in line and "infrastructure" in line


def test_a_bucket_in_another_region_exits_2(
    dev_env: Callable[..., None], moto: MotoEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    s3 = moto.raw_client("s3", region="us-west-2")
    s3.create_bucket(
        Bucket="dev-bronze-zone", CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
    )
    dev_env(moto.url)
    code, line = dev_run(capsys)
    assert code == 2 and "us-west-2" in line and "ca-central-1" in line
    assert s3.list_objects_v2(Bucket="dev-bronze-zone").get("KeyCount", 0) == 0


def test_access_denied_by_iam_exits_2_naming_action_and_resource(
    dev_env: Callable[..., None],
    moto_accounts: Callable[..., Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    account = moto_accounts(account_id="111111111111", initial_no_auth_actions=4)
    account.raw_client("s3").create_bucket(
        Bucket="dev-bronze-zone", CreateBucketConfiguration={"LocationConstraint": "ca-central-1"}
    )
    # The user may only read a bucket that is not bronze: every bronze call is denied.
    creds = add_user(account, "reader", policy(allow(["s3:*"], ["arn:aws:s3:::dev-gold-zone*"])))
    dev_env(account.url, creds)
    code, line = dev_run(capsys)
    assert code == 2 and "access denied" in line and "dev-bronze-zone" in line
    assert creds["AWS_SECRET_ACCESS_KEY"] not in line
