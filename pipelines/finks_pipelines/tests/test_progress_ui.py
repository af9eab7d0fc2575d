"""progress_ui: a flow run's progress shows in its logs and as a progress artifact (real API)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from finks_pipelines.progress_ui import run_progress
from finks_testing.prefect import PrefectEndpoint


@flow(name="finks-test-progress-ui")
def _counting(n: int) -> None:
    with run_progress("ingest fmp", total=n, unit="requests", mode="plain") as bar:
        for i in range(n):
            bar.advance(note=f"request {i}")


def test_a_run_gets_a_progress_artifact_and_log_lines(prefect_api: PrefectEndpoint) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        LogFilter,
        LogFilterFlowRunId,
    )

    state: Any = _counting(20, return_state=True)
    flow_run_id = state.state_details.flow_run_id
    from finks_local.prefect import drain_prefect_workers

    drain_prefect_workers()
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]))
        )
    progress_artifacts = [a for a in artifacts if a.type == "progress"]
    assert len(progress_artifacts) == 1
    assert float(progress_artifacts[0].data) == 100.0  # type: ignore[arg-type]
    assert progress_artifacts[0].description == "ingest fmp"
    messages = [log.message for log in logs]
    assert "ingest fmp: 10/20 requests (50%) request 9" in messages
    assert any(m.startswith("ingest fmp: done, 20/20 requests") for m in messages)


def test_outside_a_run_it_is_plain_progress(capsys: Any) -> None:
    with run_progress("deploy", total=2, unit="steps", mode="plain") as bar:
        bar.advance()
        bar.advance()
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "deploy: started, 2 steps"
    assert out[-1].startswith("deploy: done, 2/2 steps")
