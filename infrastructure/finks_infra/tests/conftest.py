"""Shared fixtures: every stack rendered once per session through Pulumi's mocks engine.

One program run per stack, shared by every test, keeps the suite quick and keeps
Pulumi's global runtime state from being rebuilt between assertions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from finks_config import Config, Environment
from finks_infra.offline import RecordedResource, render_stack
from finks_infra.program import load_inputs
from finks_infra.stack_config import StackConfig
from finks_testing.fixtures import aws_credentials, moto, moto_server  # noqa: F401

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
