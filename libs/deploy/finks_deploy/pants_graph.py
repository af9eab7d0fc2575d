"""Pants' dependency graph, read once with ``./pants peek ::``.

``peek`` prints every target with its resolved dependencies (inferred imports
included) and its source files, so one Pants invocation answers, for each
``<project>:deploy`` target, which files it is transitively built from.
A change deploys a project exactly when it touches one of those files.
"""

from __future__ import annotations

import json
import os
import posixpath
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from finks_deploy.errors import PlanError

DEPLOY_TARGET_NAME = "deploy"
# A deploy target's BUILD declares what must deploy before it: tags=["deploy-after:ingestion"].
DEPLOY_AFTER_TAG = "deploy-after:"
CACHE_VARIABLE = "FINKS_DEPLOY_CACHE"


def spec_path(address: str, sources: Iterable[str] = ()) -> str:
    """The directory of the BUILD file that declares ``address``.

    ``ingestion:deploy`` -> ``ingestion``; a generated file target
    ``ingestion/finks_ingestion/client.py`` -> ``ingestion/finks_ingestion``;
    ``dbt/models/silver/a.sql:../../models`` -> ``dbt``; ``//:reqs#boto3`` -> ``""``.
    """
    base, colon, name = address.partition(":")
    base = base.split("#", 1)[0].strip("/")
    if not colon:
        return (
            posixpath.dirname(base) if base in sources or "." in posixpath.basename(base) else base
        )
    if base in sources:
        up = posixpath.dirname(name)  # "../.." when the generator lives higher up
        return posixpath.normpath(posixpath.join(posixpath.dirname(base), up)).lstrip(".")
    return base


@dataclass
class PantsGraph:
    """Targets by address, with their direct dependencies and source files."""

    dependencies: dict[str, list[str]]
    sources: dict[str, list[str]]
    target_types: dict[str, str]
    build_files: set[str] = field(default_factory=set)
    tags: dict[str, list[str]] = field(default_factory=dict)
    _closures: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_peek(cls, peek: list[dict[str, Any]], build_files: Iterable[str] = ()) -> PantsGraph:
        deps: dict[str, list[str]] = {}
        sources: dict[str, list[str]] = {}
        types: dict[str, str] = {}
        tags: dict[str, list[str]] = {}
        for target in peek:
            address = str(target["address"])
            deps[address] = [str(d) for d in target.get("dependencies") or []]
            srcs = target.get("sources")
            sources[address] = [str(s) for s in srcs] if isinstance(srcs, list) else []
            types[address] = str(target.get("target_type", ""))
            tags[address] = [str(t) for t in target.get("tags") or []]
        return cls(deps, sources, types, set(build_files), tags)

    def deploy_targets(self) -> dict[str, str]:
        """Project name -> address of its ``deploy`` target (``dbt`` -> ``dbt:deploy``)."""
        found: dict[str, str] = {}
        for address in self.dependencies:
            if address.endswith(f":{DEPLOY_TARGET_NAME}"):
                found[self.dir_of(address) or "root"] = address
        return found

    def projects(self) -> list[str]:
        """Every project, in deploy order (``deploy-after:`` tags, then by name)."""
        targets = self.deploy_targets()
        after = {
            project: {
                tag.removeprefix(DEPLOY_AFTER_TAG)
                for tag in self.tags.get(address, [])
                if tag.startswith(DEPLOY_AFTER_TAG)
            }
            & set(targets)
            for project, address in targets.items()
        }
        return order_projects(after)

    def closure(self, address: str) -> frozenset[str]:
        """Every target ``address`` depends on, transitively, itself included."""
        if address not in self._closures:
            seen: set[str] = set()
            stack = [address]
            while stack:
                current = stack.pop()
                if current in seen:
                    continue
                seen.add(current)
                stack.extend(self.dependencies.get(current, []))
            self._closures[address] = frozenset(seen)
        return self._closures[address]

    def files_of(self, project: str) -> frozenset[str]:
        """Source files and BUILD files that ``project``'s deploy target is built from."""
        address = self.deploy_targets()[project]
        files: set[str] = set()
        for target in self.closure(address):
            files.update(self.sources.get(target, []))
            files.update(self._build_files_in(self.dir_of(target)))
        return frozenset(files)

    def dirs_of(self, project: str) -> frozenset[str]:
        """Directories holding a BUILD file that declares a target ``project`` depends on."""
        address = self.deploy_targets()[project]
        return frozenset(self.dir_of(target) for target in self.closure(address))

    def dir_of(self, address: str) -> str:
        return spec_path(address, self.sources.get(address, []))

    def owned_files(self) -> frozenset[str]:
        owned: set[str] = set(self.build_files)
        for files in self.sources.values():
            owned.update(files)
        return frozenset(owned)

    def _build_files_in(self, directory: str) -> list[str]:
        prefix = f"{directory}/" if directory else ""
        return [b for b in self.build_files if b.startswith(prefix) and "/" not in b[len(prefix) :]]


