"""A stand-in `medallion` flow for the checks' tests: it publishes a run record as the real one.

Why a stand-in: the checks judge what a run leaves behind (its state, its record); the
real medallion flow needs FMP, dbt and an Athena that executes SQL. This flow is run by
a real Prefect process worker from a real deployment; what it reports (stage seconds,
check outcomes, or a failure) comes from the JSON file named by ``STANDIN_RECORD``, which
each test writes before it triggers the run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from prefect import flow
from prefect.runtime import flow_run

from finks_pipelines.checks.records import (
    CheckOutcome,
    RunRecord,
    StageMetrics,
    publish_run_record,
)

STANDIN_RECORD = "STANDIN_RECORD"


@flow(name="medallion")
def medallion(
    env: str | None = None,
    as_of: str | None = None,
    symbols: list[str] | None = None,
    overrides: dict[str, Any] | None = None,
    backfill_from: str | None = None,
    full_refresh: bool = False,
) -> dict[str, Any]:
    spec = json.loads(Path(os.environ[STANDIN_RECORD]).read_text())
    if spec.get("fail"):
        raise RuntimeError(spec["fail"])
    publish_run_record(
        RunRecord(
            env=str(env),
            as_of=as_of,
            flow_run_id=str(flow_run.id),
            stages=[StageMetrics(**s) for s in spec["stages"]],
            checks=[CheckOutcome(**c) for c in spec["checks"]],
        )
    )
    return {"symbols": symbols}
