"""The change planner: which projects a change set deploys to one environment, and why.

Pants' graph decides (``pants_graph``): a changed file deploys every project
whose ``deploy`` target is transitively built from it. On top of the graph:
repo-wide files deploy everything, files named for another environment count
for nothing, deleted files are traced to the BUILD directory that owned them,
and ``--base auto`` diffs each project from the commit the ledger says is
running in that environment.
"""

from __future__ import annotations

import posixpath
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finks_deploy.changes import FETCH_HINT, ChangedFile, changed_files, is_shallow, resolve_rev
from finks_deploy.errors import PlanError
from finks_deploy.gitinfo import git
from finks_deploy.pants_graph import PantsGraph, load_graph
from finks_deploy.rules import FileKind, classify, is_doc

AUTO = "auto"
NEVER_DEPLOYED = "(never deployed to {env})"
# Why a changed file deploys nothing, keyed for the JSON output.
IGNORED_KEYS = ("docs", "other-env", "not-deployed", "unowned")


@dataclass(frozen=True)
class Running:
    """What the ledger says about a project: its clean diff base, and a dirty deploy after it."""

    sha: str | None
    dirty: str | None = None  # why the running code is not ``sha``'s (a dirty-tree deploy)


# project -> its last clean deploy's sha (or a Running), None when never deployed
LastDeployed = Callable[[str], "str | Running | None"]


@dataclass
class Plan:
    """The answer: projects in deploy order, with the files that put each one there."""

    environment: str
    base: str
    head: str
    projects: list[str]
    reasons: dict[str, list[str]]
    all_projects: list[str]
    bases: dict[str, str | None] = field(default_factory=dict)
    ignored: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "base": self.base,
            "head": self.head,
            "projects": self.projects,
            "reasons": self.reasons,
            "bases": self.bases,
            "all_projects": self.all_projects,
            "unchanged": [p for p in self.all_projects if p not in self.projects],
            "ignored": self.ignored,
        }

    def to_text(self) -> str:
        lines = [f"[{self.environment.upper()}] plan {self.base[:12]}..{self.head[:12]}"]
        if not self.projects:
            lines.append("nothing to deploy")
        width = max((len(p) for p in self.all_projects), default=8) + 2
        for project in self.all_projects:
            files = self.reasons.get(project)
            if not files:
                lines.append(f"  {project:<{width}}unchanged")
                continue
            more = f" (+{len(files) - 3} more)" if len(files) > 3 else ""
            lines.append(f"  {project:<{width}}DEPLOY  {', '.join(files[:3])}{more}")
        for key, paths in self.ignored.items():
            if paths:
                lines.append(f"  ignored ({key}): {', '.join(paths)}")
        return "\n".join(lines)


