"""The CI summary counts test cases and turns a skipped test into a failure on request."""

from __future__ import annotations

from pathlib import Path

import pytest

from finks_build.junit_summary import main, summarize

REPORT = """<testsuites><testsuite>
<testcase classname="a.test_x" name="test_ok"/>
<testcase classname="a.test_x" name="test_bad"><failure message="boom"/></testcase>
<testcase classname="a.test_ui" name="test_chromium">
  <skipped message="chromium is not installed: apt-get install -y chromium"/>
</testcase>
</testsuite></testsuites>"""


def _reports(tmp_path: Path, body: str) -> Path:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "report.xml").write_text(body)
    return tmp_path


def test_counts_each_case_and_keeps_the_skip_reason(tmp_path: Path) -> None:
    summary = summarize(_reports(tmp_path, REPORT))
    assert (summary.passed, summary.failed) == (1, 1)
    assert summary.skipped == [
        "a.test_ui::test_chromium: chromium is not installed: apt-get install -y chromium"
    ]


@pytest.mark.parametrize(("flags", "code"), [([], 0), (["--fail-on-skip"], 1)])
def test_a_skip_fails_only_with_fail_on_skip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], code: int
) -> None:
    passing = REPORT.replace('<failure message="boom"/>', "")
    assert main([*flags, str(_reports(tmp_path, passing))]) == code
    out = capsys.readouterr().out
    assert "tests: 2 passed, 0 failed, 1 skipped" in out
    assert "skipped: a.test_ui::test_chromium: chromium is not installed" in out


def test_a_failure_always_fails(tmp_path: Path) -> None:
    assert main([str(_reports(tmp_path, REPORT))]) == 1
