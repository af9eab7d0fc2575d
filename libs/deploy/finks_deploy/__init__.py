"""finks_deploy: the deploy contract, the change planner, the deploy ledger and its locks.

Projects deploy through ``deploy_main(Project())`` (see ``contract``/``project``);
CI asks ``plan`` which projects a change set deploys; the ledger in each
environment's artifacts bucket remembers what ran where, with which artifacts.
"""

from finks_deploy.artifacts import Artifact, Uploaded, reproducible_tar
from finks_deploy.contract import deploy_main
from finks_deploy.errors import DeployError, LockHeldError, PlanError, PromotionError, UsageError
from finks_deploy.gitinfo import GitInfo, read_git_info
from finks_deploy.ledger import LedgerRecord, history, last_successful, record, was_deployed
from finks_deploy.project import DeployContext, Project

__all__ = [
    "Artifact",
    "DeployContext",
    "DeployError",
    "GitInfo",
    "LedgerRecord",
    "LockHeldError",
    "PlanError",
    "Project",
    "PromotionError",
    "UsageError",
    "Uploaded",
    "deploy_main",
    "history",
    "last_successful",
    "read_git_info",
    "record",
    "reproducible_tar",
    "was_deployed",
]
