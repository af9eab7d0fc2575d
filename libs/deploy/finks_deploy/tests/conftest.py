"""Shared fixtures: a real moto server, and a small git checkout shaped like the repo.

``run_deploy`` reads the commit from the repo root, so contract tests run in a
temporary git repository (FINKS_ROOT points at it) holding the shared
``libs/config/.env.*`` files and a ``demo`` project with its own config dir.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import finks_config
from finks_testing.fixtures import aws_credentials, moto, moto_server  # noqa: F401
from finks_testing.moto import MotoEndpoint

ENVIRONMENTS = ("local", "dev", "staging", "prod")
GITHUB_VARS = ("GITHUB_SHA", "GITHUB_REF", "GITHUB_ACTOR", "GITHUB_RUN_ID", "ENVIRONMENT")


def git(root: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=True,
        env={
            "GIT_AUTHOR_NAME": "Finks Test",
            "GIT_AUTHOR_EMAIL": "test@finks.invalid",
            "GIT_COMMITTER_NAME": "Finks Test",
            "GIT_COMMITTER_EMAIL": "test@finks.invalid",
            "PATH": "/usr/bin:/bin:/usr/local/bin",
            "HOME": str(root),
        },
    )
    return result.stdout.strip()


@dataclass
class DemoRepo:
    """A committed checkout with the shared config and a ``demo`` project."""

    root: Path

    @property
    def head(self) -> str:
        return git(self.root, "rev-parse", "HEAD")

    def commit(self, message: str, files: dict[str, str] | None = None) -> str:
        for name, text in (files or {}).items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "--allow-empty", "-m", message)
        return self.head

    def tag(self, name: str) -> None:
        git(self.root, "tag", name)


@pytest.fixture
def demo_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoRepo]:
    source = finks_config.repo_root() / "libs" / "config"
    root = tmp_path / "repo"
    (root / "libs" / "config").mkdir(parents=True)
    for env_file in source.glob(".env.*"):
        if not env_file.name.endswith(".local") or env_file.name == ".env.local":
            shutil.copy(env_file, root / "libs" / "config" / env_file.name)
    for env in ENVIRONMENTS:
        (root / "demo" / "config").mkdir(parents=True, exist_ok=True)
        (root / "demo" / "config" / f".env.{env}").write_text("# demo project keys\n")
    git(root, "init", "-q", "-b", "main")
    repo = DemoRepo(root)
    repo.commit("initial")
    monkeypatch.setenv("FINKS_ROOT", str(root))
    monkeypatch.chdir(root)
    for name in GITHUB_VARS:
        monkeypatch.delenv(name, raising=False)
    yield repo


def make_bucket(moto: MotoEndpoint, env: str) -> str:  # noqa: F811
    """Create ``{env}-artifacts`` on the moto server (what infrastructure would create)."""
    bucket = f"{env}-artifacts"
    s3 = moto.raw_client("s3")
    s3.create_bucket(  # type: ignore[attr-defined]
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ca-central-1"}
    )
    return bucket


@pytest.fixture
def overrides(moto: MotoEndpoint) -> dict[str, str]:  # noqa: F811
    return {"AWS_ENDPOINT_URL": moto.url}


@pytest.fixture
def buckets(moto: MotoEndpoint, demo_repo: DemoRepo) -> dict[str, str]:  # noqa: F811
    """Artifacts buckets for every environment (moto is per test, so created per test)."""
    return {env: make_bucket(moto, env) for env in ENVIRONMENTS}


def repo_source(rel: str) -> Path:
    """A file of the real checkout, as the test sandbox (or the dev checkout) holds it.

    Pants ignores dot-directories by default, so ``.github/`` reaches the sandbox
    only once pants.toml un-ignores it (``pants_ignore.add = ["!/.github/"]``) and
    this package's tests depend on ``.github:github``; the message says so.
    """
    path = finks_config.repo_root() / rel
    if not path.exists():
        hint = (
            ' (Pants ignores dot-directories: add "!/.github/" to [GLOBAL] pants_ignore.add'
            ' in pants.toml and ".github:github" to the dependencies in'
            " libs/deploy/finks_deploy/tests/BUILD)"
            if rel.startswith(".github/")
            else ""
        )
        pytest.fail(f"{rel} is not in {path.parent}{hint}")
    return path
