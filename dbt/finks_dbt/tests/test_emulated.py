"""Against the rehearsal's emulated Athena (moto: it runs no SQL) a build submits the SQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import finks_config.aws
from finks_config import load_config
from finks_config.emulation import ATHENA_VARIABLE
from finks_dbt import run_build, sqlcheck
from finks_testing.moto import MotoEndpoint


def test_a_build_on_emulated_athena_submits_every_statement_to_the_env_work_group(
    moto: MotoEndpoint, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ATHENA_VARIABLE, "1")
    monkeypatch.setenv("FINKS_DEV_AWS_ENDPOINT_URL", moto.url)
    finks_config.aws.clear_client_cache()
    athena: Any = moto.raw_client("athena")
    athena.create_work_group(Name="finks-dev")
    config = load_config("dbt/config", "dev", {"DBT_WORK_DIR": str(tmp_path)})
    lines: list[str] = []

    class Lines:
        def advance(self, n: int = 1, *, note: str | None = None) -> None:
            lines.append(note or "")

        def update(self, *, total: int | None = None, note: str | None = None) -> None:
            return None

        def log(self, message: str) -> None:
            lines.append(message)

    result = run_build(config, select="stg_prices fct_daily_prices", progress=Lines())

    assert result.ok, result.failures
    assert result.models == 2 and result.tests > 0
    assert result.note is not None and "Athena is emulated" in result.note
    assert result.note in result.summary()
    assert any(line.startswith("[DEV] dbt: Athena is emulated") for line in lines)
    ids = athena.list_query_executions(WorkGroup="finks-dev")["QueryExecutionIds"]
    executions = [athena.get_query_execution(QueryExecutionId=i)["QueryExecution"] for i in ids]
    assert len(executions) == result.models + result.tests
    ctas = [e["Query"] for e in executions if e["Query"].startswith("create table")]
    assert len(ctas) == 2 and any("partitioning=ARRAY['price_date']" in q for q in ctas)
    assert all("location='s3://dev-" in q for q in ctas)
    report = sqlcheck.check_query_executions(config, executions)
    assert report.ok, report.lines()
    finks_config.aws.clear_client_cache()
