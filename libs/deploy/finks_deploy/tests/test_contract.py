"""deploy_main against a real moto server: banner, preflight, uploads, ledger, prod rule."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import finks_config
from finks_deploy import Artifact, DeployContext, Project, UsageError, deploy_main, ledger, lock
from finks_deploy.tests.conftest import DemoRepo, make_bucket
from finks_testing.moto import MotoEndpoint


class Demo(Project):
    """A project that builds one file and remembers what its apply saw (optionally fails)."""

    name = "demo"

    def __init__(
        self,
        artifact: Path | None = None,
        error: BaseException | None = None,
        preflight_error: BaseException | None = None,
    ) -> None:
        self.artifact = artifact
        self.error = error
        self.preflight_error = preflight_error
        self.calls: list[DeployContext] = []
        self.holders: list[dict[str, Any] | None] = []

    def preflight(self, ctx: DeployContext) -> None:
        if self.preflight_error is not None:
            raise self.preflight_error

    def build(self, ctx: DeployContext) -> Sequence[Artifact]:
        return [Artifact("bundle.bin", self.artifact)] if self.artifact else []

    def apply(self, ctx: DeployContext) -> None:
        self.calls.append(ctx)
        ctx.step(1, 2, "building")
        ctx.step(2, 2, "publishing")
        ctx.detail("tables", 3)
        if not ctx.dry_run and ctx.env is not finks_config.Environment.LOCAL:
            self.holders.append(lock.current_holder(ctx.config, "deploy"))
        if self.error is not None:
            raise self.error


def deploy(argv: list[str], project: Project, overrides: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = deploy_main(project, argv, overrides=overrides, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def config_for(env: str, overrides: dict[str, str]) -> finks_config.Config:
    return finks_config.load_config(None, env, overrides)


def keys(moto: MotoEndpoint, bucket: str) -> list[str]:
    listing = moto.raw_client("s3").list_objects_v2(Bucket=bucket)
    return sorted(o["Key"] for o in listing.get("Contents", []))


def bundle(tmp_path: Path, data: bytes = b"artifact bytes") -> Path:
    path = tmp_path / f"build-{len(list(tmp_path.glob('build-*')))}" / "bundle.bin"
    path.parent.mkdir()
    path.write_bytes(data)
    return path


def test_dev_deploy_uploads_content_addressed_and_records_digests(
    demo_repo: DemoRepo,
    buckets: dict[str, str],
    overrides: dict[str, str],
    moto: MotoEndpoint,
    tmp_path: Path,
) -> None:
    project = Demo(bundle(tmp_path))
    code, out, err = deploy(["--env", "DEV"], project, overrides)
    assert code == 0, err
    assert out.splitlines()[0] == "[DEV] deploying demo"
    assert "[DEV] [1/2] building" in out
    ctx = project.calls[0]
    import hashlib

    digest = hashlib.sha256(b"artifact bytes").hexdigest()
    key = f"demo/artifacts/{digest}/bundle.bin"
    assert ctx.artifacts["bundle.bin"].uri == f"s3://dev-artifacts/{key}"
    assert key in keys(moto, "dev-artifacts")
    # The deploy lock was held (by us) while apply ran, and released after.
    assert project.holders[0] is not None and "demo deploy @" in project.holders[0]["holder"]
    config = config_for("dev", overrides)
    assert lock.current_holder(config, "deploy") is None
    last = ledger.last_successful(config, "demo")
    assert last is not None and last.sha == demo_repo.head and last.status == "ok"
    assert last.artifacts["bundle.bin"]["sha256"] == digest and not last.dirty
    assert last.details == {"tables": 3}
    # Other environments' ledgers are untouched.
    assert ledger.last_successful(config_for("staging", overrides), "demo") is None

    # Same bytes again: nothing uploaded, same key.
    code, out, _ = deploy(["--env", "dev"], Demo(bundle(tmp_path)), overrides)
    assert code == 0 and "already there (same sha256)" in out


def test_failed_deploy_exits_1_records_failure_and_keeps_the_last_good_pointer(
    demo_repo: DemoRepo, buckets: dict[str, str], overrides: dict[str, str]
) -> None:
    assert deploy(["--env", "dev"], Demo(), overrides)[0] == 0
    good = demo_repo.head
    demo_repo.commit("second")
    code, _, err = deploy(["--env", "dev"], Demo(error=RuntimeError("upload\nbroke")), overrides)
    assert code == 1
    (line,) = err.splitlines()  # one line, no traceback
    assert line.startswith("[DEV] demo deploy: error: ") and "upload broke" in line
    config = config_for("dev", overrides)
    statuses = [(r.sha, r.status) for r in ledger.history(config, "demo")]
    assert statuses[0] == (demo_repo.head, "failed")
    assert (good, "ok") in statuses
    last = ledger.last_successful(config, "demo")
    assert last is not None and last.sha == good
    assert not ledger.was_deployed(config, "demo", demo_repo.head)
    assert lock.current_holder(config, "deploy") is None


def test_usage_errors_exit_2(
    demo_repo: DemoRepo, buckets: dict[str, str], overrides: dict[str, str]
) -> None:
    code, _, err = deploy(["--env", "production"], Demo(), overrides)
    assert code == 2 and "did you mean 'prod'" in err and err.startswith("[?]")
    code, _, err = deploy(["--env", "dev"], Demo(error=UsageError("--symbols is empty")), overrides)
    assert code == 2 and "--symbols is empty" in err


def test_preflight_refusal_changes_nothing(
    demo_repo: DemoRepo,
    buckets: dict[str, str],
    overrides: dict[str, str],
    moto: MotoEndpoint,
    tmp_path: Path,
) -> None:
    project = Demo(bundle(tmp_path), preflight_error=UsageError("no Prefect API for dev"))
    code, _, err = deploy(["--env", "dev"], project, overrides)
    assert code == 2 and "no Prefect API for dev" in err and not project.calls
    assert keys(moto, "dev-artifacts") == []


def test_missing_env_flag_exits_2(demo_repo: DemoRepo, overrides: dict[str, str]) -> None:
    assert deploy_main(Demo(), [], overrides=overrides, err=io.StringIO()) == 2


def test_dry_run_changes_nothing(
    demo_repo: DemoRepo,
    buckets: dict[str, str],
    overrides: dict[str, str],
    moto: MotoEndpoint,
    tmp_path: Path,
) -> None:
    project = Demo(bundle(tmp_path))
    code, out, _ = deploy(["--env", "dev", "--dry-run"], project, overrides)
    assert code == 0 and project.calls[0].dry_run
    assert "dry run" in out.splitlines()[0] and "would upload bundle.bin" in out
    assert keys(moto, "dev-artifacts") == []


def test_missing_artifacts_bucket_asks_for_infrastructure_first(
    demo_repo: DemoRepo, moto: MotoEndpoint, overrides: dict[str, str], tmp_path: Path
) -> None:
    project = Demo(bundle(tmp_path))
    code, _, err = deploy(["--env", "dev"], project, overrides)
    assert code == 2 and not project.calls
    assert "dev-artifacts does not exist" in err and "infrastructure:deploy -- --env dev" in err

    class Bootstrap(Project):
        """Declares that its apply creates the artifacts bucket (as infrastructure does)."""

        name = "bootstrap"
        config_dir = "demo/config"
        creates_artifacts_bucket = True

        def build(self, ctx: DeployContext) -> Sequence[Artifact]:
            return [Artifact("stack.json", bundle(tmp_path, b"{}"))]

        def apply(self, ctx: DeployContext) -> None:
            make_bucket(moto, "dev")

    code, out, err = deploy(["--env", "dev"], Bootstrap(), overrides)
    assert code == 0, err
    assert "first deploy, running without the lock" in out
    last = ledger.last_successful(config_for("dev", overrides), "bootstrap")
    assert last is not None and last.sha == demo_repo.head and "stack.json" in last.artifacts


def test_dirty_tree_deploy_is_recorded_dirty_and_never_a_base(
    demo_repo: DemoRepo, buckets: dict[str, str], overrides: dict[str, str]
) -> None:
    assert deploy(["--env", "dev"], Demo(), overrides)[0] == 0
    clean = demo_repo.head
    (demo_repo.root / "demo" / "config" / ".env.dev").write_text("# edited, not committed\n")
    code, out, _ = deploy(["--env", "dev"], Demo(), overrides)
    assert code == 0 and "with uncommitted changes (diff " in out and "dirty tree" in out
    config = config_for("dev", overrides)
    now = ledger.current(config, "demo")
    assert now is not None and now.dirty and now.diff_digest and len(now.diff_digest) == 64
    base = ledger.last_successful(config, "demo")
    assert base is not None and base.sha == clean and not base.dirty
    assert ledger.history(config, "demo")[0].dirty
    # The same edit gives the same digest; another edit another one.
    assert deploy(["--env", "dev"], Demo(), overrides)[0] == 0
    again = ledger.current(config, "demo")
    assert again is not None and again.diff_digest == now.diff_digest
    (demo_repo.root / "new-file.txt").write_text("untracked counts too\n")
    assert deploy(["--env", "dev"], Demo(), overrides)[0] == 0
    third = ledger.current(config, "demo")
    assert third is not None and third.diff_digest != now.diff_digest


def test_prod_needs_a_final_release_tag(
    demo_repo: DemoRepo, buckets: dict[str, str], overrides: dict[str, str]
) -> None:
    project = Demo()
    code, _, err = deploy(["--env", "prod"], project, overrides)
    assert code == 2 and not project.calls
    assert "need a release" in err and "--dry-run" in err
    # A dry run is allowed and says what a real deploy would hit.
    code, out, _ = deploy(["--env", "prod", "--dry-run"], project, overrides)
    assert code == 0 and "would be refused" in out
    # A prerelease tag never reaches prod, even after staging ran the commit.
    assert deploy(["--env", "staging"], Demo(), overrides)[0] == 0
    demo_repo.tag("v1.2.0-rc.1")
    code, _, err = deploy(["--env", "prod"], project, overrides)
    assert code == 2 and "prerelease" in err and not [c for c in project.calls if not c.dry_run]


def test_prod_needs_the_sha_and_digests_staging_ran(
    demo_repo: DemoRepo,
    buckets: dict[str, str],
    overrides: dict[str, str],
    moto: MotoEndpoint,
    tmp_path: Path,
) -> None:
    demo_repo.tag("v1.0.0")
    project = Demo(bundle(tmp_path))
    code, _, err = deploy(["--env", "prod"], project, overrides)
    assert code == 2 and not project.calls
    assert "staging ledger" in err and "staging-artifacts" in err

    assert deploy(["--env", "staging"], Demo(bundle(tmp_path)), overrides)[0] == 0
    # Same commit, different bytes than staging ran: refused, prod untouched.
    code, _, err = deploy(["--env", "prod"], Demo(bundle(tmp_path, b"rebuilt")), overrides)
    assert code == 2 and "bundle.bin built here has sha256" in err and "staging ran" in err
    assert keys(moto, "prod-artifacts") == []

    code, out, err = deploy(["--env", "prod"], project, overrides)
    assert code == 0, err
    assert out.startswith("[PROD]") and project.calls[0].release_tag == "v1.0.0"
    last = ledger.last_successful(config_for("prod", overrides), "demo")
    assert last is not None and last.tag == "v1.0.0" and last.version == "v1.0.0"
    staged = ledger.deployed(config_for("staging", overrides), "demo", demo_repo.head)
    assert staged is not None and last.digests() == staged.digests()

    # A new commit on top of the release is not a release.
    demo_repo.commit("after the release")
    code, _, err = deploy(["--env", "prod"], Demo(), overrides)
    assert code == 2 and "no release tag" in err


def test_a_held_lock_blocks_a_second_deploy(
    demo_repo: DemoRepo, buckets: dict[str, str], overrides: dict[str, str]
) -> None:
    config = config_for("dev", overrides)
    held = lock.acquire(config, "deploy", holder="other deploy by alice", timeout=0)
    project = Demo()
    code, _, err = deploy(["--env", "dev", "--lock-timeout", "0.2"], project, overrides)
    assert code == 1 and not project.calls
    assert "deploy lock is held by other deploy by alice" in err
    lock.release(config, held)
    assert deploy(["--env", "dev"], project, overrides)[0] == 0


def test_ctx_lock_takes_a_named_lock_of_the_env(
    demo_repo: DemoRepo, buckets: dict[str, str], overrides: dict[str, str]
) -> None:
    seen: list[dict[str, Any] | None] = []

    class Warehouse(Demo):
        def apply(self, ctx: DeployContext) -> None:
            with ctx.lock("warehouse"):
                seen.append(lock.current_holder(ctx.config, "warehouse"))

    assert deploy(["--env", "dev"], Warehouse(), overrides)[0] == 0
    assert seen[0] is not None and seen[0]["holder"].startswith("demo deploy @")
    assert lock.current_holder(config_for("dev", overrides), "warehouse") is None
