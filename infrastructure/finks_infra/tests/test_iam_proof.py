"""Least privilege proven by IAM (issue 14.2): the rendered policies, enforced by moto.

Two emulated accounts (moto servers with IAM enforced after the first requests):
- one holding dev, staging and prod together: inside one account IAM is the only wall
  between environments, the hardest case;
- one holding staging alone: prod's promotion check reads that ledger across accounts.
Each stack is applied as rendered (``finks_infra.emulate``); each role acts through a
user carrying exactly its policies (``act_as``). The platform's real code then runs
under those credentials, and every cross-environment request, with the client guard
switched off, must come back AccessDenied from IAM.

What moto enforces (and so what this proves): S3 bucket/object ARNs and STS role
assumption (trust policies included). For other services moto authorises against
``*``, so their ARNs are proven on the rendered documents by test_isolation.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from finks_config import Config, Environment, load_config
from finks_config.aws import aws_session, clear_client_cache, client
from finks_config.endpoints import credential_keys, endpoint_key
from finks_deploy import Artifact, DeployContext, Project, deploy_main, ledger
from finks_infra.bootstrap import bootstrap
from finks_infra.emulate import act_as, apply_stack
from finks_infra.program import PROJECT_CONFIG_DIR
from finks_infra.tests.conftest import STACKS
from finks_local.fmp import LOCAL_FMP_API_KEY
from finks_testing.awsfaults import add_user, allow, policy
from finks_testing.fixtures import FMP_AS_OF, MotoFactory
from finks_testing.moto import MotoEndpoint

SHARED_ACCOUNT = "111111111111"
STAGING_ACCOUNT = "222222222222"
ADMIN_REQUESTS = 3  # CreateUser, PutUserPolicy, CreateAccessKey: then IAM is enforced
FMP_KEY = LOCAL_FMP_API_KEY  # the local FMP server's key, stored in each env's secret


@dataclass(frozen=True)
class Account:
    server: MotoEndpoint
    admin: dict[str, str]  # boto3 keyword credentials of the account's administrator

    def config(self, env: str, credentials: dict[str, str], project: str = PROJECT_CONFIG_DIR,
               **extra: str) -> Config:  # fmt: skip
        """``env``'s Config acting with ``credentials`` against this account."""
        environment = Environment.parse(env)
        key_id, secret, _ = credential_keys(environment)
        overrides = {
            endpoint_key(environment): self.server.url,
            key_id: credentials["aws_access_key_id"],
            secret: credentials["aws_secret_access_key"],
            **extra,
        }
        return load_config(project, env=environment, overrides=overrides)

    def as_role(
        self, env: str, kind: str, project: str = PROJECT_CONFIG_DIR, **extra: str
    ) -> Config:
        admin = self.config(env, self.admin)
        role = admin.resource_name(kind)
        return self.config(env, act_as(admin, role, say=lambda _: None), project, **extra)


