"""Local stand-ins for the remote actions the workflows use (act's ``--local-repository``).

Only actions that would be downloaded from GitHub get one; ``actions/checkout`` is act's
own (it copies the working tree). Every remote ``uses:`` in the workflows must have a
stand-in here, whatever its version, or the rehearsal stops naming it: a new remote
action never silently reaches the network.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import]

_PACKAGE = "finks_deploy.rehearsal"
# owner/repo -> stand-in directory under actions/
STANDINS: Mapping[str, str] = {
    "actions/setup-python": "setup-python",
    "actions/cache": "cache",
    "aws-actions/configure-aws-credentials": "configure-aws-credentials",
    "pulumi/actions": "pulumi",
}
# act implements these itself, offline.
BUILT_IN = frozenset({"actions/checkout"})
# The credentials stand-in's script (standard library only) goes next to its action.yml.
EXTRA_FILES: Mapping[str, tuple[str, ...]] = {
    "configure-aws-credentials": ("standin_credentials.py",),
}


class MissingStandIn(Exception):
    """A workflow uses a remote action the rehearsal has no stand-in for."""


def workflow_files(repo: Path) -> list[Path]:
    github = repo / ".github"
    return sorted([*github.glob("workflows/*.yml"), *github.glob("actions/*/action.yml")])


def _uses(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "uses" and isinstance(value, str):
                yield value
            else:
                yield from _uses(value)
    elif isinstance(node, list):
        for item in node:
            yield from _uses(item)


def remote_actions(repo: Path) -> set[str]:
    """Every ``owner/repo@ref`` the workflows and local actions use (not ``./`` ones)."""
    found: set[str] = set()
    for path in workflow_files(repo):
        for uses in _uses(yaml.safe_load(path.read_text())):
            if not uses.startswith("./") and "@" in uses and ".github/workflows/" not in uses:
                found.add(uses)
    return found


def materialize(repo: Path, dest: Path) -> dict[str, Path]:
    """Write the stand-ins under ``dest``; returns act's ``--local-repository`` map."""
    mapping: dict[str, Path] = {}
    for uses in sorted(remote_actions(repo)):
        name = uses.split("@", 1)[0]
        if name in BUILT_IN:
            continue
        if name not in STANDINS:
            raise MissingStandIn(
                f"{uses} (used in .github/) would be downloaded from GitHub and the rehearsal"
                f" has no stand-in for it: add one to {_PACKAGE}.standins.STANDINS"
            )
        folder = dest / STANDINS[name]
        folder.mkdir(parents=True, exist_ok=True)
        package = importlib.resources.files(_PACKAGE)
        action = package.joinpath("actions").joinpath(STANDINS[name]).joinpath("action.yml")
        (folder / "action.yml").write_text(action.read_text())
        for extra in EXTRA_FILES.get(STANDINS[name], ()):
            (folder / extra).write_text(package.joinpath(extra).read_text())
        mapping[uses] = folder
    return mapping
