"""Real loopback stand-ins for what a real account answers when something is wrong.

- ``CannedAws``: an HTTP server that answers every request with one AWS error (a
  throttle, an expired token), counting requests, so botocore's real retry and
  parsing code runs against it;
- ``closed_port()``: a loopback port nothing listens on (unreachable endpoint);
- ``empty_credential_chain(monkeypatch, home)``: no AWS credentials anywhere;
- ``add_user(moto, name, policy(allow([...], [...])))``: an IAM user of an emulated
  account (moto with IAM enforced: ``moto_accounts(initial_no_auth_actions=N)``);
- ``account_state(moto)``: what an account holds, to prove a failed command changed nothing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from finks_local.moto import MotoServer
from finks_local.ports import free_port

AMBIENT_AWS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
)


def closed_port() -> int:
    """A loopback port that refuses connections (bound, then released)."""
    return free_port()


def empty_credential_chain(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """No credentials in the environment, config files, SSO cache or instance metadata."""
    for key in AMBIENT_AWS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


class _Handler(BaseHTTPRequestHandler):
    server: _CannedServer

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        canned = self.server.canned
        canned.requests += 1
        body = canned.body.encode()
        self.send_response(canned.status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:  # - stdlib's name
        return None


class _CannedServer(ThreadingHTTPServer):
    canned: CannedAws


@dataclass
class CannedAws:
    """Every request gets ``status`` and an AWS query-protocol error with ``code``."""

    code: str
    status: int
    message: str = "canned"
    requests: int = 0
    url: str = ""

    @property
    def body(self) -> str:
        return (
            '<?xml version="1.0"?><ErrorResponse><Error><Type>Sender</Type>'
            f"<Code>{self.code}</Code><Message>{self.message}</Message></Error>"
            "<RequestId>canned</RequestId></ErrorResponse>"
        )


@contextmanager
def canned_aws(code: str, status: int, message: str = "canned") -> Iterator[CannedAws]:
    """A loopback AWS stand-in that answers every request with one error."""
    canned = CannedAws(code=code, status=status, message=message)
    server = _CannedServer(("127.0.0.1", 0), _Handler)
    server.canned = canned
    canned.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield canned
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def policy(*statements: Mapping[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions: list[str], resources: list[str]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources}


def add_user(moto: MotoServer, name: str, document: str) -> dict[str, str]:
    """An IAM user with one inline policy; its credentials as env-var names (3 requests)."""
    iam: Any = moto.raw_client("iam")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName=f"{name}-policy", PolicyDocument=document)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
    }


_VOLATILE = ("last_accessed", "last_used", "AccountSummary")


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if not any(w in k for w in _VOLATILE)}
    if isinstance(value, list):
        return [_stable(item) for item in value]
    return value


def account_state(server: MotoServer) -> Any:
    """Everything the emulated account holds, minus what a read updates (last-access times):
    equal before and after means nothing was written."""
    return _stable(server.resources())
