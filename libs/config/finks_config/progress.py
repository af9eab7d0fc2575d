"""Progress of long work: a rich bar on a terminal, plain lines everywhere else.

Why one small API for every project: ingestion, dbt builds and deploys all do N things
that take a while. On a person's terminal a live bar says how far along they are; in CI,
on a Prefect worker or through a pipe, a bar is noise, so the same calls print a line at
the start, one per 10% done and one at the end. Library functions take a
``progress: Progress | None`` and call it; only the entry point decides how it renders.

    with progress("ingest fmp", total=len(jobs), unit="requests", emit=log) as bar:
        for job in jobs:
            run(job)
            bar.advance(note=f"{job.symbol} {job.dataset}")

rich is imported only when a bar is drawn, so the core stays light to import.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, Protocol, TextIO

Mode = Literal["rich", "plain", "off"]
MODES: tuple[str, ...] = ("rich", "plain", "off")
PROGRESS_ENV = "FINKS_PROGRESS"
Emit = Callable[[str], None]
Clock = Callable[[], float]


class Progress(Protocol):
    """What long-running code calls; thread-safe in every implementation here."""

    def advance(self, n: int = 1, *, note: str | None = None) -> None:
        """``n`` more units are done; ``note`` says what the last one was."""

    def update(self, *, total: int | None = None, note: str | None = None) -> None:
        """Set the total once it is known (dbt knows its node count only after parsing)."""

    def log(self, message: str) -> None:
        """A line worth keeping (a retry, a failure), printed above the bar or as a line."""


class _NoProgress:
    def advance(self, n: int = 1, *, note: str | None = None) -> None:
        return None

    def update(self, *, total: int | None = None, note: str | None = None) -> None:
        return None

    def log(self, message: str) -> None:
        return None


NO_PROGRESS: Progress = _NoProgress()


def _fmt_count(value: int, unit: str) -> str:
    if unit != "bytes":
        return str(value)
    size = float(value)
    for suffix in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or suffix == "GiB":
            return f"{size:.0f} {suffix}" if suffix == "B" else f"{size:.1f} {suffix}"
        size /= 1024
    return str(value)  # pragma: no cover - the loop always returns


class _Counter:
    """The state every renderer shares: done/total/note under one lock."""

    def __init__(self, label: str, total: int | None, unit: str) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.done = 0
        self.note = ""
        self.lock = threading.Lock()

    def position(self) -> str:
        done = _fmt_count(self.done, self.unit)
        unit = "" if self.unit == "bytes" else f" {self.unit}"
        if self.total:
            return f"{done}/{_fmt_count(self.total, self.unit)}{unit}"
        return f"{done}{unit}"


class PlainProgress(_Counter):
    """Lines for logs: start, each further 10% (each item up to 10, every 10 if no total), end."""

    def __init__(
        self, label: str, total: int | None, unit: str, emit: Emit, clock: Clock = time.monotonic
    ) -> None:
        super().__init__(label, total, unit)
        self.emit = emit
        self.clock = clock
        self.started = clock()

    def start(self) -> None:
        of = f", {self.position().split('/', 1)[1]}" if self.total else ""
        self.emit(f"{self.label}: started{of}")

    def _bucket(self, done: int) -> int:
        if self.total:
            return done if self.total <= 10 else math.floor(done * 10 / self.total)
        return done // 10

    def advance(self, n: int = 1, *, note: str | None = None) -> None:
        with self.lock:
            before = self._bucket(self.done)
            self.done += n
            if note:
                self.note = note
            finished = bool(self.total) and self.done >= (self.total or 0)
            if self._bucket(self.done) == before or finished:
                return
            line = self._line()
        self.emit(line)

    def _line(self) -> str:
        pct = f" ({math.floor(self.done * 100 / self.total)}%)" if self.total else ""
        note = f" {self.note}" if self.note else ""
        return f"{self.label}: {self.position()}{pct}{note}"

    def update(self, *, total: int | None = None, note: str | None = None) -> None:
        with self.lock:
            if total is not None:
                self.total = total
            if note:
                self.note = note

    def log(self, message: str) -> None:
        self.emit(message)

    def finish(self, failed: bool) -> None:
        seconds = self.clock() - self.started
        state = "failed at" if failed else "done,"
        self.emit(f"{self.label}: {state} {self.position()} in {seconds:.1f}s")


class RichProgress(_Counter):
    """One task of the shared live display of a terminal."""

    def __init__(self, label: str, total: int | None, unit: str, live: _Live) -> None:
        super().__init__(label, total, unit)
        self.live = live
        self.task_id = live.bars.add_task(label, total=total, unit=unit, note="")

    def advance(self, n: int = 1, *, note: str | None = None) -> None:
        with self.lock:
            self.done += n
            fields: dict[str, Any] = {"note": note} if note else {}
            self.live.bars.update(self.task_id, advance=n, **fields)

    def update(self, *, total: int | None = None, note: str | None = None) -> None:
        with self.lock:
            if total is not None:
                self.total = total
            fields: dict[str, Any] = {"note": note} if note else {}
            self.live.bars.update(self.task_id, total=total, **fields)

    def log(self, message: str) -> None:
        self.live.bars.console.print(message, markup=False, highlight=False)

    def finish(self, failed: bool) -> None:
        description = f"{self.label} [failed]" if failed else self.label
        self.live.bars.update(self.task_id, description=description)
        self.live.bars.stop_task(self.task_id)


class _Live:
    """A rich live display on one stream, shared by the bars open on it at the same time."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            SpinnerColumn,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
        )
        from rich.progress import (
            Progress as RichBars,
        )

        self.users = 0
        self.bars = RichBars(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            _count_column(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[note]}", markup=False),
            console=Console(file=stream),
        )


