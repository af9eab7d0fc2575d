"""Where the repository is, found the same way in a checkout, a Pants sandbox and a PEX.

Pants runs tests in a sandbox that keeps repo-relative paths and runs
binaries with cwd = repo root, so walking up from the cwd to the directory that
holds ``libs/config/.env.example`` works there; ``__file__`` would not (inside a
PEX it points into the PEX cache). The worker PEX has no repository at all: it
ships every env file as a resource at its repo-relative path, so an entry of
``sys.path`` that holds the marker is the root then.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from finks_config.errors import ConfigError

MARKER = Path("libs/config/.env.example")
SHARED_CONFIG_DIR = Path("libs/config")


def repo_root() -> Path:
    """The Finks repo root: ``$FINKS_ROOT``, else the nearest cwd parent holding the marker,
    else the first ``sys.path`` entry holding it (a PEX with the env files as resources)."""
    override = os.environ.get("FINKS_ROOT")
    if override:
        root = Path(override).expanduser().resolve()
        if not (root / MARKER).is_file():
            raise ConfigError(
                f"{root} is not a Finks repo root (no {MARKER} there)",
                key="FINKS_ROOT",
                fix="point FINKS_ROOT at the repository checkout, or unset it",
            )
        return root
    cwd = Path.cwd().resolve()
    for candidate in (cwd, *cwd.parents):
        if (candidate / MARKER).is_file():
            return candidate
    for entry in sys.path:
        if entry and (Path(entry) / MARKER).is_file():
            return Path(entry).resolve()
    raise ConfigError(
        f"cannot find the Finks repo root: no {MARKER} in {cwd}, any parent, or sys.path",
        fix="run from inside the repository, or set FINKS_ROOT to the checkout",
    )


def is_checkout(root: Path) -> bool:
    """True when ``root`` is a checkout (or a Pants sandbox of one), False when it is an
    installed package's directory on ``sys.path`` (the worker PEX): never write there."""
    if any((root / marker).exists() for marker in (".git", "pants.toml")):
        return True
    resolved = root.resolve()
    return all(Path(entry).resolve() != resolved for entry in sys.path if entry)


def display_path(path: Path, root: Path | None = None) -> str:
    """``path`` relative to the repo root when it is inside it: short, stable messages."""
    try:
        base = root if root is not None else repo_root()
        return str(path.resolve().relative_to(base))
    except (ValueError, ConfigError):
        return str(path)
