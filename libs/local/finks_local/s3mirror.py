"""Bucket contents kept on disk between runs of an in-memory S3 (moto).

Why: moto holds objects in memory, so the local platform would forget bronze (and
its deploy ledger) at every exit. `persist_buckets` mirrors the chosen buckets to a
directory (bodies plus a manifest with ETags and metadata, only new or changed
objects downloaded); `restore_buckets` puts them back into a fresh server.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"


def _manifest_path(mirror: Path, bucket: str) -> Path:
    return mirror / f"{bucket}.{MANIFEST}"


def _read_manifest(mirror: Path, bucket: str) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(_manifest_path(mirror, bucket).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def restore_buckets(s3: Any, buckets: Sequence[str], mirror: Path) -> int:
    """Put the mirrored objects (with their metadata) back; returns how many."""
    jobs: list[tuple[str, str, Path, dict[str, str]]] = []
    for bucket in buckets:
        for key, entry in _read_manifest(mirror, bucket).items():
            path = mirror / bucket / key
            if path.is_file():
                jobs.append((bucket, key, path, dict(entry.get("metadata", {}))))

    def put(job: tuple[str, str, Path, dict[str, str]]) -> None:
        bucket, key, path, metadata = job
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), Metadata=metadata)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(put, jobs))
    return len(jobs)


def persist_buckets(s3: Any, buckets: Sequence[str], mirror: Path) -> tuple[int, int]:
    """Mirror `buckets` to disk; returns (objects written, objects removed)."""
    written = removed = 0
    for bucket in buckets:
        base = mirror / bucket
        old = _read_manifest(mirror, bucket)
        new: dict[str, dict[str, Any]] = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for obj in page.get("Contents", []):
                key, etag = obj["Key"], obj["ETag"].strip('"')
                path = base / key
                if old.get(key, {}).get("etag") == etag and path.is_file():
                    new[key] = old[key]
                    continue
                got = s3.get_object(Bucket=bucket, Key=key)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(got["Body"].read())
                new[key] = {"etag": etag, "metadata": got.get("Metadata", {})}
                written += 1
        for key in set(old) - set(new):
            (base / key).unlink(missing_ok=True)
            removed += 1
        mirror.mkdir(parents=True, exist_ok=True)
        tmp = _manifest_path(mirror, bucket).with_suffix(".tmp")
        tmp.write_text(json.dumps(new, indent=1, sort_keys=True))
        tmp.replace(_manifest_path(mirror, bucket))
    return written, removed
