"""Which environment a process runs in, parsed strictly.

A typo in an environment name must never silently fall back to another
environment (``production`` quietly meaning ``dev`` would deploy to the wrong
place), so parsing is strict and the error suggests the closest valid name.
"""

from __future__ import annotations

import difflib
import os
from enum import Enum

from finks_config.errors import ConfigError

# Spellings people use for each environment: used for "did you mean" hints and
# by the isolation guard to recognise another environment's resource names.
ALIASES: dict[str, tuple[str, ...]] = {
    "local": ("local",),
    "dev": ("dev", "development", "develop"),
    "staging": ("staging", "stage", "stg"),
    "prod": ("prod", "production", "prd"),
}


class Environment(str, Enum):
    """The four Finks environments; the value is the canonical lower-case name."""

    LOCAL = "local"
    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"

    def __str__(self) -> str:
        return self.value

    @property
    def indicator(self) -> str:
        """``[STAGING]``: the prefix every CLI line, log line and notification carries."""
        return f"[{self.value.upper()}]"

    @property
    def aliases(self) -> tuple[str, ...]:
        """Names that mean this environment in resource names (``prod``, ``production``...)."""
        return ALIASES[self.value]

    @classmethod
    def parse(cls, text: object, *, source: str | None = None) -> Environment:
        """Parse a user-supplied name (any case, surrounding whitespace) or raise ConfigError.

        ``source`` names where the text came from (``--env``, ``ENVIRONMENT``) so
        the message points at the right place.
        """
        if isinstance(text, Environment):
            return text
        valid = ", ".join(env.value for env in cls)
        if not isinstance(text, str):
            raise ConfigError(
                f"environment must be a string, got {type(text).__name__}; valid: {valid}",
                key=source,
            )
        name = text.strip().lower()
        if not name:
            raise ConfigError(
                f"environment name is empty; valid: {valid}",
                key=source,
                fix="set it to one of " + valid,
            )
        for env in cls:
            if name == env.value:
                return env
        suggestion = _suggest(name)
        hint = f"; did you mean {suggestion!r}?" if suggestion else ""
        raise ConfigError(
            f"unknown environment {text.strip()!r}; valid: {valid}{hint}",
            key=source,
        )


def _suggest(name: str) -> str | None:
    """The environment a near-miss most likely meant, or None."""
    for env_name, aliases in ALIASES.items():
        if name in aliases:
            return env_name
    spellings = {alias: env_name for env_name, aliases in ALIASES.items() for alias in aliases}
    close = difflib.get_close_matches(name, list(spellings), n=1, cutoff=0.6)
    return spellings[close[0]] if close else None


def current_environment() -> Environment:
    """The environment named by the ``ENVIRONMENT`` variable, ``dev`` when it is unset.

    Set-but-empty is an error, not dev: an empty value usually means a broken
    CI variable, and guessing would act on the wrong environment.
    """
    raw = os.environ.get("ENVIRONMENT")
    if raw is None:
        return Environment.DEV
    if not raw.strip():
        raise ConfigError(
            "is set but empty",
            file="environment variable",
            key="ENVIRONMENT",
            fix="unset it (defaults to dev) or set it to local, dev, staging or prod",
        )
    return Environment.parse(raw, source="ENVIRONMENT")
