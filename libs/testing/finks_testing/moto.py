"""A real moto server (S3, Glue, Secrets Manager, STS...) over HTTP on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

# Credentials moto accepts; never real ones.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "ca-central-1",
}


@dataclass(frozen=True)
class MotoEndpoint:
    url: str
    server: ThreadedMotoServer

    def reset(self) -> None:
        """Forget every bucket/secret/database: a clean account for the next test."""
        import urllib.request

        # The URL is our own loopback moto server (http only).
        req = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")  # noqa: S310
        with urllib.request.urlopen(req, timeout=10):  # noqa: S310
            pass

    def raw_client(self, service: str) -> Any:
        """An unguarded boto3 client for test set-up and inspection only."""
        make_client: Any = boto3.client  # the stubs type each service separately
        return make_client(
            service,
            endpoint_url=self.url,
            region_name=FAKE_CREDENTIALS["AWS_DEFAULT_REGION"],
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )


@contextmanager
def running_moto_server() -> Iterator[MotoEndpoint]:
    """Start moto on a free loopback port; stop it on exit."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield MotoEndpoint(url=f"http://{host}:{port}", server=server)
    finally:
        server.stop()
