"""finks_local.fmp: a stand-in for FMP's `/stable/` API over a deterministic synthetic universe.

    from finks_local.fmp import LocalFmpServer, LOCAL_FMP_API_KEY, SYMBOLS
    with LocalFmpServer(as_of=date(2026, 12, 1)) as fmp:
        fmp.url  # -> FMP_BASE_URL; the key is LOCAL_FMP_API_KEY unless api_key= is given

Used by the local platform, the tests and the benchmarks; never by production code.
See README.md for the universe, the clock and the faults.
"""

from finks_local.fmp import dataset
from finks_local.fmp.process import FmpProcess, start_fmp_process
from finks_local.fmp.server import ALL_FAULTS, LOCAL_FMP_API_KEY, LocalFmpServer
from finks_local.fmp.trading import HISTORY_START, is_trading_day, last_trading_day, trading_days
from finks_local.fmp.universe import NAMED, SECTORS, SYMBOLS, UNIVERSE, Company, company

__all__ = [
    "ALL_FAULTS",
    "HISTORY_START",
    "LOCAL_FMP_API_KEY",
    "NAMED",
    "SECTORS",
    "SYMBOLS",
    "UNIVERSE",
    "Company",
    "FmpProcess",
    "LocalFmpServer",
    "company",
    "dataset",
    "is_trading_day",
    "last_trading_day",
    "start_fmp_process",
    "trading_days",
]
