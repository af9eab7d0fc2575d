"""The change set: which files differ between two commits, from git.

A plain tree diff (``git diff BASE HEAD``) is what a deploy needs: the base is
the commit that is running in the environment, the head what will run next.
Deleted files are kept (Pants cannot see them any more; the planner traces
them to the directory that owned them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from finks_deploy.errors import PlanError
from finks_deploy.gitinfo import git

FETCH_HINT = (
    "fetch more history: in GitHub Actions use actions/checkout with `fetch-depth: 0`;"
    " locally run `git fetch --unshallow`"
)


@dataclass(frozen=True)
class ChangedFile:
    """One path in the diff; ``deleted`` when the head no longer has it."""

    path: str
    deleted: bool = False


def is_shallow(root: Path) -> bool:
    result = git(root, "rev-parse", "--is-shallow-repository", check=False)
    return result.stdout.strip() == "true"


def resolve_rev(root: Path, rev: str, *, what: str = "revision") -> str:
    """The commit sha ``rev`` names, or PlanError saying why it cannot be found."""
    probe = git(root, "rev-parse", "--git-dir", check=False)
    if probe.returncode != 0:
        raise PlanError(f"{root} is not a git checkout; the planner diffs commits")
    result = git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
    if result.returncode == 0:
        return result.stdout.strip()
    if is_shallow(root):
        raise PlanError(
            f"{what} {rev!r} is not in this shallow clone, so the change set cannot be computed;"
            f" {FETCH_HINT}"
        )
    raise PlanError(f"{what} {rev!r} is not a commit in this repository (typo, or not fetched?)")


def changed_files(root: Path, base: str, head: str) -> list[ChangedFile]:
    """Files that differ between commits ``base`` and ``head`` (renames = delete + add)."""
    result = git(root, "diff", "--name-status", "--no-renames", "-z", base, head, check=False)
    if result.returncode != 0:
        hint = f"; {FETCH_HINT}" if is_shallow(root) else ""
        raise PlanError(f"git diff {base[:12]} {head[:12]} failed: {result.stderr.strip()}{hint}")
    fields = [f for f in result.stdout.split("\0") if f]
    changes: list[ChangedFile] = []
    for status, path in zip(fields[::2], fields[1::2], strict=True):
        changes.append(ChangedFile(path=path, deleted=status.startswith("D")))
    return sorted(changes, key=lambda c: c.path)
