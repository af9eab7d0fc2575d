"""Reading the gold marts: what each mart is keyed on, how to query it, and its profile.

Why one place: the medallion flow's data checks (`quality`), the local job's printed
summary and the report ask questions of the same tables. Queries go through a `Query`
callable, DuckDB's warehouse file locally and Athena in the cloud (dbt's engine per
environment), and SQL that differs between the two engines comes from `Dialect`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from finks_config import Config
from finks_config.aws import client

Query = Callable[[str], list[tuple[Any, ...]]]


@dataclass(frozen=True)
class Dialect:
    """The few expressions DuckDB and Trino (Athena) spell differently."""

    name: str
    iso_weekday: str  # format with a column: 1 = Monday .. 7 = Sunday

    def weekday(self, column: str) -> str:
        return self.iso_weekday.format(column)


DUCKDB = Dialect("duckdb", "isodow({})")
TRINO = Dialect("trino", "day_of_week({})")


@dataclass(frozen=True)
class MartSpec:
    """What the checks expect of one gold mart (the dbt project's marts contract)."""

    name: str
    keys: tuple[str, ...]  # the natural key: one row per value
    date_column: str | None = None
    symbol_column: str | None = "symbol"


MARTS: tuple[MartSpec, ...] = (
    MartSpec("dim_company", keys=("symbol",)),
    MartSpec("fct_daily_prices", keys=("symbol", "price_date"), date_column="price_date"),
    MartSpec(
        "fct_fundamentals", keys=("symbol", "fiscal_year", "period"), date_column="statement_date"
    ),
    MartSpec(
        "mart_sector_performance",
        keys=("sector", "price_date"),
        date_column="price_date",
        symbol_column=None,
    ),
)
PRICES = "fct_daily_prices"
SECTORS = "mart_sector_performance"


@dataclass(frozen=True)
class MartProfile:
    name: str
    rows: int
    min_date: date | None
    max_date: date | None
    symbols: int | None


def as_date(value: object) -> date | None:
    """A date from DuckDB (date/datetime) or Athena (ISO text)."""
    if value is None:
        return None
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    return date.fromisoformat(str(value)[:10])


def as_int(value: object) -> int:
    return int(value or 0)  # type: ignore[call-overload]


def profile_mart(query: Query, schema: str, spec: MartSpec) -> MartProfile:
    """One query per mart: row count, date range, distinct symbols."""
    parts = ["count(*)"]
    if spec.date_column:
        parts += [f"min({spec.date_column})", f"max({spec.date_column})"]
    if spec.symbol_column:
        parts.append(f"count(distinct {spec.symbol_column})")
    values = list(query(f"select {', '.join(parts)} from {schema}.{spec.name}")[0])
    rows = as_int(values.pop(0))
    min_date = max_date = None
    if spec.date_column:
        min_date, max_date = as_date(values.pop(0)), as_date(values.pop(0))
    symbols = as_int(values.pop(0)) if spec.symbol_column else None
    return MartProfile(spec.name, rows, min_date, max_date, symbols)


def company_symbols(query: Query, schema: str) -> list[str]:
    return [str(r[0]) for r in query(f"select symbol from {schema}.dim_company order by 1")]


def duckdb_query(path: Path) -> Query:
    """Queries against the local warehouse file (read-only: the run has finished writing)."""

    def run(sql: str) -> list[tuple[Any, ...]]:
        import duckdb

        with duckdb.connect(str(path), read_only=True) as con:
            return [tuple(r) for r in con.execute(sql).fetchall()]

    return run


def athena_query(config: Config, poll: float = 1.0) -> Query:
    """Queries through the env's Athena work group, results in its results location."""
    athena: Any = client(config, "athena")

    def run(sql: str) -> list[tuple[Any, ...]]:
        qid = athena.start_query_execution(
            QueryString=sql,
            QueryExecutionContext={"Database": config.analytics_database},
            ResultConfiguration={"OutputLocation": config.athena_results_location},
            WorkGroup=config.athena_work_group,
        )["QueryExecutionId"]
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


def format_profiles(schema: str, marts: Sequence[MartProfile], symbols: Sequence[str]) -> list[str]:
    """The human summary of gold: rows per mart, date range, symbols."""
    lines = [f"gold summary ({schema}):"]
    width = max((len(m.name) for m in marts), default=10)
    for m in marts:
        extra = ""
        if m.min_date is not None:
            extra += f"  {m.min_date}..{m.max_date}"
        if m.symbols is not None:
            extra += f"  {m.symbols} symbols"
        lines.append(f"  {m.name:<{width}}  {m.rows:>8} rows{extra}")
    shown = ", ".join(symbols[:20]) + (
        f", ... ({len(symbols) - 20} more)" if len(symbols) > 20 else ""
    )
    lines.append(f"  symbols ({len(symbols)}): {shown}")
    return lines
