"""Expected-record bookkeeping shared by the ingestion tests."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any

from finks_ingestion.local_fmp import dataset

IDENTITY = {
    "prices": ("symbol", "date"),
    "profiles": ("symbol",),
    "income": ("symbol", "date", "period"),
}


def expected(symbols: list[str], start: date, end: date) -> Counter[tuple[Any, ...]]:
    """Every record identity a run over the synthetic dataset must land, once each."""
    want: Counter[tuple[Any, ...]] = Counter()
    for sym in symbols:
        for rec in dataset.prices(sym, start, end):
            want[("prices", sym, rec["date"])] += 1
        want[("profiles", sym)] += 1
        for period, limit in (("annual", 3), ("quarter", 8)):
            for rec in dataset.income(sym, period, limit):
                want[("income", sym, rec["date"], rec["period"])] += 1
    return want


def landed(objects: dict[str, bytes]) -> tuple[Counter[tuple[Any, ...]], Counter[tuple[Any, ...]]]:
    """(bronze record identities, quarantined record identities) found in the bucket."""
    good: Counter[tuple[Any, ...]] = Counter()
    bad: Counter[tuple[Any, ...]] = Counter()
    for key, body in objects.items():
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