def _administrator(server: MotoEndpoint) -> dict[str, str]:
    """The account's admin, made with the requests moto lets through unauthenticated."""
    keys = add_user(server, "administrator", policy(allow(["*"], ["*"])))
    return {
        "aws_access_key_id": keys["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": keys["AWS_SECRET_ACCESS_KEY"],
    }


def _account(moto_accounts: MotoFactory, account_id: str, envs: Sequence[str]) -> Account:
    server = moto_accounts(account_id=account_id, initial_no_auth_actions=ADMIN_REQUESTS)
    account = Account(server, _administrator(server))
    for env in envs:
        config = account.config(env, account.admin)
        bootstrap(config, say=lambda _: None)
        apply_stack(config, say=lambda _: None)
        client(config, "secretsmanager").put_secret_value(
            SecretId=config.secret_path("fmp"), SecretString=FMP_KEY
        )
    return account


@pytest.fixture(scope="module")
def shared(moto_accounts: MotoFactory) -> Iterator[Account]:
    clear_client_cache()
    yield _account(moto_accounts, SHARED_ACCOUNT, STACKS)
    clear_client_cache()


@pytest.fixture(scope="module")
def staging_account(moto_accounts: MotoFactory) -> Account:
    return _account(moto_accounts, STAGING_ACCOUNT, ["staging"])


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only the credentials a test hands to finks_config count (no env vars, no profile)."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))


def _denied(call: object, *args: object, **kwargs: object) -> str:
    """The AWS error code of a call that must fail (its result if it did not)."""
    try:
        result = call(*args, **kwargs)  # type: ignore[operator]
    except Exception as error:  # botocore ClientError
        return str(getattr(error, "response", {}).get("Error", {}).get("Code", repr(error)))
    return f"ALLOWED: {result!r}"[:200]


# --- everything the platform does is allowed -----------------------------------------------


def test_ingestion_lands_bronze_as_the_worker_role(shared: Account, fmp_server: object) -> None:
    """DATA's run_ingestion against the local FMP server, as finks-dev-worker-task."""
    from finks_ingestion import run_ingestion

    config = shared.as_role("dev", "worker-task", "ingestion/config", FMP_BASE_URL=fmp_server.url)  # type: ignore[attr-defined]
    report = run_ingestion(
        config, ["AAPL", "MSFT"], as_of=FMP_AS_OF, datasets=["prices", "profiles"]
    )
    assert report.ok, report.failures
    assert report.objects_written > 0
    s3 = aws_session(config, guard=False).client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=config.bronze_bucket)["Contents"]]
    assert any(k.startswith("fmp/prices/") for k in keys)


