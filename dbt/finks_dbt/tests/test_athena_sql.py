"""The Athena SQL, proven without Athena (issue 12.7).

1. Every statement dbt compiles for dev, staging and prod (full and incremental shapes)
   parses under Athena's grammars and names only that environment's databases and buckets.
2. The checker itself catches what it must (another env's names, non-Trino SQL).
3. The compiled Athena models, transpiled to DuckDB with sqlglot and run over the same
   bronze objects, compute the same gold as the DuckDB build. Constructs that do not
   transpile are named in TRANSPILE_GAPS (each with its rewrite), never skipped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot

from finks_config import Config, load_config
from finks_dbt import run_build, sqlcheck
from finks_ingestion import run_ingestion
from finks_ingestion.bronze_schema import ENVELOPE_FIELDS, RECORD_FIELDS
from finks_ingestion.bronze_tables import table_name
from finks_local.fmp import LocalFmpServer
from finks_testing.moto import MotoEndpoint

KEY = "fmp-test-key-athena-sql"
MODELS = (  # dependency order
    "stg_prices",
    "stg_company_profiles",
    "stg_income_statements",
    "dim_company",
    "fct_daily_prices",
    "fct_fundamentals",
    "mart_sector_performance",
)
GOLD_KEYS = {
    "dim_company": ("symbol",),
    "fct_daily_prices": ("symbol", "price_date"),
    "fct_fundamentals": ("symbol", "fiscal_year", "period"),
    "mart_sector_performance": ("sector", "price_date"),
}

# Trino constructs sqlglot carries over unchanged although DuckDB means something else by
# them, with the rewrite that gives DuckDB Trino's meaning. The test applies each one and
# asserts it was needed, so this list names exactly what does not transpile.
TRANSPILE_GAPS: dict[str, tuple[re.Pattern[str], str]] = {
    # Trino: UNNEST(array of ROW) AS t(a, b, ...) expands each row into columns a, b, ...;
    # DuckDB: the alias list would name the single struct column.
    "UNNEST of an array of rows with a column list": (
        re.compile(r"CROSS JOIN UNNEST\(([^()]+)\) AS (\w+)\(([^()]+)\)"),
        r"CROSS JOIN LATERAL (SELECT UNNEST(\1, max_depth := 2)) AS \2(\3)",
    ),
}


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_every_compiled_statement_parses_and_names_only_its_env(
    env: str, no_aws_credentials: None
) -> None:
    config = load_config("dbt/config", env)
    statements = sqlcheck.compiled_sql(config)
    report = sqlcheck.check_statements(config, [s.sql for s in statements])
    assert report.ok, report.lines()
    assert report.checked == len(statements) > 80
    shapes = {s.node.split(" (")[-1] for s in statements}
    assert shapes == {"full)", "incremental since 2026-01-02)"}
    incremental = next(
        s.sql for s in statements if s.node.startswith("model.finks.stg_prices (incremental")
    )
    assert f'"awsdatacatalog"."{env}_bronze"."fmp_prices"' in incremental
    assert "ingest_date > '2026-01-02'" in incremental  # only the new partitions


def test_the_checker_names_grammar_and_cross_environment_problems() -> None:
    dev = load_config("dbt/config", "dev")
    report = sqlcheck.check_statements(
        dev,
        [
            'select * from "awsdatacatalog"."dev_analytics"."fct_daily_prices"',
            "drop table if exists `dev_analytics`.`stg_prices__dbt_tmp`",
            "select * from prod_analytics.fct_daily_prices",
            "create table dev_analytics.t with (location='s3://staging-gold-zone/t/') as select 1",
            "select symbol from t qualify row_number() over (order by symbol) = 1",
            "select * from scratch.t",
        ],
    )
    got = [(p.index, p.kind) for p in report.problems]
    assert got == [(2, "foreign"), (3, "foreign"), (4, "parse"), (5, "unknown")], report.lines()
    assert "prod_analytics belongs to prod" in report.problems[0].detail
    assert "not Trino SQL" in report.problems[2].detail
    executions = sqlcheck.check_query_executions(
        dev,
        [
            {
                "Query": "select 1",
                "WorkGroup": "finks-dev",
                "QueryExecutionContext": {"Database": "dev_analytics", "Catalog": "AwsDataCatalog"},
                "ResultConfiguration": {"OutputLocation": "s3://dev-athena-results/q/1.csv"},
            },
            {
                "Query": "select 1",
                "WorkGroup": "finks-prod",
                "ResultConfiguration": {"OutputLocation": "s3://prod-athena-results/q/2.csv"},
            },
        ],
    )
    assert [(p.index, p.kind) for p in executions.problems] == [(1, "foreign"), (1, "foreign")]


# --- the same gold from the Athena SQL -------------------------------------------------------


def _bronze_table_sql(dataset: str, root: Path) -> str:
    """A DuckDB stand-in for the Glue table: Hive's lower-case field names, same objects."""
    envelope = ", ".join(f'{k.lower()} := envelope."{k}"' for k, _ in ENVELOPE_FIELDS)
    record = ", ".join(f'{k.lower()} := r."{k}"' for k, _ in RECORD_FIELDS[dataset])
    envelope_spec = ", ".join(f'"{k}" VARCHAR' for k, _ in ENVELOPE_FIELDS)
    record_spec = ", ".join(f'"{k}" VARCHAR' for k, _ in RECORD_FIELDS[dataset])
    return (
        f"select ingest_date, struct_pack({envelope}) as envelope, "
        f"list_transform(records, r -> struct_pack({record})) as records "
        f"from read_json('{root}/fmp/{dataset}/*/*/*.json', hive_partitioning = true, "
        f"hive_types = {{'ingest_date': 'VARCHAR', 'symbol': 'VARCHAR'}}, "
        f"columns = {{envelope: 'STRUCT({envelope_spec})', records: 'STRUCT({record_spec})[]'}})"
    )


