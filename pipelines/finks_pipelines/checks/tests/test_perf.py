"""Stage times against the ledger's baseline: the median, the factor and the slack."""

from __future__ import annotations

from finks_pipelines.checks.perf import baseline_seconds, compare, stages_to_json
from finks_pipelines.checks.records import StageMetrics


def _previous(*seconds: float) -> list[dict[str, dict[str, float]]]:
    return [{"gold": {"seconds": s}} for s in seconds]


def test_baseline_is_the_median_of_the_newest_runs() -> None:
    previous = _previous(10, 100, 12, 11, 9, 500)  # one outlier in the newest five
    assert baseline_seconds(previous, "gold", runs=5) == 11
    assert baseline_seconds(previous, "silver", runs=5) is None


def test_a_stage_over_the_factor_and_the_slack_is_slow() -> None:
    stages = [StageMetrics("gold", 25.0, 100, 2048), StageMetrics("silver", 1.2)]
    previous = [{"gold": {"seconds": 10.0}, "silver": {"seconds": 0.4}}] * 3
    gold, silver = compare(stages, previous, factor=1.5, runs=5, min_seconds=5)
    assert gold.slow and gold.ratio == 2.5
    assert gold.verdict == "2.50x the median of previous runs (limit 1.5x)"
    assert not silver.slow  # 3x slower, but by 0.8 s: jitter, not a regression
    within = compare([StageMetrics("gold", 14.9)], previous, factor=1.5, runs=5, min_seconds=0)
    assert not within[0].slow


def test_first_run_has_no_baseline_and_passes() -> None:
    (only,) = compare([StageMetrics("ingest", 99.0)], [], factor=1.5, runs=5, min_seconds=5)
    assert not only.slow and only.baseline is None and only.verdict == "no baseline yet"


def test_ledger_form_round_trips_into_a_baseline() -> None:
    stored = stages_to_json([StageMetrics("ingest", 3.5, None, 10)])
    assert stored == {"ingest": {"seconds": 3.5, "rows_read": None, "bytes_read": 10}}
    assert baseline_seconds([stored], "ingest", runs=1) == 3.5
