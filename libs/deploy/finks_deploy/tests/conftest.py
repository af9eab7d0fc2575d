"""Shared fixtures: a real moto server, and a small git checkout shaped like the repo.

``deploy_main`` reads the commit from the repo root, so contract tests run in a
temporary git repository (FINKS_ROOT points at it) holding the shared
``libs/config/.env.*`` files and a ``demo`` project with its own config dir.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import finks_config
import finks_config.aws
from finks_testing.fixtures import aws_credentials, moto, moto_accounts, moto_server  # noqa: F401
from finks_testing.moto import MotoEndpoint

ENVIRONMENTS = ("local", "dev", "staging", "prod")
GITHUB_VARS = ("GITHUB_SHA", "GITHUB_REF", "GITHUB_ACTOR", "GITHUB_RUN_ID", "ENVIRONMENT")


def git(root: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=True,
        env={
            "GIT_AUTHOR_NAME": "Finks Test",
            "GIT_AUTHOR_EMAIL": "test@finks.invalid",
            "GIT_COMMITTER_NAME": "Finks Test",
            "GIT_COMMITTER_EMAIL": "test@finks.invalid",
            "PATH": "/usr/bin:/bin:/usr/local/bin",
            "HOME": str(root),
        },
    )
    return result.stdout.strip()


@pytest.fixture(autouse=True)
def fresh_aws_clients() -> Iterator[None]:
    """Tests change credentials and endpoints: no client may outlive its test."""
    finks_config.aws.clear_client_cache()
    yield
    finks_config.aws.clear_client_cache()


@dataclass
class DemoRepo:
    """A committed checkout with the shared config and a ``demo`` project."""

    root: Path

    @property
    def head(self) -> str:
        return git(self.root, "rev-parse", "HEAD")

    def commit(self, message: str, files: dict[str, str] | None = None) -> str:
        for name, text in (files or {}).items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "--allow-empty", "-m", message)
        return self.head

    def tag(self, name: str) -> None:
        git(self.root, "tag", name)


@pytest.fixture
def demo_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoRepo]:
    source = finks_config.repo_root() / "libs" / "config"
    root = tmp_path / "repo"
    (root / "libs" / "config").mkdir(parents=True)
    for env_file in source.glob(".env.*"):
        if not finks_config.is_personal_env_file(env_file):
            shutil.copy(env_file, root / "libs" / "config" / env_file.name)
    for env in ENVIRONMENTS:
        (root / "demo" / "config").mkdir(parents=True, exist_ok=True)
        (root / "demo" / "config" / f".env.{env}").write_text("# demo project keys\n")
    git(root, "init", "-q", "-b", "main")
    repo = DemoRepo(root)
    repo.commit("initial")
    monkeypatch.setenv("FINKS_ROOT", str(root))
    monkeypatch.chdir(root)
    for name in GITHUB_VARS:
        monkeypatch.delenv(name, raising=False)
    yield repo


def make_bucket(moto: MotoEndpoint, env: str) -> str:  # noqa: F811
    """Create ``{env}-artifacts`` on the moto server (what infrastructure would create)."""
    bucket = f"{env}-artifacts"
    s3 = moto.raw_client("s3")
    s3.create_bucket(  # type: ignore[attr-defined]
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ca-central-1"}
    )
    return bucket


@pytest.fixture
def overrides(moto: MotoEndpoint) -> dict[str, str]:  # noqa: F811
    return {"AWS_ENDPOINT_URL": moto.url}


@pytest.fixture
def buckets(moto: MotoEndpoint, demo_repo: DemoRepo) -> dict[str, str]:  # noqa: F811
    """Artifacts buckets for every environment (moto is per test, so created per test)."""
    return {env: make_bucket(moto, env) for env in ENVIRONMENTS}


def repo_source(rel: str) -> Path:
    """A file of the real checkout, as the test sandbox (or the dev checkout) holds it."""
    path = finks_config.repo_root() / rel
    if not path.exists():
        pytest.fail(f"{rel} is not in {path.parent} (a missing test dependency in tests/BUILD?)")
    return path


@dataclass
class BrokenAccount:
    """A dev account a command cannot use, and how to see that nothing in it changed."""

    case: str
    expect: str  # what the one error line must say
    inspect: Callable[[], dict[str, list[str]]]  # bucket -> keys, read with working credentials

    def objects(self) -> dict[str, list[str]]:
        return self.inspect()


def _listing(s3: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for bucket in s3.list_buckets().get("Buckets", []):
        listing = s3.list_objects_v2(Bucket=bucket["Name"])
        found[bucket["Name"]] = sorted(o["Key"] for o in listing.get("Contents", []))
    return found


def _no_credential_chain(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """boto3 finds no credentials anywhere: no env vars, no files, no instance metadata."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)


# Requests the IAM-enforcing server answers unauthenticated: the set-up below, exactly.
_IAM_SETUP_ACTIONS = 7


@pytest.fixture(params=["no-credentials", "unreachable", "access-denied", "wrong-region"])
def broken_account(
    request: pytest.FixtureRequest,
    demo_repo: DemoRepo,
    moto: MotoEndpoint,  # noqa: F811
    moto_accounts: Callable[..., MotoEndpoint],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> BrokenAccount:
    """The four ways a real account fails a command (issue 16), on loopback servers."""
    case = str(request.param)
    if case == "unreachable":
        from finks_local.ports import free_port

        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nobody there
        return BrokenAccount(case, "cannot reach", dict)
    if case == "access-denied":
        server = moto_accounts(initial_no_auth_actions=_IAM_SETUP_ACTIONS)
        iam = server.raw_client("iam")
        server.raw_client("s3").create_bucket(
            Bucket="dev-artifacts",
            CreateBucketConfiguration={"LocationConstraint": "ca-central-1"},
        )
        keys = {}
        for user in ("nobody", "admin"):
            iam.create_user(UserName=user)
            made = iam.create_access_key(UserName=user)["AccessKey"]
            keys[user] = {
                "AWS_ACCESS_KEY_ID": made["AccessKeyId"],
                "AWS_SECRET_ACCESS_KEY": made["SecretAccessKey"],
            }
        iam.put_user_policy(
            UserName="admin",
            PolicyName="all",
            PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",'
            ' "Action": "*", "Resource": "*"}]}',
        )
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
        for key, value in keys["nobody"].items():
            monkeypatch.setenv(key, value)
        admin = server.raw_client("s3", credentials=keys["admin"])
        return BrokenAccount(case, "access denied", lambda: _listing(admin))
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
    if case == "wrong-region":
        moto.raw_client("s3", region="us-west-2").create_bucket(
            Bucket="dev-artifacts", CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
        )
        return BrokenAccount(
            case, "is in region us-west-2", lambda: _listing(moto.raw_client("s3"))
        )
    make_bucket(moto, "dev")
    _no_credential_chain(monkeypatch, tmp_path)
    return BrokenAccount(
        case, "no AWS credentials for dev", lambda: _listing(moto.raw_client("s3"))
    )
