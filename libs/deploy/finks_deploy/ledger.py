"""The deploy ledger: what was deployed where, from which tree, with which artifacts.

Layout in the environment's artifacts bucket (``{prefix}-artifacts``)::

    deploys/{project}/history/{started}-{sha12}-{id}.json   one record per attempt
    deploys/{project}/current.json                          newest ok record (what runs now)
    deploys/{project}/last-successful.json                  newest *clean* ok record
    deploys/{project}/shas/{sha}.json                       this sha deployed ok from a clean tree
    deploys/_checks/{kind}/{started}-{sha12}-{id}.json      post-deploy check results

The history is the audit trail. ``last-successful`` answers ``--base auto`` in one
GET and never points at a dirty-tree deploy (its code is not the commit's code).
``current`` says what runs now, so the planner redeploys a project whose running
code came from a dirty tree. The sha markers answer the prod rule, with the
artifact digests prod must match.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

import finks_config
from finks_deploy.store import LEDGER_ROOT, ArtifactStore

Status = Literal["started", "ok", "failed"]
STATUSES: tuple[str, ...] = ("started", "ok", "failed")
CHECKS_DIR = "_checks"


def utc_now() -> str:
    """ISO time with milliseconds: history keys sort by it, and deploys can be quick."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def new_id() -> str:
    return uuid.uuid4().hex[:8]


def _stamp_key(started_at: str) -> str:
    return started_at.replace("-", "").replace(":", "")


@dataclass(frozen=True)
class LedgerRecord:
    """One deploy attempt of one project to one environment."""

    project: str
    environment: str
    sha: str
    version: str
    status: Status
    actor: str
    started_at: str = field(default_factory=utc_now)
    finished_at: str | None = None
    tag: str | None = None
    run_url: str | None = None
    message: str | None = None
    deploy_id: str = field(default_factory=new_id)
    dirty: bool = False
    diff_digest: str | None = None
    artifacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    health: str | None = None
    health_reason: str | None = None

    @property
    def history_key(self) -> str:
        return (
            f"{project_prefix(self.project)}history/"
            f"{_stamp_key(self.started_at)}-{self.sha[:12]}-{self.deploy_id}.json"
        )

    def digests(self) -> dict[str, str]:
        """Artifact name -> sha256."""
        return {name: str(info.get("sha256")) for name, info in self.artifacts.items()}

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LedgerRecord:
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in data.items() if k in known}
        if values.get("status") not in STATUSES:
            values["status"] = "failed"
        return cls(**values)

    def finished(self, status: Status, message: str | None = None, **changes: Any) -> LedgerRecord:
        return replace(self, status=status, finished_at=utc_now(), message=message, **changes)


def project_prefix(project: str) -> str:
    return f"{LEDGER_ROOT}/{project}/"


def last_successful_key(project: str) -> str:
    return f"{project_prefix(project)}last-successful.json"


def current_key(project: str) -> str:
    return f"{project_prefix(project)}current.json"


def sha_key(project: str, sha: str) -> str:
    return f"{project_prefix(project)}shas/{sha}.json"


def record(config: finks_config.Config, entry: LedgerRecord) -> LedgerRecord:
    """Write ``entry`` to the history; ``ok`` moves ``current``, and (clean only) the base."""
    store = ArtifactStore(config)
    store.put_json(entry.history_key, entry.to_json())
    if entry.status == "ok":
        store.put_json(current_key(entry.project), entry.to_json())
        if not entry.dirty:
            store.put_json(sha_key(entry.project, entry.sha), entry.to_json())
            store.put_json(last_successful_key(entry.project), entry.to_json())
    return entry


def _read(config: finks_config.Config, key: str) -> LedgerRecord | None:
    stored = ArtifactStore(config).get_json(key)
    return LedgerRecord.from_json(stored.data) if stored else None


def last_successful(config: finks_config.Config, project: str) -> LedgerRecord | None:
    """The newest clean ``ok`` deploy of ``project`` (the ``--base auto`` diff base)."""
    return _read(config, last_successful_key(project))


def current(config: finks_config.Config, project: str) -> LedgerRecord | None:
    """The newest ``ok`` deploy of ``project``, clean or dirty: what runs there now."""
    return _read(config, current_key(project))


def deployed(config: finks_config.Config, project: str, sha: str) -> LedgerRecord | None:
    """The clean ``ok`` deploy of ``sha`` (with its artifact digests), or None."""
    entry = _read(config, sha_key(project, sha))
    return entry if entry is not None and entry.status == "ok" else None


def was_deployed(config: finks_config.Config, project: str, sha: str) -> bool:
    """True when ``sha`` of ``project`` deployed successfully from a clean tree."""
    return deployed(config, project, sha) is not None


def history(config: finks_config.Config, project: str, limit: int = 20) -> list[LedgerRecord]:
    """The newest ``limit`` attempts (any status) of ``project``, newest first."""
    store = ArtifactStore(config)
    keys = store.list_keys(f"{project_prefix(project)}history/")
    records = [store.get_json(key) for key in sorted(keys, reverse=True)[:limit]]
    return [LedgerRecord.from_json(r.data) for r in records if r is not None]


def projects(config: finks_config.Config) -> list[str]:
    """Every project this environment's ledger has seen, by name."""
    found = ArtifactStore(config).list_dirs(f"{LEDGER_ROOT}/")
    return sorted(name for name in found if not name.startswith("_"))


def mark_health(
    config: finks_config.Config, project: str, sha: str, *, healthy: bool, reason: str
) -> LedgerRecord | None:
    """Mark the deploy of ``sha`` healthy/unhealthy (a post-deploy check's verdict)."""
    store = ArtifactStore(config)
    marked: LedgerRecord | None = None
    for key in (sha_key(project, sha), current_key(project)):
        entry = _read(config, key)
        if entry is None or entry.sha != sha:
            continue
        marked = replace(entry, health="healthy" if healthy else "unhealthy", health_reason=reason)
        store.put_json(key, marked.to_json())
    return marked


@dataclass(frozen=True)
class CheckEntry:
    """One post-deploy check of an environment (staging integration, prod smoke)."""

    kind: str
    sha: str
    ok: bool
    as_of: str | None = None
    stages: dict[str, Any] = field(default_factory=dict)
    message: str | None = None
    started_at: str = field(default_factory=utc_now)
    run_url: str | None = None
    check_id: str = field(default_factory=new_id)

    @property
    def key(self) -> str:
        return (
            f"{LEDGER_ROOT}/{CHECKS_DIR}/{self.kind}/"
            f"{_stamp_key(self.started_at)}-{self.sha[:12]}-{self.check_id}.json"
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CheckEntry:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def record_check(config: finks_config.Config, entry: CheckEntry) -> CheckEntry:
    ArtifactStore(config).put_json(entry.key, asdict(entry))
    return entry


def check_history(config: finks_config.Config, kind: str, limit: int = 20) -> list[CheckEntry]:
    """The newest ``limit`` checks of ``kind``, newest first."""
    store = ArtifactStore(config)
    keys = store.list_keys(f"{LEDGER_ROOT}/{CHECKS_DIR}/{kind}/")
    stored = [store.get_json(key) for key in sorted(keys, reverse=True)[:limit]]
    return [CheckEntry.from_json(s.data) for s in stored if s is not None]
