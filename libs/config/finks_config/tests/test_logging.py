"""configure_logging: every line carries the indicator; revealed secrets are redacted."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from finks_config import Config, Environment, configure_logging, load_config
from finks_config.aws import get_secret


@pytest.fixture
def restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def test_every_line_carries_the_indicator(restore_root_logging: None) -> None:
    stream = io.StringIO()
    configure_logging(
        Config(environment=Environment.STAGING, s3_bucket_prefix="staging"), stream=stream
    )
    logging.getLogger("finks.test").info("hello %s", "world")
    logging.getLogger("botocore.fake").warning("third-party line")
    logging.getLogger("finks.test").debug("hidden at INFO")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert all(" [STAGING] " in line for line in lines)
    assert lines[0].endswith("INFO finks.test: hello world")


def test_reconfiguring_replaces_the_handler(restore_root_logging: None) -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging(
        Config(environment=Environment.DEV, s3_bucket_prefix="dev", log_level="DEBUG"), stream=first
    )
    configure_logging(Config(environment=Environment.PROD, s3_bucket_prefix="prod"), stream=second)
    logging.getLogger("finks.test").info("once")
    assert first.getvalue() == ""
    assert second.getvalue().count("[PROD]") == 1
    assert logging.getLogger().level == logging.INFO


def test_revealed_secrets_are_redacted(restore_root_logging: None) -> None:
    stream = io.StringIO()
    config = load_config(env="dev", overrides={"FINKS_SECRET_FMP_API_KEY": "sup3r-s3cret-key"})
    configure_logging(config, stream=stream)
    key = get_secret(config, "fmp").get_secret_value()
    logging.getLogger("finks.test").warning("calling https://fmp/stable/quote?apikey=%s", key)
    output = stream.getvalue()
    assert "sup3r-s3cret-key" not in output
    assert "apikey=********" in output


def test_aws_wire_logs_stay_quiet_at_debug(restore_root_logging: None) -> None:
    stream = io.StringIO()
    configure_logging(
        Config(environment=Environment.LOCAL, s3_bucket_prefix="local", log_level="DEBUG"),
        stream=stream,
    )
    logging.getLogger("botocore.parsers").debug('Response body: b\'{"SecretString": "x"}\'')
    logging.getLogger("finks.test").debug("visible")
    assert "SecretString" not in stream.getvalue()
    assert "visible" in stream.getvalue()


def test_default_stream_follows_sys_stderr(
    restore_root_logging: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure_logging(Config(environment=Environment.DEV, s3_bucket_prefix="dev"))
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stderr", first)
    logging.getLogger("finks.test").warning("one")
    first.close()
    monkeypatch.setattr("sys.stderr", second)
    logging.getLogger("finks.test").warning("two")
    assert "[DEV] WARNING finks.test: two" in second.getvalue()
