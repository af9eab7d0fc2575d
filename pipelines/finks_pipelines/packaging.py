"""The flow-code bundle a deployment runs, and the pull step that unpacks it on a worker.

Why a bundle: a deployment must run the exact code of the commit that was deployed,
not whatever the worker image happens to hold. The deploy packs the first-party
source trees the flows import (config, ingestion, dbt project, pipelines) into a
byte-reproducible tar.gz (sorted entries, zeroed times/owners), so the same commit
always yields the same bytes and a re-deploy uploads nothing. On the worker,
`pull_flow_code` (a Prefect pull step) downloads it through the guarded S3 client,
unpacks it, and puts its source roots first on sys.path.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

# First-party source roots the flows import at run time (relative to the repo root).
SOURCE_ROOTS = ("libs/config", "ingestion", "dbt", "pipelines")
BUNDLE_NAME = "flow-code.tar.gz"
_SKIP_DIRS = {"__pycache__", "tests", "target", "logs", "dbt_packages", ".pytest_cache"}
_SKIP_SUFFIXES = (".pyc", ".local", ".duckdb", ".wal")


@dataclass(frozen=True)
class Bundle:
    path: Path
    sha256: str
    files: int
    size: int


def bundle_files(root: Path, roots: Iterable[str] = SOURCE_ROOTS) -> list[PurePosixPath]:
    """Every file of the source roots that belongs in the bundle, sorted."""
    found: list[PurePosixPath] = []
    for rel in roots:
        base = root / rel
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
            for name in filenames:
                if name.endswith(_SKIP_SUFFIXES) or name == "BUILD":
                    continue
                found.append(PurePosixPath(Path(dirpath, name).relative_to(root).as_posix()))
    return sorted(found)


def build_bundle(root: Path, out_dir: Path, version: str) -> Bundle:
    """Write `out_dir/flow-code.tar.gz` (reproducible) with a MANIFEST.json of its files."""
    files = bundle_files(root)
    if not any(str(f).startswith("pipelines/finks_pipelines/") for f in files):
        raise FileNotFoundError(f"no pipelines/finks_pipelines sources under {root}")
    manifest = {
        "version": version,
        "source_roots": list(SOURCE_ROOTS),
        "files": {str(f): hashlib.sha256((root / f).read_bytes()).hexdigest() for f in files},
    }
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _add(tar, "MANIFEST.json", json.dumps(manifest, indent=1, sort_keys=True).encode())
        for f in files:
            _add(tar, str(f), (root / f).read_bytes())
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / BUNDLE_NAME
    data = gzip.compress(raw.getvalue(), compresslevel=9, mtime=0)
    path.write_bytes(data)
    return Bundle(
        path=path, sha256=hashlib.sha256(data).hexdigest(), files=len(files), size=len(data)
    )


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    info.mode = 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


def install_bundle(archive: Path, directory: Path) -> Path:
    """Unpack `archive` into `directory` and make its code the code this process imports."""
    directory.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, mode="r:gz") as tar:
        tar.extractall(directory, filter="data")  # type: ignore[call-arg]  # 3.11.4+
    for rel in reversed(SOURCE_ROOTS):
        entry = str(directory / rel)
        if entry not in sys.path:
            sys.path.insert(0, entry)
    # Drop first-party modules imported before the pull (the pull step itself) so the
    # entrypoint is loaded from the bundle.
    for name in [m for m in sys.modules if m.split(".")[0] in _FIRST_PARTY]:
        if name != __name__:
            del sys.modules[name]
    os.environ["FINKS_ROOT"] = str(directory)
    return directory


_FIRST_PARTY = {"finks_config", "finks_ingestion", "finks_dbt", "finks_pipelines"}


def pull_flow_code(uri: str, directory: str = "finks-flow-code") -> dict[str, str]:
    """Prefect pull step: fetch the deployed bundle (`s3://...`) and install it.

    Referenced from a deployment's pull_steps as `finks_pipelines.packaging.pull_flow_code`;
    returns `{"directory": ...}` for the steps after it.
    """
    from finks_config import current_environment, load_config
    from finks_config.aws import client

    bucket, _, key = uri.removeprefix("s3://").partition("/")
    config = load_config("pipelines/config", current_environment())
    target = Path(directory).resolve()
    archive = target.with_suffix(".tar.gz")
    target.parent.mkdir(parents=True, exist_ok=True)
    s3 = client(config, "s3")
    s3.download_file(bucket, key, str(archive))
    install_bundle(archive, target)
    return {"directory": str(target)}
