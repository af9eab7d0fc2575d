"""The ingest CLI: exit codes, [ENV] banner, report, re-run hint."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from finks_config import Config
from finks_ingestion.cli import main
from finks_ingestion.local_fmp import LocalFmpServer
from finks_ingestion.tests.conftest import FAST, TEST_API_KEY, all_objects
from finks_ingestion.tests.helpers import expected, landed
from finks_testing.moto import MotoEndpoint


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, moto: MotoEndpoint) -> Callable[[str], None]:
    """Point the CLI (which reads env vars, not overrides) at moto and an FMP server."""

    def point(fmp_url: str) -> None:
        monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
        monkeypatch.setenv("FMP_BASE_URL", fmp_url)
        for key, value in FAST.items():
            monkeypatch.setenv(key, value)

    return point


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            [
                "--symbols",
                "AAPL",
                "--from",
                "2024-01-01",
                "--to",
                "2024-01-31",
                "--datasets",
                "prices,bogus",
            ],
            "unknown dataset",
        ),
        (["--symbols", "AAPL", "--from", "2024-02-01", "--to", "2024-01-31"], "after"),
        (["--symbols", " , ", "--from", "2024-01-01", "--to", "2024-01-31"], "empty"),
        (["--symbols", "AAPL", "--from", "2024-13-01", "--to", "2024-01-31"], "not a date"),
        (["--symbols", "AAPL", "--from", "2024-01-01"], "--to"),
        (
            [
                "--env",
                "production",
                "--symbols",
                "AAPL",
                "--from",
                "2024-01-01",
                "--to",
                "2024-01-31",
            ],
            "did you mean",
        ),
    ],
)
def test_bad_arguments_exit_2(
    args: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = args if "--env" in args else ["--env", "local", *args]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err


def test_happy_run_exits_0_with_banner_and_report(
    cli_env: Callable[[str], None],
    fmp_server: LocalFmpServer,
    s3: Any,
    config_local: Config,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cli_env(fmp_server.url)
    code = main(
        [
            "--env",
            "local",
            "--symbols",
            "aapl,gs",
            "--from",
            "2024-03-01",
            "--to",
            "2024-03-31",
            "--ingest-date",
            "2026-11-26",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.startswith("[LOCAL] ")
    assert "records written:" in out and "[8/8]" in out
    good, _ = landed(all_objects(s3, config_local.bronze_bucket))
    assert good == expected(["AAPL", "GS"], date(2024, 3, 1), date(2024, 3, 31))


def test_unfetchable_data_exits_1_naming_the_rerun(
    cli_env: Callable[[str], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    with LocalFmpServer(
        api_key=TEST_API_KEY, fault_rate=1.0, faults=("500",), max_consecutive_faults=100
    ) as broken:
        cli_env(broken.url)
        code = main(
            [
                "--env",
                "local",
                "--symbols",
                "MSFT",
                "--from",
                "2024-01-01",
                "--to",
                "2024-01-31",
                "--datasets",
                "prices",
            ]
        )
    captured = capsys.readouterr()
    assert code == 1
    assert "gave up after 6 attempts" in captured.err
    assert "--symbols MSFT" in captured.err and "--datasets prices" in captured.err
    assert TEST_API_KEY not in captured.err + captured.out
