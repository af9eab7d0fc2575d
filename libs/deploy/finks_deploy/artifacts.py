"""Deploy artifacts: content-addressed in the artifacts bucket, uploaded once per sha256.

An artifact's key is ``{project}/artifacts/{sha256}/{name}``: the same bytes have
the same key in every commit and environment, so a re-deploy (or a commit that
did not change the artifact) uploads nothing, and the ledger's digest names the
object exactly. ``reproducible_tar`` is the one helper for packing files whose
bytes must depend only on their content (prod accepts only the digests staging ran).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finks_deploy.errors import DeployError
from finks_deploy.store import ArtifactStore

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Artifact:
    """A file a project's ``build`` produced; ``promote=False``: may differ per env."""

    name: str
    path: Path
    promote: bool = True

    def __post_init__(self) -> None:
        if not self.name or "/" in self.name:
            raise ValueError(f"artifact name {self.name!r} must be a plain file name")


@dataclass(frozen=True)
class Built:
    """An artifact with its digest, before upload."""

    artifact: Artifact
    sha256: str
    size: int

    @property
    def name(self) -> str:
        return self.artifact.name


@dataclass(frozen=True)
class Uploaded:
    """Where an artifact lives in the env's artifacts bucket (what ``apply`` reads)."""

    name: str
    sha256: str
    size: int
    key: str
    uri: str
    promote: bool = True

    def to_json(self) -> dict[str, Any]:
        # promote: whether prod must receive the same bytes staging ran (False: per env).
        return {"sha256": self.sha256, "size": self.size, "key": self.key, "promote": self.promote}


def file_sha256(path: Path) -> str:
    """sha256 of a (possibly large) file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def measure(artifact: Artifact) -> Built:
    """The artifact's digest and size; DeployError when the build did not produce it."""
    if not artifact.path.is_file():
        raise DeployError(f"artifact {artifact.name}: {artifact.path} does not exist (not built?)")
    return Built(artifact, file_sha256(artifact.path), artifact.path.stat().st_size)


def artifact_key(project: str, sha256: str, name: str) -> str:
    return f"{project}/artifacts/{sha256}/{name}"


def locate(store: ArtifactStore, project: str, built: Built) -> Uploaded:
    key = artifact_key(project, built.sha256, built.name)
    return Uploaded(
        built.name, built.sha256, built.size, key, store.uri(key), built.artifact.promote
    )


def upload_once(store: ArtifactStore, project: str, built: Built) -> tuple[Uploaded, bool]:
    """Upload ``built`` unless its content-addressed key already holds it; (where, uploaded?)."""
    where = locate(store, project, built)
    head = store.head(where.key)
    if head is not None and head.get("ContentLength") == built.size:
        return where, False
    store.client.upload_file(
        str(built.artifact.path),
        store.bucket,
        where.key,
        ExtraArgs={"Metadata": {"sha256": built.sha256}},
    )
    return where, True


def reproducible_tar(members: Mapping[str, bytes]) -> bytes:
    """A tar.gz of ``members`` (path -> bytes) whose bytes depend only on the members.

    Sorted entries, zeroed times and owners, fixed modes, gzip mtime 0.
    """
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(members):
            data = members[name]
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), compresslevel=9, mtime=0)
