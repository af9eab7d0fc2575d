"""Sum Pants' per-target JUnit reports into one closing line for CI logs.

Pants prints one line per test *file*; people reading CI want the number of
test cases: ``tests: 312 passed, 0 failed, 0 skipped``.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET  # reports are our own files
from pathlib import Path


def summarize(report_dir: Path) -> tuple[int, int, int]:
    """(passed, failed, skipped) over every JUnit XML file under report_dir."""
    passed = failed = skipped = 0
    for path in sorted(report_dir.rglob("*.xml")):
        root = ET.parse(path).getroot()  # noqa: S314 - our own reports
        for case in root.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.find("skipped") is not None:
                skipped += 1
            else:
                passed += 1
    return passed, failed, skipped


def main(argv: list[str]) -> int:
    report_dir = Path(argv[1] if len(argv) > 1 else "dist/test/reports")
    if not report_dir.is_dir():
        print(f"no test reports under {report_dir}")
        return 1
    passed, failed, skipped = summarize(report_dir)
    print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
