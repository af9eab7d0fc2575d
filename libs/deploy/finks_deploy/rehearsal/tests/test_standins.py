"""The stand-in actions under act, the credentials one against a moto server enforcing IAM."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

import finks_config
from finks_deploy.rehearsal import act, broker, stage, standins
from finks_local.moto import MotoServer, running_moto

ACCOUNT = "222222222222"
OIDC_HOST = "token.actions.githubusercontent.com"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/finks-staging-github-deploy"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{OIDC_HOST}"},
            "Action": "sts:AssumeRoleWithWebIdentity",
        }
    ],
}
STAGING_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::staging-*", "arn:aws:s3:::staging-*/*"],
        }
    ],
}

# What the job saw: its AWS/FINKS variables and interpreters, written where the test reads them.
DUMPER = """
import json, os, shutil, sys
found = {k: v for k, v in os.environ.items() if k.startswith(("AWS_", "FINKS_"))}
found |= {"python": sys.version[:4], "py39": shutil.which("python3.9")}
json.dump(found, open(os.environ["DUMP"], "w"))
"""

WORKFLOW = """
on: push
jobs:
  job:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: |
            3.9
            3.11
      - uses: actions/cache@v4
        with:
          path: ~/.cache/x
          key: k
      - id: creds
        uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: ROLE
          aws-region: ca-central-1
          output-credentials: true
      - uses: pulumi/actions@v6
      - env:
          SECRET: ${{ steps.creds.outputs.aws-secret-access-key }}
        run: |
          echo "secret: ${SECRET}"
          python3 "$DUMPER"
"""


@pytest.fixture(scope="module")
def account(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[MotoServer, dict[str, str]]]:
    with running_moto(
        workdir=tmp_path_factory.mktemp("moto"), account_id=ACCOUNT, initial_no_auth_actions=3
    ) as moto:
        iam = moto.raw_client("iam")
        iam.create_user(UserName="admin")
        iam.put_user_policy(
            UserName="admin",
            PolicyName="all",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                }
            ),
        )
        key = iam.create_access_key(UserName="admin")["AccessKey"]
        admin = {
            "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
        }
        admin_iam = moto.raw_client("iam", credentials=admin)
        admin_iam.create_role(
            RoleName="finks-staging-github-deploy", AssumeRolePolicyDocument=json.dumps(TRUST)
        )
        admin_iam.put_role_policy(
            RoleName="finks-staging-github-deploy",
            PolicyName="s3",
            PolicyDocument=json.dumps(STAGING_ONLY),
        )
        yield moto, admin


def run_workflow(
    tmp_path: Path, moto: MotoServer, admin: dict[str, str], role: str
) -> tuple[act.ActRun, Path]:
    repo = tmp_path / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "w.yml").write_text(WORKFLOW.replace("ROLE", role))
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    access = broker.AccountAccess(
        "staging",
        ACCOUNT,
        moto.url,
        "ca-central-1",
        admin["AWS_ACCESS_KEY_ID"],
        admin["AWS_SECRET_ACCESS_KEY"],
        "http://127.0.0.1:9/api",
    )
    grants = broker.Broker({ACCOUNT: access})
    dump = tmp_path / "env.json"
    dumper = tmp_path / "dump.py"
    dumper.write_text(DUMPER)
    with broker.serving(grants) as url:
        run = act.run_act(
            repo,
            "push",
            {"ref": "refs/heads/main"},
            workflow=".github/workflows/w.yml",
            env=stage.clean_env(
                {"FINKS_REHEARSAL_BROKER": url, "DUMP": str(dump), "DUMPER": str(dumper)}
            ),
            variables={},
            local_actions=standins.materialize(repo, tmp_path / "standins"),
            work=tmp_path / "act",
            say=lambda line: None,
            timeout=120,
        )
    return run, dump


def test_credentials_are_the_named_roles_in_its_account(
    tmp_path: Path, account: tuple[MotoServer, dict[str, str]]
) -> None:
    moto, admin = account
    run, dump = run_workflow(tmp_path, moto, admin, ROLE)
    assert run.jobs == {"w.yml/job": "success"}, run.output()
    job_env = json.loads(dump.read_text())
    assert job_env["FINKS_STAGING_AWS_ENDPOINT_URL"] == moto.url == job_env["AWS_ENDPOINT_URL"]
    assert job_env["FINKS_PULUMI_EMULATE"] == "1" and job_env["FINKS_EMULATED_ATHENA"] == "1"
    assert job_env["AWS_REGION"] == "ca-central-1"
    # The secret output is masked in the log.
    assert job_env["AWS_SECRET_ACCESS_KEY"] not in run.log_path.read_text()
    assert "secret: ***" in run.output()
    # What the job got is the role: its policy allows staging buckets and nothing else.
    creds = {
        k: job_env[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    }
    s3 = moto.raw_client("s3", credentials=creds)
    s3.create_bucket(
        Bucket="staging-artifacts", CreateBucketConfiguration={"LocationConstraint": "ca-central-1"}
    )
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.create_bucket(
            Bucket="prod-artifacts",
            CreateBucketConfiguration={"LocationConstraint": "ca-central-1"},
        )
    identity = moto.raw_client("sts", credentials=creds).get_caller_identity()
    assert identity["Arn"].startswith(
        f"arn:aws:sts::{ACCOUNT}:assumed-role/finks-staging-github-deploy/"
    )
    # setup-python's stand-in put this machine's 3.11 first and 3.9 on PATH.
    assert job_env["python"] == "3.11" and job_env["py39"]


def test_a_role_of_no_emulated_account_is_refused(
    tmp_path: Path, account: tuple[MotoServer, dict[str, str]]
) -> None:
    moto, admin = account
    run, _ = run_workflow(
        tmp_path, moto, admin, "arn:aws:iam::999999999999:role/finks-prod-github-deploy"
    )
    assert run.jobs == {"w.yml/job": "failure"}
    assert "belongs to no emulated account" in run.output()


def test_every_remote_action_has_a_stand_in(tmp_path: Path) -> None:
    repo = finks_config.repo_root()
    mapped = standins.materialize(repo, tmp_path / "all")
    used = {uses.split("@")[0] for uses in standins.remote_actions(repo)}
    assert used - standins.BUILT_IN == {key.split("@")[0] for key in mapped}
    for folder in mapped.values():
        assert (folder / "action.yml").is_file()
    assert (mapped["aws-actions/configure-aws-credentials@v4"] / "standin_credentials.py").is_file()


def test_an_action_without_a_stand_in_stops_the_rehearsal(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "w.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - uses: docker/login-action@v3\n"
    )
    with pytest.raises(standins.MissingStandIn, match="docker/login-action@v3"):
        standins.materialize(tmp_path, tmp_path / "out")
