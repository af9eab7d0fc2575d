"""finks_ingestion: FMP `/stable/` connectors that land raw market data in the bronze zone.

Public API (pipelines call it in-process): `run_ingestion`, `IngestReport`.
The local FMP server lives in `finks_ingestion.local_fmp` (a local/test tool).
"""

from finks_ingestion.runner import FetchRequest, IngestReport, run_ingestion

__all__ = ["FetchRequest", "IngestReport", "run_ingestion"]
