"""The doctor CLI: called through main(argv), output captured, exit code checked."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from finks_config.doctor import main
from finks_testing.moto import MotoEndpoint

from .conftest import WriteFile


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    code = main(list(argv))
    return code, capsys.readouterr().out.splitlines()


def test_healthy_environment(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = run(capsys, "--env", "staging")
    assert code == 0
    assert lines[0].startswith("[STAGING]")
    text = "\n".join(lines)
    assert "S3_BUCKET_PREFIX  staging" in text
    assert "<- libs/config/.env.staging:" in text
    assert "bronze_bucket             staging-bronze-zone" in text
    assert "analytics_database        staging_analytics" in text
    assert "validation: ok" in text
    assert "contamination: ok" in text
    assert lines[-1] == "result: OK"


def test_secrets_are_masked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINKS_SECRET_FMP_API_KEY", "doctor-secret-999")
    code, lines = run(
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


def test_environment_from_variable_and_ignored_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "dev")
    code, lines = run(capsys)
    assert code == 0 and lines[0].startswith("[DEV]")
    code, lines = run(capsys, "--env", "prod")
    assert code == 0 and lines[0].startswith("[PROD]")
    assert any("ENVIRONMENT=dev (environment variable) ignored" in line for line in lines)


def test_validation_failure_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = run(
        capsys, "--env", "prod", "--set", "DEBUG_MODE=true", "--set", "LOG_LEVEL=DEBUG"
    )
    assert code == 2
    assert lines[0].startswith("[PROD]")
    text = "\n".join(lines)
    assert "override: DEBUG_MODE=true: prod requires false" in text
    assert "override: LOG_LEVEL=DEBUG: prod requires INFO" in text
    assert lines[-1].startswith("result: FAILED")


def test_contamination_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = run(
        capsys, "--env", "dev", "--set", "PREFECT_API_URL=https://prefect.prod.example.com/api"
    )
    assert code == 2
    assert any(
        "PREFECT_API_URL=https://prefect.prod.example.com/api: names prod, this is dev" in line
        for line in lines
    )
    code, lines = run(
        capsys, "--env", "local", "--set", "AWS_ENDPOINT_URL=https://s3.ca-central-1.amazonaws.com"
    )
    assert code == 2
    assert any("local must only talk to loopback services" in line for line in lines)
    code, lines = run(capsys, "--env", "staging", "--set", "AWS_ENDPOINT_URL=http://127.0.0.1:5000")
    assert code == 2
    assert any("staging points at a local service" in line for line in lines)


def test_contaminated_project_key(
    capsys: pytest.CaptureFixture[str],
    write: WriteFile,
    scratch_root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write("proj/config/.env.dev", "RAW_BUCKET=prod-bronze-zone\nAPI_TOKEN=abcdef123456\n")
    monkeypatch.chdir(scratch_root)
    code, lines = run(capsys, "--env", "dev", "--project", "proj/config")
    text = "\n".join(lines)
    assert code == 2
    assert "proj/config/.env.dev:1: RAW_BUCKET=prod-bronze-zone: names prod, this is dev" in text
    assert (
        "proj/config/.env.dev:2: API_TOKEN: committed file carries a secret-looking value" in text
    )
    assert "abcdef123456" not in text


def test_bad_usage_and_bad_files_exit_2(
    capsys: pytest.CaptureFixture[str],
    write: WriteFile,
    scratch_root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, lines = run(capsys, "--env", "production")
    assert code == 2 and "did you mean 'prod'" in lines[1]
    monkeypatch.chdir(scratch_root)
    write("libs/config/.env.dev", "S3_BUCKET_PREFIX=dev\nDEBUG_MODE=maybe\nLOG_LEVL=INFO\n")
    code, lines = run(capsys, "--env", "dev")
    assert code == 2
    assert any(
        "libs/config/.env.dev:2: DEBUG_MODE: expected true or false" in line for line in lines
    )
    (scratch_root / "libs/config/.env.dev").unlink()
    code, lines = run(capsys, "--env", "dev")
    assert code == 2 and lines[0] == "[DEV] finks config doctor"
    assert any("cp libs/config/.env.example libs/config/.env.dev" in line for line in lines)
    code, lines = run(capsys, "--env", "dev", "--set", "novalue")
    assert code == 2


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
    code, lines = run(capsys, "--env", "dev")
    text = "\n".join(lines)
    assert code == 0
    assert "LOG_LEVL is not a shared key (did you mean LOG_LEVEL?)" in text
    assert "DEBUG_MODE is set more than once (last wins)" in text


def test_usage_error_still_prints_banner_first(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--env", "staging", "--bogus"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out.splitlines()[0] == "[STAGING] finks config doctor"
    assert "unrecognized arguments: --bogus" in captured.err
    assert main(["--help"]) == 0


def test_secret_check_reports_origin_never_value(
    capsys: pytest.CaptureFixture[str], moto: MotoEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw: Any = moto.raw_client("secretsmanager")
    raw.create_secret(Name="/local/fmp/api_key", SecretString="from-moto-123")
    monkeypatch.setenv("FINKS_SECRET_SLACK_API_KEY", "from-env-456")
    endpoint = f"AWS_ENDPOINT_URL={moto.url}"
    code, lines = run(
        capsys, "--env", "local", "--set", endpoint, "--secret", "fmp", "--secret", "slack"
    )
    text = "\n".join(lines)
    assert code == 0, text
    assert "secret /local/fmp/api_key: available (Secrets Manager)" in text
    assert "secret /local/slack/api_key: available (environment variable)" in text
    assert "from-moto-123" not in text and "from-env-456" not in text
    code, lines = run(capsys, "--env", "local", "--set", endpoint, "--secret", "nothere")
    assert code == 2
    assert any(
        "secret nothere: FAILED" in line and "/local/nothere/api_key" in line for line in lines
    )
