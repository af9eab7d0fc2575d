"""A small read-only summary of the local gold tables, for the local stack's final report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

GOLD_TABLES = ("dim_company", "fct_daily_prices", "fct_fundamentals", "mart_sector_performance")


def gold_summary(duckdb_path: str | Path, schema: str | None = None) -> dict[str, Any]:
    """Row counts of the gold tables, date range of prices, and the sector returns of the last day.

    Opens the warehouse read-only, so it never changes what dbt built. ``schema``
    defaults to the one schema holding the gold tables (``config.analytics_database``).
    """
    import duckdb

    path = Path(duckdb_path)
    if not path.is_file():
        raise FileNotFoundError(f"no DuckDB warehouse at {path}: run the local dbt build first")
    with duckdb.connect(str(path), read_only=True) as con:
        if schema is None:
            schema = _gold_schema(con)
        counts = {
            table: int(con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0])  # type: ignore[index]
            for table in GOLD_TABLES
        }
        first, last = con.execute(
            f'select min(price_date), max(price_date) from "{schema}".fct_daily_prices'
        ).fetchone() or (None, None)
        sectors = con.execute(
            f"""
            select sector, companies, avg_daily_return
            from "{schema}".mart_sector_performance
            where price_date = (select max(price_date) from "{schema}".mart_sector_performance)
            order by sector
            """
        ).fetchall()
    return {
        "tables": counts,
        "price_dates": [str(first) if first else None, str(last) if last else None],
        "last_day_sectors": [
            {"sector": s, "companies": int(c), "avg_daily_return": r} for s, c, r in sectors
        ],
    }


def _gold_schema(con: Any) -> str:
    rows = con.execute(
        "select distinct table_schema from information_schema.tables where table_name = ?",
        [GOLD_TABLES[1]],
    ).fetchall()
    if len(rows) != 1:
        raise LookupError(
            f"expected one schema holding {GOLD_TABLES[1]}, found {[r[0] for r in rows]}"
        )
    return str(rows[0][0])
