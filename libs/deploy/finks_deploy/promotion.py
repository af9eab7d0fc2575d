"""The prod release rule: prod runs only released code, byte for byte what staging ran.

Part 1 (before anything is built): HEAD carries a final release tag ``vX.Y.Z``
(prereleases such as ``v1.2.0-rc.1`` never reach prod) and the tree is clean.
Part 2 (after the build): the staging ledger shows this commit of the project
deployed from a clean tree, with the same sha256 for every promoted artifact.
The staging ledger is read with a *staging* Config, so the isolation guard stays
strict; in CI that Config gets the staging ledger-reader role's credentials
(``FINKS_STAGING_AWS_*``), the one cross-environment read the design allows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import finks_config
from finks_config.cli import doing
from finks_deploy import ledger
from finks_deploy.artifacts import Built
from finks_deploy.errors import PromotionError
from finks_deploy.gitinfo import GitInfo


def staging_config(overrides: Mapping[str, str] | None = None) -> finks_config.Config:
    """The shared staging Config (the ledger needs only the artifacts bucket)."""
    return finks_config.load_config(None, finks_config.Environment.STAGING, overrides)


def check_release(git: GitInfo) -> None:
    """Part 1: a final release tag on a clean checkout, or PromotionError saying what to do."""
    if git.sha == "unknown":
        raise PromotionError(
            "prod deploys need a git checkout of the release commit; none found here"
            " (run from the repository, or use --dry-run to preview)"
        )
    if git.dirty:
        shown = ", ".join(git.dirty_files[:3]) + (" ..." if len(git.dirty_files) > 3 else "")
        raise PromotionError(
            f"the working tree differs from {git.short_sha} ({shown}); prod deploys only"
            " committed, released code (commit or remove the changes, or use --dry-run)"
        )
    if not git.release_tag:
        raise PromotionError(
            f"prod deploys need a release: commit {git.short_sha} has no release tag."
            " Push a tag vX.Y.Z on a commit staging has deployed, or use --dry-run to preview"
        )
    if not git.is_prod_release:
        raise PromotionError(
            f"{git.release_tag} is a prerelease tag; prod takes only final releases vX.Y.Z"
            " (tag the commit e.g. v1.2.0 once staging has run it)"
        )


def staged_record(
    project: str, git: GitInfo, *, overrides: Mapping[str, str] | None = None
) -> ledger.LedgerRecord:
    """The staging ledger's clean, healthy ok deploy of ``git.sha``, or PromotionError."""
    config = staging_config(overrides)
    where = f"s3://{config.artifacts_bucket}/{ledger.project_prefix(project)}"
    with doing(f"reading the staging deploy ledger {where} (the prod rule)"):
        entry = ledger.deployed(config, project, git.sha)
    if entry is None:
        raise PromotionError(
            f"prod refuses {project} at {git.short_sha} ({git.release_tag}): the staging ledger"
            f" ({where}) shows no successful clean deploy of this commit. Deploy it to staging"
            " first (a push to main does), then tag it"
        )
    if entry.health == "unhealthy":
        raise PromotionError(
            f"prod refuses {project} at {git.short_sha}: staging's check marked this deploy"
            f" unhealthy ({entry.health_reason}); fix it on main and release a later commit"
        )
    return entry


def check_staging_ran(
    project: str,
    git: GitInfo,
    built: Iterable[Built],
    *,
    overrides: Mapping[str, str] | None = None,
) -> None:
    """Part 2: staging deployed this sha cleanly and healthily, with exactly these digests."""
    staged = staged_record(project, git, overrides=overrides).digests()
    for item in built:
        if not item.artifact.promote:
            continue
        ran = staged.get(item.name)
        if ran is None:
            raise PromotionError(
                f"prod refuses {project} at {git.short_sha}: staging recorded no {item.name}"
                " for this commit; redeploy the commit to staging first"
            )
        if ran != item.sha256:
            raise PromotionError(
                f"prod refuses {project} at {git.short_sha}: {item.name} built here has sha256"
                f" {item.sha256[:16]}..., staging ran {ran[:16]}...; the build is not"
                " reproducible or the checkout differs (rebuild from a clean clone of the tag)"
            )
