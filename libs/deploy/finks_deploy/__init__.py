"""finks_deploy: the deploy contract, the change planner and the deploy ledger.

Projects deploy through ``run_deploy`` (see ``contract``); CI asks ``plan``
which projects a change set deploys; the ledger in each environment's
artifacts bucket remembers what ran where.
"""

from finks_deploy.contract import DeployContext, run_deploy
from finks_deploy.errors import DeployError, LockHeldError, PlanError, PromotionError, UsageError
from finks_deploy.gitinfo import GitInfo, read_git_info
from finks_deploy.ledger import LedgerRecord, history, last_successful, record, was_deployed

__all__ = [
    "DeployContext",
    "DeployError",
    "GitInfo",
    "LedgerRecord",
    "LockHeldError",
    "PlanError",
    "PromotionError",
    "UsageError",
    "history",
    "last_successful",
    "read_git_info",
    "record",
    "run_deploy",
    "was_deployed",
]
