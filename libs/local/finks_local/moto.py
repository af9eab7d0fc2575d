"""moto servers as subprocesses: one per emulated AWS account.

Why a subprocess: moto reads `MOTO_ACCOUNT_ID` and `INITIAL_NO_AUTH_ACTION_COUNT` when it
starts, so two accounts (the rehearsal's dev/staging/prod, or a test that proves IAM
denies a cross-account call) need two processes. A server starts in about half a second.
With `initial_no_auth_actions=N` the first N requests are unauthenticated (create the
users, roles and policies with them); every later request is checked against the
caller's IAM policies.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finks_local.ports import LOOPBACK, free_port
from finks_local.processes import ChildServer, ManagedProcess, ProcessRegistry, python_env

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "ca-central-1"
# Credentials moto accepts when IAM is not enforced; never real ones.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": DEFAULT_REGION,
}
# werkzeug's access log line: 127.0.0.1 - - [01/Dec/2026 10:06:48] "PUT /b/k HTTP/1.1" 200 -
_REQUEST_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3})')


@dataclass(frozen=True)
class MotoRequest:
    """One request the server answered (from its access log)."""

    method: str
    path: str
    status: int


@dataclass
class MotoServer(ChildServer):
    """A running moto server: one emulated account on loopback."""

    url: str
    account_id: str
    iam_enforced: bool
    process: ManagedProcess

    def _post(self, path: str) -> None:
        request = urllib.request.Request(f"{self.url}{path}", method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - our loopback server
            pass

    def reset(self) -> None:
        """Forget every bucket, secret, role and database: a clean account."""
        self._post("/moto-api/reset")

    def resources(self) -> dict[str, Any]:
        """Everything the account holds, by service (moto's /moto-api/data.json)."""
        url = f"{self.url}/moto-api/data.json"
        with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 - our loopback server
            data: dict[str, Any] = json.loads(resp.read())
        return data

    def requests(self) -> list[MotoRequest]:
        """Every request this server answered so far, oldest first (its access log)."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return [
            MotoRequest(m["method"], m["path"], int(m["status"]))
            for m in _REQUEST_LINE.finditer(text)
            if not m["path"].startswith("/moto-api")
        ]

    def raw_client(
        self,
        service: str,
        *,
        region: str | None = None,
        credentials: Mapping[str, str] | None = None,
    ) -> Any:
        """An unguarded boto3 client for test set-up and inspection only.

        `credentials`: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`(/`AWS_SESSION_TOKEN`)
        of an IAM user of this account (needed once IAM is enforced); default the fakes.
        """
        import boto3

        creds = dict(credentials or FAKE_CREDENTIALS)
        make_client: Any = boto3.client  # the stubs type each service separately
        return make_client(
            service,
            endpoint_url=self.url,
            region_name=region or DEFAULT_REGION,
            aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=creds.get("AWS_SESSION_TOKEN"),
        )


def start_moto(
    registry: ProcessRegistry,
    *,
    log_path: Path,
    account_id: str = DEFAULT_ACCOUNT_ID,
    initial_no_auth_actions: int | None = None,
    port: int = 0,
    host: str = LOOPBACK,
    timeout: float = 60.0,
    name: str | None = None,
) -> MotoServer:
    """Start `python -m moto.server` for one account and wait until it answers."""
    if not re.fullmatch(r"\d{12}", account_id):
        raise ValueError(f"account_id must be 12 digits, got {account_id!r}")
    chosen = port or free_port(host)
    env = {"MOTO_ACCOUNT_ID": account_id}
    if initial_no_auth_actions is not None:
        env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(initial_no_auth_actions)
    label = name or f"moto server (account {account_id})"
    process = registry.start(
        label,
        [sys.executable, "-m", "moto.server", "-H", host, "-p", str(chosen)],
        python_env(env),
        log_path,
    )
    url = f"http://{host}:{chosen}"
    process.wait_ready(f"{url}/moto-api/", timeout=timeout)
    return MotoServer(
        url=url,
        account_id=account_id,
        iam_enforced=initial_no_auth_actions is not None,
        process=process,
    )


@contextmanager
def running_moto(
    *,
    workdir: Path | None = None,
    account_id: str = DEFAULT_ACCOUNT_ID,
    initial_no_auth_actions: int | None = None,
    port: int = 0,
) -> Iterator[MotoServer]:
    """One moto server for the `with` block (log and PID file in `workdir` or a temp dir)."""
    with tempfile.TemporaryDirectory(prefix="finks-moto-") as tmp:
        base = workdir or Path(tmp)
        registry = ProcessRegistry(base / f"moto-{account_id}.pids.json")
        try:
            yield start_moto(
                registry,
                log_path=base / f"moto-{account_id}.log",
                account_id=account_id,
                initial_no_auth_actions=initial_no_auth_actions,
                port=port,
            )
        finally:
            registry.stop_all()