def test_dbt_athena_runs_as_the_worker_role_until_the_emulator_stops_it(
    shared: Account, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """finks_dbt's Athena build: dbt-athena opens its own boto3 sessions (outside the guard),
    so IAM is its only wall. How far it gets in moto: it lists the catalog, submits every
    silver model's SQL to Athena in the env's work group, and stops when it looks for the
    table the statement would have created (moto runs no SQL)."""
    import finks_dbt

    worker = shared.as_role("dev", "worker-task", "dbt/config", DBT_WORK_DIR=str(tmp_path))
    key_id, secret, _ = credential_keys(worker.environment)
    # What an ECS task's role gives dbt-athena's default credential chain; the emulator's URL.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", str(worker.raw(key_id)))
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", str(worker.raw(secret)))
    monkeypatch.setenv("AWS_ENDPOINT_URL", shared.server.url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", worker.aws_region)
    before = len(shared.server.requests())
    result = finks_dbt.run_build(worker, "tag:silver")
    requests = shared.server.requests()[before:]
    assert requests and [r for r in requests if r.status == 403] == []  # IAM allowed every call
    athena = aws_session(worker, guard=False).client("athena")
    assert athena.list_query_executions(WorkGroup=worker.athena_work_group)["QueryExecutionIds"]
    assert result.failures and all("not found" in f for f in result.failures), result.failures


class _Probe(Project):
    """A project whose deploy ships one artifact: the contract uploads and records it."""

    name = "probe"
    config_dir = PROJECT_CONFIG_DIR

    def __init__(self, artifact: Path) -> None:
        self.artifact = artifact

    def build(self, ctx: DeployContext) -> Sequence[Artifact]:
        return [Artifact("probe.txt", self.artifact)]

    def apply(self, ctx: DeployContext) -> None:
        ctx.log(f"probe uploaded to {ctx.artifacts['probe.txt'].uri}")


def _deploy_env(config: Config) -> dict[str, str]:
    """The FINKS_{ENV}_AWS_* variables a CI job exports for ``config``'s credentials."""
    environment = config.environment
    key_id, secret, _ = credential_keys(environment)
    return {
        endpoint_key(environment): str(config.raw(endpoint_key(environment))),
        key_id: str(config.raw(key_id)),
        secret: str(config.raw(secret)),
    }


def test_the_deploy_contract_and_ledger_as_the_ci_deploy_role(
    shared: Account, committed_checkout: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """RELEASE's contract (lock, upload once per digest, ledger) and the emulated infra
    deploy, all under finks-dev-github-deploy."""
    from finks_infra.deploy import main as infrastructure_deploy

    deploy = shared.as_role("dev", "github-deploy")
    for key, value in _deploy_env(deploy).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("FINKS_PULUMI_EMULATE", "1")
    assert infrastructure_deploy(["--env", "dev"]) == 0
    artifact = tmp_path / "probe.txt"
    artifact.write_text("probe\n", encoding="utf-8")
    assert deploy_main(_Probe(artifact), ["--env", "dev"]) == 0
    assert deploy_main(_Probe(artifact), ["--env", "dev"]) == 0  # same digest: no new upload
    (newest, previous) = ledger.history(deploy, "probe", 2)
    assert newest.status == previous.status == "ok"
    assert newest.artifacts["probe.txt"] == previous.artifacts["probe.txt"]
    assert ledger.history(deploy, "infrastructure", 1)[0].status == "ok"


def test_the_ledger_reader_reads_the_ledger_and_nothing_else(shared: Account) -> None:
    reader = shared.as_role("dev", "ledger-reader")
    deploy = shared.as_role("dev", "github-deploy")
    s3 = aws_session(deploy, guard=False).client("s3")
    s3.put_object(Bucket=deploy.artifacts_bucket, Key="deploys/probe/shas/x.json", Body=b"{}")
    s3.put_object(Bucket=deploy.artifacts_bucket, Key="probe/artifacts/x/probe.txt", Body=b"x")
    ledger.history(reader, "probe", 5)  # the real ledger code lists and reads deploys/
    own = aws_session(reader, guard=False).client("s3")
    assert (
        own.get_object(Bucket=reader.artifacts_bucket, Key="deploys/probe/shas/x.json")[
            "Body"
        ].read()
        == b"{}"
    )
    artifacts = reader.artifacts_bucket
    assert (
        _denied(own.get_object, Bucket=artifacts, Key="probe/artifacts/x/probe.txt")
        == "AccessDenied"
    )
    assert (
        _denied(own.put_object, Bucket=artifacts, Key="deploys/probe/shas/y.json", Body=b"{}")
        == "AccessDenied"
    )
    assert _denied(own.get_object, Bucket=reader.bronze_bucket, Key="fmp/x") == "AccessDenied"


def test_prods_promotion_check_reads_the_staging_ledger_across_accounts(
    staging_account: Account,
    shared: Account,
    committed_checkout: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The only cross-env permission: prod's job reads staging's ledger as staging's reader."""
    from finks_infra.deploy import main as infrastructure_deploy

    deploy = staging_account.as_role("staging", "github-deploy")
    for key, value in _deploy_env(deploy).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("FINKS_PULUMI_EMULATE", "1")
    assert infrastructure_deploy(["--env", "staging"]) == 0
    record = ledger.history(deploy, "infrastructure", 1)[0]

    # The prod job's FINKS_STAGING_AWS_* are the staging ledger reader's credentials.
    reader = staging_account.as_role("staging", "ledger-reader")
    assert not record.dirty
    assert ledger.was_deployed(reader, "infrastructure", record.sha)
    assert ledger.history(reader, "infrastructure", 1)[0].sha == record.sha
    s3 = aws_session(reader, guard=False).client("s3")
    assert (
        _denied(s3.put_object, Bucket=reader.artifacts_bucket, Key="deploys/x.json", Body=b"{}")
        == "AccessDenied"
    )
    # Those credentials mean nothing in the other account.
    elsewhere = shared.config("staging", {
        "aws_access_key_id": str(reader.raw(credential_keys(reader.environment)[0])),
        "aws_secret_access_key": str(reader.raw(credential_keys(reader.environment)[1])),
    })  # fmt: skip
    other = aws_session(elsewhere, guard=False).client("s3")
    assert _denied(other.list_objects_v2, Bucket=elsewhere.artifacts_bucket) == "InvalidAccessKeyId"


# --- with the guard off, IAM alone denies every cross-env access ----------------------------

PRINCIPALS = ("worker-task", "github-deploy", "ledger-reader")


@pytest.mark.parametrize("env", STACKS)
@pytest.mark.parametrize("kind", PRINCIPALS)
def test_iam_alone_denies_every_cross_env_request(shared: Account, env: str, kind: str) -> None:
    config = shared.as_role(env, kind)
    session = aws_session(config, guard=False)  # the guard would refuse these in-process
    s3, sts = session.client("s3"), session.client("sts")
    results = {}
    for other in (e for e in STACKS if e != env):
        target = load_config(PROJECT_CONFIG_DIR, env=Environment.parse(other))
        for bucket in (target.bronze_bucket, target.gold_bucket, target.artifacts_bucket):
            results[f"list {bucket}"] = _denied(s3.list_objects_v2, Bucket=bucket)
            results[f"get {bucket}"] = _denied(s3.get_object, Bucket=bucket, Key="deploys/x.json")
            results[f"put {bucket}"] = _denied(s3.put_object, Bucket=bucket, Key="fmp/x", Body=b"x")
        role = f"arn:aws:iam::{SHARED_ACCOUNT}:role/{target.resource_name('github-deploy')}"
        results[f"assume {role}"] = _denied(sts.assume_role, RoleArn=role, RoleSessionName="probe")
    assert {k: v for k, v in results.items() if v != "AccessDenied"} == {}
    assert len(results) == 2 * (3 * 3 + 1)  # two other envs: 3 buckets x 3 calls + 1 role


def _member(account: Account, env: str, group_suffix: str) -> Config:
    """A person in the env's group (members are managed out of band: here, by the admin)."""
    admin = account.config(env, account.admin)
    iam = client(admin, "iam")
    user = f"person-in-{admin.resource_name(group_suffix)}"
    iam.create_user(UserName=user)
    iam.add_user_to_group(GroupName=admin.resource_name(group_suffix), UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return account.config(env, {"aws_access_key_id": key["AccessKeyId"],
                                "aws_secret_access_key": key["SecretAccessKey"]})  # fmt: skip


def test_people_tiers_as_iam_enforces_them(shared: Account) -> None:
    developer = _member(shared, "dev", "developers")
    s3 = aws_session(developer, guard=False).client("s3")
    s3.put_object(Bucket=developer.bronze_bucket, Key="fmp/by-hand.json", Body=b"{}")
    prod = load_config(PROJECT_CONFIG_DIR, env=Environment.PROD)
    assert _denied(s3.list_objects_v2, Bucket=prod.bronze_bucket) == "AccessDenied"
    senior = _member(shared, "staging", "seniors")
    staging_s3 = aws_session(senior, guard=False).client("s3")
    staging_s3.list_objects_v2(Bucket=senior.bronze_bucket)
    assert _denied(staging_s3.list_objects_v2, Bucket=developer.bronze_bucket) == "AccessDenied"
    # prod: only the break-glass role, and only with MFA (its trust policy's condition).
    glass = _member(shared, "prod", "break-glass")
    sts = aws_session(glass, guard=False).client("sts")
    role = f"arn:aws:iam::{SHARED_ACCOUNT}:role/{glass.resource_name('break-glass')}"
    assert _denied(sts.assume_role, RoleArn=role, RoleSessionName="no-mfa") == "AccessDenied"
    prod_s3 = aws_session(glass, guard=False).client("s3")
    assert _denied(prod_s3.list_objects_v2, Bucket=glass.bronze_bucket) == "AccessDenied"


def test_the_guard_refuses_first_when_it_is_on(shared: Account) -> None:
    """Defence in depth: with the guard on, the request never leaves the process."""
    from finks_config import IsolationError

    worker = shared.as_role("dev", "worker-task")
    prod = load_config(PROJECT_CONFIG_DIR, env=Environment.PROD)
    before = len(shared.server.requests())
    with pytest.raises(IsolationError):
        client(worker, "s3").list_objects_v2(Bucket=prod.bronze_bucket)
    assert len(shared.server.requests()) == before
