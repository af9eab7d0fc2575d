"""How far bronze already holds each (dataset, symbol): one small object per symbol.

Why an object per symbol, not a listing of bronze: after ten years of daily partitions a
prefix listing is millions of keys, while a run needs one answer per (dataset, symbol).
Why per symbol and not per (dataset, symbol): a run then reads and writes one object per
symbol instead of one per pair (each S3 request costs the same however small), and a
symbol's datasets are ingested by one job, so the object has one writer at a time.

The object lives in the bronze bucket (the watermark *is* a fact about bronze) under
``_watermarks/``, outside ``fmp/``, so no table reads it. It is written only after the
bronze objects it describes landed, so a crash at any point leaves bronze ahead of, never
behind, its watermark. One run lists ``_watermarks/fmp/`` once to learn which symbols are
new, then reads the known ones.

Version 1 kept one object per pair (``_watermarks/fmp/{dataset}/symbol={SYM}.json``).
Those are still read for a symbol whose version-2 object lacks the dataset; the first
version-2 write carries them over and deletes them, so an env migrates as it runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError  # pants: no-infer-dep

from finks_config.layout import SOURCE, bronze_prefix
from finks_ingestion.bronze import BronzeWriter

WATERMARK_PREFIX = "_watermarks/"
WATERMARK_VERSION = 2
_LEGACY_VERSION = 1
_ROOT = f"{WATERMARK_PREFIX}{SOURCE}/"


def watermark_key(symbol: str) -> str:
    """``_watermarks/fmp/symbol={SYM}.json``: every dataset's watermark of one symbol."""
    return f"{_ROOT}symbol={symbol}.json"


def legacy_watermark_key(dataset: str, symbol: str) -> str:
    """``_watermarks/fmp/{dataset}/symbol={SYM}.json``: a version-1, per-pair watermark."""
    bronze_prefix(dataset)  # validates the dataset name
    return f"{_ROOT}{dataset}/symbol={symbol}.json"


@dataclass(frozen=True)
class Watermark:
    """Bronze holds ``dataset`` of ``symbol`` for ``first..through`` (as-of dates)."""

    dataset: str
    symbol: str
    first: date
    through: date
    ingest_date: date  # the partition written last
    key: str  # the bronze object written last

    def entry(self) -> dict[str, str]:
        """This watermark's fields in its symbol's object (keyed there by dataset)."""
        return {
            "first": self.first.isoformat(),
            "through": self.through.isoformat(),
            "ingest_date": self.ingest_date.isoformat(),
            "key": self.key,
        }

    @classmethod
    def from_entry(cls, dataset: str, symbol: str, doc: Any) -> Watermark | None:
        """The watermark in ``doc``, or None for an unreadable one (then: backfill)."""
        try:
            return cls(
                dataset=dataset,
                symbol=symbol,
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


def marks_document(symbol: str, marks: Mapping[str, Watermark]) -> dict[str, Any]:
    """The version-2 object of ``symbol``: ``{version, symbol, datasets: {name: entry}}``."""
    return {
        "version": WATERMARK_VERSION,
        "symbol": symbol,
        "datasets": {name: marks[name].entry() for name in sorted(marks)},
    }


def marks_from_document(symbol: str, doc: Any) -> dict[str, Watermark]:
    """The readable watermarks in a version-2 object (an unreadable one reads as none)."""
    if not isinstance(doc, dict) or doc.get("version") != WATERMARK_VERSION:
        return {}
    entries = doc.get("datasets")
    if not isinstance(entries, dict):
        return {}
    found = {name: Watermark.from_entry(name, symbol, entry) for name, entry in entries.items()}
    return {name: mark for name, mark in found.items() if mark is not None}


@dataclass
class KnownMarks:
    """Which symbols have a watermark object, and which still have version-1 ones."""

    current: set[str] = field(default_factory=set)
    legacy: dict[str, set[str]] = field(default_factory=dict)  # symbol -> datasets

    def __contains__(self, symbol: object) -> bool:
        return symbol in self.current or symbol in self.legacy


class WatermarkStore:
    """Reads and writes watermarks in the environment's bronze bucket."""

    def __init__(self, writer: BronzeWriter) -> None:
        self._writer = writer
        self._known = KnownMarks()

    def scan(self) -> KnownMarks:
        """Every symbol with a watermark: one listing of ``_watermarks/fmp/`` per run.

        ``get`` and ``put`` use this listing: a symbol it lacks is read as new, for free.
        """
        known = self._known = KnownMarks()
        for key in self._writer.existing_keys(_ROOT):
            folder, _, name = key[len(_ROOT) :].rpartition("/")
            if not (name.startswith("symbol=") and name.endswith(".json")):
                continue
            symbol = name[len("symbol=") : -len(".json")]
            if not folder:
                known.current.add(symbol)
            elif "/" not in folder:
                known.legacy.setdefault(symbol, set()).add(folder)
        return known

    def get(self, symbol: str) -> dict[str, Watermark]:
        """``symbol``'s watermarks by dataset: its object, then version-1 ones it lacks."""
        known = self._known
        marks: dict[str, Watermark] = {}
        if symbol in known.current:
            marks = marks_from_document(symbol, self._writer.read_json(watermark_key(symbol)))
        for dataset in sorted(known.legacy.get(symbol, set()) - set(marks)):
            doc = self._writer.read_json(legacy_watermark_key(dataset, symbol))
            if isinstance(doc, dict) and doc.get("version") == _LEGACY_VERSION:
                mark = Watermark.from_entry(dataset, symbol, doc)
                if mark is not None:
                    marks[dataset] = mark
        return marks

    def put(self, symbol: str, marks: Mapping[str, Watermark]) -> None:
        """Write ``symbol``'s object, then delete the version-1 objects it now carries.

        A failed delete leaves a stale version-1 object that is never read again (the
        version-2 object holds its dataset), so it only costs a listing entry.
        """
        self._writer.put_json(watermark_key(symbol), marks_document(symbol, marks))
        for dataset in sorted(self._known.legacy.get(symbol, set()) & set(marks)):
            try:
                self._writer.delete(legacy_watermark_key(dataset, symbol))
            except (ClientError, BotoCoreError):
                continue
