"""What a dbt deploy builds: the nodes changed since the env's last deploy, and downstream.

Why state-aware: a deploy that rebuilds every model costs a full Athena scan of bronze
each time. Each dbt deploy ships this commit's parsed manifest (``dbt parse``: offline)
as an artifact; the next deploy downloads the one the env's current deploy shipped
(ledger -> artifacts bucket) and selects ``state:modified+`` against it. Everything is
built instead when there is no previous manifest or the adapter/profile changed (the old
tables were built somewhere else). Modified models and their children are rebuilt with
``--full-refresh``: an incremental model whose SQL changed must restate its history.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from finks_config import Config, ConfigError
from finks_dbt.profile_env import dbt_config, dbt_env, render_profile
from finks_dbt.runner import invoke_dbt

MANIFEST = "manifest.json"
STATE_SELECTOR = "state:modified+"
# Profile keys that decide where tables live; threads and retries do not.
_PLACEMENT_KEYS = (
    "type",
    "database",
    "schema",
    "region_name",
    "s3_data_dir",
    "s3_data_naming",
    "work_group",
    "path",
)

Mode = Literal["full", "state", "none", "explicit"]


@dataclass(frozen=True)
class Selection:
    """The deploy's build: everything, the changed nodes (and children), nothing, or what
    ``--select`` named (``explicit``)."""

    mode: Mode
    reason: str
    nodes: list[str] = field(default_factory=list)
    state_dir: Path | None = None

    @property
    def select(self) -> str | None:
        return STATE_SELECTOR if self.mode == "state" else None

    def lines(self) -> list[str]:
        head = {
            "full": "build everything",
            "state": f"build {STATE_SELECTOR} ({len(self.nodes)} nodes, with --full-refresh)",
            "none": "build nothing",
            "explicit": "build the given selection",
        }[self.mode]
        return [f"{head}: {self.reason}", *(f"  {node}" for node in self.nodes)]


def placement(config: Config) -> dict[str, Any]:
    """Where this env's tables live, from the rendered profile (no credentials)."""
    profile = render_profile(dbt_env(dbt_config(config)))
    return {key: profile[key] for key in _PLACEMENT_KEYS if key in profile}


def placement_digest(config: Config) -> str:
    return hashlib.sha256(json.dumps(placement(config), sort_keys=True).encode()).hexdigest()


def parse_manifest(config: Config, work: Path) -> Path:
    """``dbt parse`` this commit's project for ``config``'s target; the manifest's path."""
    scratch = dbt_config(config, {"DBT_WORK_DIR": str(work)})
    result, _ = invoke_dbt(scratch, ["parse", "--quiet"])
    path = work / "target" / MANIFEST
    if not result.success or not path.is_file():
        raise ConfigError(f"dbt parse failed: {' '.join(str(result.exception).split())}")
    return path


def _adapter(manifest: Path) -> str | None:
    try:
        return str(json.loads(manifest.read_text())["metadata"]["adapter_type"])
    except (OSError, ValueError, KeyError):
        return None


def select_nodes(
    config: Config,
    previous: Path | None,
    previous_placement: str | None,
    current: Path,
) -> Selection:
    """Decide the build from the previous deploy's manifest (None: there was none)."""
    if previous is None:
        return Selection("full", f"no previous dbt deploy manifest in {config.environment.value}")
    if _adapter(previous) != _adapter(current):
        change = f"{_adapter(previous)} -> {_adapter(current)}"
        return Selection("full", f"the adapter changed ({change})")
    if previous_placement is not None and previous_placement != placement_digest(config):
        return Selection("full", "the profile changed (database, schema, location or work group)")
    state_dir = previous.parent
    result, _ = invoke_dbt(
        config,
        ["ls", "--quiet", "--select", STATE_SELECTOR, "--state", str(state_dir),
         "--exclude", "resource_type:unit_test", "--output", "name"],
    )  # fmt: skip
    if not result.success:
        raise ConfigError(f"dbt ls failed: {' '.join(str(result.exception).split())}")
    nodes = sorted(str(n) for n in (result.result or []))
    if not nodes:
        return Selection("none", "nothing changed since the last deploy", [], state_dir)
    return Selection("state", "changed since the last deploy", nodes, state_dir)