def _to_duckdb(sql: str, used: set[str]) -> str:
    out = sqlglot.transpile(sql, read="athena", write="duckdb")[0]
    for name, (pattern, replacement) in TRANSPILE_GAPS.items():
        out, count = pattern.subn(replacement, out)
        if count:
            used.add(name)
    return out


def _rows(con: Any, table: str, keys: tuple[str, ...], columns: list[str]) -> list[tuple[Any, ...]]:
    return con.execute(
        f"select {', '.join(columns)} from {table} order by {', '.join(keys)}"
    ).fetchall()


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)
    return a == b


def test_athena_models_transpiled_to_duckdb_compute_the_same_gold(
    moto: MotoEndpoint,
    scratch_overrides: Callable[[str], dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("FINKS_SECRET_FMP_API_KEY", KEY)
    days = [date(2026, 11, 23), date(2026, 11, 24)]
    with LocalFmpServer(api_key=KEY, as_of=days[0], revision_rate=0.5) as fmp:
        ingest = load_config(
            "ingestion/config",
            "local",
            {"AWS_ENDPOINT_URL": moto.url, "FMP_BASE_URL": fmp.url, "INGEST_BACKFILL_DAYS": "120"},
        )
        for day in days:
            fmp.as_of = day
            assert run_ingestion(ingest, ["AAPL", "MSFT", "XOM", "JPM", "GS"], as_of=day).ok
    local: Config = load_config("dbt/config", "local", scratch_overrides(moto.url))
    built = run_build(local, exclude="resource_type:test resource_type:unit_test")
    assert built.ok, built.failures

    # The same bronze objects, on disk for DuckDB's stand-in of the Glue tables.
    s3 = moto.raw_client("s3")
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=local.bronze_bucket, Prefix="fmp/"
    ):
        for item in page.get("Contents", []):
            path = tmp_path / "bronze" / item["Key"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(
                s3.get_object(Bucket=local.bronze_bucket, Key=item["Key"])["Body"].read()
            )

    dev = load_config("dbt/config", "dev")
    compiled = {
        s.node.split(" (")[0].removeprefix("model.finks."): s.sql
        for s in sqlcheck.compiled_sql(dev, shapes=(None,))
        if s.node.startswith("model.")
    }
    used: set[str] = set()
    athena = duckdb.connect()
    athena.execute("attach ':memory:' as awsdatacatalog")
    for schema in (dev.bronze_database, dev.analytics_database):
        athena.execute(f"create schema awsdatacatalog.{schema}")
    for dataset in RECORD_FIELDS:
        athena.execute(
            f"create table awsdatacatalog.{dev.bronze_database}.{table_name(dataset)} as "
            + _bronze_table_sql(dataset, tmp_path / "bronze")
        )
    for model in MODELS:
        athena.execute(
            f"create table awsdatacatalog.{dev.analytics_database}.{model} as "
            + _to_duckdb(compiled[model], used)
        )
    assert used == set(TRANSPILE_GAPS), f"gaps no longer needed: {set(TRANSPILE_GAPS) - used}"

    warehouse = duckdb.connect(str(local.raw("DBT_DUCKDB_PATH")), read_only=True)
    for model, keys in GOLD_KEYS.items():
        columns = [c[0] for c in warehouse.execute(
            f"select * from {local.analytics_database}.{model} limit 0"
        ).description]  # fmt: skip
        want = _rows(warehouse, f"{local.analytics_database}.{model}", keys, columns)
        got = _rows(athena, f"awsdatacatalog.{dev.analytics_database}.{model}", keys, columns)
        assert len(got) == len(want) > 0, model
        for left, right in zip(got, want, strict=True):
            assert all(_same(x, y) for x, y in zip(left, right, strict=True)), (model, left, right)
    warehouse.close()
