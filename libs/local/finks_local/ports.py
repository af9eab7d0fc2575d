"""Free loopback ports and waiting for a server to answer.

Why bind-and-release: servers started as subprocesses need their port on the command
line; asking the OS for a free one keeps parallel runs (tests, two local stacks,
the rehearsal's accounts) from colliding.
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """A port the OS just handed out on `host` (bind-and-release)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _log_tail(log: Path | None, chars: int = 1500) -> str:
    if log is None or not log.exists():
        return ""
    return log.read_text(errors="replace")[-chars:]


def wait_http(
    url: str,
    *,
    timeout: float,
    what: str,
    alive: Callable[[], bool] = lambda: True,
    log: Path | None = None,
) -> None:
    """Block until `url` answers below 500.

    RuntimeError (with the log's tail) when `alive()` turns false first: the server died
    during start-up; TimeoutError after `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - loopback
                if resp.status < 500:
                    return
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return
        except (urllib.error.URLError, OSError):
            pass
        if not alive():
            raise RuntimeError(f"{what} exited during start-up; last output:\n{_log_tail(log)}")
        if time.monotonic() > deadline:
            where = f" (log: {log})" if log else ""
            raise TimeoutError(f"{what} did not answer at {url} within {timeout:.0f}s{where}")
        time.sleep(0.1)
