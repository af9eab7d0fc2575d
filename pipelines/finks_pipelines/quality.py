"""Gold data checks that are right on day 1 and on day 300.

Why these rules: gold keeps all history and grows every day, so a check must compare
the data with what should exist, never with a window of recent days:
- every mart is unique on its natural key (and the key is never null);
- no (symbol, trading day) is missing between a symbol's first day and its last, and
  no price sits on a day the market was closed (`finks_config.calendar`);
- the latest date of the run's symbols is the last trading day on or before as-of
  (and nothing is dated after it);
- returns agree with prices: `previous_close` is the close of the symbol's previous
  row and `daily_return = close / previous_close - 1`.
A failed check names the mart, up to `SAMPLES` offending rows and the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from finks_config.calendar import last_trading_day, non_trading_weekdays, trading_days
from finks_pipelines.gold import (
    DUCKDB,
    MARTS,
    PRICES,
    SECTORS,
    Dialect,
    MartProfile,
    MartSpec,
    Query,
    as_date,
    as_int,
    company_symbols,
    format_profiles,
    profile_mart,
)

SAMPLES = 5
TOLERANCE = 1e-9  # relative; returns are computed from the same doubles


@dataclass(frozen=True)
class CheckResult:
    """One check on one mart; `samples` are offending rows, rendered as text."""

    name: str
    mart: str
    ok: bool
    detail: str
    samples: tuple[str, ...] = ()

    def line(self) -> str:
        text = f"{self.mart}: {self.name}: {self.detail}"
        if self.samples:
            text += f"; e.g. {'; '.join(self.samples)}"
        return text

    def as_json(self) -> dict[str, Any]:
        return {
            "name": f"{self.mart}: {self.name}",
            "mart": self.mart,
            "ok": self.ok,
            "detail": self.detail,
            "samples": list(self.samples),
        }


@dataclass
class GoldReport:
    """Profiles of every mart plus the checks run on them, for one run."""

    schema: str
    as_of: date
    run: str = ""
    marts: list[MartProfile] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    symbols: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.ok]

    def failure_message(self) -> str:
        """One line: which checks failed, where, with sample rows, in which run."""
        where = f" in run {self.run}" if self.run else ""
        return f"gold data checks failed{where}: " + " | ".join(c.line() for c in self.failures)

    def summary_lines(self) -> list[str]:
        lines = format_profiles(self.schema, self.marts, self.symbols)
        passed = sum(1 for c in self.checks if c.ok)
        lines.append(f"  data checks (as of {self.as_of}): {passed}/{len(self.checks)} passed")
        lines += [f"    FAILED {c.line()}" for c in self.failures]
        return lines

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "as_of": self.as_of.isoformat(),
            "run": self.run,
            "checks": [c.as_json() for c in self.checks],
            "rows": {m.name: m.rows for m in self.marts},
            "symbols": self.symbols,
        }


def _row(values: Sequence[Any]) -> str:
    return "(" + ", ".join(str(v) for v in values) + ")"


def _quoted(values: Sequence[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def check_keys(query: Query, schema: str, spec: MartSpec) -> list[CheckResult]:
    """Unique on the natural key, and no key column null."""
    keys = ", ".join(spec.keys)
    table = f"{schema}.{spec.name}"
    dupes = query(
        f"select {keys}, count(*) from {table} group by {keys} having count(*) > 1"
        f" order by count(*) desc, {keys} limit {SAMPLES}"
    )
    nulls = as_int(
        query(
            f"select count(*) from {table} where {' or '.join(f'{k} is null' for k in spec.keys)}"
        )[0][0]
    )
    return [
        CheckResult(
            f"unique on ({keys})",
            spec.name,
            not dupes,
            "no duplicates" if not dupes else "duplicated keys (key..., rows)",
            tuple(_row(r) for r in dupes),
        ),
        CheckResult(f"({keys}) not null", spec.name, nulls == 0, f"{nulls} row(s) with a null key"),
    ]


def check_calendar(query: Query, schema: str, dialect: Dialect) -> CheckResult:
    """Every trading day between each symbol's first and last price, and none other."""
    table = f"{schema}.{PRICES}"
    span = query(f"select min(price_date), max(price_date) from {table}")[0]
    lo, hi = as_date(span[0]), as_date(span[1])
    if lo is None or hi is None:
        return CheckResult("every trading day present", PRICES, False, "no prices at all")
    closed = non_trading_weekdays(lo, hi)
    closed_sql = (
        f" or price_date in ({', '.join(f'date {d.isoformat()!r}' for d in closed)})"
        if closed
        else ""
    )
    rows = query(
        f"select symbol, min(price_date), max(price_date), count(distinct price_date),"
        f" sum(case when {dialect.weekday('price_date')} > 5{closed_sql} then 1 else 0 end)"
        f" from {table} group by symbol order by symbol"
    )
    bad: list[tuple[str, date, date, int, int]] = []
    for symbol, first, last, days, off in rows:
        start, end = as_date(first), as_date(last)
        assert start is not None and end is not None
        expected = len(trading_days(start, end))
        if as_int(days) - as_int(off) != expected or as_int(off):
            bad.append((str(symbol), start, end, expected, as_int(off)))
    if not bad:
        return CheckResult(
            "every trading day present", PRICES, True, f"{len(rows)} symbols complete"
        )
    samples = tuple(_calendar_sample(query, table, *b) for b in bad[:SAMPLES])
    return CheckResult(
        "every trading day present",
        PRICES,
        False,
        f"{len(bad)} of {len(rows)} symbols have missing days or prices on closed days",
        samples,
    )