def order_projects(after: Mapping[str, Iterable[str]]) -> list[str]:
    """Projects so that each comes after the ones it names; otherwise by name (stable)."""
    waiting = {project: set(before) for project, before in after.items()}
    ordered: list[str] = []
    while waiting:
        ready = sorted(p for p, before in waiting.items() if not before - set(ordered))
        if not ready:
            raise PlanError(
                f"deploy-after tags form a cycle among {sorted(waiting)}; fix the BUILD files"
            )
        ordered.append(ready[0])
        del waiting[ready[0]]
    return ordered


def run_pants(root: Path, *args: str, timeout: float = 900.0) -> str:
    """Run the repository's own ``./pants`` with ``args`` from ``root``; returns stdout."""
    return _invoke(root, args, timeout).stdout


def package(root: Path, address: str, *, timeout: float = 1800.0) -> list[Path]:
    """``./pants package ADDRESS`` in ``root``; the files it wrote (under ``dist/``)."""
    result = _invoke(root, ("package", address), timeout)
    wrote = [
        line.split("Wrote ", 1)[1].strip()
        for line in (result.stderr + result.stdout).splitlines()
        if "Wrote " in line
    ]
    paths = [root / rel for rel in wrote]
    if not paths or not all(p.is_file() for p in paths):
        raise PlanError(f"./pants package {address} reported no output file ({wrote or 'none'})")
    return paths


def _invoke(root: Path, args: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``./pants args`` from ``root`` (a nested call inside ``./pants run`` works too).

    Inside ``./pants run`` the outer invocation holds pantsd, so a nested call
    runs with ``PANTS_CONCURRENT=True`` (Pants then runs it without pantsd
    instead of waiting for the outer run to finish, which would deadlock).
    """
    root = root.resolve()  # "pants" alone would be looked up on PATH
    launcher = root / "pants"
    if not launcher.is_file():
        raise PlanError(f"no ./pants launcher in {root}; run the planner from the repository root")
    # Our own interpreter settings are not Pants': PYTHONPATH entries even become pantsd
    # invalidation globs (every edit under them would restart the daemon).
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "PYTHONHOME") and not key.startswith("PEX")
    }
    if inside_pants_run():
        env["PANTS_CONCURRENT"] = "True"
    env.setdefault("FINKS_PANTS_QUIET", "1")
    started = time.monotonic()
    try:
        result = subprocess.run(
            [str(launcher), "--no-dynamic-ui", *args],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired as error:
        raise PlanError(f"./pants {' '.join(args)} did not finish in {timeout:.0f}s") from error
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-15:])
        raise PlanError(
            f"./pants {' '.join(args)} failed (exit {result.returncode}) after"
            f" {time.monotonic() - started:.1f}s; fix the build first: {tail}"
        )
    return result


def inside_pants_run() -> bool:
    """True when this process was started by ``./pants run`` (a PEX under Pants' sandbox)."""
    if os.environ.get("FINKS_PLAN_INSIDE_PANTS") is not None:
        return os.environ["FINKS_PLAN_INSIDE_PANTS"] == "1"
    pex = os.environ.get("PEX", "")
    return bool(pex) or "pants-sandbox" in os.environ.get("PWD", "")


def list_build_files(root: Path) -> set[str]:
    """Tracked BUILD files (repo-relative), so BUILD edits map to the targets they declare."""
    result = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=False,
    )
    names = [p for p in result.stdout.split("\0") if p]
    return {p for p in names if PurePosixPath(p).name in ("BUILD", "BUILD.pants")}


def load_graph(root: Path, *, pantsd: bool = True, tree: str | None = None) -> PantsGraph:
    """The whole repository's graph from one ``./pants peek ::`` (~20 s).

    ``pantsd=False`` for a throw-away checkout: no daemon is left behind for it.
    ``tree``: the git tree the checkout holds *exactly* (clean); the tree fixes the graph,
    so its peek is cached under ``graph_cache_dir()/<tree>.json``.
    """
    cached = graph_cache_dir() / f"{tree}.json" if tree else None
    if cached is not None and cached.is_file():
        data = json.loads(cached.read_text())
        return PantsGraph.from_peek(data["peek"], data["build_files"])
    output = run_pants(root, *([] if pantsd else ["--no-pantsd"]), "peek", "::")
    try:
        peek = json.loads(output)
    except json.JSONDecodeError as error:
        raise PlanError(f"./pants peek printed something that is not JSON: {error}") from error
    build_files = sorted(list_build_files(root))
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps({"peek": peek, "build_files": build_files}))
        partial.replace(cached)  # atomic: concurrent planners never read half a file
    return PantsGraph.from_peek(peek, build_files)


def graph_cache_dir() -> Path:
    """``$FINKS_DEPLOY_CACHE/graph``, default ``$XDG_CACHE_HOME/finks-deploy/graph``."""
    own = os.environ.get(CACHE_VARIABLE)
    if own:
        return Path(own) / "graph"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "finks-deploy" / "graph"
