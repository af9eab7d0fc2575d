"""Rules the dependency graph cannot express: repo-wide files and per-environment files.

Pants does not own ``pants.toml``, the launcher or ``.github/``, yet they change
how every project builds or deploys, so they deploy everything. Files named
for one environment (``.env.prod``, ``Pulumi.prod.yaml``) only matter when
planning that environment.
"""

from __future__ import annotations

import re
from enum import Enum
from pathlib import PurePosixPath

ENVIRONMENTS = ("local", "dev", "staging", "prod")

# Build configuration of the whole repository (lockfile and requirements included).
REPO_WIDE_FILES = frozenset({"pants", "pants.toml", "BUILD", "BUILD.pants"})
REPO_WIDE_PREFIXES = (".github/", "3rdparty/")
REPO_WIDE_PATTERN = re.compile(r"^pants\.[\w.-]*toml$")

# `.env.prod`, `.env.prod.example`; `Pulumi.prod.yaml`, `profiles.staging.yml`, `dev.json`
_ENV_NAMES = "|".join(ENVIRONMENTS)
ENV_FILE = re.compile(rf"^\.env\.(?P<env>{_ENV_NAMES})(\..*)?$")
ENV_SUFFIX = re.compile(rf"(^|[._-])(?P<env>{_ENV_NAMES})\.(ya?ml|json|toml|env|cfg|ini|tfvars)$")

DOC_SUFFIXES = (".md", ".rst", ".txt", ".adoc")


class FileKind(str, Enum):
    REPO_WIDE = "repo-wide"
    OTHER_ENV = "other-env"
    GRAPH = "graph"  # Pants' dependency graph decides


def file_environment(path: str) -> str | None:
    """The environment a file is specific to, from its name, or None."""
    name = PurePosixPath(path).name
    match = ENV_FILE.match(name) or ENV_SUFFIX.search(name)
    return match.group("env") if match else None


def classify(path: str, env: str) -> FileKind:
    """How a changed path counts when planning ``env``."""
    if (
        path in REPO_WIDE_FILES
        or REPO_WIDE_PATTERN.match(path)
        or path.startswith(REPO_WIDE_PREFIXES)
    ):
        return FileKind.REPO_WIDE
    owner_env = file_environment(path)
    if owner_env is not None and owner_env != env:
        return FileKind.OTHER_ENV
    return FileKind.GRAPH


def is_doc(path: str) -> bool:
    """Documentation Pants does not own: never a reason to deploy."""
    pure = PurePosixPath(path)
    return pure.suffix.lower() in DOC_SUFFIXES or "docs" in pure.parts[:-1]
