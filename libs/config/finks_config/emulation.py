"""Emulator switches: the one place that says "this account is an emulator, not AWS".

The release rehearsal runs the real workflow against emulated accounts (moto), whose
Athena executes no SQL. Its credentials stand-in exports ``FINKS_EMULATED_ATHENA=1``
(never set in the cloud); code that would judge query results asks here instead of
reading the variable itself, and prints what it does not check and why.
"""

from __future__ import annotations

import os

ATHENA_VARIABLE = "FINKS_EMULATED_ATHENA"


def athena_emulated() -> bool:
    """True when Athena is the rehearsal's emulator (it answers every query with no rows)."""
    return os.environ.get(ATHENA_VARIABLE, "").strip().lower() in ("1", "true", "yes")


def athena_emulated_note() -> str:
    """The line to print when skipping a check because of it."""
    return (
        f"Athena is emulated ({ATHENA_VARIABLE}=1: the release rehearsal), it runs no SQL, "
        "so query results are not checked"
    )