def _calendar_sample(
    query: Query, table: str, symbol: str, start: date, end: date, expected: int, off: int
) -> str:
    have = {
        as_date(r[0])
        for r in query(
            f"select distinct price_date from {table} where symbol = {_quoted([symbol])}"
        )
    }
    missing = [d for d in trading_days(start, end) if d not in have]
    text = f"{symbol}: {len(missing)} missing of {expected}"
    if missing:
        more = ", ..." if len(missing) > 3 else ""
        text += f" ({', '.join(d.isoformat() for d in missing[:3])}{more})"
    if off:
        closed = sorted(d for d in have if d is not None and d not in set(trading_days(start, end)))
        text += f", {off} on closed days ({', '.join(d.isoformat() for d in closed[:3])})"
    return text


def check_latest(
    query: Query, schema: str, as_of: date, symbols: Sequence[str]
) -> list[CheckResult]:
    """The run's symbols end on the last trading day on or before as-of; nothing later."""
    expected = last_trading_day(as_of)
    out: list[CheckResult] = []
    rows = (
        query(
            f"select symbol, max(price_date) from {schema}.{PRICES}"
            f" where symbol in ({_quoted(list(symbols))}) group by symbol order by symbol"
        )
        if symbols
        else []
    )
    latest = {str(s): as_date(d) for s, d in rows}
    stale = [f"{s}: {latest.get(s) or 'no prices'}" for s in symbols if latest.get(s) != expected]
    out.append(
        CheckResult(
            f"latest price_date = {expected} (last trading day <= as-of {as_of})",
            PRICES,
            not stale,
            f"{len(symbols) - len(stale)}/{len(symbols)} run symbols current",
            tuple(stale[:SAMPLES]),
        )
    )
    sector_max = as_date(query(f"select max(price_date) from {schema}.{SECTORS}")[0][0])
    out.append(
        CheckResult(
            f"latest price_date = {expected}",
            SECTORS,
            sector_max == expected,
            f"latest {sector_max}",
        )
    )
    return out


def check_not_after(query: Query, schema: str, spec: MartSpec, as_of: date) -> CheckResult:
    """No row is dated after the run's as-of date (data from the future is a bug)."""
    assert spec.date_column
    rows = query(
        f"select {', '.join(spec.keys)} from {schema}.{spec.name}"
        f" where {spec.date_column} > date '{as_of.isoformat()}'"
        f" order by {spec.date_column} desc limit {SAMPLES}"
    )
    return CheckResult(
        f"no {spec.date_column} after {as_of}",
        spec.name,
        not rows,
        "none" if not rows else "rows dated after as-of",
        tuple(_row(r) for r in rows),
    )


def check_returns(query: Query, schema: str) -> CheckResult:
    """previous_close = the previous row's close; daily_return = close / previous_close - 1."""
    rows = query(
        f"""
        with recomputed as (
            select symbol, price_date, close_price, previous_close, daily_return,
                lag(close_price) over (partition by symbol order by price_date) as lag_close
            from {schema}.{PRICES}
        ),
        wrong as (
            select * from recomputed
            where (lag_close is null) <> (previous_close is null)
               or (lag_close is null) <> (daily_return is null)
               or abs(previous_close - lag_close) > {TOLERANCE} * abs(lag_close)
               or abs(daily_return - (close_price / lag_close - 1)) > {TOLERANCE}
        )
        select symbol, price_date, close_price, previous_close, lag_close, daily_return,
            count(*) over () as wrong_rows
        from wrong order by symbol, price_date limit {SAMPLES}
        """
    )
    if not rows:
        return CheckResult("returns agree with prices", PRICES, True, "all rows agree")
    return CheckResult(
        "returns agree with prices",
        PRICES,
        False,
        f"{as_int(rows[0][-1])} row(s) disagree"
        " (symbol, price_date, close, previous_close, previous row's close, daily_return)",
        tuple(_row(r[:-1]) for r in rows),
    )


def inspect_gold(
    query: Query,
    schema: str,
    *,
    as_of: date,
    symbols: Sequence[str] = (),
    dialect: Dialect = DUCKDB,
    run: str = "",
    marts: Sequence[MartSpec] = MARTS,
) -> GoldReport:
    """Profile every mart and run every check; a missing mart is a failed check."""
    report = GoldReport(schema=schema, as_of=as_of, run=run)
    readable: set[str] = set()
    for spec in marts:
        try:
            profile = profile_mart(query, schema, spec)
        except Exception as error:  # a missing mart is a failed check, not a crash
            report.checks.append(
                CheckResult("readable", spec.name, False, " ".join(str(error).split())[:200])
            )
            continue
        readable.add(spec.name)
        report.marts.append(profile)
        report.checks.append(
            CheckResult("has rows", spec.name, profile.rows > 0, f"{profile.rows} rows")
        )
        report.checks += check_keys(query, schema, spec)
        if spec.date_column:
            report.checks.append(check_not_after(query, schema, spec, as_of))
    if "dim_company" in readable:
        report.symbols = company_symbols(query, schema)
        absent = [s for s in symbols if s not in set(report.symbols)]
        report.checks.append(
            CheckResult(
                "every run symbol present",
                "dim_company",
                not absent,
                f"{len(symbols) - len(absent)}/{len(symbols)} present",
                tuple(absent[:SAMPLES]),
            )
        )
    if PRICES in readable:
        report.checks.append(check_calendar(query, schema, dialect))
        report.checks.append(check_returns(query, schema))
        if SECTORS in readable:
            report.checks += check_latest(query, schema, as_of, symbols)
    return report
