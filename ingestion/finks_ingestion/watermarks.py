"""How far bronze already holds each (dataset, symbol): one small object per pair.

Why an object per pair, not a listing of bronze: after ten years of daily partitions a
prefix listing is millions of keys, while a run needs one answer per (dataset, symbol).
The object lives in the bronze bucket (the watermark *is* a fact about bronze) under
``_watermarks/``, outside ``fmp/``, so no table reads it. It is written only after the
bronze object it describes landed, so a crash at any point leaves bronze ahead of, never
behind, its watermark. One run lists ``_watermarks/fmp/{dataset}/`` once to learn which
symbols are new, then reads the known ones; each pair has one writer at a time (one task
per (symbol, dataset)), so no read-modify-write race exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from finks_config.layout import SOURCE, bronze_prefix
from finks_ingestion.bronze import BronzeWriter

WATERMARK_PREFIX = "_watermarks/"
WATERMARK_VERSION = 1


def watermark_prefix(dataset: str) -> str:
    """``_watermarks/fmp/{dataset}/``: every watermark of one dataset."""
    bronze_prefix(dataset)  # validates the dataset name
    return f"{WATERMARK_PREFIX}{SOURCE}/{dataset}/"


def watermark_key(dataset: str, symbol: str) -> str:
    """``_watermarks/fmp/{dataset}/symbol={SYM}.json``."""
    return f"{watermark_prefix(dataset)}symbol={symbol}.json"


@dataclass(frozen=True)
class Watermark:
    """Bronze holds ``dataset`` of ``symbol`` for ``first..through`` (as-of dates)."""

    dataset: str
    symbol: str
    first: date
    through: date
    ingest_date: date  # the partition written last
    key: str  # the bronze object written last

    def as_json(self) -> dict[str, Any]:
        return {
            "version": WATERMARK_VERSION,
            "dataset": self.dataset,
            "symbol": self.symbol,
            "first": self.first.isoformat(),
            "through": self.through.isoformat(),
            "ingest_date": self.ingest_date.isoformat(),
            "key": self.key,
        }

    @classmethod
    def from_json(cls, doc: Any) -> Watermark | None:
        """The watermark in ``doc``, or None for an unreadable/older one (then: backfill)."""
        if not isinstance(doc, dict) or doc.get("version") != WATERMARK_VERSION:
            return None
        try:
            return cls(
                dataset=str(doc["dataset"]),
                symbol=str(doc["symbol"]),
                first=date.fromisoformat(doc["first"]),
                through=date.fromisoformat(doc["through"]),
                ingest_date=date.fromisoformat(doc["ingest_date"]),
                key=str(doc["key"]),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def advanced(self, *, first: date, through: date, ingest_date: date, key: str) -> Watermark:
        """This watermark after another landed request covering ``first..through``."""
        return Watermark(
            self.dataset,
            self.symbol,
            min(self.first, first),
            max(self.through, through),
            ingest_date,
            key,
        )


class WatermarkStore:
    """Reads and writes watermarks in the environment's bronze bucket."""

    def __init__(self, writer: BronzeWriter) -> None:
        self._writer = writer

    def known_symbols(self, dataset: str) -> set[str]:
        """Symbols that have a watermark for ``dataset``: one listing per dataset and run."""
        prefix = watermark_prefix(dataset)
        found: set[str] = set()
        for key in self._writer.existing_keys(prefix):
            name = key[len(prefix) :]
            if name.startswith("symbol=") and name.endswith(".json"):
                found.add(name[len("symbol=") : -len(".json")])
        return found

    def get(self, dataset: str, symbol: str) -> Watermark | None:
        return Watermark.from_json(self._writer.read_json(watermark_key(dataset, symbol)))

    def put(self, mark: Watermark) -> None:
        self._writer.put_json(watermark_key(mark.dataset, mark.symbol), mark.as_json())