def _count_column() -> Any:
    """``3/12 requests`` (sizes for bytes); defined here so rich loads only on a terminal."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class CountColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            unit = str(task.fields.get("unit", ""))
            done = _fmt_count(int(task.completed), unit)
            total = "?" if task.total is None else _fmt_count(int(task.total), unit)
            return Text(f"{done}/{total}" + ("" if unit == "bytes" else f" {unit}"))

    return CountColumn()


_LIVES: dict[int, _Live] = {}
_LIVES_LOCK = threading.Lock()


@contextmanager
def _shared_live(stream: TextIO) -> Iterator[_Live]:
    with _LIVES_LOCK:
        live = _LIVES.get(id(stream))
        if live is None:
            live = _LIVES[id(stream)] = _Live(stream)
        live.users += 1
        if live.users == 1:
            live.bars.start()
    try:
        yield live
    finally:
        with _LIVES_LOCK:
            live.users -= 1
            if live.users == 0:
                live.bars.stop()
                del _LIVES[id(stream)]


def choose_mode(stream: TextIO, mode: str | None = None) -> Mode:
    """``mode``, else $FINKS_PROGRESS, else a bar on a terminal and plain lines otherwise."""
    chosen = (mode or os.environ.get(PROGRESS_ENV) or "").strip().lower()
    if chosen:
        if chosen not in MODES:
            raise ValueError(f"{PROGRESS_ENV}={chosen!r}: use one of {', '.join(MODES)}")
        return chosen  # type: ignore[return-value]
    isatty = getattr(stream, "isatty", None)
    on_terminal = bool(isatty and isatty()) and os.environ.get("TERM", "") != "dumb"
    return "rich" if on_terminal else "plain"


@contextmanager
def progress(
    label: str,
    total: int | None = None,
    *,
    unit: str = "items",
    emit: Emit | None = None,
    stream: TextIO | None = None,
    mode: str | None = None,
    clock: Clock = time.monotonic,
) -> Iterator[Progress]:
    """A progress reporter for one piece of long work (see the module docstring)."""
    out = stream if stream is not None else sys.stdout
    chosen = choose_mode(out, mode)
    if chosen == "off":
        yield NO_PROGRESS
        return
    if chosen == "plain":

        def printer(line: str) -> None:
            print(line, file=out, flush=True)

        plain = PlainProgress(label, total, unit, emit or printer, clock)
        plain.start()
        try:
            yield plain
        except BaseException:
            plain.finish(failed=True)
            raise
        plain.finish(failed=False)
        return
    with _shared_live(out) as live:
        bar = RichProgress(label, total, unit, live)
        try:
            yield bar
        except BaseException:
            bar.finish(failed=True)
            raise
        bar.finish(failed=False)
