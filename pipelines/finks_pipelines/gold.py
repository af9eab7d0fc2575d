"""Reading the gold marts: per-mart profile (rows, null keys, date range), checks, summary.

Why one profile for both: the medallion flow's data-quality checks and the local
job's printed summary ask the same questions of the same tables, so they share one
set of queries. Queries go through a `Query` callable: DuckDB's warehouse file
locally, Athena in the cloud (dbt's engine per environment).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from finks_config import Config
from finks_config.aws import client

Query = Callable[[str], list[tuple[Any, ...]]]


@dataclass(frozen=True)
class MartSpec:
    """What the checks expect of one gold mart (the dbt project's marts contract)."""

    name: str
    keys: tuple[str, ...]
    date_column: str | None = None
    symbol_column: str | None = "symbol"


MARTS: tuple[MartSpec, ...] = (
    MartSpec("dim_company", keys=("symbol",)),
    MartSpec(
        "fct_daily_prices", keys=("price_id", "symbol", "price_date"), date_column="price_date"
    ),
    MartSpec("fct_fundamentals", keys=("fundamentals_id", "symbol"), date_column="statement_date"),
    MartSpec(
        "mart_sector_performance",
        keys=("sector_day_id", "sector"),
        date_column="price_date",
        symbol_column=None,
    ),
)


@dataclass(frozen=True)
class MartProfile:
    name: str
    rows: int
    null_keys: dict[str, int]
    min_date: date | None
    max_date: date | None
    symbols: int | None


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


@dataclass
class GoldReport:
    """Profiles of every mart plus the checks run on them."""

    schema: str
    marts: list[MartProfile] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    symbols: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.ok]

    @property
    def total_rows(self) -> int:
        return sum(m.rows for m in self.marts)


def _as_date(value: object) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value if type(value) is date else date(value.year, value.month, value.day)
    return date.fromisoformat(str(value)[:10])


def profile_mart(query: Query, schema: str, spec: MartSpec) -> MartProfile:
    """One query per mart: row count, null count per key column, date range, symbols."""
    table = f"{schema}.{spec.name}"
    parts = ["count(*)"]
    parts += [f"sum(case when {k} is null then 1 else 0 end)" for k in spec.keys]
    if spec.date_column:
        parts += [f"min({spec.date_column})", f"max({spec.date_column})"]
    if spec.symbol_column:
        parts.append(f"count(distinct {spec.symbol_column})")
    row = query(f"select {', '.join(parts)} from {table}")[0]
    values = list(row)
    rows = int(values.pop(0) or 0)
    nulls = {k: int(values.pop(0) or 0) for k in spec.keys}
    min_date = max_date = None
    if spec.date_column:
        min_date, max_date = _as_date(values.pop(0)), _as_date(values.pop(0))
    symbols = int(values.pop(0) or 0) if spec.symbol_column else None
    return MartProfile(spec.name, rows, nulls, min_date, max_date, symbols)


def check_mart(
    profile: MartProfile, spec: MartSpec, window: tuple[date, date] | None, today: date
) -> list[CheckResult]:
    """Row count > 0, no null keys, dates inside a plausible range (the price window)."""
    checks = [
        CheckResult(f"{spec.name}: rows > 0", profile.rows > 0, f"{profile.rows} rows"),
    ]
    for key, nulls in profile.null_keys.items():
        checks.append(CheckResult(f"{spec.name}: {key} not null", nulls == 0, f"{nulls} null"))
    if spec.date_column:
        lo, hi = profile.min_date, profile.max_date
        ok = lo is not None and hi is not None and lo <= hi <= today + timedelta(days=1)
        if ok and window is not None and spec.name != "fct_fundamentals":
            ok = window[0] <= lo <= hi <= window[1]  # type: ignore[operator]
        detail = f"{lo}..{hi}" + (f" (window {window[0]}..{window[1]})" if window else "")
        checks.append(CheckResult(f"{spec.name}: {spec.date_column} range", ok, detail))
    return checks


def inspect_gold(
    query: Query,
    schema: str,
    *,
    window: tuple[date, date] | None = None,
    today: date | None = None,
    marts: Sequence[MartSpec] = MARTS,
) -> GoldReport:
    """Profile and check every gold mart; symbols come from the company dimension."""
    report = GoldReport(schema=schema)
    day = today or date.today()
    for spec in marts:
        try:
            profile = profile_mart(query, schema, spec)
        except Exception as error:  # a missing mart is a failed check, not a crash
            report.checks.append(
                CheckResult(f"{spec.name}: readable", False, " ".join(str(error).split())[:200])
            )
            continue
        report.marts.append(profile)
        report.checks.extend(check_mart(profile, spec, window, day))
    try:
        report.symbols = [
            str(r[0]) for r in query(f"select symbol from {schema}.dim_company order by 1")
        ]
    except Exception as error:
        report.checks.append(CheckResult("dim_company: symbols", False, str(error)[:200]))
    return report


def duckdb_query(path: Path) -> Query:
    """Queries against the local warehouse file (read-only: the run has finished writing)."""

    def run(sql: str) -> list[tuple[Any, ...]]:
        import duckdb

        with duckdb.connect(str(path), read_only=True) as con:
            return [tuple(r) for r in con.execute(sql).fetchall()]

    return run


def athena_query(config: Config, work_group: str | None = None, poll: float = 1.0) -> Query:
    """Queries through Athena (dev/staging/prod), results in the env's results location."""
    athena: Any = client(config, "athena")

    def run(sql: str) -> list[tuple[Any, ...]]:
        kwargs: dict[str, Any] = {
            "QueryString": sql,
            "QueryExecutionContext": {"Database": config.analytics_database},
            "ResultConfiguration": {"OutputLocation": config.athena_results_location},
        }
        if work_group:
            kwargs["WorkGroup"] = work_group
        qid = athena.start_query_execution(**kwargs)["QueryExecutionId"]
        while True:
            status = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]
            if status["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
                break
            time.sleep(poll)
        if status["State"] != "SUCCEEDED":
            raise RuntimeError(
                f"Athena query {status['State']}: {status.get('StateChangeReason', '')}"
            )
        rows = athena.get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"][1:]
        return [tuple(c.get("VarCharValue") for c in r["Data"]) for r in rows]

    return run


def format_summary(report: GoldReport, where: str | None = None) -> list[str]:
    """The human summary of gold: rows per mart, date range, symbols, and where it lives."""
    lines = [f"gold summary ({report.schema}):"]
    width = max((len(m.name) for m in report.marts), default=10)
    for m in report.marts:
        extra = ""
        if m.min_date is not None:
            extra += f"  {m.min_date}..{m.max_date}"
        if m.symbols is not None:
            extra += f"  {m.symbols} symbols"
        lines.append(f"  {m.name:<{width}}  {m.rows:>8} rows{extra}")
    lines.append(f"  symbols ({len(report.symbols)}): {', '.join(report.symbols)}")
    passed = sum(1 for c in report.checks if c.ok)
    lines.append(f"  data-quality checks: {passed}/{len(report.checks)} passed")
    for c in report.failures:
        lines.append(f"    FAILED {c.name}: {c.detail}")
    if where:
        lines.append(f"  outputs: {where}")
    return lines
