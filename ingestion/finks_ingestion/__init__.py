"""finks_ingestion: FMP `/stable/` connectors that land raw market data in the bronze zone.

Public API (pipelines call it in-process): `run_ingestion`, `IngestReport`, `FetchRequest`.
Ingestion is incremental: per (dataset, symbol) a watermark in bronze (one object per symbol)
says how far it holds.
"""

from finks_ingestion.planning import FetchRequest
from finks_ingestion.runner import IngestReport, run_ingestion

__all__ = ["FetchRequest", "IngestReport", "run_ingestion"]
