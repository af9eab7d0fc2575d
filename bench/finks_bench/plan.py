"""``./pants run bench:plan -- [--runs N]``: what the deploy planner costs and how right it is.

time     ``make_plan`` (git diff + one ``./pants peek ::`` + the rules) for a one-file change
         against the bare ``./pants --changed-since=BASE --changed-dependents=transitive list``
         on the same change, both against a warm pantsd (median of N runs), ratio plan/bare;
         and the same plan again from the clean tree's cached graph (no ./pants at all).
quality  precision and recall of the deployed projects over the scenario set (one expected
         project set per change), for the planner and for the bare list mapped to
         ``<project>:deploy`` targets.

Runs in a throw-away repository shaped like Finks (the real ./pants launcher and Pants pins
copied from this checkout); its pantsd is stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import finks_config
from finks_deploy.pants_graph import CACHE_VARIABLE, run_pants
from finks_deploy.planner import make_plan
from finks_deploy.tests.scenarios import SCENARIOS, ScenarioRepo

T = TypeVar("T")
Pairs = list[tuple[set[str], set[str]]]


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def bare_projects(repo: ScenarioRepo) -> set[str]:
    """What a plain ``--changed-since`` list says deploys (targets named ``deploy``)."""
    out = run_pants(
        repo.root, f"--changed-since={repo.base}", "--changed-dependents=transitive", "list"
    )
    return {line.split(":")[0] for line in out.split() if line.endswith(":deploy")}


def score(pairs: Pairs) -> tuple[float, float, int]:
    """(precision, recall, exact matches) of got-vs-expected project sets."""
    tp = sum(len(got & want) for got, want in pairs)
    fp = sum(len(got - want) for got, want in pairs)
    fn = sum(len(want - got) for got, want in pairs)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, sum(got == want for got, want in pairs)


def timing(repo: ScenarioRepo, runs: int, cache: Path) -> None:
    cold, _ = timed(lambda: make_plan(repo.root, "dev", repo.base, "HEAD"))
    one_file = next(s for s in SCENARIOS if s.name.startswith("ingestion code"))
    head = repo.apply(one_file)
    plan_times, bare_times, cached_times = [], [], []
    for _ in range(runs):
        for stale in cache.glob("*.json"):
            stale.unlink()  # measure the real peek, not the cache
        seconds, plan = timed(lambda: make_plan(repo.root, "dev", repo.base, head))
        plan_times.append(seconds)
        seconds, _ = timed(lambda: make_plan(repo.root, "dev", repo.base, head))
        cached_times.append(seconds)
        seconds, bare = timed(lambda: bare_projects(repo))
        bare_times.append(seconds)
    plan_s, bare_s = statistics.median(plan_times), statistics.median(bare_times)
    cached_s = statistics.median(cached_times)
    print(f"first plan (pantsd start)      {cold:7.2f} s")
    print(f"one-file change ({next(iter(one_file.edits))}):")
    print(f"  plan  (median of {runs})          {plan_s:7.2f} s  -> {plan.projects}")
    print(f"  plan, cached graph            {cached_s:7.2f} s")
    print(f"  bare --changed-since list     {bare_s:7.2f} s  -> {sorted(bare)}")
    print(f"  ratio plan/bare               {plan_s / bare_s:7.2f}")
    print(f"  ratio cached/bare             {cached_s / bare_s:7.2f}")


def quality(repo: ScenarioRepo) -> None:
    planner: Pairs = []
    bare: Pairs = []
    misses: list[str] = []
    # Editing pants.toml restarts pantsd: those scenarios go last.
    ordered = [s for s in SCENARIOS if "pants.toml" not in s.edits]
    ordered += [s for s in SCENARIOS if "pants.toml" in s.edits]
    for scenario in ordered:
        head = repo.apply(scenario)
        want = set(scenario.expected)
        planner.append((set(make_plan(repo.root, scenario.env, repo.base, head).projects), want))
        got = bare_projects(repo)
        bare.append((got, want))
        if got != want:
            misses.append(
                f"{scenario.name} [{scenario.env}]: bare={sorted(got)} expected={sorted(want)}"
            )
    p, r, exact = score(planner)
    bp, br, bexact = score(bare)
    n = len(ordered)
    print(f"scenarios: {n}")
    print(f"  planner  precision {p:.3f}  recall {r:.3f}  exact {exact}/{n}")
    print(f"  bare     precision {bp:.3f}  recall {br:.3f}  exact {bexact}/{n}")
    for line in misses:
        print(f"    bare miss: {line}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./pants run bench:plan --")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (median)")
    args = parser.parse_args(argv)
    root = finks_config.repo_root()
    with tempfile.TemporaryDirectory(prefix="finks-bench-plan-") as tmp:
        # A repository of its own: its own warm pantsd is fine; its own graph cache.
        os.environ["FINKS_PLAN_INSIDE_PANTS"] = "0"
        os.environ[CACHE_VARIABLE] = str(Path(tmp) / "cache")
        repo = ScenarioRepo.create(
            Path(tmp) / "repo", root / "pants", (root / "pants.toml").read_text()
        )
        try:
            print(
                f"bench:plan: scenario repository at {repo.root}; starting its pantsd", flush=True
            )
            timing(repo, args.runs, Path(tmp) / "cache" / "graph")
            quality(repo)
        finally:
            repo.stop_pantsd()
    return 0


if __name__ == "__main__":
    sys.exit(main())
