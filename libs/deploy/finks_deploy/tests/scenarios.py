"""Test support: a throw-away repository shaped like Finks, and the planner's scenario set.

Used by the planner tests and ``bench:plan``: both need a real git repository
with a real ``./pants`` and BUILD files mirroring the monorepo (shared
``libs/config``, test-only ``libs/testing``, four projects with ``deploy``
targets, dbt models as ``files``, env-specific config) so that the rules are
decided by Pants' graph, not by a stand-in.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ALL = frozenset({"infrastructure", "ingestion", "dbt", "pipelines"})
# An edit that appends a comment line instead of replacing the file.
APPEND = "<append a line>"

PANTS_TOML = """\
[GLOBAL]
pants_version = "{pants_version}"
backend_packages = ["pants.backend.python"]

[anonymous-telemetry]
enabled = false

[source]
root_patterns = [
  "/libs/config", "/libs/testing", "/ingestion", "/pipelines", "/dbt", "/infrastructure",
]

[python]
interpreter_constraints = ["CPython==3.11.*"]

[python-infer]
use_rust_parser = true
unowned_dependency_behavior = "error"

[pex-cli]
version = "{pex_version}"
known_versions = [
{known_versions}
]
"""

LAYOUT: dict[str, str] = {
    ".gitignore": "/.pants.d/\n/.pids/\n__pycache__/\n",
    "README.md": "# Finks\n",
    "docs/guide.md": "# Guide\n",
    "3rdparty/python/default.lock": "// lockfile\n",
    ".github/workflows/deploy.yml": "name: deploy\n",
    # Shared config: every project imports it and reads its env files.
    "libs/config/BUILD": 'files(name="env-files", sources=[".env.*"])\n',
    "libs/config/.env.example": "ENVIRONMENT=\n",
    "libs/config/.env.local": "ENVIRONMENT=local\nS3_BUCKET_PREFIX=local\n",
    "libs/config/.env.dev": "ENVIRONMENT=dev\nS3_BUCKET_PREFIX=dev\n",
    "libs/config/.env.staging": "ENVIRONMENT=staging\nS3_BUCKET_PREFIX=staging\n",
    "libs/config/.env.prod": "ENVIRONMENT=prod\nS3_BUCKET_PREFIX=prod\n",
    "libs/config/finks_config/BUILD": 'python_sources(dependencies=["libs/config:env-files"])\n',
    "libs/config/finks_config/__init__.py": "PREFIX = 'finks'\n",
    # Test-only support: never deployed.
    "libs/testing/finks_testing/BUILD": "python_sources()\n",
    "libs/testing/finks_testing/__init__.py": "from finks_config import PREFIX\n",
    # ingestion
    "ingestion/README.md": "# ingestion\n",
    "ingestion/BUILD": (
        'files(name="config", sources=["config/.env.*"])\n'
        'pex_binary(name="deploy", entry_point="finks_ingestion/deploy.py",'
        ' dependencies=[":config"], tags=["deploy-after:infrastructure"])\n'
    ),
    "ingestion/config/.env.dev": "FMP_BASE_URL=https://example.invalid\n",
    "ingestion/config/.env.prod": "FMP_BASE_URL=https://example.invalid\n",
    "ingestion/finks_ingestion/BUILD": "python_sources()\n",
    "ingestion/finks_ingestion/__init__.py": "from finks_ingestion.client import fetch\n",
    "ingestion/finks_ingestion/client.py": (
        "from finks_config import PREFIX\n\ndef fetch(): return PREFIX\n"
    ),
    "ingestion/finks_ingestion/extra.py": "from finks_config import PREFIX\n",
    "ingestion/finks_ingestion/deploy.py": (
        "import finks_ingestion.extra\nfrom finks_ingestion import fetch\n"
    ),
    "ingestion/finks_ingestion/tests/BUILD": "python_tests()\n",
    "ingestion/finks_ingestion/tests/test_client.py": (
        "import finks_testing\nfrom finks_ingestion import fetch\n\n"
        "def test_fetch(): assert fetch()\n"
    ),
    # dbt: models are files the dbt package depends on.
    "dbt/BUILD": (
        'files(name="models", sources=["models/**/*.sql", "dbt_project.yml"])\n'
        'files(name="profiles", sources=["profiles.*.yml"])\n'
        'pex_binary(name="deploy", entry_point="finks_dbt/deploy.py",'
        ' tags=["deploy-after:infrastructure", "deploy-after:ingestion"])\n'
    ),
    "dbt/dbt_project.yml": "name: finks\n",
    "dbt/profiles.dev.yml": "target: dev\n",
    "dbt/profiles.prod.yml": "target: prod\n",
    "dbt/models/silver/stg_prices.sql": "select 1 as price\n",
    "dbt/models/gold/daily_returns.sql": "select * from {{ ref('stg_prices') }}\n",
    "dbt/finks_dbt/BUILD": 'python_sources(dependencies=["dbt:models", "dbt:profiles"])\n',
    "dbt/finks_dbt/__init__.py": "from finks_config import PREFIX\n",
    "dbt/finks_dbt/deploy.py": "import finks_dbt\n",
    # pipelines orchestrate ingestion and dbt.
    "pipelines/BUILD": (
        'pex_binary(name="deploy", entry_point="finks_pipelines/deploy.py",'
        ' tags=["deploy-after:dbt", "deploy-after:ingestion"])\n'
    ),
    "pipelines/finks_pipelines/BUILD": "python_sources()\n",
    "pipelines/finks_pipelines/__init__.py": (
        "import finks_dbt\nfrom finks_ingestion import fetch\n"
    ),
    "pipelines/finks_pipelines/deploy.py": "import finks_pipelines\n",
    # infrastructure: a Pulumi program with per-env stack files.
    "infrastructure/BUILD": (
        'files(name="stacks", sources=["Pulumi.yaml", "Pulumi.*.yaml"])\n'
        'pex_binary(name="deploy", entry_point="finks_infra/deploy.py",'
        ' dependencies=[":stacks"])\n'
    ),
    "infrastructure/Pulumi.yaml": "name: finks\nruntime: python\n",
    "infrastructure/Pulumi.dev.yaml": "config: {}\n",
    "infrastructure/Pulumi.prod.yaml": "config: {}\n",
    "infrastructure/finks_infra/BUILD": "python_sources()\n",
    "infrastructure/finks_infra/__init__.py": "from finks_config import PREFIX\n",
    "infrastructure/finks_infra/deploy.py": "import finks_infra\n",
}


@dataclass(frozen=True)
class Scenario:
    """A change (path -> new text, None deletes) and what it must deploy to ``env``."""

    name: str
    edits: Mapping[str, str | None]
    expected: frozenset[str]
    env: str = "dev"


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "libs/config code deploys all four",
        {"libs/config/finks_config/__init__.py": "PREFIX = 'finks2'\n"},
        ALL,
    ),
    Scenario(
        "a dbt model deploys dbt and pipelines",
        {"dbt/models/silver/stg_prices.sql": "select 2 as price\n"},
        frozenset({"dbt", "pipelines"}),
    ),
    Scenario(
        "ingestion code deploys ingestion and pipelines",
        {"ingestion/finks_ingestion/client.py": APPEND},
        frozenset({"ingestion", "pipelines"}),
    ),
    Scenario(
        "README and docs only deploy nothing",
        {
            "README.md": "# Finks!\n",
            "docs/guide.md": "# More\n",
            "ingestion/README.md": "# ingestion!\n",
        },
        frozenset(),
    ),
    Scenario("the launcher deploys everything", {"pants": APPEND}, ALL),
    Scenario(
        "the lockfile deploys everything",
        {"3rdparty/python/default.lock": "// lockfile v2\n"},
        ALL,
    ),
    Scenario(
        "a workflow deploys everything",
        {".github/workflows/deploy.yml": "name: deploy2\n"},
        ALL,
    ),
    Scenario(
        ".env.prod counts for prod",
        {"libs/config/.env.prod": APPEND},
        ALL,
        env="prod",
    ),
    Scenario(
        ".env.prod does not count for dev",
        {"libs/config/.env.prod": APPEND},
        frozenset(),
    ),
    Scenario(
        "Pulumi.prod.yaml counts for prod only",
        {"infrastructure/Pulumi.prod.yaml": APPEND},
        frozenset({"infrastructure"}),
        env="prod",
    ),
    Scenario(
        "Pulumi.prod.yaml does not count for staging",
        {"infrastructure/Pulumi.prod.yaml": APPEND},
        frozenset(),
        env="staging",
    ),
    Scenario(
        "ingestion/config/.env.dev counts for dev",
        {"ingestion/config/.env.dev": APPEND},
        frozenset({"ingestion"}),
    ),
    Scenario(
        "a deleted module is traced to its project",
        {
            "ingestion/finks_ingestion/extra.py": None,
            "ingestion/finks_ingestion/deploy.py": "from finks_ingestion import fetch\n",
        },
        frozenset({"ingestion", "pipelines"}),
    ),
    Scenario(
        "a deleted module alone is traced to its project",
        {"dbt/models/gold/daily_returns.sql": None},
        frozenset({"dbt", "pipelines"}),
    ),
    Scenario(
        "test-only code deploys nothing",
        {
            "ingestion/finks_ingestion/tests/test_client.py": APPEND,
            "libs/testing/finks_testing/__init__.py": APPEND,
        },
        frozenset(),
    ),
    Scenario(
        "an infrastructure BUILD edit deploys infrastructure",
        {"infrastructure/finks_infra/BUILD": "python_sources(sources=['*.py'])\n"},
        frozenset({"infrastructure"}),
    ),
    # Last: editing pants.toml restarts pantsd, so tests run it after the others.
    Scenario("pants.toml deploys everything", {"pants.toml": APPEND}, ALL),
)


def git(root: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "Finks Scenario",
        "GIT_AUTHOR_EMAIL": "scenario@finks.invalid",
        "GIT_COMMITTER_NAME": "Finks Scenario",
        "GIT_COMMITTER_EMAIL": "scenario@finks.invalid",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(root),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
    }
    result = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, env=env, check=True
    )
    return result.stdout.strip()


def pants_toml_for(real_pants_toml: str) -> str:
    """A minimal pants.toml pinned like the real one (same Pants, same pex CLI pins)."""
    version = re.search(r'^pants_version\s*=\s*"([^"]+)"', real_pants_toml, re.M)
    pex = re.search(r'^version\s*=\s*"(v[^"]+)"', real_pants_toml, re.M)
    pins = re.findall(r'"(v[^"|]+\|[^"|]+\|[0-9a-f]{64}\|\d+)"', real_pants_toml)
    if not (version and pex and pins):
        raise ValueError("pants.toml lacks pants_version or [pex-cli] pins")
    return PANTS_TOML.format(
        pants_version=version.group(1),
        pex_version=pex.group(1),
        known_versions="\n".join(f'  "{pin}",' for pin in pins),
    )


@dataclass
class ScenarioRepo:
    """The repository, its base commit, and the scenario branches made so far."""

    root: Path
    base: str
    heads: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        root: Path,
        launcher: Path,
        real_pants_toml: str,
        extra_files: Mapping[str, str] | None = None,
    ) -> ScenarioRepo:
        """Lay out LAYOUT (plus ``extra_files``, e.g. real env files) and commit it as the base."""
        root.mkdir(parents=True, exist_ok=True)
        for rel, text in {**LAYOUT, **(extra_files or {})}.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        (root / "pants.toml").write_text(pants_toml_for(real_pants_toml))
        shutil.copy(launcher, root / "pants")
        (root / "pants").chmod(0o755)
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "base")
        return cls(root=root, base=git(root, "rev-parse", "HEAD"))

    def apply(self, scenario: Scenario) -> str:
        """Check out a branch from the base holding the scenario's change; returns its sha."""
        branch = "scenario/" + re.sub(r"[^a-z0-9]+", "-", scenario.name.lower()).strip("-")
        if branch in self.heads:
            git(self.root, "checkout", "-q", branch)
            return self.heads[branch]
        git(self.root, "checkout", "-q", "-B", branch, self.base)
        for rel, text in scenario.edits.items():
            path = self.root / rel
            if text == APPEND:
                path.write_text(path.read_text() + "\n# changed\n")
            elif text is None:
                path.unlink()
            else:
                path.write_text(text)
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "-m", scenario.name)
        self.heads[branch] = git(self.root, "rev-parse", "HEAD")
        return self.heads[branch]

    def stop_pantsd(self) -> None:
        """Stop the pantsd this repository started (only that one, by its pid file)."""
        for pid_file in self.root.glob(".pids/*/pantsd/pid"):
            try:
                pid = int(pid_file.read_text().strip())
            except ValueError:
                continue
            subprocess.run(["kill", str(pid)], check=False, capture_output=True)
