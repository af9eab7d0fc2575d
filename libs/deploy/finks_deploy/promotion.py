"""The prod release rule: prod runs only released code that staging has already run.

A deploy to prod needs (1) a release tag (``v*``) on the commit and (2) the
staging ledger showing that commit of the project deployed successfully. Reading
the staging ledger uses a *staging* Config, so the isolation guard stays strict
(a prod client never touches a staging bucket); in CI the prod deploy role needs
read access to ``{staging prefix}-artifacts/deploys/*``.
"""

from __future__ import annotations

from collections.abc import Mapping

from botocore.exceptions import BotoCoreError, ClientError  # pants: no-infer-dep

import finks_config
from finks_deploy import ledger
from finks_deploy.errors import PromotionError
from finks_deploy.gitinfo import GitInfo


def staging_config(overrides: Mapping[str, str] | None = None) -> finks_config.Config:
    """The shared staging Config (the ledger needs only the artifacts bucket)."""
    return finks_config.load_config(None, finks_config.Environment.STAGING, overrides)


def check_prod_release(
    project: str,
    git: GitInfo,
    *,
    overrides: Mapping[str, str] | None = None,
) -> None:
    """Raise PromotionError unless ``git`` is a release that staging deployed."""
    if git.sha == "unknown":
        raise PromotionError(
            "prod deploys need a git checkout of the release commit; none found here"
            " (run from the repository, or use --dry-run to preview)"
        )
    if git.dirty:
        raise PromotionError(
            f"the working tree has uncommitted changes on top of {git.short_sha}; prod deploys"
            " only committed, released code (commit or stash them, or use --dry-run)"
        )
    if not git.release_tag:
        raise PromotionError(
            f"prod deploys need a release: commit {git.short_sha} has no release tag (v*)."
            " Publish a GitHub release (tag vX.Y.Z) of a commit staging has deployed,"
            " or use --dry-run to preview"
        )
    config = staging_config(overrides)
    try:
        seen = ledger.was_deployed(config, project, git.sha)
    except (ClientError, BotoCoreError) as error:
        raise PromotionError(
            f"cannot read the staging deploy ledger (s3://{config.artifacts_bucket}/"
            f"{ledger.project_prefix(project)}) to check {git.short_sha}: {error}."
            " The prod deploy role needs read access to it"
        ) from error
    if not seen:
        raise PromotionError(
            f"prod refuses {project} at {git.short_sha} ({git.release_tag}): the staging ledger"
            f" (s3://{config.artifacts_bucket}/{ledger.project_prefix(project)}) shows no"
            " successful deploy of this commit. Deploy it to staging first (a push to main does),"
            " then release it"
        )
