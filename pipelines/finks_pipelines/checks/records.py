"""What a medallion run leaves behind for others to read: per-stage metrics and gold checks.

Why Prefect artifacts: the run's own numbers belong to the run. Published as two table
artifacts on the flow run (keys ``medallion-stages-{env}`` and ``gold-checks-{env}``),
they show in the Prefect UI next to the run, and the gold report and the post-deploy
checks read them back through the env's Prefect API, from any machine.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

STAGES_KEY = "medallion-stages-{env}"
CHECKS_KEY = "gold-checks-{env}"


@dataclass(frozen=True)
class StageMetrics:
    """One stage of a run: wall time, and what it read (None when the engine cannot say)."""

    stage: str
    seconds: float
    rows_read: int | None = None
    bytes_read: int | None = None


@dataclass(frozen=True)
class CheckOutcome:
    """One gold data check of a run."""

    name: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class RunRecord:
    """A medallion run's metrics and checks, as published on the run."""

    env: str
    as_of: str | None
    flow_run_id: str | None
    stages: list[StageMetrics] = field(default_factory=list)
    checks: list[CheckOutcome] = field(default_factory=list)


def stages_key(env: str) -> str:
    return STAGES_KEY.format(env=env)


def checks_key(env: str) -> str:
    return CHECKS_KEY.format(env=env)


def publish_run_record(record: RunRecord) -> None:
    """Attach the record to the current flow run (call it inside the medallion flow)."""
    from prefect.artifacts import create_table_artifact

    create_table_artifact(
        [asdict(s) for s in record.stages],
        key=stages_key(record.env),
        description=f"medallion {record.env} as of {record.as_of}: seconds and reads per stage",
    )
    create_table_artifact(
        [asdict(c) for c in record.checks],
        key=checks_key(record.env),
        description=f"gold data checks, {record.env} as of {record.as_of}",
    )


def _rows(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, str):
        data = json.loads(data)
    return [dict(row) for row in data or []]


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def stages_from(data: Any) -> list[StageMetrics]:
    return [
        StageMetrics(
            str(r["stage"]),
            float(r["seconds"]),
            _int(r.get("rows_read")),
            _int(r.get("bytes_read")),
        )
        for r in _rows(data)
    ]


def checks_from(data: Any) -> list[CheckOutcome]:
    return [
        CheckOutcome(str(r["name"]), bool(r["ok"]), str(r.get("detail", ""))) for r in _rows(data)
    ]


def read_run_record(client: Any, env: str, flow_run_id: str | None = None) -> RunRecord | None:
    """The record of ``flow_run_id``, or of the newest run that published one; None if none did.

    ``client`` is a sync Prefect client (``get_client(sync_client=True)``).
    """
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterKey,
        FlowRunFilter,
        FlowRunFilterId,
    )
    from prefect.client.schemas.sorting import ArtifactSort

    def newest(key: str, run_id: str | None) -> Any | None:
        runs = FlowRunFilter(id=FlowRunFilterId(any_=[run_id])) if run_id else None
        found: Sequence[Any] = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            flow_run_filter=runs,
            sort=ArtifactSort.CREATED_DESC,
            limit=1,
        )
        return found[0] if found else None

    checks = newest(checks_key(env), flow_run_id)
    if checks is None:
        return None
    run_id = str(checks.flow_run_id) if checks.flow_run_id else flow_run_id
    stages = newest(stages_key(env), run_id)
    as_of = None
    if run_id:
        parameters = client.read_flow_run(run_id).parameters or {}
        as_of = str(parameters["as_of"]) if parameters.get("as_of") else None
    return RunRecord(
        env=env,
        as_of=as_of,
        flow_run_id=run_id,
        stages=stages_from(stages.data) if stages is not None else [],
        checks=checks_from(checks.data),
    )
