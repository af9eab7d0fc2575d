"""The deploy workflow's control flow, run under act with the stand-ins and a stub ./pants.

Fast (seconds per event): the real workflow files, act, and the real stand-in actions;
only ./pants is a stub that logs each command and answers the plans a case asks for, and
the credentials broker answers fixed credentials. What the commands do is test_rehearsal's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import finks_config
from finks_deploy.rehearsal import act, stage, standins

ACCOUNTS = {"111111111111": "dev", "222222222222": "staging", "333333333333": "prod"}
ROLES = {
    f"FINKS_{kind}_ROLE_{env.upper()}": f"arn:aws:iam::{acct}:role/finks-{env}-{name}"
    for acct, env in ACCOUNTS.items()
    for kind, name in (("DEPLOY", "github-deploy"), ("LEDGER", "ledger-reader"))
}

STUB_PANTS = r"""#!/usr/bin/env bash
# Stub ./pants: logs the command (and which credentials it had), answers plans from $STUB_DIR,
# and `package` writes stub binaries that log themselves as `run <target> -- ARGS`.
log() {
  local creds="key=${AWS_ACCESS_KEY_ID:-none} staging=${FINKS_STAGING_AWS_ACCESS_KEY_ID:-none}"
  echo "$* | ${creds} emulate=${FINKS_PULUMI_EMULATE:-0}" >> "$STUB_DIR/calls.log"
}
env_name=""; prev=""
for arg in "$@"; do [[ "$prev" == "--env" ]] && env_name="$arg"; prev="$arg"; done
if [[ "$1" == "binary" ]]; then  # a packaged stub binary: binary TARGET ARGS...
  target="$2"; shift 2; log "run ${target} -- $*"
  if [[ "$target" == *":deploy" && -f "$STUB_DIR/fail-${target%%:deploy}-$env_name" ]]; then
    echo "[${env_name^^}] ${target%%:deploy} deploy failed (stub)" >&2; exit 1
  fi
  exit 0
fi
log "$*"
case "$*" in
  *"libs/deploy:plan --"*)
    read -r code projects < "$STUB_DIR/plan-$env_name"
    if [[ "$code" != 0 ]]; then
      echo "[${env_name^^}] plan: error: refused by the stub (fix: none)" >&2; exit "$code"
    fi
    any=false; [[ "$projects" != "[]" ]] && any=true
    { echo "projects=$projects"; echo "any=$any"; } >> "$GITHUB_OUTPUT" ;;
  "package "*)
    shift
    for target in "$@"; do
      out="dist/$(tr / . <<< "${target%%:*}")/${target##*:}.pex"
      mkdir -p "$(dirname "$out")"
      printf '#!/usr/bin/env bash\nexec "%s" binary %s "$@"\n' "$PWD/pants" "$target" > "$out"
      chmod +x "$out"
    done ;;
  *" test "*) [[ -f "$STUB_DIR/red-ci" ]] && exit 1 ;;
