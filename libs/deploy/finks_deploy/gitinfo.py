"""What commit is being deployed, and whether it is a release.

The ledger records the sha, the prod rule needs the release tag on HEAD. In CI
(GitHub Actions) the checkout is a real clone, so git answers both; the
``GITHUB_*`` variables only fill in what a detached checkout cannot tell.
"""

from __future__ import annotations

import getpass
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

# A release tag: v1, v1.2, v1.2.3, v1.2.3-rc.1 ...
RELEASE_TAG = re.compile(r"^v\d+(\.\d+)*([-+][0-9A-Za-z.\-]+)?$")


@dataclass(frozen=True)
class GitInfo:
    """The commit a deploy runs from; ``sha`` is ``"unknown"`` outside a git checkout."""

    sha: str
    release_tag: str | None
    version: str
    dirty: bool

    @property
    def short_sha(self) -> str:
        return self.sha[:12]


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


def _version_key(tag: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", tag.split("-")[0].split("+")[0]))


def read_git_info(root: Path) -> GitInfo:
    """The HEAD commit of the checkout at ``root`` (falls back to ``GITHUB_SHA``/``GITHUB_REF``)."""
    head = git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
    if head.returncode != 0:
        sha = os.environ.get("GITHUB_SHA", "unknown")
        tag = _tag_from_github_ref(sha)
        return GitInfo(sha=sha, release_tag=tag, version=tag or sha[:12], dirty=False)
    sha = head.stdout.strip()
    tags = release_tags_at(root, sha)
    tag = tags[0] if tags else _tag_from_github_ref(sha)
    describe = git(root, "describe", "--tags", "--always", sha, check=False).stdout.strip()
    status = git(root, "status", "--porcelain", "--untracked-files=no", check=False).stdout
    return GitInfo(
        sha=sha, release_tag=tag, version=tag or describe or sha[:12], dirty=bool(status)
    )


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
