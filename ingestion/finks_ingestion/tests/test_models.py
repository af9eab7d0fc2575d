"""Record validation: valid records stay raw, rejected ones carry a reason."""

from __future__ import annotations

import json
from datetime import date

from finks_ingestion.models import validate_records
from finks_local.fmp import dataset

AS_OF = date(2026, 11, 24)


def test_synthetic_records_are_valid() -> None:
    for ds, rows in (
        ("prices", dataset.prices("NVDA", date(2024, 1, 1), None, as_of=AS_OF)),
        ("profiles", dataset.profile("NVDA", as_of=AS_OF)),
        (
            "income",
            dataset.income("NVDA", "quarter", 8, as_of=AS_OF)
            + dataset.income("NVDA", "annual", 3, as_of=AS_OF),
        ),
    ):
        result = validate_records(ds, rows, "NVDA")
        assert not result.rejected, result.rejected[:2]
        assert result.valid == rows  # kept as returned, not re-serialised by the model


def test_rejections_name_the_problem() -> None:
    good = dataset.prices("AAPL", None, None, as_of=AS_OF)[0]
    rows = [
        good,
        dict(good),  # duplicate date
        {**good, "date": "2000-01-03", "volume": "12 (unaudited)"},
        {k: v for k, v in good.items() if k != "close"} | {"date": "2000-01-04"},
        {**good, "date": "2000-01-05", "symbol": "MSFT"},
        "not a record",
    ]
    result = validate_records("prices", rows, "AAPL")
    assert result.valid == [good]
    reasons = [r.reason for r in result.rejected]
    assert reasons[0].startswith("duplicate record")
    assert reasons[1].startswith("volume:")
    assert reasons[2] == "close: Field required"
    assert reasons[3] == "symbol: expected AAPL, got MSFT"
    assert reasons[4] == "record is not a JSON object"
    bad_period = {**dataset.income("AAPL", "annual", 1, as_of=AS_OF)[0], "period": "H1"}
    assert validate_records("income", [bad_period], "AAPL").rejected[0].reason.startswith("period:")


def test_a_response_valid_but_for_one_symbol_is_not_taken_whole() -> None:
    """The fast path (the whole response valid at once) must still check the symbol."""
    good = dataset.prices("AAPL", None, None, as_of=AS_OF)[:3]
    result = validate_records(
        "prices", [*good, {**good[0], "date": "2000-01-03", "symbol": "MSFT"}], "AAPL"
    )
    assert result.valid == good
    assert [r.reason for r in result.rejected] == ["symbol: expected AAPL, got MSFT"]


def test_stored_records_are_the_response_body_on_one_line() -> None:
    """A pretty-printed FMP body (as the real API sends) becomes a one-line bronze object."""
    from finks_ingestion.bronze import encode_with_raw_records

    body = b'[\n  {\n    "symbol": "AAPL",\n    "close": 1.5\n  }\r\n]\n'
    encoded = encode_with_raw_records({"dataset": "prices"}, body)
    assert encoded.count(b"\n") == 1 and encoded.endswith(b"\n")
    assert json.loads(encoded) == {
        "envelope": {"dataset": "prices"},
        "records": [{"symbol": "AAPL", "close": 1.5}],
    }


def test_a_field_fmp_adds_is_kept_raw_and_not_judged() -> None:
    good = dataset.prices("AAPL", None, None, as_of=AS_OF)[0]
    added = {**good, "date": "2000-01-03", "adjClose": "n/a", "unadjustedVolume": None}
    whole = validate_records("prices", [good, added], "AAPL")
    assert whole.valid == [good, added] and not whole.rejected  # the one-pass check
    mixed = validate_records("prices", [added, {**good, "close": "x"}], "AAPL")
    assert mixed.valid == [added] and len(mixed.rejected) == 1  # record by record
