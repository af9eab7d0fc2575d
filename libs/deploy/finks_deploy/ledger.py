"""The deploy ledger: what was deployed where, when, by whom, and whether it worked.

Layout in the environment's artifacts bucket (``{prefix}-artifacts``)::

    deploys/{project}/history/{started}-{sha12}-{id}.json   one record per attempt
    deploys/{project}/last-successful.json                  pointer: newest ok record
    deploys/{project}/shas/{sha}.json                       marker: this sha deployed ok

The history is the audit trail; the pointer answers ``--base auto`` in one GET;
the sha markers answer the prod rule ("did staging see this commit?") in one GET.
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


def utc_now() -> str:
    """ISO time with milliseconds: history keys sort by it, and deploys can be quick."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


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
    deploy_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    @property
    def history_key(self) -> str:
        stamp = self.started_at.replace("-", "").replace(":", "")
        return (
            f"{project_prefix(self.project)}history/{stamp}-{self.sha[:12]}-{self.deploy_id}.json"
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LedgerRecord:
        known = {name for name in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        if values.get("status") not in STATUSES:
            values["status"] = "failed"
        return cls(**values)

    def finished(self, status: Status, message: str | None = None) -> LedgerRecord:
        return replace(self, status=status, finished_at=utc_now(), message=message)


def project_prefix(project: str) -> str:
    return f"{LEDGER_ROOT}/{project}/"


def last_successful_key(project: str) -> str:
    return f"{project_prefix(project)}last-successful.json"


def sha_key(project: str, sha: str) -> str:
    return f"{project_prefix(project)}shas/{sha}.json"


def record(config: finks_config.Config, entry: LedgerRecord) -> LedgerRecord:
    """Write ``entry`` to the history; an ``ok`` entry also moves the pointer and marks the sha."""
    store = ArtifactStore(config)
    store.put_json(entry.history_key, entry.to_json())
    if entry.status == "ok":
        store.put_json(sha_key(entry.project, entry.sha), entry.to_json())
        store.put_json(last_successful_key(entry.project), entry.to_json())
    return entry


def last_successful(config: finks_config.Config, project: str) -> LedgerRecord | None:
    """The newest ``ok`` deploy of ``project`` to ``config``'s environment, or None."""
    stored = ArtifactStore(config).get_json(last_successful_key(project))
    return LedgerRecord.from_json(stored.data) if stored else None


def was_deployed(config: finks_config.Config, project: str, sha: str) -> bool:
    """True when ``sha`` of ``project`` deployed successfully to ``config``'s environment."""
    stored = ArtifactStore(config).get_json(sha_key(project, sha))
    return stored is not None and stored.data.get("status") == "ok"


def history(config: finks_config.Config, project: str, limit: int = 20) -> list[LedgerRecord]:
    """The newest ``limit`` attempts (any status) of ``project``, newest first."""
    store = ArtifactStore(config)
    keys = store.list_keys(f"{project_prefix(project)}history/")
    records: list[LedgerRecord] = []
    for key in sorted(keys, reverse=True)[:limit]:
        stored = store.get_json(key)
        if stored is not None:
            records.append(LedgerRecord.from_json(stored.data))
    return records
