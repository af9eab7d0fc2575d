"""Sum Pants' per-target JUnit reports into one closing line for CI logs.

Pants prints one line per test *file*; people reading CI want the number of
test cases: ``tests: 312 passed, 0 failed, 0 skipped``. With ``--fail-on-skip``
a skipped test fails the run and is listed with its reason: in CI every
dependency a test needs is installed, so a skip means a missing install step.
"""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET  # reports are our own files
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Summary:
    passed: int = 0
    failed: int = 0
    skipped: list[str] = field(default_factory=list)  # "test id: reason"


def summarize(report_dir: Path) -> Summary:
    """Counts over every JUnit XML file under ``report_dir``, with each skip's reason."""
    summary = Summary()
    for path in sorted(report_dir.rglob("*.xml")):
        root = ET.parse(path).getroot()  # noqa: S314 - our own reports
        for case in root.iter("testcase"):
            skip = case.find("skipped")
            if case.find("failure") is not None or case.find("error") is not None:
                summary.failed += 1
            elif skip is not None:
                name = f"{case.get('classname', '?')}::{case.get('name', '?')}"
                summary.skipped.append(f"{name}: {skip.get('message', '').strip()}")
            else:
                summary.passed += 1
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report_dir", nargs="?", default="dist/test/reports", type=Path)
    parser.add_argument("--fail-on-skip", action="store_true", help="a skipped test fails")
    args = parser.parse_args(argv)
    if not args.report_dir.is_dir():
        print(f"no test reports under {args.report_dir}")
        return 1
    summary = summarize(args.report_dir)
    print(
        f"tests: {summary.passed} passed, {summary.failed} failed,"
        f" {len(summary.skipped)} skipped"
    )
    for line in summary.skipped:
        print(f"  skipped: {line}")
    if summary.failed:
        return 1
    if args.fail_on_skip and summary.skipped:
        print("error: tests were skipped; install what their reasons name (see .ci/run)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
