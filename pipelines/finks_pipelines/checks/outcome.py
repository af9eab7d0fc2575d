"""The result of a post-deploy check: findings, the stage table, and how they are printed.

Why one shape for both checks: the staging integration check and the prod smoke check
are read the same way (a terminal, a CI log, the GitHub job summary), so they produce
the same findings and the same tables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from finks_pipelines.checks.perf import StageComparison


@dataclass(frozen=True)
class Finding:
    """One thing a check verified, and what it saw (never a secret's value)."""

    check: str
    ok: bool
    detail: str


@dataclass
class CheckReport:
    """Everything one `pipelines:check` run found."""

    env: str
    kind: str
    findings: list[Finding] = field(default_factory=list)
    stages: list[StageComparison] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings) and not any(s.slow for s in self.stages)

    @property
    def failures(self) -> list[str]:
        failed = [f"{f.check}: {f.detail}" for f in self.findings if not f.ok]
        return failed + [f"stage {s.stage} slower: {s.verdict}" for s in self.stages if s.slow]

    def add(self, check: str, ok: bool, detail: str) -> Finding:
        finding = Finding(check, ok, detail)
        self.findings.append(finding)
        return finding

    def lines(self) -> list[str]:
        """The plain-text report (each line is printed after the `[ENV]` indicator)."""
        out = [f"{self.kind} check of {self.env}:"]
        out += [f"  {'ok  ' if f.ok else 'FAIL'} {f.check}: {f.detail}" for f in self.findings]
        if self.stages:
            out.append("  stage       seconds  baseline  ratio  rows read   bytes read  verdict")
            out += [f"  {s.row()}" for s in self.stages]
        verdict = "passed" if self.ok else f"FAILED ({len(self.failures)} problem(s))"
        out.append(f"{self.kind} check {verdict}")
        return out

    def markdown(self) -> str:
        """The GitHub job summary: findings and the stage table as markdown tables."""
        title = f"### {self.kind} check of `{self.env}`: {'passed' if self.ok else 'FAILED'}"
        rows = [title, "", "| result | check | detail |", "|---|---|---|"]
        rows += [
            f"| {'ok' if f.ok else 'FAIL'} | {f.check} | {_md(f.detail)} |" for f in self.findings
        ]
        if self.stages:
            rows += [
                "",
                "| stage | seconds | baseline | ratio | rows read | bytes read | verdict |",
            ]
            rows.append("|---|---:|---:|---:|---:|---:|---|")
            rows += [s.markdown_row() for s in self.stages]
        return "\n".join(rows) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def write_job_summary(report: CheckReport, path: str | None = None) -> Path | None:
    """Append the markdown to ``$GITHUB_STEP_SUMMARY`` (or ``path``); None outside Actions."""
    target = path or os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    with Path(target).open("a", encoding="utf-8") as summary:
        summary.write(report.markdown() + "\n")
    return Path(target)
