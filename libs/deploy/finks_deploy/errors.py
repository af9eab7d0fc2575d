"""Error types the deploy commands map to exit codes (2: usage/config, 1: the deploy failed).

Keeping them apart from the code that raises them lets every ``<project>:deploy``
raise ``UsageError`` for a bad flag without importing the whole contract.
"""

from __future__ import annotations


class UsageError(Exception):
    """Bad flags or a refused request a person can fix; exit 2, nothing changed."""


class PromotionError(UsageError):
    """The prod release rule refused the deploy (no release tag, or staging never saw the sha)."""


class DeployError(Exception):
    """The deploy itself could not complete (exit 1): retrying later may work."""


class LockHeldError(DeployError):
    """Another deploy to the same environment holds the lock and did not release it in time."""


class PlanError(UsageError):
    """The planner cannot answer reliably (unknown revision, shallow clone, broken BUILD)."""
