"""The flows against a real Prefect API, moto S3, the local FMP server and DuckDB."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from prefect import State, get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterParentFlowRunId,
    TaskRunFilter,
)

from finks_ingestion.local_fmp import LocalFmpServer
from finks_pipelines.flows import for_env, ingest_fmp, medallion
from finks_pipelines.settings import pipelines_config
from finks_testing.moto import MotoEndpoint
from finks_testing.prefect import PrefectEndpoint


def _runs(root: UUID) -> tuple[dict[str, Any], list[str]]:
    """(flow name -> state of the root run and its subflows, task run names) from the API."""
    with get_client(sync_client=True) as client:
        top = client.read_flow_run(root)
        subs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[root])
            )
        )
        runs = [top, *subs]
        names = {client.read_flow(r.flow_id).name: str(r.state_name).upper() for r in runs}
        tasks = client.read_task_runs(
            task_run_filter=TaskRunFilter(flow_run_id={"any_": [r.id for r in runs]})  # type: ignore[arg-type]
        )
    return names, sorted(t.name for t in tasks)


def test_medallion_runs_bronze_to_gold_with_checks(
    prefect_api: PrefectEndpoint,
    local_overrides: dict[str, str],
    moto: MotoEndpoint,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = pipelines_config("local", local_overrides)
    state: State[Any] = for_env(medallion, config)(
        env="local", symbols=["AAPL", "JPM"], overrides=local_overrides, return_state=True
    )
    assert state.is_completed(), state.message
    result: dict[str, Any] = state.result()  # type: ignore[assignment]
    assert result["ingest"]["records_written"] > 0
    assert result["silver"]["models"] == 3 and result["gold"]["models"] == 4
    assert result["quality"]["symbols"] == ["AAPL", "JPM"]
    assert result["quality"]["rows"]["fct_daily_prices"] > 0

    s3: Any = moto.raw_client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="local-bronze-zone")["Contents"]]
    assert any(k.startswith("fmp/prices/") and "symbol=JPM" in k for k in keys)

    flows, tasks = _runs(state.state_details.flow_run_id)
    assert flows == {
        "medallion-local": "COMPLETED",
        "ingest-fmp-local": "COMPLETED",
        "transform-local": "COMPLETED",
    }
    assert "ingest-prices-AAPL" in tasks and "ingest-income-JPM" in tasks
    assert "dbt-build-silver" in tasks and "dbt-build-gold" in tasks
    assert any(t.startswith("gold-checks") for t in tasks)
    out = capsys.readouterr().out
    assert "[LOCAL] Pipeline completed: medallion-local ok - 2 symbols" in out


def test_ingest_retries_through_a_flaky_api(
    prefect_api: PrefectEndpoint, local_overrides: dict[str, str], moto: MotoEndpoint
) -> None:
    # Every request fails twice (429, 500) before it succeeds.
    with LocalFmpServer(
        fault_rate=1.0, faults=("429", "500"), max_consecutive_faults=2, retry_after_seconds=0
    ) as flaky:
        overrides = {**local_overrides, "FMP_BASE_URL": flaky.url, "FMP_BACKOFF_BASE_SECONDS": "0"}
        config = pipelines_config("local", overrides)
        result: dict[str, Any] = for_env(ingest_fmp, config)(
            env="local", symbols=["MSFT"], datasets=["prices", "profiles"], overrides=overrides
        )
    assert result["retries"] == 4
    assert flaky.stats["fault_429"] + flaky.stats["fault_500"] == 4
    assert result["tasks"] == 2 and result["records_written"] > 0


def test_failed_stage_fails_the_run_and_notifies(
    prefect_api: PrefectEndpoint,
    local_overrides: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    overrides = {
        **local_overrides,
        "FMP_BASE_URL": "http://127.0.0.1:9",  # nothing listens on the discard port
        "FMP_MAX_RETRIES": "0",
        "PIPELINE_TASK_RETRIES": "1",
        "PIPELINE_TASK_RETRY_DELAY_SECONDS": "0",
    }
    config = pipelines_config("local", overrides)
    state: State[Any] = for_env(medallion, config)(
        env="local", symbols=["AAPL"], overrides=overrides, return_state=True
    )
    assert state.is_failed()
    out = capsys.readouterr().out
    assert "[LOCAL] Pipeline completed: medallion-local FAILED at ingest" in out
    flows, tasks = _runs(state.state_details.flow_run_id)
    assert flows["ingest-fmp-local"] == "FAILED"
    assert "transform-local" not in flows


def test_rerun_skips_what_bronze_already_holds(
    prefect_api: PrefectEndpoint, local_overrides: dict[str, str]
) -> None:
    config = pipelines_config("local", local_overrides)
    flow = for_env(ingest_fmp, config)
    kwargs: dict[str, Any] = {"env": "local", "symbols": ["GS"], "overrides": local_overrides}
    first = flow(**kwargs)
    assert first["records_written"] > 0 and first["skipped"] == 0
    second = flow(**kwargs)
    assert second["records_written"] == 0
    assert second["skipped"] == 4  # prices, profile, annual and quarterly income
