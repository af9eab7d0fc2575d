"""Local/test tool: a stand-in FMP `/stable/` server over a deterministic synthetic dataset."""

from finks_ingestion.local_fmp.dataset import SECTORS, SYMBOLS
from finks_ingestion.local_fmp.server import ALL_FAULTS, LOCAL_FMP_API_KEY, LocalFmpServer

__all__ = ["ALL_FAULTS", "LOCAL_FMP_API_KEY", "SECTORS", "SYMBOLS", "LocalFmpServer"]
