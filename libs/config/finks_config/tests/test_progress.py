"""finks_config.progress: plain lines off a terminal, a rich bar on one (a real pty)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from finks_config.progress import NO_PROGRESS, PROGRESS_ENV, choose_mode, progress


@pytest.fixture(autouse=True)
def no_mode_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PROGRESS_ENV, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


def _ticks() -> Iterator[float]:
    yield 100.0
    while True:
        yield 102.5


def test_plain_lines_at_start_each_tenth_and_end() -> None:
    lines: list[str] = []
    clock = _ticks()
    with progress(
        "ingest fmp", total=20, unit="requests", emit=lines.append, clock=lambda: next(clock)
    ) as bar:
        for i in range(20):
            bar.advance(note=f"S{i} prices")
    assert lines[0] == "ingest fmp: started, 20 requests"
    assert lines[1] == "ingest fmp: 2/20 requests (10%) S1 prices"
    assert lines[-2] == "ingest fmp: 18/20 requests (90%) S17 prices"
    assert lines[-1] == "ingest fmp: done, 20/20 requests in 2.5s"
    assert len(lines) == 11  # start + 10%..90% + end


def test_plain_small_and_unknown_totals() -> None:
    small: list[str] = []
    with progress("deploy", total=3, unit="steps", emit=small.append) as bar:
        bar.advance(note="packaging")
        bar.advance(note="uploading")
        bar.advance(note="applying")
    assert small[1:3] == ["deploy: 1/3 steps (33%) packaging", "deploy: 2/3 steps (66%) uploading"]
    unknown: list[str] = []
    with progress("dbt build", unit="nodes", emit=unknown.append) as bar:
        for _ in range(25):
            bar.advance()
        bar.update(total=30)  # dbt learns its node count late
        for _ in range(5):
            bar.advance()
    assert unknown[:3] == ["dbt build: started", "dbt build: 10 nodes", "dbt build: 20 nodes"]
    assert unknown[-1].startswith("dbt build: done, 30/30 nodes in ")


def test_concurrent_advances_count_exactly() -> None:
    lines: list[str] = []
    with progress("ingest", total=1000, emit=lines.append) as bar:

        def work() -> None:
            for _ in range(125):
                bar.advance()

        workers = [threading.Thread(target=work) for _ in range(8)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    assert lines[-1].startswith("ingest: done, 1000/1000 items")
    assert [line.split()[1] for line in lines[1:-1]] == [f"{n}00/1000" for n in range(1, 10)]


def test_failure_closes_the_line_and_propagates() -> None:
    lines: list[str] = []
    with (
        pytest.raises(RuntimeError, match="boom"),
        progress("upload", total=4 * 1024 * 1024, unit="bytes", emit=lines.append) as bar,
    ):
        bar.advance(1024 * 1024)
        bar.log("retrying part 2")
        raise RuntimeError("boom")
    assert lines[0] == "upload: started, 4.0 MiB"
    assert "retrying part 2" in lines
    assert lines[-1].startswith("upload: failed at 1.0 MiB/4.0 MiB in ")


def test_mode_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    assert choose_mode(io.StringIO()) == "plain"
    monkeypatch.setenv(PROGRESS_ENV, "off")
    with progress("quiet", total=3, stream=io.StringIO()) as bar:
        assert bar is NO_PROGRESS
    monkeypatch.setenv(PROGRESS_ENV, "fancy")
    with pytest.raises(ValueError, match=f"{PROGRESS_ENV}='fancy': use one of rich, plain, off"):
        choose_mode(io.StringIO())


def _read_all(fd: int, sink: bytearray) -> None:
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return
        if not chunk:
            return
        sink.extend(chunk)


def test_a_terminal_gets_one_live_display_for_nested_bars(monkeypatch: pytest.MonkeyPatch) -> None:
    from finks_config import progress as module

    monkeypatch.setenv("COLUMNS", "200")  # rich sizes by the std streams, captured by pytest

    master, slave = os.openpty()
    output = bytearray()
    reader = threading.Thread(target=_read_all, args=(master, output), daemon=True)
    reader.start()
    with os.fdopen(slave, "w", encoding="utf-8", closefd=True) as tty:
        assert choose_mode(tty) == "rich"
        with progress("deploy pipelines", total=2, unit="steps", stream=tty) as steps:
            steps.advance(note="packaging")
            with progress("dbt build", unit="nodes", stream=tty) as nodes:
                assert nodes.live is steps.live  # type: ignore[attr-defined]  # one display
                nodes.update(total=3)
                nodes.advance(3, note="model fct_daily_prices: success")
                nodes.log("a kept line")
            steps.advance(note="applying")
        assert {} == module._LIVES
    reader.join(timeout=5)
    os.close(master)
    text = output.decode("utf-8", errors="replace")
    assert "\x1b[" in text  # drawn with terminal control sequences, not plain lines
    assert "━" in text
    assert "3/3 nodes" in text and "2/2 steps" in text
    assert "a kept line" in text
    assert "deploy pipelines: started" not in text


def test_plain_mode_never_imports_rich() -> None:
    code = (
        "import sys\n"
        "from finks_config.progress import progress\n"
        "with progress('x', total=2) as bar:\n"
        "    bar.advance(2)\n"
        "assert 'rich' not in sys.modules, 'rich imported'\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    env.pop(PROGRESS_ENV, None)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "x: started, 2 items"
