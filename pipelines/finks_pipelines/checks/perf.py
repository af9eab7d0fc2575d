"""Performance of a staging run against the previous staging checks: per stage, a ratio.

Why the median of a few previous passed runs: one slow neighbour or a cold cache must
not move the baseline; a stage fails only when it is both ``factor`` times slower and
slower by more than a few seconds (sub-second stages jitter by 2x without meaning it).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from finks_pipelines.checks.records import StageMetrics


@dataclass(frozen=True)
class StageComparison:
    """One stage of this run next to its baseline."""

    stage: str
    seconds: float
    baseline: float | None
    factor: float
    rows_read: int | None = None
    bytes_read: int | None = None
    slow: bool = False

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline <= 0:
            return None
        return self.seconds / self.baseline

    @property
    def verdict(self) -> str:
        if self.baseline is None:
            return "no baseline yet"
        ratio = f"{self.ratio:.2f}x" if self.ratio is not None else "n/a"
        limit = f"limit {self.factor:g}x"
        return f"{ratio} the median of previous runs ({limit})" if self.slow else f"ok ({limit})"

    def _cells(self) -> list[str]:
        base = "-" if self.baseline is None else f"{self.baseline:.1f}"
        ratio = "-" if self.ratio is None else f"{self.ratio:.2f}"
        rows = "-" if self.rows_read is None else f"{self.rows_read}"
        size = "-" if self.bytes_read is None else f"{self.bytes_read}"
        return [self.stage, f"{self.seconds:.1f}", base, ratio, rows, size]

    def row(self) -> str:
        stage, seconds, base, ratio, rows, size = self._cells()
        verdict = "SLOW" if self.slow else "ok"
        return f"{stage:<10} {seconds:>8} {base:>9} {ratio:>6} {rows:>10} {size:>12}  {verdict}"

    def markdown_row(self) -> str:
        cells = [*self._cells(), ("**SLOW** " if self.slow else "") + self.verdict]
        return "| " + " | ".join(cells) + " |"


def stages_to_json(stages: Sequence[StageMetrics]) -> dict[str, dict[str, Any]]:
    """The ledger's form of a run's stages: ``{stage: {seconds, rows_read, bytes_read}}``."""
    return {
        s.stage: {"seconds": s.seconds, "rows_read": s.rows_read, "bytes_read": s.bytes_read}
        for s in stages
    }


def baseline_seconds(previous: Sequence[Mapping[str, Any]], stage: str, runs: int) -> float | None:
    """Median seconds of ``stage`` over the newest ``runs`` previous stage tables that have it."""
    values = [
        float(p[stage]["seconds"])
        for p in previous
        if isinstance(p.get(stage), Mapping) and p[stage].get("seconds") is not None
    ][:runs]
    return statistics.median(values) if values else None


def compare(
    stages: Sequence[StageMetrics],
    previous: Sequence[Mapping[str, Any]],
    *,
    factor: float,
    runs: int,
    min_seconds: float,
) -> list[StageComparison]:
    """Each stage against its baseline; ``previous`` newest first (passed checks only)."""
    out = []
    for s in stages:
        base = baseline_seconds(previous, s.stage, runs)
        slow = base is not None and s.seconds > factor * base and s.seconds - base > min_seconds
        out.append(
            StageComparison(s.stage, s.seconds, base, factor, s.rows_read, s.bytes_read, slow)
        )
    return out
