"""Record validation: valid records stay raw, rejected ones carry a reason."""

from __future__ import annotations

from finks_ingestion.local_fmp import dataset
from finks_ingestion.models import validate_records


def test_synthetic_records_are_valid() -> None:
    for ds, rows in (
        ("prices", dataset.prices("NVDA", None, None)),
        ("profiles", dataset.profile("NVDA")),
        ("income", dataset.income("NVDA", "quarter", 8) + dataset.income("NVDA", "annual", 3)),
    ):
        result = validate_records(ds, rows, "NVDA")
        assert not result.rejected, result.rejected[:2]
        assert result.valid == rows  # kept as returned, not re-serialised by the model


def test_rejections_name_the_problem() -> None:
    good = dataset.prices("AAPL", None, None)[0]
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
    bad_period = {**dataset.income("AAPL", "annual", 1)[0], "period": "H1"}
    assert validate_records("income", [bad_period], "AAPL").rejected[0].reason.startswith("period:")
