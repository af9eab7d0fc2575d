"""Typed models of FMP `/stable/` records, and the valid/rejected split.

Why: bronze must hold only records downstream models can trust, and nothing may be lost,
so every record either passes its model or is quarantined with a reason. Records are kept
raw (FMP's own field names and values); the models only judge them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import Annotated, Any, Literal, NotRequired

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError, with_config

# pydantic needs typing_extensions' TypedDict before Python 3.12; it comes with pydantic.
from typing_extensions import TypedDict  # pants: no-infer-dep

# Strict numbers: a drifted "123 (unaudited)" string must be rejected, not coerced.
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]
Text = Annotated[str, Field(min_length=1)]
Flag = Annotated[bool, Field(strict=True)]

# TypedDicts, not BaseModels: a record is judged, never kept as a model, and validating
# into dicts is about twice as fast (a 10-year price history is 2,500 records). Fields the
# models do not declare are allowed and not judged; bronze keeps the raw record, so the
# validated copy can leave them out ("ignore": cheaper than copying them).
_JUDGE = ConfigDict(extra="ignore")


@with_config(_JUDGE)
class PriceRecord(TypedDict):
    symbol: Text
    date: date
    open: Positive
    high: Positive
    low: Positive
    close: Positive
    volume: NonNegative
    change: NotRequired[Number | None]
    changePercent: NotRequired[Number | None]
    vwap: NotRequired[Number | None]


@with_config(_JUDGE)
class ProfileRecord(TypedDict):
    symbol: Text
    companyName: Text
    currency: Text
    sector: NotRequired[str | None]
    industry: NotRequired[str | None]
    exchange: NotRequired[str | None]
    country: NotRequired[str | None]
    marketCap: NotRequired[NonNegative | None]
    beta: NotRequired[Number | None]
    ipoDate: NotRequired[str | None]
    isEtf: NotRequired[Flag | None]
    isActivelyTrading: NotRequired[Flag | None]


@with_config(_JUDGE)
class IncomeRecord(TypedDict):
    date: date
    symbol: Text
    reportedCurrency: NotRequired[str | None]
    fiscalYear: Annotated[str, Field(pattern=r"^\d{4}$")] | int
    period: Literal["FY", "Q1", "Q2", "Q3", "Q4"]
    revenue: Number
    netIncome: Number
    costOfRevenue: NotRequired[Number | None]
    grossProfit: NotRequired[Number | None]
    operatingIncome: NotRequired[Number | None]
    eps: NotRequired[Number | None]
    epsDiluted: NotRequired[Number | None]


MODELS: dict[str, type] = {
    "prices": PriceRecord,
    "profiles": ProfileRecord,
    "income": IncomeRecord,
}
_ONE: dict[str, TypeAdapter[Any]] = {name: TypeAdapter(model) for name, model in MODELS.items()}
_ALL: dict[str, TypeAdapter[list[Any]]] = {
    name: TypeAdapter(list[model]) for name, model in MODELS.items()  # type: ignore[valid-type]
}

# Fields that identify one record within a response (a repeat is quarantined).
_IDENTITY: dict[str, tuple[str, ...]] = {
    "prices": ("date",),
    "profiles": ("symbol",),
    "income": ("date", "period"),
}


@dataclass(frozen=True)
class Rejected:
    record: Any
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"record": self.record, "reason": self.reason}


@dataclass
class Validated:
    valid: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def _reason(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(p) for p in err["loc"]) or "record"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def _all_valid(dataset: str, payload: list[Any], symbol: str) -> Validated | None:
    """The common case in one pass of pydantic's core (no record rejected), else None."""
    try:
        parsed = _ALL[dataset].validate_python(payload)
    except ValidationError:
        return None
    seen = set(map(itemgetter(*_IDENTITY[dataset]), payload))  # validated: the keys exist
    if len(seen) != len(payload):
        return None
    names = set(map(itemgetter("symbol"), parsed))  # one or a few: upper-case each once
    if {str(name).upper() for name in names} != {symbol.upper()}:
        return None
    return Validated(valid=list(payload))


def validate_records(dataset: str, payload: list[Any], symbol: str) -> Validated:
    """Split a response's records into valid (raw, unchanged) and rejected-with-reason."""
    fast = _all_valid(dataset, payload, symbol)
    if fast is not None:
        return fast
    one = _ONE[dataset]
    identity = _IDENTITY[dataset]
    result = Validated()
    seen: set[tuple[Any, ...]] = set()
    for record in payload:
        if not isinstance(record, dict):
            result.rejected.append(Rejected(record, "record is not a JSON object"))
            continue
        try:
            parsed = one.validate_python(record)
        except ValidationError as exc:
            result.rejected.append(Rejected(record, _reason(exc)))
            continue
        got = str(parsed["symbol"])
        if got.upper() != symbol.upper():
            result.rejected.append(Rejected(record, f"symbol: expected {symbol}, got {got}"))
            continue
        ident = tuple(record.get(k) for k in identity)
        if ident in seen:
            joined = ", ".join(f"{k}={v}" for k, v in zip(identity, ident, strict=True))
            result.rejected.append(Rejected(record, f"duplicate record in response ({joined})"))
            continue
        seen.add(ident)
        result.valid.append(record)
    return result
