"""Expected-record bookkeeping shared by the ingestion tests."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any

from finks_ingestion.watermarks import WATERMARK_PREFIX, WATERMARK_VERSION, watermark_key
from finks_local.fmp import dataset

IDENTITY = {
    "prices": ("symbol", "date"),
    "profiles": ("symbol",),
    "income": ("symbol", "date", "period"),
}


def expected(
    symbols: list[str], start: date, as_of: date, *, annual: int = 3, quarter: int = 8
) -> Counter[tuple[Any, ...]]:
    """Every record identity a first run (prices start..as_of) must land, once each."""
    want: Counter[tuple[Any, ...]] = Counter()
    for sym in symbols:
        for rec in dataset.prices(sym, start, as_of, as_of=as_of):
            want[("prices", sym, rec["date"])] += 1
        want[("profiles", sym)] += 1
        for period, limit in (("annual", annual), ("quarter", quarter)):
            for rec in dataset.income(sym, period, limit, as_of=as_of):
                want[("income", sym, rec["date"], rec["period"])] += 1
    return want


def landed(objects: dict[str, bytes]) -> tuple[Counter[tuple[Any, ...]], Counter[tuple[Any, ...]]]:
    """(bronze record identities, quarantined record identities) found in the bucket."""
    good: Counter[tuple[Any, ...]] = Counter()
    bad: Counter[tuple[Any, ...]] = Counter()
    for key, body in objects.items():
        if key.startswith(WATERMARK_PREFIX):
            continue
        doc = json.loads(body)
        ds = doc["envelope"]["dataset"]
        fields = IDENTITY[ds]
        if key.startswith("quarantine/"):
            for item in doc["rejected"]:
                assert item["reason"]
                bad[(ds, *(item["record"].get(f) for f in fields))] += 1
        else:
            assert doc["envelope"]["record_count"] == len(doc["records"])
            for rec in doc["records"]:
                good[(ds, *(rec.get(f) for f in fields))] += 1
    return good, bad


def watermarks(objects: dict[str, bytes]) -> dict[tuple[str, str], dict[str, Any]]:
    """(dataset, symbol) -> watermark entry, from the one object per symbol."""
    out = {}
    for key, body in objects.items():
        if key.startswith(WATERMARK_PREFIX):
            doc = json.loads(body)
            assert doc["version"] == WATERMARK_VERSION and key == watermark_key(doc["symbol"])
            for name, entry in doc["datasets"].items():
                out[(name, doc["symbol"])] = entry
    return out
