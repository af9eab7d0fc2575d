"""Progress of a flow run's long work, in its logs and in the Prefect UI.

Why: a task that ingests hundreds of symbols runs on a worker; whoever watches it looks
at the Prefect UI, not at the worker's terminal. Inside a flow or task run,
``run_progress`` reports through ``finks_config.progress`` to the run's logger (plain
lines, as on any non-terminal) and keeps a Prefect progress artifact on the run,
updated at each further 10%. Outside a run it is exactly ``finks_config.progress``.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from finks_config.progress import Emit, Progress, progress


def _in_run() -> bool:
    from prefect.context import FlowRunContext, TaskRunContext

    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


def _run_logger_emit() -> Emit:
    from prefect.logging import get_run_logger

    logger = get_run_logger()
    return lambda line: logger.info(line)


class ArtifactProgress:
    """A Progress that also moves the run's progress artifact (0-100, in steps of 10%)."""

    def __init__(self, inner: Progress, artifact_id: UUID, total: int | None) -> None:
        self.inner = inner
        self.artifact_id = artifact_id
        self.total = total
        self.done = 0
        self.shown = 0
        self.lock = threading.Lock()

    def _sync(self, final: bool = False) -> None:
        from prefect.artifacts import update_progress_artifact

        with self.lock:
            if final:
                percent = 100
            elif not self.total:
                return
            else:
                percent = min(100, math.floor(self.done * 10 / self.total) * 10)
            if percent == self.shown:
                return
            self.shown = percent
        update_progress_artifact(self.artifact_id, float(percent))

    def advance(self, n: int = 1, *, note: str | None = None) -> None:
        self.inner.advance(n, note=note)
        with self.lock:
            self.done += n
        self._sync()

    def update(self, *, total: int | None = None, note: str | None = None) -> None:
        self.inner.update(total=total, note=note)
        if total is not None:
            with self.lock:
                self.total = total
            self._sync()

    def log(self, message: str) -> None:
        self.inner.log(message)

    def finish(self) -> None:
        self._sync(final=True)


@contextmanager
def run_progress(
    label: str,
    total: int | None = None,
    *,
    unit: str = "items",
    emit: Emit | None = None,
    **options: Any,
) -> Iterator[Progress]:
    """``finks_config.progress.progress``, plus a progress artifact when inside a Prefect run."""
    if not _in_run():
        with progress(label, total, unit=unit, emit=emit, **options) as bar:
            yield bar
        return
    from prefect.artifacts import create_progress_artifact

    with progress(label, total, unit=unit, emit=emit or _run_logger_emit(), **options) as inner:
        artifact_id = create_progress_artifact(0.0, description=label)
        bar = ArtifactProgress(inner, artifact_id, total)
        yield bar
        bar.finish()
