"""Environment names: strict parsing with a helpful "did you mean"."""

from __future__ import annotations

import pytest

from finks_config import ConfigError, Environment, current_environment

from .conftest import caught


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("local", Environment.LOCAL),
        ("DEV", Environment.DEV),
        ("  Staging\n", Environment.STAGING),
        ("prod", Environment.PROD),
    ],
)
def test_parse_accepts_any_case_and_whitespace(text: str, expected: Environment) -> None:
    assert Environment.parse(text) is expected


def test_values_and_indicator() -> None:
    assert [e.value for e in Environment] == ["local", "dev", "staging", "prod"]
    assert Environment.STAGING == "staging"
    assert Environment.STAGING.indicator == "[STAGING]"


@pytest.mark.parametrize(("text", "suggestion"), [("production", "prod"), ("stagin", "staging")])
def test_near_miss_suggests(text: str, suggestion: str) -> None:
    with pytest.raises(ConfigError) as info:
        Environment.parse(text)
    message = str(caught(info))
    assert f"did you mean {suggestion!r}" in message
    assert "local, dev, staging, prod" in message


def test_unknown_environment_lists_valid_names() -> None:
    with pytest.raises(ConfigError, match=r"unknown environment 'qa'; valid: local, dev"):
        Environment.parse("qa", source="--env")


def test_empty_and_non_string_are_errors() -> None:
    with pytest.raises(ConfigError, match="empty"):
        Environment.parse("   ")
    with pytest.raises(ConfigError, match="must be a string"):
        Environment.parse(3)


def test_current_environment_defaults_to_dev() -> None:
    assert current_environment() is Environment.DEV


def test_current_environment_reads_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", " Prod ")
    assert current_environment() is Environment.PROD


def test_empty_environment_variable_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "")
    with pytest.raises(ConfigError) as info:
        current_environment()
    assert caught(info).key == "ENVIRONMENT"
    assert "empty" in str(caught(info))


def test_unknown_environment_variable_names_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ConfigError) as info:
        current_environment()
    assert caught(info).key == "ENVIRONMENT"
    assert "did you mean 'prod'" in str(caught(info))


def test_athena_emulation_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    from finks_config import athena_emulated

    monkeypatch.delenv("FINKS_EMULATED_ATHENA", raising=False)
    assert athena_emulated() is False
    for on in ("1", "true", " YES "):
        monkeypatch.setenv("FINKS_EMULATED_ATHENA", on)
        assert athena_emulated() is True
    monkeypatch.setenv("FINKS_EMULATED_ATHENA", "0")
    assert athena_emulated() is False
