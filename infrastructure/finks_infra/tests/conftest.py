"""Shared fixtures: every stack rendered once per session through Pulumi's mocks engine.

One program run per stack, shared by every test, keeps the suite quick and keeps
Pulumi's global runtime state from being rebuilt between assertions.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from finks_config import Config, Environment, is_personal_env_file, repo_root
from finks_infra.offline import RecordedResource, render_stack
from finks_infra.program import load_inputs
from finks_infra.stack_config import StackConfig
from finks_testing.fixtures import (  # noqa: F401
    aws_credentials,
    fmp_server,
    moto,
    moto_accounts,
    moto_server,
)

STACKS = ("dev", "staging", "prod")


@dataclass(frozen=True)
class RenderedStack:
    """One stack's settings, config and the resources its program declared."""

    env: str
    settings: StackConfig
    config: Config
    resources: list[RecordedResource]

    def of_type(self, token: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == token]

    def one(self, token: str) -> RecordedResource:
        found = self.of_type(token)
        assert len(found) == 1, f"{self.env}: expected one {token}, found {len(found)}"
        return found[0]

    def named(self, token: str, physical: str) -> list[RecordedResource]:
        return [r for r in self.of_type(token) if r.physical_name == physical]

    def the(self, token: str, physical: str) -> RecordedResource:
        found = self.named(token, physical)
        assert len(found) == 1, f"{self.env}: expected one {token} {physical}, found {len(found)}"
        return found[0]

    def statements(self, token: str, physical: str) -> list[dict[str, Any]]:
        """The statements of the one policy document of ``token`` named ``physical``."""
        (document,) = self.the(token, physical).policy_documents()
        return list(document["Statement"])


def copy_checkout(root: Path) -> Path:
    """Copy the files a deploy reads (env files, Pulumi files) to ``root``."""
    real = repo_root()
    wanted = [
        *(real / "libs" / "config").glob(".env.*"),
        *(real / "infrastructure").glob("Pulumi*.yaml"),
        *(real / "infrastructure" / "config").glob(".env.*"),
    ]
    for source in wanted:
        if is_personal_env_file(source):
            continue  # personal overrides are never part of a checkout
        target = root / source.relative_to(real)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)
    return root


def _git(root: Path, *args: str) -> None:
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "-C", str(root), *identity, *args], check=True, capture_output=True)


@pytest.fixture
def committed_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository holding what a deploy reads, one clean commit; FINKS_ROOT points at it.

    Deploys record the commit in the ledger, and the test sandbox is no checkout.
    """
    root = copy_checkout(tmp_path / "repo")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "x")
    monkeypatch.setenv("FINKS_ROOT", str(root))
    return root


@pytest.fixture(scope="session")
def rendered() -> dict[str, RenderedStack]:
    """dev, staging and prod, each rendered once."""
    stacks = {}
    for env in STACKS:
        settings, config = load_inputs(Environment.parse(env))
        stacks[env] = RenderedStack(env, settings, config, render_stack(settings, config))
    return stacks


@pytest.fixture(params=STACKS)
def stack(
    request: pytest.FixtureRequest, rendered: dict[str, RenderedStack]
) -> Iterator[RenderedStack]:
    """Each stack in turn."""
    yield rendered[request.param]


def pytest_configure(config: pytest.Config) -> None:
    # pulumi_aws warns about its own deprecated aliases when the mocks load its modules.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:pulumi_aws")
