"""What a worker runs (the flows and their tasks) never imports the embedded stack or test code."""

from __future__ import annotations

import subprocess
import sys

from finks_local.processes import python_env

PROBE = (
    "import sys, finks_pipelines.flows, finks_pipelines.tasks, finks_pipelines.quality;"
    " print(sorted(m for m in sys.modules if m.split('.')[0] in ('finks_local', 'finks_testing')))"
)


def test_flows_and_tasks_import_neither_finks_local_nor_finks_testing() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=python_env(), capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
