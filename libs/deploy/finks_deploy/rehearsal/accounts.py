"""Three emulated AWS accounts (dev, staging, prod), each its own moto server and Prefect API.

Each moto server runs with ``MOTO_ACCOUNT_ID`` and IAM enforcement: its first three
requests create the account's bootstrap admin (what a person has before the first
deploy), every later request is checked against the caller's policies. Each env also
gets its own Prefect server with basic auth; the auth string becomes the env's
``/{env}/prefect/api_key`` secret once infrastructure created it.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finks_deploy.rehearsal.broker import AccountAccess
from finks_local.moto import DEFAULT_REGION, MotoRequest, MotoServer, start_moto
from finks_local.prefect import (
    PrefectServer,
    server_env,
    start_prefect_server,
    wait_until_healthy,
)
from finks_local.processes import ProcessRegistry

ACCOUNT_IDS: Mapping[str, str] = {
    "dev": "111111111111",
    "staging": "222222222222",
    "prod": "333333333333",
}
ADMIN_USER = "rehearsal-admin"
ADMIN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
# create_user, put_user_policy, create_access_key: then IAM is enforced.
_BOOTSTRAP_REQUESTS = 3


@dataclass
class EmulatedAccount:
    """One environment's account and Prefect API, with the bootstrap admin's key."""

    env: str
    account_id: str
    moto: MotoServer
    prefect: PrefectServer
    admin: dict[str, str]  # AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
    region: str = DEFAULT_REGION

    @property
    def endpoint(self) -> str:
        return self.moto.url

    @property
    def prefect_auth(self) -> str:
        return self.prefect.auth_string or ""

    def client(self, service: str) -> Any:
        """An unguarded admin client: set-up and inspection only, never the code under test."""
        return self.moto.raw_client(service, region=self.region, credentials=self.admin)

    def role_arn(self, name: str) -> str:
        return f"arn:aws:iam::{self.account_id}:role/{name}"

    def access(self) -> AccountAccess:
        return AccountAccess(
            env=self.env,
            account_id=self.account_id,
            endpoint=self.endpoint,
            region=self.region,
            admin_key_id=self.admin["AWS_ACCESS_KEY_ID"],
            admin_secret=self.admin["AWS_SECRET_ACCESS_KEY"],
            prefect_api_url=self.prefect.url,
        )

    def requests(self) -> list[MotoRequest]:
        return self.moto.requests()

    def admin_env(self) -> dict[str, str]:
        """What a person logged in to this account as admin has: for the one-time setup commands."""
        upper = self.env.upper()
        return {
            f"FINKS_{upper}_AWS_ACCESS_KEY_ID": self.admin["AWS_ACCESS_KEY_ID"],
            f"FINKS_{upper}_AWS_SECRET_ACCESS_KEY": self.admin["AWS_SECRET_ACCESS_KEY"],
            f"FINKS_{upper}_AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.admin["AWS_ACCESS_KEY_ID"],
            "AWS_SECRET_ACCESS_KEY": self.admin["AWS_SECRET_ACCESS_KEY"],
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
        }


def _create_admin(moto: MotoServer) -> dict[str, str]:
    iam = moto.raw_client("iam")
    iam.create_user(UserName=ADMIN_USER)
    iam.put_user_policy(
        UserName=ADMIN_USER, PolicyName="administrator", PolicyDocument=json.dumps(ADMIN_POLICY)
    )
    key = iam.create_access_key(UserName=ADMIN_USER)["AccessKey"]
    return {
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
    }


def migrated_prefect_database(home: Path) -> Path:
    """An empty, migrated Prefect SQLite database (``prefect server database upgrade``)."""
    home.mkdir(parents=True, exist_ok=True)
    # The servers' own environment (analytics off, no client settings of ours); no UI, so
    # there is no API URL to give it.
    env = server_env(home, api_url="")
    subprocess.run(
        [sys.executable, "-m", "prefect", "server", "database", "upgrade", "-y"],
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return home / "prefect.db"


def start_accounts(
    registry: ProcessRegistry, work: Path, envs: Sequence[str] = tuple(ACCOUNT_IDS)
) -> dict[str, EmulatedAccount]:
    """Start every env's moto server (IAM enforced) and Prefect API; returns them by env.

    A Prefect database is migrated once and copied to every env (a first start migrates for
    tens of seconds of CPU each); the servers start from this thread so they live as long
    as the caller.
    """
    template = migrated_prefect_database(work / "prefect-template")
    motos: dict[str, MotoServer] = {}
    prefects: dict[str, PrefectServer] = {}
    for env in envs:
        home = work / env
        (home / "prefect").mkdir(parents=True, exist_ok=True)
        shutil.copy(template, home / "prefect" / template.name)
        motos[env] = start_moto(
            registry,
            log_path=home / "moto.log",
            account_id=ACCOUNT_IDS[env],
            initial_no_auth_actions=_BOOTSTRAP_REQUESTS,
            name=f"moto server ({env} account {ACCOUNT_IDS[env]})",
        )
        prefects[env] = start_prefect_server(
            registry,
            home / "prefect",
            auth_string=f"finks:{secrets.token_hex(16)}",
            log_path=home / "prefect.log",
            wait=False,
        )
    accounts = {}
    for env in envs:
        wait_until_healthy(prefects[env])
        accounts[env] = EmulatedAccount(
            env=env,
            account_id=ACCOUNT_IDS[env],
            moto=motos[env],
            prefect=prefects[env],
            admin=_create_admin(motos[env]),
        )
    return accounts
