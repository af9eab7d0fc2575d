"""The shape of a bronze object, once: the envelope and the record fields dbt reads.

Ingestion writes ``{"envelope": {...}, "records": [...]}`` (raw FMP records). Three readers
need the same field list: the Glue tables ingestion's deploy applies (Athena), DuckDB's
``read_json`` column spec and the silver models' column names (dbt gets the list as JSON in
``FINKS_BRONZE_SCHEMA`` from finks_dbt). A new FMP field is added here and nowhere else.
Every record field is read as text; silver does the typing with ``try_cast``.

Each field is ``(json_key, column)``: FMP's camelCase key and the snake_case column the
silver models see.
"""

from __future__ import annotations

import json

from finks_config.layout import DATASETS, PARTITION_KEY

Field = tuple[str, str]

ENVELOPE_FIELDS: tuple[Field, ...] = (
    ("source", "source"),
    ("dataset", "dataset"),
    ("symbol", "envelope_symbol"),
    ("url", "source_url"),
    ("fetched_at", "fetched_at"),
    ("content_sha256", "content_sha256"),
    ("schema_version", "schema_version"),
    ("record_count", "record_count"),
)

RECORD_FIELDS: dict[str, tuple[Field, ...]] = {
    "prices": (
        ("symbol", "symbol"),
        ("date", "price_date"),
        ("open", "open_price"),
        ("high", "high_price"),
        ("low", "low_price"),
        ("close", "close_price"),
        ("volume", "volume"),
        ("change", "price_change"),
        ("changePercent", "change_percent"),
        ("vwap", "vwap"),
    ),
    "profiles": (
        ("symbol", "symbol"),
        ("companyName", "company_name"),
        ("sector", "sector"),
        ("industry", "industry"),
        ("exchange", "exchange"),
        ("currency", "currency"),
        ("country", "country"),
        ("marketCap", "market_cap"),
        ("beta", "beta"),
        ("ipoDate", "ipo_date"),
        ("isEtf", "is_etf"),
        ("isActivelyTrading", "is_actively_trading"),
    ),
    "income": (
        ("date", "statement_date"),
        ("symbol", "symbol"),
        ("reportedCurrency", "reported_currency"),
        ("fiscalYear", "fiscal_year"),
        ("period", "period"),
        ("revenue", "revenue"),
        ("costOfRevenue", "cost_of_revenue"),
        ("grossProfit", "gross_profit"),
        ("operatingIncome", "operating_income"),
        ("netIncome", "net_income"),
        ("eps", "eps"),
        ("epsDiluted", "eps_diluted"),
    ),
}
assert set(RECORD_FIELDS) == set(DATASETS)


def schema_json() -> str:
    """What dbt reads from ``FINKS_BRONZE_SCHEMA``: envelope, records per dataset, partition."""
    return json.dumps(
        {
            "envelope": [list(f) for f in ENVELOPE_FIELDS],
            "records": {name: [list(f) for f in fields] for name, fields in RECORD_FIELDS.items()},
            "partition": PARTITION_KEY,
        },
        separators=(",", ":"),
    )


def hive_columns(dataset: str) -> list[dict[str, str]]:
    """The Glue columns of one dataset's table: ``envelope`` struct and ``records`` array."""
    envelope = ",".join(f"{key.lower()}:string" for key, _ in ENVELOPE_FIELDS)
    records = ",".join(f"{key.lower()}:string" for key, _ in RECORD_FIELDS[dataset])
    return [
        {"Name": "envelope", "Type": f"struct<{envelope}>"},
        {"Name": "records", "Type": f"array<struct<{records}>>"},
    ]
