"""Bucket state survives a restart of the in-memory S3: bodies, metadata, deletions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from finks_local.moto import running_moto
from finks_local.s3mirror import persist_buckets, restore_buckets

REGION = {"CreateBucketConfiguration": {"LocationConstraint": "ca-central-1"}}


def _objects(s3: Any, bucket: str) -> dict[str, tuple[bytes, dict[str, str]]]:
    out = {}
    for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        got = s3.get_object(Bucket=bucket, Key=obj["Key"])
        out[obj["Key"]] = (got["Body"].read(), got["Metadata"])
    return out


def test_persist_then_restore_into_a_fresh_server(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    with running_moto(workdir=tmp_path) as moto:
        s3 = moto.raw_client("s3")
        s3.create_bucket(Bucket="local-bronze-zone", **REGION)
        s3.put_object(
            Bucket="local-bronze-zone", Key="fmp/a.json", Body=b"A", Metadata={"schema": "1"}
        )
        s3.put_object(Bucket="local-bronze-zone", Key="fmp/gone.json", Body=b"G")
        assert persist_buckets(s3, ["local-bronze-zone"], mirror) == (2, 0)
        assert persist_buckets(s3, ["local-bronze-zone"], mirror) == (
            0,
            0,
        )  # nothing new: nothing downloaded
        s3.put_object(
            Bucket="local-bronze-zone", Key="fmp/a.json", Body=b"A2", Metadata={"schema": "2"}
        )
        s3.delete_object(Bucket="local-bronze-zone", Key="fmp/gone.json")
        assert persist_buckets(s3, ["local-bronze-zone"], mirror) == (1, 1)
        moto.reset()
        s3.create_bucket(Bucket="local-bronze-zone", **REGION)
        assert restore_buckets(s3, ["local-bronze-zone"], mirror) == 1
        assert _objects(s3, "local-bronze-zone") == {"fmp/a.json": (b"A2", {"schema": "2"})}
        assert not (mirror / "local-bronze-zone" / "fmp" / "gone.json").exists()
