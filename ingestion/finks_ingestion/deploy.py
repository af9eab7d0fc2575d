"""`./pants run ingestion:deploy -- --env ENV [--dry-run]`: ship the ingestion CLI as a PEX.

Why a bundled PEX: the BUILD packages `ingestion:ingest` (pex_binary) and wires the file into
this deploy binary as a resource (shell_command -> experimental_wrap_as_resources), so Pants
builds the artifact from the same lockfile as everything else, and no nested ./pants or
separately installed pex tool is needed at deploy time. The deploy uploads it with a
manifest and a config bundle to `s3://{artifacts}/ingestion/{git sha}/` through the deploy
contract (finks_deploy.run_deploy), which also takes the env lock and records the ledger.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Sequence
from contextlib import ExitStack
from importlib import resources
from pathlib import Path
from typing import Any

from finks_config import repo_root
from finks_deploy import DeployContext, UsageError, run_deploy
from finks_deploy.store import ArtifactStore

PROJECT = "ingestion"
PEX_NAME = "ingest.pex"
ENTRY_POINT = "finks_ingestion.cli:main"
_SOURCE_ROOT, _PACKAGE, _FOLDER = "ingestion", "finks_ingestion", "packaged"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pex",
        metavar="PATH",
        default=None,
        help="deploy this PEX instead of the one bundled by Pants",
    )


def bundled_pex(stack: ExitStack) -> Path:
    """The ingest PEX that Pants packaged into this binary, as a real file path.

    Where it is depends on how this code runs: next to the package (sources on sys.path, as
    in tests), or at `ingestion/finks_ingestion/packaged/ingest.pex` under a sys.path entry
    (a PEX: Pants keeps the source root in wrapped resources' paths), which may be the
    zipped PEX itself (then it is extracted to a temporary directory).
    """
    try:
        ref = resources.files(_PACKAGE).joinpath(_FOLDER).joinpath(PEX_NAME)
        if ref.is_file():
            return Path(stack.enter_context(resources.as_file(ref)))
    except (FileNotFoundError, ModuleNotFoundError, NotADirectoryError):
        pass
    member = f"{_SOURCE_ROOT}/{_PACKAGE}/{_FOLDER}/{PEX_NAME}"
    entries = [*sys.path, os.environ.get("PEX", "")]
    for entry in filter(None, entries):
        path = Path(entry)
        if path.is_dir() and (path / member).is_file():
            return path / member
        if path.is_file() and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                if member in zf.namelist():
                    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
                    target = tmp / PEX_NAME
                    with zf.open(member) as src, target.open("wb") as dst:
                        shutil.copyfileobj(src, dst)
                    return target
    raise UsageError(
        f"no bundled {PEX_NAME}: run the deploy through Pants "
        "(./pants run ingestion:deploy -- --env ENV) or pass --pex PATH"
    )


def config_bundle(env_name: str) -> bytes:
    """A reproducible tar.gz of the env files the PEX needs (extract it, set FINKS_ROOT)."""
    root = repo_root()
    names = [
        "libs/config/.env.example",
        f"libs/config/.env.{env_name}",
        "ingestion/config/.env.example",
        f"ingestion/config/.env.{env_name}",
    ]
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in names:
            data = (root / name).read_bytes()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def manifest(ctx: DeployContext, pex: Path, bundle: bytes) -> dict[str, Any]:
    """What was deployed and how to run it; no timestamp, so a re-deploy is byte-identical."""
    data = pex.read_bytes()
    return {
        "project": PROJECT,
        "environment": ctx.env.value,
        "git_sha": ctx.git_sha,
        "release_tag": ctx.release_tag,
        "artifacts": {
            PEX_NAME: {
                "sha256": hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
                "entry_point": ENTRY_POINT,
                "python": "CPython 3.11",
            },
            "config.tar.gz": {"sha256": hashlib.sha256(bundle).hexdigest(), "bytes": len(bundle)},
        },
        "run": (
            f"tar xzf config.tar.gz && FINKS_ROOT=$PWD python3.11 {PEX_NAME} "
            f"--env {ctx.env.value} --symbols AAPL,MSFT --from 2024-01-01 --to 2024-03-31"
        ),
    }


def _deploy(ctx: DeployContext) -> None:
    steps = 4
    with ExitStack() as stack:
        ctx.step(1, steps, "locating the ingestion PEX")
        pex = Path(ctx.args.pex) if ctx.args.pex else bundled_pex(stack)
        if not pex.is_file():
            raise UsageError(f"--pex {pex}: no such file")
        ctx.log(
            f"{PEX_NAME}: {pex.stat().st_size} bytes, "
            f"sha256 {hashlib.sha256(pex.read_bytes()).hexdigest()[:12]}"
        )
        if not ctx.dry_run and not ArtifactStore(ctx.config).bucket_exists():
            raise UsageError(
                f"the {ctx.env.value} artifacts bucket {ctx.config.artifacts_bucket} does not "
                f"exist; deploy infrastructure first (./pants run infrastructure:deploy -- "
                f"--env {ctx.env.value})"
            )
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="finks-ingest-")))
        bundle = config_bundle(ctx.env.value)
        (tmp / "config.tar.gz").write_bytes(bundle)
        (tmp / "manifest.json").write_text(
            json.dumps(manifest(ctx, pex, bundle), indent=2, sort_keys=True) + "\n"
        )
        ctx.step(2, steps, f"uploading {PEX_NAME}")
        ctx.upload_artifact(pex, PEX_NAME)
        ctx.step(3, steps, "uploading config.tar.gz")
        ctx.upload_artifact(tmp / "config.tar.gz", "config.tar.gz")
        ctx.step(4, steps, "uploading manifest.json")
        uri = ctx.upload_artifact(tmp / "manifest.json", "manifest.json")
        ctx.log(f"ingestion {'would be' if ctx.dry_run else 'is'} at {uri.rsplit('/', 1)[0]}/")


def main(argv: Sequence[str] | None = None) -> int:
    return run_deploy(PROJECT, _deploy, argv, add_arguments=add_arguments)


if __name__ == "__main__":
    raise SystemExit(main())
