"""`--serve`: after the local run, keep the Prefect UI and a dbt docs site up until Ctrl-C.

Why: data engineers check a run in the Prefect UI (its task runs, logs, artifacts) and a
model's lineage in dbt docs; both ship with packages already installed. The local
stack's Prefect server serves its UI when started with ``ui=True``; the docs are
``dbt docs generate`` over the local warehouse, served from loopback by the standard
library's HTTP server (the generated site is static files).
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finks_config import Config, Environment

Say = Callable[[str], None]
LINEAGE_MODEL = "fct_daily_prices"


@dataclass(frozen=True)
class Served:
    """The URLs `--serve` prints."""

    prefect_ui: str
    dbt_docs: str
    docs_dir: Path


def lineage_url(base: str, model: str = LINEAGE_MODEL, project: str = "finks") -> str:
    """dbt docs' page of ``model`` with its lineage graph open (upstream and downstream)."""
    return f"{base}/#!/model/model.{project}.{model}?g_v=1&g_i=%2B{model}%2B"


def flow_run_url(ui_url: str, flow_run_id: str | None) -> str:
    return f"{ui_url}/runs/flow-run/{flow_run_id}" if flow_run_id else f"{ui_url}/runs"


def generate_docs(config: Config, work_dir: Path) -> Path:
    """``dbt docs generate`` for ``config``'s warehouse; the site lands in ``work_dir/target``.

    A work dir of its own, so the docs never overwrite the run's target/ (its manifest
    and run results stay what the run produced).
    """
    import finks_dbt

    docs_config = finks_dbt.dbt_config(config, {"DBT_WORK_DIR": str(work_dir)})
    result, _seconds = finks_dbt.invoke_dbt(docs_config, ["docs", "generate"])
    target = work_dir / "target"
    if not result.success or not (target / "index.html").is_file():
        reason = " ".join(str(result.exception or "see the dbt log").split())
        raise RuntimeError(f"dbt docs generate failed: {reason} (logs: {work_dir / 'logs'})")
    return target


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # - stdlib signature
        return None


@contextmanager
def static_site(directory: Path, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``directory`` on ``host``:<free port> for the block; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer((host, 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="dbt-docs", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def serving(
    config: Config, stack: Any, say: Say, *, flow_run_id: str | None = None
) -> Iterator[Served]:
    """Generate and serve the dbt docs next to the stack's Prefect UI (no blocking)."""
    if config.environment is not Environment.LOCAL:
        raise ValueError("--serve is for the local platform (--env local)")
    ui_url = getattr(stack, "prefect_ui_url", None)
    if not ui_url:
        raise RuntimeError("the local Prefect server runs without its UI: start it with ui=True")
    say("generating dbt docs (dbt docs generate)")
    site = generate_docs(config, stack.paths.root / "docs")
    with static_site(site) as base:
        yield Served(flow_run_url(ui_url, flow_run_id), lineage_url(base), site)


def serve_local(
    config: Config,
    stack: Any,
    say: Say,
    *,
    flow_run_id: str | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Print both URLs and serve until Ctrl-C (or ``stop``); returns 0, serve's normal end."""
    stopping = stop or threading.Event()
    with serving(config, stack, say, flow_run_id=flow_run_id) as served:
        say(f"Prefect UI: {served.prefect_ui}")
        say(f"dbt docs:   {served.dbt_docs}")
        say("serving; press Ctrl-C to stop")
        try:
            while not stopping.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    say("stopped serving the Prefect UI and dbt docs")
    return 0
