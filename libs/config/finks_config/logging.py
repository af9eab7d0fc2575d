"""Log lines that say which environment they come from and never carry a secret.

``configure_logging`` installs one root handler whose lines start with the
timestamp and the ``[ENV]`` indicator, at the config's LOG_LEVEL, and redacts
every secret value this process has read through ``get_secret``.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, TextIO

from finks_config.secrets import redact

if TYPE_CHECKING:
    from finks_config.settings import Config

LOG_FORMAT = "%(asctime)s %(finks_env)s %(levelname)s %(name)s: %(message)s"
# At DEBUG these log raw request/response bodies (a GetSecretValue response
# included), so they never go below INFO whatever LOG_LEVEL says.
CHATTY_LOGGERS = ("botocore", "boto3", "s3transfer", "urllib3", "httpcore", "httpx")


class EnvironmentFilter(logging.Filter):
    """Adds ``finks_env`` ([DEV]) to every record and redacts revealed secrets."""

    def __init__(self, indicator: str) -> None:
        super().__init__()
        self.indicator = indicator

    def filter(self, record: logging.LogRecord) -> bool:
        record.finks_env = self.indicator
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class _FinksHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to ``sys.stderr`` as it is *now* unless given a stream.

    Resolving stderr at emit time keeps logging working when a test harness
    swaps (and later closes) ``sys.stderr``; the type also marks our handler so
    reconfiguring replaces it instead of stacking another.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        logging.Handler.__init__(self)
        self._fixed_stream = stream

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return self._fixed_stream if self._fixed_stream is not None else sys.stderr

    @stream.setter
    def stream(self, value: TextIO | None) -> None:
        self._fixed_stream = value


def configure_logging(config: Config, stream: TextIO | None = None) -> logging.Handler:
    """Route root logging through one ``[ENV]``-prefixed handler at ``config.log_level``.

    Idempotent: calling it again (say, for another env) replaces the handler.
    Returns the handler so callers and tests can inspect or remove it.
    """
    root = logging.getLogger()
    for existing in list(root.handlers):
        if isinstance(existing, _FinksHandler):
            root.removeHandler(existing)
            existing.close()
    handler = _FinksHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(EnvironmentFilter(config.indicator))
    root.addHandler(handler)
    root.setLevel(config.log_level)
    floor = max(logging.getLevelName(config.log_level), logging.INFO)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(floor)
    return handler
