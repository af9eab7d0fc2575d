"""The rehearsal's stand-in for GitHub's OIDC token and AWS's web-identity trust.

In the cloud a job presents GitHub's OIDC token and STS checks it against the role's
trust policy. Here the configure-aws-credentials stand-in asks this broker for a role
ARN; the broker finds the emulated account that owns the ARN (its account id) and calls
``sts:AssumeRoleWithWebIdentity`` on that account's moto server, signed with the
account's bootstrap admin key (moto cannot serve the unsigned call while it enforces
IAM). The credentials it hands out are the role's own, so every later request of the job
is checked against the role's policies. Every grant is remembered for the scenarios.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

STS_NAMESPACE = {"sts": "https://sts.amazonaws.com/doc/2011-06-15/"}
# A token shape STS accepts; its claims are not checked here (see the module docstring).
WEB_IDENTITY_TOKEN = "rehearsal-github-oidc-token"  # noqa: S105 - not a secret


@dataclass(frozen=True)
class AccountAccess:
    """What the broker knows about one emulated account."""

    env: str
    account_id: str
    endpoint: str
    region: str
    admin_key_id: str
    admin_secret: str
    prefect_api_url: str


@dataclass(frozen=True)
class Grant:
    """One role handed out: to which job, in which account."""

    role_arn: str
    env: str
    job: str
    session_name: str


class BrokerError(Exception):
    """A request the broker refuses (unknown account or role): one line for the job log."""


def account_of(role_arn: str) -> str:
    """The account id in ``arn:aws:iam::<id>:role/<name>``."""
    parts = role_arn.split(":")
    if len(parts) < 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
        raise BrokerError(
            f"{role_arn!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)"
        )
    return parts[4]


def assume_with_web_identity(access: AccountAccess, role_arn: str, session: str) -> dict[str, str]:
    """A signed AssumeRoleWithWebIdentity on the account's moto server; the role's credentials."""
    form = {
        "Action": "AssumeRoleWithWebIdentity",
        "Version": "2011-06-15",
        "RoleArn": role_arn,
        "RoleSessionName": session,
        "WebIdentityToken": WEB_IDENTITY_TOKEN,
    }
    body = urllib.parse.urlencode(form)
    url = f"{access.endpoint}/"
    signed = AWSRequest(
        method="POST",
        url=url,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(Credentials(access.admin_key_id, access.admin_secret), "sts", access.region).add_auth(
        signed
    )
    request = urllib.request.Request(  # noqa: S310 - our loopback servers
        url, data=body.encode(), headers=dict(signed.headers.items()), method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            document = ET.fromstring(response.read())  # noqa: S314 - our loopback moto
    except urllib.error.HTTPError as error:
        text = error.read().decode(errors="replace")
        parsed = ET.fromstring(text) if text.startswith("<") else None  # noqa: S314 - loopback
        message = parsed.findtext(".//{*}Message") if parsed is not None else text
        raise BrokerError(f"the {access.env} account refused {role_arn}: {message}") from error
    creds = document.find(".//sts:Credentials", STS_NAMESPACE)
    if creds is None:
        raise BrokerError(f"the {access.env} account answered no credentials for {role_arn}")
    return {
        name: creds.findtext(f"sts:{name}", default="", namespaces=STS_NAMESPACE)
        for name in ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration")
    }


@dataclass
class Broker:
    """The HTTP broker the stand-in action calls (``POST /assume``); see the module docstring."""

    accounts: Mapping[str, AccountAccess]  # by account id
    grants: list[Grant] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def assume(self, role_arn: str, session_name: str, job: str) -> dict[str, str]:
        account_id = account_of(role_arn)
        access = self.accounts.get(account_id)
        if access is None:
            known = ", ".join(f"{a.account_id} ({a.env})" for a in self.accounts.values())
            raise BrokerError(f"{role_arn} belongs to no emulated account (known: {known})")
        creds = assume_with_web_identity(access, role_arn, session_name)
        with self._lock:
            self.grants.append(Grant(role_arn, access.env, job, session_name))
        return {
            "access_key_id": creds["AccessKeyId"],
            "secret_access_key": creds["SecretAccessKey"],
            "session_token": creds["SessionToken"],
            "expiration": creds["Expiration"],
            "account_id": account_id,
            "env": access.env,
            "endpoint": access.endpoint,
            "prefect_api_url": access.prefect_api_url,
        }

    def grants_since(self, mark: int) -> list[Grant]:
        with self._lock:
            return list(self.grants[mark:])


def _handler(broker: Broker) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # - http.server's naming
            try:
                length = int(self.headers.get("Content-Length", "0"))
                asked: dict[str, Any] = json.loads(self.rfile.read(length) or b"{}")
                answer = broker.assume(
                    str(asked.get("role_arn", "")),
                    str(asked.get("session_name") or "GitHubActions"),
                    str(asked.get("job", "")),
                )
            except BrokerError as error:
                self._send(400, str(error).encode())
                return
            self._send(200, json.dumps(answer).encode())

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: the job log says what was assumed

    return Handler


@contextmanager
def serving(broker: Broker) -> Iterator[str]:
    """Serve ``broker`` on a free loopback port for the block; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(broker))
    thread = threading.Thread(target=server.serve_forever, name="rehearsal-broker", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
