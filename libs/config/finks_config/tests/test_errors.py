"""Error types: the hierarchy CLIs rely on, and survival across process boundaries."""

from __future__ import annotations

import pickle

import pytest

from finks_config import ConfigError, ConfigValidationError, IsolationError, MissingEnvFileError


@pytest.mark.parametrize(
    "error",
    [
        ConfigError("bad value", file="x/.env.dev:3", key="LOG_LEVEL", fix="use INFO"),
        MissingEnvFileError("env file not found", file="x/.env.dev", fix="cp a b"),
        ConfigValidationError(["a: K: one", "b: L: two"], file="a", key="K"),
        IsolationError("[DEV] refused s3.PutObject"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_pickle_with_their_fields(error: ConfigError) -> None:
    clone = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
    assert type(clone) is type(error)
    assert str(clone) == str(error)
    assert (clone.file, clone.key, clone.fix) == (error.file, error.key, error.fix)
    if isinstance(error, ConfigValidationError):
        assert isinstance(clone, ConfigValidationError)
        assert clone.problems == error.problems


def test_hierarchy_and_rendering() -> None:
    missing = MissingEnvFileError("env file not found", file="x/.env.dev", fix="cp a b")
    assert isinstance(missing, FileNotFoundError) and isinstance(missing, ConfigError)
    assert str(missing) == "x/.env.dev: env file not found (fix: cp a b)"
    isolation = IsolationError("refused")
    assert isinstance(isolation, PermissionError) and isinstance(isolation, ConfigError)
    assert issubclass(ConfigValidationError, ConfigError)
    single = ConfigValidationError(["f:1: DEBUG_MODE=true: prod requires false"])
    assert str(single) == "f:1: DEBUG_MODE=true: prod requires false"
