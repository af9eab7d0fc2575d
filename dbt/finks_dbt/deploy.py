"""``./pants run dbt:deploy -- --env ENV [--dry-run] [--select SELECTOR]``.

Deploying dbt means building what changed: this commit's parsed manifest is the deploy's
artifact (``build``), and ``apply`` builds ``state:modified+`` against the manifest the
env's current dbt deploy shipped (everything when there is none or the profile changed;
see ``finks_dbt.state``), holding the env's ``warehouse`` lock so a scheduled transform
never rebuilds the same tables at the same time. The dry run prints the target, the
locations and the selected nodes, and needs no AWS credentials (it says what it could
not read). The deploy contract (finks_deploy) does preflight, upload, lock and ledger.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from finks_config import Config
from finks_config.cli import doing
from finks_config.progress import progress
from finks_dbt.plan import build_plan
from finks_dbt.runner import run_build
from finks_dbt.state import MANIFEST, Selection, parse_manifest, placement_digest, select_nodes
from finks_deploy import Artifact, DeployContext, DeployError, Project, deploy_main, ledger
from finks_deploy.store import ArtifactStore


class DbtDeploy(Project):
    """The dbt project: builds its models on the env's warehouse (Athena; DuckDB locally)."""

    name = "dbt"

    def __init__(self) -> None:
        self._work = ExitStack()
        self._manifest: Path | None = None

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--select",
            default=None,
            help="build this dbt selection instead of state:modified+ (e.g. 'stg_prices+')",
        )
        parser.add_argument(
            "--full-refresh",
            action="store_true",
            help="rebuild the selected incremental models from bronze",
        )

    def build(self, ctx: DeployContext) -> Sequence[Artifact]:
        work = Path(self._work.enter_context(tempfile.TemporaryDirectory(prefix="finks-dbt-")))
        self._manifest = parse_manifest(ctx.config, work / "parse")
        # The manifest names this env's schemas and buckets: it differs per env by design.
        return [Artifact(MANIFEST, self._manifest, promote=False)]

    def apply(self, ctx: DeployContext) -> None:
        with self._work:
            if ctx.dry_run:
                for line in build_plan(ctx.config).lines():
                    ctx.log(line)
            selection = self._selection(ctx)
            for line in selection.lines():
                ctx.log(line)
            ctx.detail("placement", placement_digest(ctx.config))
            ctx.detail("build", {"mode": selection.mode, "reason": selection.reason})
            ctx.detail("selected", selection.nodes)
            if ctx.dry_run or selection.mode == "none":
                return
            _build(ctx, selection)

    def _selection(self, ctx: DeployContext) -> Selection:
        assert self._manifest is not None  # build() ran
        if ctx.args.select:
            return Selection("explicit", f"--select {ctx.args.select}", [ctx.args.select])
        state = self._manifest.parent.parent / "state"
        where = f"s3://{ctx.config.artifacts_bucket}"
        try:
            with doing(f"reading the last dbt deploy's manifest from {where}"):
                previous, placed = previous_manifest(ctx.config, state)
        except Exception as error:  # - a dry run previews what it can
            ctx.preview_failure(error, "cannot read the last deploy's manifest")
            return Selection("full", "unknown here: a real deploy compares with that manifest")
        return select_nodes(ctx.config, previous, placed, self._manifest)


def previous_manifest(config: Config, state_dir: Path) -> tuple[Path | None, str | None]:
    """The manifest (and placement digest) of the env's current dbt deploy, downloaded."""
    current = ledger.current(config, "dbt")
    if current is None or MANIFEST not in current.artifacts:
        return None, None
    key = str(current.artifacts[MANIFEST]["key"])
    body = ArtifactStore(config).client.get_object(Bucket=config.artifacts_bucket, Key=key)
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / MANIFEST
    path.write_bytes(body["Body"].read())
    placed = current.details.get("placement")
    return path, str(placed) if placed else None


def _build(ctx: DeployContext, selection: Selection) -> None:
    stateful = selection.mode == "state"
    with ctx.lock("warehouse"), progress("dbt build", unit="nodes", emit=ctx.log) as bar:
        result = run_build(
            ctx.config,
            select=ctx.args.select or selection.select,
            full_refresh=ctx.args.full_refresh or stateful,
            state=selection.state_dir if stateful else None,
            progress=bar,
        )
    ctx.log(result.summary())
    counts = {"models": result.models, "tests": result.tests, "seconds": round(result.elapsed, 1)}
    ctx.detail("dbt", counts)
    if not result.ok:
        for failure in result.failures[:20]:
            ctx.log(f"  {failure}")
        raise DeployError(f"dbt build failed: {len(result.failures)} failing nodes (see above)")


def main(argv: Sequence[str] | None = None) -> int:
    return deploy_main(DbtDeploy(), argv)


if __name__ == "__main__":
    sys.exit(main())
