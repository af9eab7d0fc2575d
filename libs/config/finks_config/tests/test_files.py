"""Env file discovery, parsing and every bad input a person can put in a file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import finks_config
from finks_config import ConfigError, MissingEnvFileError, load_config, repo_root
from finks_config.paths import MARKER

from .conftest import WriteFile, caught


def test_repo_root_found_from_a_subdirectory(
    scratch_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = scratch_root / "ingestion" / "finks_ingestion"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert repo_root() == scratch_root.resolve()
    assert finks_config.is_checkout(repo_root())  # a checkout or a sandbox of one: writable


def test_repo_root_honours_finks_root(
    scratch_root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    monkeypatch.setenv("FINKS_ROOT", str(scratch_root))
    assert repo_root() == scratch_root.resolve()
    assert load_config(env="dev").s3_bucket_prefix == "dev"


def _without_repo_on_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # `python -m pytest` puts the start directory (the repo) on sys.path.
    kept = [entry for entry in sys.path if not (Path(entry or ".") / MARKER).is_file()]
    monkeypatch.setattr(sys, "path", kept)


def test_repo_root_errors_are_clear(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    _without_repo_on_sys_path(monkeypatch)
    with pytest.raises(ConfigError, match="cannot find the Finks repo root"):
        repo_root()
    monkeypatch.setenv("FINKS_ROOT", str(tmp_path))
    with pytest.raises(ConfigError) as info:
        repo_root()
    assert caught(info).key == "FINKS_ROOT"


def test_repo_root_inside_a_pex_venv_with_no_repository(tmp_path: Path) -> None:
    """The worker PEX (execution_mode venv) installs the finks packages and every env file
    (as resources at their repo-relative paths) into its site-packages; no checkout exists."""
    site = tmp_path / "pex-venv" / "lib" / "python3.11" / "site-packages"
    shutil.copytree(
        Path(finks_config.__file__).parent,
        site / "finks_config",
        ignore=shutil.ignore_patterns("tests", "__pycache__"),
    )
    shared = Path(finks_config.__file__).resolve().parents[1]  # libs/config (checkout or sandbox)
    (site / "libs" / "config").mkdir(parents=True)
    for name in (".env.example", ".env.dev", ".env.staging"):
        shutil.copy(shared / name, site / "libs" / "config" / name)
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("FINKS_ROOT", "ENVIRONMENT")}
    # Third-party packages stay importable; no entry with finks_config or the repo marker does.
    deps = [
        e
        for e in sys.path
        if e and not (Path(e) / "finks_config").exists() and not (Path(e) / MARKER).exists()
    ]
    env["PYTHONPATH"] = os.pathsep.join([str(site), *deps])
    probe = (
        "import finks_config as f; c = f.load_config(env='staging'); "
        "print(f.repo_root()); print(c.source_of('S3_BUCKET_PREFIX')); print(f.__file__); "
        "print(f.is_checkout(f.repo_root()))"
    )
    result = subprocess.run(  # our interpreter, our probe
        [sys.executable, "-c", probe], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    root, source, module, checkout = result.stdout.splitlines()
    assert root == str(site.resolve())
    assert checkout == "False"  # an installed package dir: nothing may write build output there
    assert source.startswith("libs/config/.env.staging:")
    assert module.startswith(str(site))


def test_formats_that_must_load(write: WriteFile, scratch_root: Path) -> None:
    write(
        "proj/config/.env.dev",
        "\ufeff# comment line\r\n"
        "export FMP_BASE_URL=http://fmp.example/stable\r\n"
        'QUOTED="two words # not a comment"\r\n'
        "SINGLE='single'\r\n"
        "TRAILING=value # a comment\r\n"
        "\r\n"
        "  SPACED = padded  \r\n",
    )
    config = load_config("proj/config", env="dev", root=scratch_root)
    assert config.raw("FMP_BASE_URL") == "http://fmp.example/stable"
    assert config.raw("QUOTED") == "two words # not a comment"
    assert config.raw("SINGLE") == "single"
    assert config.raw("TRAILING") == "value"
    assert config.raw("SPACED") == "padded"
    assert config.source_of("FMP_BASE_URL") == "proj/config/.env.dev:2"


def test_bom_on_first_key_of_shared_file(write: WriteFile, scratch_root: Path) -> None:
    write("libs/config/.env.dev", "\ufeffS3_BUCKET_PREFIX=dev\r\nLOG_LEVEL=WARNING\r\n".encode())
    config = load_config(env="dev", root=scratch_root)
    assert config.s3_bucket_prefix == "dev"
    assert config.log_level == "WARNING"


def test_duplicate_keys_last_wins(write: WriteFile, scratch_root: Path) -> None:
    write("libs/config/.env.dev", "S3_BUCKET_PREFIX=dev\nLOG_LEVEL=DEBUG\nLOG_LEVEL=WARNING\n")
    config = load_config(env="dev", root=scratch_root)
    assert config.log_level == "WARNING"
    assert config.source_of("LOG_LEVEL") == "libs/config/.env.dev:3"
    assert config.resolved is not None
    assert config.resolved.files[0].duplicates == ("LOG_LEVEL",)


def test_missing_shared_file(scratch_root: Path) -> None:
    (scratch_root / "libs/config/.env.staging").unlink()
    with pytest.raises(MissingEnvFileError) as info:
        load_config(env="staging", root=scratch_root)
    assert isinstance(caught(info), FileNotFoundError)
    assert isinstance(caught(info), ConfigError)
    message = str(caught(info))
    assert "libs/config/.env.staging" in message
    assert "cp libs/config/.env.example libs/config/.env.staging" in message


def test_missing_project_file_points_at_project_example(
    write: WriteFile, scratch_root: Path
) -> None:
    write("proj/config/.env.example", "FMP_BASE_URL=\n")
    with pytest.raises(MissingEnvFileError) as info:
        load_config("proj/config", env="dev", root=scratch_root)
    assert "cp proj/config/.env.example proj/config/.env.dev" in str(caught(info))


def test_unreadable_file_is_named(write: WriteFile, scratch_root: Path) -> None:
    (scratch_root / "libs/config/.env.dev").unlink()
    (scratch_root / "libs/config/.env.dev").mkdir()
    with pytest.raises(ConfigError) as info:
        load_config(env="dev", root=scratch_root)
    assert caught(info).file == "libs/config/.env.dev"
    assert "cannot read" in str(caught(info))


def test_non_utf8_file_is_named(write: WriteFile, scratch_root: Path) -> None:
    write("libs/config/.env.dev", b"S3_BUCKET_PREFIX=dev\nNAME=caf\xe9\n")
    with pytest.raises(ConfigError, match=r"libs/config/.env.dev:2: not UTF-8"):
        load_config(env="dev", root=scratch_root)


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ("S3_BUCKET_PREFIX=dev\nLOG_LEVEL\n", "LOG_LEVEL", 2),
        ('S3_BUCKET_PREFIX=dev\nPREFECT_API_URL="http://x\n', "PREFECT_API_URL", 2),
        ("S3_BUCKET_PREFIX=dev\n\n# c\nLOG_LEVEL='INFO\n", "LOG_LEVEL", 4),
        ('S3_BUCKET_PREFIX=dev\nTOKEN_NOTE="abc\nLOG_LEVEL="INFO"\n', "TOKEN_NOTE", 2),
        ("S3_BUCKET_PREFIX=dev\nthis is not config\n", None, 2),
        ("S3_BUCKET_PREFIX=dev\nBAD-KEY=1\n", "BAD-KEY", 2),
    ],
    ids=[
        "no-equals",
        "unterminated-quote",
        "unterminated-single-quote",
        "quote-swallows-lines",
        "garbage",
        "bad-key-name",
    ],
)
def test_malformed_lines(
    write: WriteFile, scratch_root: Path, text: str, key: str | None, line: int
) -> None:
    write("libs/config/.env.dev", text)
    with pytest.raises(ConfigError) as info:
        load_config(env="dev", root=scratch_root)
    error = caught(info)
    assert error.file == f"libs/config/.env.dev:{line}"
    assert error.key == key
    assert str(error).startswith(f"libs/config/.env.dev:{line}: ")
    assert "abc" not in str(error)  # never echo a (possibly secret) value


def test_file_for_another_environment_is_refused(write: WriteFile, scratch_root: Path) -> None:
    write("libs/config/.env.staging", "ENVIRONMENT=prod\nS3_BUCKET_PREFIX=staging\n")
    with pytest.raises(ConfigError) as info:
        load_config(env="staging", root=scratch_root)
    assert caught(info).key == "ENVIRONMENT"
    assert caught(info).file == "libs/config/.env.staging:1"


def test_precedence_order(
    write: WriteFile, scratch_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        "libs/config/.env.dev",
        "S3_BUCKET_PREFIX=dev\nA=shared\nB=shared\nC=shared\nD=shared\nE=shared\n",
    )
    write("proj/config/.env.dev", "B=project\nC=project\nD=project\nE=project\n")
    write("libs/config/.env.dev.local", "C=shared-personal\nD=shared-personal\nE=shared-personal\n")
    write("proj/config/.env.dev.local", "D=project-personal\nE=project-personal\n")
    monkeypatch.setenv("E", "env-var")
    monkeypatch.setenv("F", "env-var")
    config = load_config("proj/config", env="dev", overrides={"F": "override"}, root=scratch_root)
    assert [config.raw(k) for k in "ABCDEF"] == [
        "shared",
        "project",
        "shared-personal",
        "project-personal",
        "env-var",
        "override",
    ]
    assert config.source_of("A") == "libs/config/.env.dev:2"
    assert config.source_of("C") == "libs/config/.env.dev.local:1"
    assert config.source_of("E") == "environment variable"
    assert config.source_of("F") == "override"


def test_empty_value_unsets_a_lower_layer(write: WriteFile, scratch_root: Path) -> None:
    write(
        "libs/config/.env.dev",
        "S3_BUCKET_PREFIX=dev\nPREFECT_API_URL=http://prefect.dev:4200/api\n",
    )
    config = load_config(env="dev", overrides={"PREFECT_API_URL": ""}, root=scratch_root)
    assert config.prefect_api_url is None


def test_loading_never_writes_or_leaks_environment(scratch_root: Path) -> None:
    before = dict(os.environ)
    local = load_config(
        env="local", overrides={"AWS_ENDPOINT_URL": "http://127.0.0.1:1"}, root=scratch_root
    )
    prod = load_config(env="prod", root=scratch_root)
    assert dict(os.environ) == before
    assert local.aws_endpoint_url == "http://127.0.0.1:1"
    assert prod.aws_endpoint_url is None
    assert prod.debug_mode is False and local.debug_mode is True


def test_env_argument_wins_over_environment_variable(
    scratch_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "staging")
    assert load_config(root=scratch_root).environment == "staging"
    assert load_config(env="prod", root=scratch_root).environment == "prod"
    assert load_config(overrides={"ENVIRONMENT": "local"}, root=scratch_root).environment == "local"
    with pytest.raises(ConfigError, match="overrides say 'local'"):
        load_config(env="dev", overrides={"ENVIRONMENT": "local"}, root=scratch_root)


def test_unknown_and_empty_environment_on_load(
    scratch_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigError, match="did you mean 'prod'"):
        load_config(env="production", root=scratch_root)
    monkeypatch.setenv("ENVIRONMENT", "")
    with pytest.raises(ConfigError) as info:
        load_config(root=scratch_root)
    assert caught(info).key == "ENVIRONMENT"


def test_real_repo_files_load_for_every_environment() -> None:
    for env in ("local", "dev", "staging", "prod"):
        config = load_config(env=env)
        assert config.s3_bucket_prefix == env
        assert config.aws_region == "ca-central-1"
        assert config.source_of("S3_BUCKET_PREFIX").startswith(f"libs/config/.env.{env}:")
