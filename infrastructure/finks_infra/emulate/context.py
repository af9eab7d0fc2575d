"""What an emulated apply carries from one resource to the next.

The program was rendered under mocks, so inputs that reference another resource
hold the mock's id or ARN. Where the emulated account answers differently (a
secret's random ARN suffix, a task definition's revision), the handler records
an alias and every later input is rewritten through them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from finks_config import Config
from finks_config.aws import client
from finks_infra.ensure import Outcome, error_code

__all__ = ["ApplyContext", "ApplyReport", "Outcome", "error_code"]


@dataclass
class ApplyReport:
    """What an emulated apply did; ``changed`` is False on a repeated apply."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    substituted: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        skipped = sum(self.skipped.values())
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {skipped} skipped (not emulated)"
        )


@dataclass
class ApplyContext:
    config: Config
    say: Callable[[str], None]
    report: ApplyReport = field(default_factory=ApplyReport)
    aliases: dict[str, str] = field(default_factory=dict)
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        """The guarded client of this env's (emulated) account."""
        if service not in self._clients:
            self._clients[service] = client(self.config, service)
        return self._clients[service]

    def alias(self, mock: object, real: object) -> None:
        """From now on, inputs holding ``mock`` hold ``real`` instead."""
        if isinstance(mock, str) and isinstance(real, str) and mock and mock != real:
            self.aliases[mock] = real

    def resolve(self, value: Any) -> Any:
        """``value`` with every aliased mock id/ARN replaced (also inside longer strings)."""
        if isinstance(value, str):
            for mock in sorted(self.aliases, key=len, reverse=True):
                if mock in value:
                    value = value.replace(mock, self.aliases[mock])
            return value
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def substitute(self, line: str) -> None:
        """Say (once) what the emulation does instead of what AWS would."""
        if line not in self.report.substituted:
            self.report.substituted.append(line)
            self.say(f"emulate: substituted: {line}")
