"""The throwaway repository the rehearsal pushes to: this tree, committed once, then edited.

It is made from the files of the tree under rehearsal (a checkout: tracked and untracked,
not ignored, so an uncommitted change can be rehearsed before it is pushed; a Pants test
sandbox: every file the test depends on), never from the checkout's own history, so
nothing the rehearsal commits or tags can reach the real repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

REMOTE = "https://github.com/finks/finks.git"
IDENTITY = {
    "GIT_AUTHOR_NAME": "Finks Rehearsal",
    "GIT_AUTHOR_EMAIL": "rehearsal@finks.invalid",
    "GIT_COMMITTER_NAME": "Finks Rehearsal",
    "GIT_COMMITTER_EMAIL": "rehearsal@finks.invalid",
}
# What a Pants test sandbox holds besides the repository's files.
_SANDBOX_ONLY_SUFFIXES = (".pex",)
_SANDBOX_ONLY_NAMES = frozenset(
    {"__run.sh", "__pycache__", ".pytest_cache", "extra-output", "dist"}
)
# Files without which the copy is no repository: ./pants must run in it.
REQUIRED = ("pants", "pants.toml", "BUILD", ".github/workflows/deploy.yml")


def source_files(source: Path) -> list[str]:
    """Repository-relative paths of the tree at ``source`` (see the module docstring)."""
    if (source / ".git").exists():
        listed = subprocess.run(
            [
                "git",
                "-C",
                str(source),
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            capture_output=True,
            check=True,
        ).stdout.decode()
        names = [name for name in listed.split("\0") if name]
        return sorted(n for n in names if (source / n).is_file() or (source / n).is_symlink())
    found: list[str] = []
    for directory, subdirs, files in os.walk(source):
        subdirs[:] = [
            d
            for d in subdirs
            if d not in _SANDBOX_ONLY_NAMES and not d.endswith(_SANDBOX_ONLY_SUFFIXES)
        ]
        rel = Path(directory).relative_to(source)
        for name in files:
            if name in _SANDBOX_ONLY_NAMES or name.endswith((*_SANDBOX_ONLY_SUFFIXES, ".pyc")):
                continue
            found.append(str(rel / name) if str(rel) != "." else name)
    return sorted(found)


@dataclass(frozen=True)
class ThrowawayRepo:
    """A git repository on ``main`` with an ``origin`` remote that is never contacted."""

    root: Path

    def git(self, *args: str) -> str:
        env = {**os.environ, **IDENTITY, "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat"}
        result = subprocess.run(
            ["git", "-C", str(self.root), *args], capture_output=True, text=True, env=env
        )
        if result.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout.strip()

    @classmethod
    def create(cls, source: Path, dest: Path, files: Iterable[str]) -> ThrowawayRepo:
        """Copy ``files`` from ``source`` into a fresh repository at ``dest``, one commit."""
        names = list(files)
        missing = [name for name in REQUIRED if name not in names]
        if missing:
            raise FileNotFoundError(
                f"the tree at {source} lacks {', '.join(missing)}: the rehearsal needs the whole"
                " repository (a Pants test must depend on //:repository)"
            )
        dest.mkdir(parents=True)
        for name in names:
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, target, follow_symlinks=False)
        repo = cls(dest)
        repo.git("init", "-q", "-b", "main")
        repo.git("remote", "add", "origin", REMOTE)
        repo.git("add", "-A")
        repo.git("commit", "-q", "-m", "rehearsal: the tree under rehearsal")
        return repo

    @property
    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def commit(self, message: str, appends: Mapping[str, str]) -> str:
        """Append a line to each file (creating it if needed), commit; returns the new sha."""
        for name, line in appends.items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            text = path.read_text() if path.exists() else ""
            path.write_text(text + ("" if text.endswith("\n") or not text else "\n") + line + "\n")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.head

    def tag(self, name: str, rev: str = "HEAD") -> None:
        self.git("tag", name, rev)

    def checkout(self, rev: str) -> None:
        """Check out ``rev`` (a branch or a detached commit): act runs what is checked out."""
        self.git("checkout", "-q", rev)
