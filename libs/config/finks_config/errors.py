"""The error types every Finks CLI maps to exit codes.

One base class (``ConfigError``) lets a CLI catch every configuration problem
with one ``except`` and exit 2 with a readable message instead of a traceback.
Messages name the file and the key and say how to fix it; they never carry a
secret value (callers mask values before building a message).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """A configuration problem a person can fix: bad value, missing file, wrong env.

    ``file`` and ``key`` say where the problem is; ``fix`` says what to do.
    ``str(error)`` renders all three on one line.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        key: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.key = key
        self.fix = fix
        super().__init__(self._render())

    def _render(self) -> str:
        where = ": ".join(part for part in (self.file, self.key) if part)
        text = f"{where}: {self.message}" if where else self.message
        if self.fix:
            text = f"{text} (fix: {self.fix})"
        return text

    def __str__(self) -> str:
        return self._render()

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep file/key/fix/problems when an error crosses a process boundary
        # (Prefect and multiprocessing pickle task exceptions).
        return (_restore, (type(self), self.args, dict(self.__dict__)))


def _restore(cls: type[ConfigError], args: tuple[Any, ...], state: dict[str, Any]) -> ConfigError:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class MissingEnvFileError(ConfigError, FileNotFoundError):
    """A required ``.env.{env}`` file does not exist (also a ``FileNotFoundError``)."""

    def __str__(self) -> str:  # OSError.__str__ would drop file/fix
        return self._render()


class ConfigValidationError(ConfigError):
    """The values parsed but break a rule; ``problems`` lists every violation at once.

    Each problem already starts with its ``file:line: KEY``; ``file`` and ``key``
    hold the first one's for programmatic use.
    """

    def __init__(
        self, problems: list[str], *, file: str | Path | None = None, key: str | None = None
    ) -> None:
        self.problems = list(problems)
        super().__init__(self._summary(), file=file, key=key)

    def _summary(self) -> str:
        if len(self.problems) == 1:
            return self.problems[0]
        count = len(self.problems)
        return f"{count} configuration problems:\n  - " + "\n  - ".join(self.problems)

    def _render(self) -> str:
        return self._summary()


class IsolationError(ConfigError, PermissionError):
    """A request named another environment's resource; it was stopped before sending."""

    def __str__(self) -> str:
        return self._render()
