"""Typed models of FMP `/stable/` records, and the valid/rejected split.

Why: bronze must hold only records downstream models can trust, and nothing may be lost,
so every record either passes its model or is quarantined with a reason. Records are kept
raw (FMP's own field names and values); the models only judge them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

# Strict numbers: a drifted "123 (unaudited)" string must be rejected, not coerced.
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]
Text = Annotated[str, Field(min_length=1)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class PriceRecord(_Record):
    symbol: Text
    date: date
    open: Positive
    high: Positive
    low: Positive
    close: Positive
    volume: NonNegative
    change: Number | None = None
    changePercent: Number | None = None
    vwap: Number | None = None


class ProfileRecord(_Record):
    symbol: Text
    companyName: Text
    currency: Text
    sector: str | None = None
    industry: str | None = None
    exchange: str | None = None
    country: str | None = None
    marketCap: NonNegative | None = None
    beta: Number | None = None
    ipoDate: str | None = None
    isEtf: Annotated[bool, Field(strict=True)] | None = None
    isActivelyTrading: Annotated[bool, Field(strict=True)] | None = None


class IncomeRecord(_Record):
    date: date
    symbol: Text
    reportedCurrency: str | None = None
    fiscalYear: Annotated[str, Field(pattern=r"^\d{4}$")] | int
    period: Literal["FY", "Q1", "Q2", "Q3", "Q4"]
    revenue: Number
    netIncome: Number
    costOfRevenue: Number | None = None
    grossProfit: Number | None = None
    operatingIncome: Number | None = None
    eps: Number | None = None
    epsDiluted: Number | None = None


MODELS: dict[str, type[_Record]] = {
    "prices": PriceRecord,
    "profiles": ProfileRecord,
    "income": IncomeRecord,
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


_ALL: dict[str, TypeAdapter[list[Any]]] = {
    name: TypeAdapter(list[model]) for name, model in MODELS.items()  # type: ignore[valid-type]
}


def _all_valid(dataset: str, payload: list[Any], symbol: str) -> Validated | None:
    """The common case in one pass of pydantic's core (no record rejected), else None."""
    try:
        parsed = _ALL[dataset].validate_python(payload)
    except ValidationError:
        return None
    identity = _IDENTITY[dataset]
    seen = {tuple(record.get(k) for k in identity) for record in payload}
    if len(seen) != len(payload):
        return None
    if any(str(getattr(p, "symbol", "")).upper() != symbol.upper() for p in parsed):
        return None
    return Validated(valid=list(payload))


def validate_records(dataset: str, payload: list[Any], symbol: str) -> Validated:
    """Split a response's records into valid (raw, unchanged) and rejected-with-reason."""
    fast = _all_valid(dataset, payload, symbol)
    if fast is not None:
        return fast
    model = MODELS[dataset]
    identity = _IDENTITY[dataset]
    result = Validated()
    seen: set[tuple[Any, ...]] = set()
    for record in payload:
        if not isinstance(record, dict):
            result.rejected.append(Rejected(record, "record is not a JSON object"))
            continue
        try:
            parsed = model.model_validate(record)
        except ValidationError as exc:
            result.rejected.append(Rejected(record, _reason(exc)))
            continue
        got = str(getattr(parsed, "symbol", ""))
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
