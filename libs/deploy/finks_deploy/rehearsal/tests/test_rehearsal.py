"""The release rehearsal, every scenario, as `.ci/run` runs it on a fresh machine.

The throwaway repository is made from this test's sandbox (every file of the tree, through
`//:repository`), so the rehearsal exercises exactly the tree under test.
"""

from __future__ import annotations

from pathlib import Path

import finks_config
from finks_deploy.rehearsal import runner, scenarios


def test_every_scenario_passes(tmp_path: Path) -> None:
    report = runner.run(source=finks_config.repo_root(), work_dir=tmp_path / "rehearsal")
    print("\n".join(report.lines()))  # pytest -s / the junit report: each scenario's wall time
    assert [s.name for s in report.scenarios] == [s.name for s in scenarios.SCENARIOS]
    failed = {s.name: s.failures for s in report.scenarios if not s.ok}
    assert not failed, failed
    assert any("moto" in line for line in report.substitutions)
