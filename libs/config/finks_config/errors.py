"""The error types every Finks CLI maps to exit codes.

One base class (``FinksError``) carries what a person needs to act: where the
problem is (``file``, ``key``), what was being done (``doing``), what to do
(``fix``) and the exit code a CLI returns for it. ``ConfigError`` (exit 2) covers
everything a person fixes before running again: bad values, missing files, the
wrong environment, and cloud setup problems (credentials, permissions, endpoints,
regions, missing infrastructure). ``RunError`` (exit 1) is a run that itself
failed. Messages never carry a secret value (callers mask values first).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class FinksError(Exception):
    """A failure a CLI reports as one line: ``file: key: message (fix: ...)``.

    ``file`` and ``key`` say where the problem is; ``fix`` says what to do;
    ``doing`` (set by ``finks_config.cli.doing``) says what was being done.
    """

    exit_code: ClassVar[int] = EXIT_FAILED

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        key: str | None = None,
        fix: str | None = None,
        doing: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.key = key
        self.fix = fix
        self.doing = doing
        super().__init__(self._render())

    def _render(self) -> str:
        where = ": ".join(part for part in (self.file, self.key) if part)
        text = f"{where}: {self.message}" if where else self.message
        if self.fix:
            text = f"{text} (fix: {self.fix})"
        return text

    def one_line(self) -> str:
        """The whole error on one line (what a CLI prints after ``error:``)."""
        text = " ".join(self._render().split())
        return f"{self.doing}: {text}" if self.doing else text

    def __str__(self) -> str:
        return self._render()

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep file/key/fix/problems when an error crosses a process boundary
        # (Prefect and multiprocessing pickle task exceptions).
        return (_restore, (type(self), self.args, dict(self.__dict__)))


def _restore(cls: type[FinksError], args: tuple[Any, ...], state: dict[str, Any]) -> FinksError:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class ConfigError(FinksError):
    """A configuration or setup problem a person can fix: bad value, missing file, wrong env,
    no credentials, a denied permission, an unreachable endpoint. CLIs exit 2 on it."""

    exit_code: ClassVar[int] = EXIT_USAGE


class RunError(FinksError):
    """The run itself failed (a data check, a failed deploy step, a server error). Exit 1."""

    exit_code: ClassVar[int] = EXIT_FAILED


class ServiceError(ConfigError):
    """A cloud/HTTP service refused or could not serve a request for a reason a person fixes.

    ``kind`` names the class of problem so callers can react to one (e.g. a ledger
    read treats ``missing-bucket`` as "never deployed"): ``no-credentials``,
    ``invalid-credentials``, ``access-denied``, ``unreachable``, ``throttled``,
    ``wrong-region``, ``missing-bucket``, ``not-found``, ``refused``.
    """

    def __init__(self, message: str, *, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        super().__init__(message, **kwargs)


class ServiceFailure(RunError):
    """A service answered with its own failure (HTTP 5xx, AWS InternalError): exit 1."""

    def __init__(self, message: str, *, kind: str = "server-error", **kwargs: Any) -> None:
        self.kind = kind
        super().__init__(message, **kwargs)


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

    def one_line(self) -> str:
        count = len(self.problems)
        text = (
            self.problems[0]
            if count == 1
            else f"{count} configuration problems: " + "; ".join(self.problems)
        )
        text = " ".join(text.split())
        return f"{self.doing}: {text}" if self.doing else text


class IsolationError(ConfigError, PermissionError):
    """A request named another environment's resource; it was stopped before sending."""

    def __str__(self) -> str:
        return self._render()
