"""Find every committed ``.env*`` file in the repo and flag secret-looking values.

Committed env files hold configuration only. This scan is what the test suite
runs over the whole repository so a leaked key fails the build instead of
waiting for a reviewer. Personal ``.env.{env}.local`` files are git-ignored and
skipped (they are where local stand-in secrets belong).
"""

from __future__ import annotations

import os
from pathlib import Path

from finks_config.envfiles import is_env_file, is_personal_env_file, read_env_file
from finks_config.errors import ConfigError
from finks_config.secrets import looks_like_secret

SKIP_DIRS = {
    ".git",
    ".finks",
    "dist",
    ".pants.d",
    ".pids",
    "node_modules",
    "__pycache__",
    ".venv",
    "venv",
}


def committed_env_files(root: Path) -> list[Path]:
    """Every ``.env`` / ``.env.*`` file under ``root`` except personal overrides and tool dirs."""
    found: list[Path] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            path = Path(directory) / name
            if is_env_file(path) and not is_personal_env_file(path):
                found.append(path)
    return found


def secret_findings(root: Path) -> list[str]:
    """``file:line: KEY`` for every secret-looking value (values are never included)."""
    findings: list[str] = []
    for path in committed_env_files(root):
        try:
            env_file = read_env_file(path, root)
        except ConfigError as exc:
            findings.append(f"cannot scan: {exc}")
            continue
        for key, value in env_file.values.items():
            if looks_like_secret(key, value):
                findings.append(f"{env_file.source(key)}: {key} looks like a secret")
    return findings
