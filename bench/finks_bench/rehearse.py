"""``./pants run bench:rehearse -- [--scenario a,b] [--compare-ci]``: what the rehearsal costs.

rehearsal   runs it (every scenario, or the chosen ones and what they need) on this tree and
            prints each scenario's wall time, the one-time set-up, and where the time went:
            the act jobs' wall time summed by kind (CI, plan, deploy).
--compare-ci  what it adds to ``.ci/run``'s test step: in a throwaway clone of this tree with
            this machine's warm caches, ``./pants test --force ::`` without the rehearsal's
            test target, then with it; prints both and the difference.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import finks_config
from finks_config.cli import UsageError, error_line
from finks_deploy.rehearsal import runner
from finks_deploy.rehearsal.cli import scenario_names
from finks_deploy.rehearsal.repo import ThrowawayRepo, source_files

REHEARSAL_TEST = "libs/deploy/finks_deploy/rehearsal/tests:rehearsal"


def job_seconds(act_logs: Path) -> dict[str, float]:
    """Wall time of the act jobs in every log under ``act_logs``, summed by job kind."""
    kinds: dict[str, float] = defaultdict(float)
    for log in sorted(act_logs.glob("*.log.jsonl")):
        spans: dict[str, list[datetime]] = {}
        for line in log.read_text().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if "time" in record and record.get("job"):
                moment = datetime.fromisoformat(record["time"].replace("Z", "+00:00"))
                spans.setdefault(record["job"], [moment, moment])[1] = moment
        for job, (start, end) in spans.items():
            kinds[job.rsplit("/", 1)[-1] if "/deploy-env/" in job else job.split("/")[0]] += (
                end - start
            ).total_seconds()
    return dict(kinds)


def rehearse(names: list[str] | None) -> int:
    with tempfile.TemporaryDirectory(prefix="finks-bench-rehearse-") as tmp:
        started = time.monotonic()
        report = runner.run(names, work_dir=Path(tmp) / "work", say=lambda line: None)
        total = time.monotonic() - started
        print(f"{'scenario':<8} {'result':<6} {'seconds':>8}  what")
        print(
            f"{'set-up':<8} {'':<6} {report.setup_seconds:8.0f}  accounts, Prefect APIs, bootstrap"
        )
        for s in report.scenarios:
            print(f"{s.name:<8} {'pass' if s.ok else 'FAIL':<6} {s.seconds:8.0f}  {s.title}")
        print(f"{'total':<8} {'':<6} {total:8.0f}")
        print("act job wall time by kind (s):")
        for kind, seconds in sorted(job_seconds(Path(tmp) / "work" / "act").items()):
            print(f"  {kind:<28} {seconds:8.0f}")
        for s in report.scenarios:
            for failure in s.failures:
                print(f"FAIL {s.name}: {failure}")
        return 0 if report.ok else 1


def pants_test(root: Path, *specs: str) -> float:
    env = {**os.environ, "PANTS_DYNAMIC_UI": "false", "PANTS_COLORS": "false"}
    env.pop("PYTHONPATH", None)
    started = time.monotonic()
    subprocess.run(["./pants", "test", "--force", *specs], cwd=root, env=env, check=False)
    return time.monotonic() - started


def compare_ci() -> int:
    source = finks_config.repo_root()
    with tempfile.TemporaryDirectory(prefix="finks-bench-ci-") as tmp:
        clone = ThrowawayRepo.create(source, Path(tmp) / "repo", source_files(source)).root
        without = pants_test(clone, "::", f"-{REHEARSAL_TEST}")
        with_it = pants_test(clone, "::")
    print(f"./pants test --force :: without the rehearsal: {without:7.0f}s")
    print(f"./pants test --force :: with the rehearsal:    {with_it:7.0f}s")
    print(
        f"the rehearsal adds {with_it - without:.0f}s ({with_it / without:.2f}x) to .ci/run's tests"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./pants run bench:rehearse --", description=__doc__)
    parser.add_argument("--scenario", action="append", help="comma-separated scenarios")
    parser.add_argument("--compare-ci", action="store_true", help="also time .ci/run's tests")
    args = parser.parse_args(argv)
    try:
        names = scenario_names(args.scenario) or None
    except UsageError as error:
        line, code = error_line(error)
        print(f"rehearse: error: {line}", file=sys.stderr, flush=True)
        return code
    code = rehearse(names)
    if args.compare_ci:
        code = compare_ci() or code
    return code


if __name__ == "__main__":
    sys.exit(main())
