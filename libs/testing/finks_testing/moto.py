"""The moto server type tests annotate with (`MotoEndpoint`), from finks_local."""

from __future__ import annotations

from finks_local.moto import DEFAULT_ACCOUNT_ID, FAKE_CREDENTIALS, MotoServer

MotoEndpoint = MotoServer

__all__ = ["DEFAULT_ACCOUNT_ID", "FAKE_CREDENTIALS", "MotoEndpoint", "MotoServer"]
