"""Error types of the deploy commands, on finks_config's exit-code classes.

``UsageError`` is a ``ConfigError`` (exit 2: bad flags or a refused request a
person fixes; nothing changed); ``DeployError`` is a ``RunError`` (exit 1: the
deploy itself failed). Kept apart from the code that raises them so a project's
deploy can raise ``UsageError`` without importing the whole contract.
"""

from __future__ import annotations

from finks_config.errors import ConfigError, RunError


class UsageError(ConfigError):
    """Bad flags or a refused request a person can fix; exit 2, nothing changed."""


class PromotionError(UsageError):
    """The prod release rule refused the deploy (no final release, or staging never ran it)."""


class PlanError(UsageError):
    """The planner cannot answer reliably (unknown revision, shallow clone, broken BUILD)."""


class DeployError(RunError):
    """The deploy itself could not complete (exit 1): retrying later may work."""


class LockHeldError(DeployError):
    """Another holder kept the lock past our timeout (it is alive: it keeps renewing)."""