esac
exit 0
"""


@dataclass
class Case:
    """What a stub run logged: the commands, in order."""

    calls: list[str]
    run: act.ActRun

    def commands(self) -> list[str]:
        return [call.split(" | ")[0] for call in self.calls]

    def having(self, text: str) -> list[str]:
        return [call for call in self.calls if text in call]


class _FakeBroker(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        asked = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        env = ACCOUNTS[asked["role_arn"].split(":")[4]]
        body = json.dumps(
            {
                "access_key_id": f"AKIA{env.upper()}{asked['role_arn'].rsplit('-', 1)[-1].upper()}",
                "secret_access_key": "secret",
                "session_token": "token",
                "expiration": "2026-12-01T00:00:00Z",
                "account_id": asked["role_arn"].split(":")[4],
                "env": env,
                "endpoint": "http://127.0.0.1:9",
                "prefect_api_url": "http://127.0.0.1:9/api",
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture(scope="module")
def broker_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeBroker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(finks_config.repo_root() / ".github", root / ".github")
    (root / "pants").write_text(STUB_PANTS)
    (root / "pants").chmod(0o755)
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "base"]):
        subprocess.run(["git", *command], cwd=root, check=True, env={**os.environ, **_GIT_IDENTITY})
    return root


_GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t.invalid",
}


def play(
    repo: Path,
    broker_url: str,
    tmp_path: Path,
    *,
    ref: str = "refs/heads/main",
    event: str = "push",
    plans: dict[str, str] | None = None,
    flags: tuple[str, ...] = (),
) -> Case:
    stub = tmp_path / "stub"
    stub.mkdir(exist_ok=True)
    for env, answer in (plans or {}).items():
        (stub / f"plan-{env}").write_text(answer + "\n")
    for flag in flags:
        (stub / flag).touch()
    if ref.startswith("refs/tags/"):
        subprocess.run(["git", "tag", "-f", ref.removeprefix("refs/tags/")], cwd=repo, check=True)
    run = act.run_act(
        repo,
        event,
        {"ref": ref, "repository": {"full_name": "finks/finks"}},
        workflow=".github/workflows/" if event != "push" else stage.WORKFLOW,
        env=stage.clean_env({"FINKS_REHEARSAL_BROKER": broker_url, "STUB_DIR": str(stub)}),
        variables={**ROLES, "FINKS_CI_TARGETS": "libs/x::"},
        local_actions=standins.materialize(repo, tmp_path / "standins"),
        work=tmp_path / "act",
        say=lambda line: None,
        timeout=300,
    )
    log = stub / "calls.log"
    return Case(log.read_text().splitlines() if log.exists() else [], run)


def deploys(case: Case) -> list[str]:
    return [
        c.split(" -- ")[0].removeprefix("run ") + "@" + c.rsplit("--env ", 1)[1].split()[0]
        for c in case.commands()
        if ":deploy --" in c
    ]


def test_push_to_main_tests_then_dev_then_staging(
    repo: Path, broker_url: str, tmp_path: Path
) -> None:
    both = '0 ["ingestion","pipelines"]'
    case = play(repo, broker_url, tmp_path, plans={"dev": both, "staging": both})
    commands = case.commands()
    assert commands[0] == "lint check test libs/x::"  # CI first, one Pants run
    # One Pants run builds every binary of the job, the worker runtime included.
    assert (
        "package ingestion:deploy pipelines:deploy pipelines:worker pipelines:check"
        " libs/deploy:ledger" in commands
    )
    assert "run pipelines:deploy -- --env dev --worker-pex dist/pipelines/worker.pex" in commands
    assert deploys(case) == [
        "ingestion:deploy@dev",
        "pipelines:deploy@dev",
        "ingestion:deploy@staging",
        "pipelines:deploy@staging",
    ]
    assert "run pipelines:check -- --env staging" in commands
    assert commands[-1] == "run libs/deploy:ledger -- carry --env staging"
    assert not any("--env prod" in c for c in commands)
    # Plans run as the ledger reader, deploys as the env's deploy role.
    assert all("key=AKIADEVREADER" in c for c in case.having("plan -- --env dev"))
    assert all("key=AKIASTAGINGDEPLOY" in c for c in case.having(":deploy -- --env staging"))


def test_red_ci_deploys_nothing(repo: Path, broker_url: str, tmp_path: Path) -> None:
    case = play(repo, broker_url, tmp_path, plans={"dev": '0 ["ingestion"]'}, flags=("red-ci",))
    assert case.commands() == ["lint check test libs/x::"]


def test_failed_dev_deploy_stops_before_staging(
    repo: Path, broker_url: str, tmp_path: Path
) -> None:
    both = '0 ["ingestion","pipelines","dbt"]'
    case = play(
        repo,
        broker_url,
        tmp_path,
        plans={"dev": both, "staging": both},
        flags=("fail-pipelines-dev",),
    )
    assert deploys(case) == ["ingestion:deploy@dev", "pipelines:deploy@dev"]  # dbt never tried
    assert not case.having("--env staging")


def test_nothing_planned_only_carries(repo: Path, broker_url: str, tmp_path: Path) -> None:
    case = play(repo, broker_url, tmp_path, plans={"dev": "0 []", "staging": "0 []"})
    assert not deploys(case) and not case.having("pipelines:check")
    assert case.commands()[-1] == "run libs/deploy:ledger -- carry --env staging"
    assert not case.run.ran("dev/deploy-env/deploy")


def test_release_tag_deploys_prod_once_with_the_staging_ledger_reader(
    repo: Path, broker_url: str, tmp_path: Path
) -> None:
    case = play(
        repo,
        broker_url,
        tmp_path,
        ref="refs/tags/v1.0.0",
        plans={"prod": '0 ["infrastructure","dbt"]'},
    )
    commands = case.commands()
    assert (
        not case.having("lint check")
        and not case.having("--env dev")
        and not case.having("--env staging ")
    )
    assert deploys(case) == ["infrastructure:deploy@prod", "dbt:deploy@prod"]
    assert "run pipelines:check -- --env prod" in commands
    assert not case.having("carry")
    # The prod rule reads the staging ledger with the staging ledger reader, in both jobs.
    for call in case.having("--env prod"):
        assert "staging=AKIASTAGINGREADER" in call, call
    # The Pulumi stand-in ran before the infrastructure deploy.
    assert "emulate=1" in case.having("run infrastructure:deploy")[0]
    said = case.run.output("prod/deploy-env/deploy").splitlines()
    assert (
        len([line for line in said if line.startswith("pulumi/actions stand-in: would install")])
        == 1
    )


def test_refused_release_stops_at_the_plan(repo: Path, broker_url: str, tmp_path: Path) -> None:
    case = play(repo, broker_url, tmp_path, ref="refs/tags/v1.0.0-rc.1", plans={"prod": "2 []"})
    assert case.commands()[-1].startswith("run libs/deploy:plan -- --env prod")
    assert case.run.result("prod/deploy-env/plan") == "failure"
    assert "exit status 2" in case.run.output("prod/deploy-env/plan")
    assert not case.run.ran("prod/deploy-env/deploy")


def test_publishing_a_release_runs_nothing(repo: Path, broker_url: str, tmp_path: Path) -> None:
    case = play(
        repo,
        broker_url,
        tmp_path,
        ref="refs/tags/v1.0.0",
        event="release",
        plans={"prod": '0 ["dbt"]'},
    )
    assert case.calls == [] and case.run.jobs == {}
