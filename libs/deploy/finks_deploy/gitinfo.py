"""What commit is being deployed, and whether it is a release.

The ledger records the sha, the prod rule needs the release tag on HEAD. In CI
(GitHub Actions) the checkout is a real clone, so git answers both; the
``GITHUB_*`` variables only fill in what a detached checkout cannot tell.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

# A release tag: v1, v1.2, v1.2.3, v1.2.3-rc.1 ... (recorded as the version)
RELEASE_TAG = re.compile(r"^v\d+(\.\d+)*([-+][0-9A-Za-z.\-]+)?$")
# What may reach prod: exactly vX.Y.Z (a prerelease such as v1.2.0-rc.1 never does).
PROD_RELEASE_TAG = re.compile(r"^v\d+\.\d+\.\d+$")


@dataclass(frozen=True)
class GitInfo:
    """The commit a deploy runs from; ``sha`` is ``"unknown"`` outside a git checkout."""

    sha: str
    release_tag: str | None
    version: str
    dirty: bool
    diff_digest: str | None = None  # sha256 of what the tree adds to ``sha`` (dirty only)
    dirty_files: tuple[str, ...] = ()

    @property
    def short_sha(self) -> str:
        return self.sha[:12]

    @property
    def is_prod_release(self) -> bool:
        """True when HEAD carries a final release tag (``vX.Y.Z``, no prerelease suffix)."""
        return bool(self.release_tag and PROD_RELEASE_TAG.match(self.release_tag))


def git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``git -C root args`` and capture text output (no prompts, no pager)."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C"}
    return subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=check,
        env=env,
    )


def release_tags_at(root: Path, rev: str = "HEAD") -> list[str]:
    """Release tags (``v*``) pointing at ``rev``, newest version first."""
    result = git(root, "tag", "--points-at", rev, check=False)
    tags = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    return sorted((t for t in tags if RELEASE_TAG.match(t)), key=_version_key, reverse=True)


def _version_key(tag: str) -> tuple[tuple[int, ...], bool]:
    """Numeric version, then final before prerelease (v1.2.0 sorts above v1.2.0-rc.1)."""
    core = tag.split("-")[0].split("+")[0]
    return tuple(int(part) for part in re.findall(r"\d+", core)), core == tag


def read_git_info(root: Path, rev: str = "HEAD") -> GitInfo:
    """Commit ``rev`` of the checkout at ``root`` (falls back to ``GITHUB_SHA``/``GITHUB_REF``).

    The dirty flag describes the working tree, so only when ``rev`` is what is checked out.
    """
    head = git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
    if head.returncode != 0:
        sha = os.environ.get("GITHUB_SHA", "unknown")
        tag = _tag_from_github_ref(sha)
        return GitInfo(sha=sha, release_tag=tag, version=tag or sha[:12], dirty=False)
    sha = head.stdout.strip()
    tags = release_tags_at(root, sha)
    tag = tags[0] if tags else _tag_from_github_ref(sha)
    describe = git(root, "describe", "--tags", "--always", sha, check=False).stdout.strip()
    checked_out = git(root, "rev-parse", "HEAD", check=False).stdout.strip() == sha
    changed, untracked = _working_tree_changes(root) if checked_out else ([], [])
    dirty = bool(changed or untracked)
    return GitInfo(
        sha=sha,
        release_tag=tag,
        version=tag or describe or sha[:12],
        dirty=dirty,
        diff_digest=diff_digest(root, untracked) if dirty else None,
        dirty_files=tuple(sorted({*changed, *untracked})),
    )


def _working_tree_changes(root: Path) -> tuple[list[str], list[str]]:
    """(tracked paths that differ from HEAD, untracked non-ignored paths).

    Untracked files count: Pants builds whatever its globs match, committed or not.
    """
    result = git(root, "status", "--porcelain", "-z", "--untracked-files=all", check=False)
    changed: list[str] = []
    untracked: list[str] = []
    entries = iter(result.stdout.split("\0"))
    for entry in entries:
        if len(entry) < 4:
            continue
        status, path = entry[:2], entry[3:]
        if status == "??":
            untracked.append(path)
        else:
            changed.append(path)
            if "R" in status or "C" in status:
                next(entries, None)  # the rename's source path follows
    return changed, untracked


def diff_digest(root: Path, untracked: list[str]) -> str:
    """sha256 of the working tree's difference from HEAD: tracked diff plus untracked files.

    Two deploys from the same dirty tree get the same digest; any edit changes it.
    """
    digest = hashlib.sha256()
    diff = subprocess.run(
        ["git", "-C", str(root), "diff", "--binary", "--no-color", "--no-ext-diff", "HEAD"],
        capture_output=True,
        check=False,
        env={**os.environ, "GIT_PAGER": "cat", "LC_ALL": "C"},
    )
    digest.update(diff.stdout)
    for rel in sorted(untracked):
        path = root / rel
        digest.update(f"\0untracked {rel}\0".encode())
        if path.is_file():
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _tag_from_github_ref(sha: str) -> str | None:
    """``refs/tags/v1.2.0`` from a GitHub release run, when it names the same commit."""
    ref = os.environ.get("GITHUB_REF", "")
    if not ref.startswith("refs/tags/") or os.environ.get("GITHUB_SHA") != sha:
        return None
    tag = ref.removeprefix("refs/tags/")
    return tag if RELEASE_TAG.match(tag) else None


def current_actor() -> str:
    """Who deploys: the GitHub actor in CI, else the local user name."""
    actor = os.environ.get("GITHUB_ACTOR")
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def ci_run_url() -> str | None:
    """Link to the CI run that deployed, when running in GitHub Actions."""
    server = os.environ.get("GITHUB_SERVER_URL")
    repo = os.environ.get("GITHUB_REPOSITORY")
    run_id = os.environ.get("GITHUB_RUN_ID")
    if server and repo and run_id:
        return f"{server}/{repo}/actions/runs/{run_id}"
    return None
