"""run_deploy against a real moto server: banner, exit codes, ledger, prod release rule."""

from __future__ import annotations

import io
from pathlib import Path

import finks_config
from finks_deploy import DeployContext, UsageError, ledger, lock, run_deploy
from finks_deploy.tests.conftest import DemoRepo, make_bucket
from finks_testing.moto import MotoEndpoint


class Recorder:
    """A project's _deploy that remembers its context (and optionally fails)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.calls: list[DeployContext] = []
        self.error = error

    def __call__(self, ctx: DeployContext) -> None:
        self.calls.append(ctx)
        ctx.step(1, 2, "building")
        ctx.step(2, 2, "publishing")
        # The lock is held while the project deploys.
        if not ctx.dry_run and ctx.env is not finks_config.Environment.LOCAL:
            assert lock.current_holder(ctx.config) is not None
        if self.error is not None:
            raise self.error


def deploy(
    argv: list[str], fn: Recorder, overrides: dict[str, str], project: str = "demo"
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_deploy(project, fn, argv, overrides=overrides, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def config_for(env: str, overrides: dict[str, str]) -> finks_config.Config:
    return finks_config.load_config(None, env, overrides)


def test_dev_deploy_prints_banner_records_ok_and_releases_the_lock(
    demo_repo: DemoRepo, buckets: dict[str, str], overrides: dict[str, str]
) -> None:
    fn = Recorder()
    code, out, _ = deploy(["--env", "DEV"], fn, overrides)
    assert code == 0
    assert out.splitlines()[0].startswith("[DEV] deploying demo to dev")
    assert "[DEV] [1/2] building" in out
    ctx = fn.calls[0]
    assert ctx.env is finks_config.Environment.DEV and not ctx.dry_run
    assert ctx.git_sha == demo_repo.head and ctx.artifact_prefix == f"demo/{demo_repo.head}/"
    config = config_for("dev", overrides)
    last = ledger.last_successful(config, "demo")
    assert last is not None and last.sha == demo_repo.head and last.status == "ok"
    assert last.actor and last.finished_at and last.environment == "dev"
    assert ledger.was_deployed(config, "demo", demo_repo.head)
    assert lock.current_holder(config) is None
    # Other environments' ledgers are untouched.
    assert ledger.last_successful(config_for("staging", overrides), "demo") is None


def test_failed_deploy_exits_1_records_failure_and_keeps_the_last_good_pointer(
    demo_repo: DemoRepo, buckets: dict[str, str], overrides: dict[str, str]
) -> None:
    assert deploy(["--env", "dev"], Recorder(), overrides)[0] == 0
    good = demo_repo.head
    demo_repo.commit("second")
    code, _, err = deploy(["--env", "dev"], Recorder(RuntimeError("upload\nbroke")), overrides)
    assert code == 1
    assert "[DEV] demo deploy failed: RuntimeError: upload broke" in err
    config = config_for("dev", overrides)
    statuses = [(r.sha, r.status) for r in ledger.history(config, "demo")]
    assert statuses[0] == (demo_repo.head, "failed")
    assert (good, "ok") in statuses
    last = ledger.last_successful(config, "demo")
    assert last is not None and last.sha == good
    assert not ledger.was_deployed(config, "demo", demo_repo.head)
    assert lock.current_holder(config) is None


def test_usage_errors_exit_2(
    demo_repo: DemoRepo, buckets: dict[str, str], overrides: dict[str, str]
) -> None:
    code, _, err = deploy(["--env", "production"], Recorder(), overrides)
    assert code == 2 and "did you mean 'prod'" in err
    code, _, err = deploy(["--env", "dev"], Recorder(UsageError("--symbols is empty")), overrides)
    assert code == 2 and "--symbols is empty" in err


def test_missing_env_flag_exits_2(demo_repo: DemoRepo, overrides: dict[str, str]) -> None:
    assert run_deploy("demo", Recorder(), [], overrides=overrides, err=io.StringIO()) == 2


def test_dry_run_changes_nothing(
    demo_repo: DemoRepo, buckets: dict[str, str], overrides: dict[str, str], moto: MotoEndpoint
) -> None:
    fn = Recorder()
    code, out, _ = deploy(["--env", "dev", "--dry-run"], fn, overrides)
    assert code == 0 and fn.calls[0].dry_run
    assert "dry run" in out.splitlines()[0]
    s3 = moto.raw_client("s3")
    assert s3.list_objects_v2(Bucket=buckets["dev"]).get("KeyCount", 0) == 0  # type: ignore[attr-defined]


def test_missing_artifacts_bucket_asks_for_infrastructure_first(
    demo_repo: DemoRepo, moto: MotoEndpoint, overrides: dict[str, str]
) -> None:
    fn = Recorder()
    code, _, err = deploy(["--env", "dev"], fn, overrides)
    assert code == 2 and not fn.calls
    assert "dev-artifacts does not exist" in err and "infrastructure:deploy -- --env dev" in err

    def create_bucket(ctx: DeployContext) -> None:
        make_bucket(moto, "dev")

    out, err_io = io.StringIO(), io.StringIO()
    code = run_deploy(
        "infrastructure",
        create_bucket,  # type: ignore[arg-type]
        ["--env", "dev"],
        config_dir="demo/config",
        overrides=overrides,
        out=out,
        err=err_io,
    )
    assert code == 0, err_io.getvalue()
    last = ledger.last_successful(config_for("dev", overrides), "infrastructure")
    assert last is not None and last.sha == demo_repo.head


def test_prod_needs_a_release_tag(
    demo_repo: DemoRepo, buckets: dict[str, str], overrides: dict[str, str]
) -> None:
    fn = Recorder()
    code, _, err = deploy(["--env", "prod"], fn, overrides)
    assert code == 2 and not fn.calls
    assert "need a release" in err and "--dry-run" in err
    # A dry run is allowed and says what a real deploy would hit.
    code, out, _ = deploy(["--env", "prod", "--dry-run"], fn, overrides)
    assert code == 0 and "would be refused" in out


def test_prod_needs_the_sha_deployed_to_staging_first(
    demo_repo: DemoRepo, buckets: dict[str, str], overrides: dict[str, str]
) -> None:
    demo_repo.tag("v1.0.0")
    fn = Recorder()
    code, _, err = deploy(["--env", "prod"], fn, overrides)
    assert code == 2 and not fn.calls
    assert "staging ledger" in err and "staging-artifacts" in err

    assert deploy(["--env", "staging"], Recorder(), overrides)[0] == 0
    code, out, err = deploy(["--env", "prod"], fn, overrides)
    assert code == 0, err
    assert out.startswith("[PROD]") and fn.calls[0].release_tag == "v1.0.0"
    last = ledger.last_successful(config_for("prod", overrides), "demo")
    assert last is not None and last.tag == "v1.0.0" and last.version == "v1.0.0"

    # A new commit on top of the release is not a release.
    demo_repo.commit("after the release")
    code, _, err = deploy(["--env", "prod"], Recorder(), overrides)
    assert code == 2 and "no release tag" in err


def test_a_held_lock_blocks_a_second_deploy(
    demo_repo: DemoRepo, buckets: dict[str, str], overrides: dict[str, str]
) -> None:
    config = config_for("dev", overrides)
    held = lock.acquire(config, project="other", sha="f" * 40, actor="alice", timeout=0)
    fn = Recorder()
    code, _, err = deploy(["--env", "dev", "--lock-timeout", "0.2"], fn, overrides)
    assert code == 1 and not fn.calls
    assert "holds the lock" in err and "other @ ffffffffffff by alice" in err
    lock.release(config, held)
    assert deploy(["--env", "dev"], fn, overrides)[0] == 0


def test_upload_artifact_skips_identical_bytes(
    demo_repo: DemoRepo, buckets: dict[str, str], overrides: dict[str, str], tmp_path: Path
) -> None:
    artifact = tmp_path / "flows.zip"
    artifact.write_bytes(b"flow code")
    uris: list[str] = []

    def upload(ctx: DeployContext) -> None:
        uris.append(ctx.upload_artifact(artifact, "flows.zip"))

    out = io.StringIO()
    assert run_deploy("demo", upload, ["--env", "dev"], overrides=overrides, out=out) == 0
    assert run_deploy("demo", upload, ["--env", "dev"], overrides=overrides, out=out) == 0
    assert uris[0] == f"s3://dev-artifacts/demo/{demo_repo.head}/flows.zip" == uris[1]
    assert "uploaded flows.zip" in out.getvalue() and "artifact unchanged" in out.getvalue()