def affected(
    graph: PantsGraph, changes: Iterable[ChangedFile], env: str
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Map changed files to the projects they deploy; also say why the others deploy nothing."""
    projects = graph.projects()
    files_by_project = {p: graph.files_of(p) for p in projects}
    owned = graph.owned_files()
    reasons: dict[str, list[str]] = {}
    ignored: dict[str, list[str]] = {}
    for change in changes:
        kind = classify(change.path, env)
        if kind is FileKind.OTHER_ENV:
            ignored.setdefault("other-env", []).append(change.path)
            continue
        if kind is FileKind.REPO_WIDE:
            hits = projects
        elif change.deleted:
            owner_build = owning_build_file(change.path, graph.build_files)
            hits = [p for p in projects if owner_build in files_by_project[p]]
        else:
            hits = [p for p in projects if change.path in files_by_project[p]]
        for project in hits:
            reasons.setdefault(project, []).append(change.path)
        if hits:
            continue
        if change.path in owned or (change.deleted and not is_doc(change.path)):
            key = "not-deployed"  # owned by targets no deploy uses (tests, libs/testing)
        elif is_doc(change.path):
            key = "docs"
        else:
            key = "unowned"
        ignored.setdefault(key, []).append(change.path)
    return reasons, ignored


def owning_build_file(path: str, build_files: Iterable[str]) -> str | None:
    """The BUILD file in the nearest directory above ``path`` (deleted files' old owner)."""
    known = set(build_files)
    directory = posixpath.dirname(path)
    while True:
        for name in ("BUILD", "BUILD.pants"):
            candidate = f"{directory}/{name}" if directory else name
            if candidate in known:
                return candidate
        if not directory:
            return None
        directory = posixpath.dirname(directory)


def make_plan(
    root: Path,
    env: str,
    base: str,
    head: str = "HEAD",
    *,
    last_deployed: LastDeployed | None = None,
    graph: PantsGraph | None = None,
    progress: Callable[[str], None] | None = None,
) -> Plan:
    """Plan ``env``'s deploys for commits ``base``..``head`` (``base="auto"``: from the ledger)."""
    say = progress or (lambda _message: None)
    head_sha = resolve_rev(root, head, what="--head")
    base_sha = None if base == AUTO else resolve_rev(root, base, what="--base")
    if base == AUTO and is_shallow(root):
        # The last deployed commit can be any ancestor: only full history can answer.
        raise PlanError(
            f"--base auto needs the full git history, this clone is shallow; {FETCH_HINT}"
        )
    if graph is None:
        say(f"reading the Pants dependency graph at {head_sha[:12]}")
        graph = graph_at(root, head_sha)
    projects = graph.projects()
    bases: dict[str, str | None]
    if base == AUTO:
        if last_deployed is None:
            raise PlanError("--base auto needs the deploy ledger (no ledger reader given)")
        running = {p: _running(last_deployed(p)) for p in projects}
        bases = {p: r.sha for p, r in running.items()}
    else:
        running = {}
        bases = dict.fromkeys(projects, base_sha)

    reasons: dict[str, list[str]] = {
        p: [r.dirty] for p, r in running.items() if r.dirty is not None
    }
    ignored: dict[str, list[str]] = {}
    diffs: dict[str, tuple[dict[str, list[str]], dict[str, list[str]]]] = {}
    for project in projects:
        project_base = bases[project]
        if project in reasons:
            continue  # running a dirty-tree deploy: redeploy whatever the diff says
        if project_base is None:
            reasons[project] = [NEVER_DEPLOYED.format(env=env)]
            continue
        if project_base not in diffs:
            base_commit = _ledger_commit(root, project_base) if base == AUTO else project_base
            if base_commit is None:
                reasons[project] = [
                    f"(last deployed commit {project_base[:12]} is not in this history)"
                ]
                continue
            say(f"diffing {base_commit[:12]}..{head_sha[:12]}")
            diffs[project_base] = affected(graph, changed_files(root, base_commit, head_sha), env)
        project_reasons, project_ignored = diffs[project_base]
        if project in project_reasons:
            reasons[project] = project_reasons[project]
        for key, paths in project_ignored.items():
            bucket = ignored.setdefault(key, [])
            bucket.extend(p for p in paths if p not in bucket)
    chosen = [p for p in projects if p in reasons]
    return Plan(
        environment=env,
        base=base_sha or AUTO,
        head=head_sha,
        projects=chosen,
        reasons={p: reasons[p] for p in chosen},
        all_projects=projects,
        bases=bases,
        ignored={k: sorted(ignored[k]) for k in IGNORED_KEYS if ignored.get(k)},
    )


def _running(value: str | Running | None) -> Running:
    return value if isinstance(value, Running) else Running(value)


def _ledger_commit(root: Path, sha: str) -> str | None:
    """The ledger's sha as a commit here; None if history was rewritten; error if shallow."""
    result = git(root, "cat-file", "-e", f"{sha}^{{commit}}", check=False)
    if result.returncode == 0:
        return sha
    if is_shallow(root):
        return resolve_rev(root, sha, what="the last deployed commit")  # raises the fetch hint
    return None


def graph_at(root: Path, head_sha: str) -> PantsGraph:
    """Pants' graph of the tree at ``head_sha``: the checkout itself when HEAD is that commit."""
    current = resolve_rev(root, "HEAD", what="HEAD")
    tree = git(root, "rev-parse", f"{head_sha}^{{tree}}").stdout.strip()
    if current == head_sha:
        clean = not git(root, "status", "--porcelain", "--untracked-files=all").stdout.strip()
        return load_graph(root, tree=tree if clean else None)
    with tempfile.TemporaryDirectory(prefix="finks-plan-") as tmp:
        worktree = Path(tmp) / "head"
        added = git(root, "worktree", "add", "--detach", str(worktree), head_sha, check=False)
        if added.returncode != 0:
            raise PlanError(f"cannot check out --head {head_sha[:12]}: {added.stderr.strip()}")
        try:
            return load_graph(worktree, pantsd=False, tree=tree)
        finally:
            git(root, "worktree", "remove", "--force", str(worktree), check=False)
