"""Shared fixtures: a real moto server, a clean process environment, a scratch repo."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from finks_config import ConfigError, ConfigValidationError
from finks_testing.fixtures import aws_credentials, moto, moto_accounts, moto_server  # noqa: F401

# Keys a developer's shell or CI may export; tests must not depend on them.
_AMBIENT = (
    "ENVIRONMENT",
    "FINKS_ROOT",
    "AWS_REGION",
    "S3_BUCKET_PREFIX",
    "LOG_LEVEL",
    "DEBUG_MODE",
    "PREFECT_API_URL",
    "AWS_ENDPOINT_URL",
    "AWS_PROFILE",
    "FINKS_SECRET_FMP_API_KEY",
)

VALID = {
    "local": "ENVIRONMENT=local\nS3_BUCKET_PREFIX=local\nLOG_LEVEL=DEBUG\nDEBUG_MODE=true\n",
    "dev": "ENVIRONMENT=dev\nAWS_REGION=ca-central-1\nS3_BUCKET_PREFIX=dev\nLOG_LEVEL=INFO\n"
    "DEBUG_MODE=false\n",
    "staging": "ENVIRONMENT=staging\nS3_BUCKET_PREFIX=staging\nLOG_LEVEL=INFO\nDEBUG_MODE=false\n",
    "prod": "ENVIRONMENT=prod\nS3_BUCKET_PREFIX=prod\nLOG_LEVEL=INFO\nDEBUG_MODE=false\n",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop ambient config variables so every test sees only what it sets."""
    for key in _AMBIENT:
        monkeypatch.delenv(key, raising=False)


WriteFile = Callable[[str, str | bytes], Path]


@pytest.fixture
def scratch_root(tmp_path: Path) -> Path:
    """A minimal repo (libs/config with valid shared files) to break on purpose."""
    shared = tmp_path / "libs" / "config"
    shared.mkdir(parents=True)
    (shared / ".env.example").write_text("S3_BUCKET_PREFIX=dev\n")
    for env, text in VALID.items():
        (shared / f".env.{env}").write_text(text)
    return tmp_path


@pytest.fixture
def write(scratch_root: Path) -> WriteFile:
    """``write("libs/config/.env.dev", text_or_bytes)`` inside the scratch repo."""

    def _write(relative: str, content: str | bytes) -> Path:
        path = scratch_root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return path

    return _write


def caught(info: Any) -> ConfigError:
    """The ConfigError a ``pytest.raises`` block caught, typed for mypy.

    (The repo's mypy 1.1 cannot read pytest 8's ExceptionInfo generics.)
    """
    error = info.value
    assert isinstance(error, ConfigError)
    return error


def caught_validation(info: Any) -> ConfigValidationError:
    """Like ``caught`` for a ConfigValidationError (which lists ``problems``)."""
    error = info.value
    assert isinstance(error, ConfigValidationError)
    return error
