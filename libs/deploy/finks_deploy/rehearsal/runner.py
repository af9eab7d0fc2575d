"""Run the rehearsal: open the stage, play the scenarios in order, report each one's time.

A scenario that fails does not stop the next ones (they still say what they can), except
that scenarios needing an earlier one's commit are skipped when it failed.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import finks_config
from finks_deploy.rehearsal import scenarios as plays
from finks_deploy.rehearsal.stage import opened


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    title: str
    ok: bool
    seconds: float
    failures: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass
class RehearsalReport:
    """What the rehearsal found: per scenario, pass/fail, wall time, why."""

    setup_seconds: float = 0.0
    scenarios: list[ScenarioResult] = field(default_factory=list)
    substitutions: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.scenarios) and all(s.ok for s in self.scenarios)

    def lines(self) -> list[str]:
        out = [
            "set-up (accounts, Prefect APIs, bootstrap, first infrastructure deploys):"
            f" {self.setup_seconds:.0f}s"
        ]
        for s in self.scenarios:
            out.append(f"{'PASS' if s.ok else 'FAIL'}  {s.name:<6} {s.seconds:6.0f}s  {s.title}")
            out += [f"        - {failure}" for failure in s.failures]
            out += [f"        . {note}" for note in s.notes]
        out.append("substitutions (what the emulator cannot do, and what stands in for it):")
        out += [f"  - {line}" for line in self.substitutions]
        return out


def run(
    names: Iterable[str] | None = None,
    *,
    source: Path | None = None,
    work_dir: Path | None = None,
    say: Callable[[str], None] = print,
) -> RehearsalReport:
    """Rehearse the scenarios ``names`` (default all) on a copy of ``source`` (default the repo)."""
    chosen = plays.select(names)
    report = RehearsalReport()
    log = timestamped(say)
    with tempfile.TemporaryDirectory(prefix="finks-rehearsal-") as tmp:
        work = work_dir.resolve() if work_dir else Path(tmp)
        started = time.monotonic()
        with opened(source or finks_config.repo_root(), work, log) as stage:
            report.setup_seconds = time.monotonic() - started
            memory = plays.Memory()
            failed: set[str] = set()
            for scenario in chosen:
                if failed & set(scenario.needs):
                    report.scenarios.append(
                        plays_result(
                            scenario, None, 0.0, ["skipped: needs " + ", ".join(scenario.needs)]
                        )
                    )
                    continue
                log(f"== scenario {scenario.name}: {scenario.title}")
                expect, seconds = plays.timed(scenario, stage, memory)
                result = plays_result(scenario, expect, seconds, expect.failures)
                report.scenarios.append(result)
                if not result.ok:
                    failed.add(scenario.name)
                log(
                    f"== scenario {scenario.name}: {'PASS' if result.ok else 'FAIL'}"
                    f" in {seconds:.0f}s"
                )
                for failure in result.failures:
                    log(f"   - {failure}")
            report.substitutions = list(stage.substitutions)
    return report


def timestamped(say: Callable[[str], None]) -> Callable[[str], None]:
    """``say`` with the minutes:seconds since the rehearsal began in front of each line."""
    begun = time.monotonic()

    def log(line: str) -> None:
        minutes, seconds = divmod(int(time.monotonic() - begun), 60)
        say(f"[{minutes:02d}:{seconds:02d}] {line}")

    return log


def plays_result(
    scenario: plays.Scenario, expect: plays.Expect | None, seconds: float, failures: list[str]
) -> ScenarioResult:
    return ScenarioResult(
        name=scenario.name,
        title=scenario.title,
        ok=not failures,
        seconds=seconds,
        failures=tuple(failures),
        notes=tuple(expect.notes) if expect else (),
    )
