"""DeployContext.preview_failure: a dry run logs what a real deploy would hit; else re-raise."""

from __future__ import annotations

import argparse
import io
from typing import Any, cast

import pytest

import finks_config
from finks_deploy.gitinfo import GitInfo
from finks_deploy.project import DeployContext


def _ctx(dry_run: bool) -> tuple[DeployContext, io.StringIO]:
    out = io.StringIO()
    ctx = DeployContext(
        project="demo",
        env=finks_config.Environment.DEV,
        config=cast(Any, None),  # preview_failure never reads the config
        dry_run=dry_run,
        args=argparse.Namespace(),
        git=GitInfo(sha="0" * 40, release_tag=None, version="0" * 12, dirty=False),
        out=out,
    )
    return ctx, out


def test_a_dry_run_logs_the_failure_and_carries_on() -> None:
    ctx, out = _ctx(dry_run=True)
    try:
        raise RuntimeError("no  route\nto host")
    except RuntimeError as error:
        ctx.preview_failure(error)
        ctx.preview_failure(error, "cannot read Glue ({error})")
        ctx.preview_failure(error, "cannot read the last deploy's manifest")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[DEV] dry run: a real deploy would stop here: ")
    assert "no route to host" in lines[0]  # one line, as error_line gives it
    assert lines[1].startswith("[DEV] dry run: cannot read Glue (") and lines[1].endswith(")")
    assert lines[2].startswith("[DEV] dry run: cannot read the last deploy's manifest: ")


def test_a_real_deploy_re_raises() -> None:
    ctx, out = _ctx(dry_run=False)
    with pytest.raises(RuntimeError, match="boom"):
        try:
            raise RuntimeError("boom")
        except RuntimeError as error:
            ctx.preview_failure(error)
    assert out.getvalue() == ""
