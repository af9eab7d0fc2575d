"""The one CLI helper every Finks entry point uses: banner, --env, exit codes, one-line errors.

    from finks_config.cli import ArgumentParser, add_env_argument, doing, run_cli

    def _run(cli: Invocation) -> int | None:
        config = cli.config("ingestion/config")            # load_config for --env
        with doing(f"reading s3://{config.bronze_bucket}/"):
            ...
        print("done")                                       # stdout, secrets redacted

    def main(argv: Sequence[str] | None = None) -> int:
        parser = ArgumentParser(prog="ingest", description="...")
        add_env_argument(parser)
        return run_cli("ingest", _run, argv, parser=parser)

What it guarantees: the ``[ENV]`` banner is the first line on stdout (``[?]``
when ``--env`` is unknown); exit 0 done, 1 the run itself failed, 2 usage,
configuration, setup or permission problem, 130 interrupted; every error is ONE
line on stderr, ``[ENV] <command>: error: <doing>: <problem> (fix: ...)``, never
a traceback or an exception class name (``FINKS_TRACEBACK=1`` adds the traceback
for debugging); everything written to stdout/stderr meanwhile is redacted.
AWS, Prefect and HTTP errors are translated by ``finks_config.failures``.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from finks_config.environment import Environment, current_environment
from finks_config.errors import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    ConfigError,
    FinksError,
)
from finks_config.failures import translate
from finks_config.load import load_config
from finks_config.secrets import redact

if TYPE_CHECKING:
    from finks_config.settings import Config

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "ArgumentParser",
    "Invocation",
    "UsageError",
    "add_as_of_argument",
    "add_env_argument",
    "doing",
    "error_line",
    "parse_date",
    "run_cli",
]

TRACEBACK_VARIABLE = "FINKS_TRACEBACK"
_DOING = "_finks_doing"


class UsageError(ConfigError):
    """Bad command-line usage (unknown flag, bad value): exit 2, one line."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse whose errors raise ``UsageError`` (one line, exit 2) instead of exiting.

    Sub-parsers made with ``add_subparsers()`` inherit the behaviour.
    """

    def error(self, message: str) -> Any:  # argparse types it NoReturn
        usage = " ".join(self.format_usage().split()).removeprefix("usage: ")
        raise UsageError(message, fix=f"usage: {usage}; see --help")


def add_env_argument(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    """``--env`` as every entry point spells it (the helper validates it before parsing)."""
    parser.add_argument(
        "--env",
        required=required,
        metavar="ENV",
        help="local, dev, staging or prod"
        + ("" if required else " (default: $ENVIRONMENT or dev)"),
    )


def parse_date(text: str) -> date:
    """An ISO date for ``--as-of``/``--from``/``--to`` (argparse ``type=``), strictly."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def add_as_of_argument(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    """``--as-of YYYY-MM-DD`` -> ``args.as_of`` (a ``date``, or None: the caller decides today)."""
    parser.add_argument(
        "--as-of",
        dest="as_of",
        type=parse_date,
        required=required,
        metavar="YYYY-MM-DD",
        help="the run's business date (default: today in the schedule's time zone)",
    )


@contextmanager
def doing(what: str) -> Iterator[None]:
    """Say what is being done; an error escaping the block is reported as ``<what>: <problem>``.

    The innermost ``doing`` wins (it is the most precise); works in any code, not
    only in CLIs (``error_line`` renders the same line for logs and notifications).
    """
    try:
        yield
    except Exception as exc:
        if getattr(exc, _DOING, None) is None:
            with suppress(AttributeError):  # exceptions with __slots__ keep no note
                setattr(exc, _DOING, what)
        raise


def error_line(
    exc: BaseException, *, env: Environment | None = None, config: Config | None = None
) -> tuple[str, int]:
    """``(one line, exit code)`` for an exception: what a CLI prints after ``error:``."""
    error: FinksError = translate(exc, env=env, config=config)
    outer = getattr(exc, _DOING, None)
    text = error.one_line()
    if outer and not text.startswith(f"{outer}:"):
        text = f"{outer}: {text}"
    return redact(" ".join(text.split())), error.exit_code


class _Redacting:
    """A text stream that redacts what passes through (secrets read, URL credentials)."""

    def __init__(self, target: TextIO) -> None:
        self._target = target

    def write(self, text: str) -> int:
        self._target.write(redact(text))
        return len(text)

    def writelines(self, lines: Iterator[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._target.flush()

    def isatty(self) -> bool:
        return bool(self._target.isatty())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


@dataclass
class Invocation:
    """What a command handler gets: the parsed arguments, the environment, the streams."""

    command: str
    env: Environment
    args: argparse.Namespace
    out: TextIO
    err: TextIO
    configs: list[Config] = field(default_factory=list)

    def config(
        self,
        project_config_dir: str | Path | None = None,
        overrides: Mapping[str, str] | None = None,
    ) -> Config:
        """``load_config`` for this invocation's environment (errors exit 2, one line)."""
        with doing(f"loading the {self.env.value} configuration"):
            loaded = load_config(project_config_dir, self.env, overrides)
        self.configs.append(loaded)
        return loaded

    def echo(self, text: str = "") -> None:
        """One line on stdout (redacted), flushed: progress a person watches."""
        print(text, file=self.out, flush=True)


def _env_from_argv(argv: Sequence[str]) -> str | None:
    """The last ``--env X`` / ``--env=X`` in argv (argparse semantics), read before parsing
    so the banner can come first even when the rest of the command line is wrong."""
    found: str | None = None
    for index, item in enumerate(argv):
        if item == "--":
            break
        if item == "--env" and index + 1 < len(argv):
            found = argv[index + 1]
        elif item.startswith("--env="):
            found = item.split("=", 1)[1]
    return found


def _asks_for_help(argv: Sequence[str]) -> bool:
    """Whether ``-h``/``--help`` comes before any ``--``."""
    for item in argv:
        if item == "--":
            return False
        if item in ("-h", "--help"):
            return True
    return False


def _select_env(
    argv: Sequence[str], *, env_required: bool, default_env: Environment | None
) -> Environment:
    text = _env_from_argv(argv)
    if text is not None:
        return Environment.parse(text, source="--env")
    if env_required:
        raise UsageError("--env is required", fix="pass --env local, dev, staging or prod")
    return default_env if default_env is not None else current_environment()


def run_cli(
    command: str,
    handler: Callable[[Invocation], int | None],
    argv: Sequence[str] | None = None,
    *,
    parser: argparse.ArgumentParser | None = None,
    banner: str | None = None,
    env_required: bool = False,
    default_env: Environment | None = None,
    interrupted_hint: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run one command the platform's way and return its exit code (``main`` returns it).

    ``command`` names the command in error lines (``ledger``); ``banner`` is the
    text after ``[ENV]`` on the first line (default: ``command``). Without
    ``--env`` the environment is ``default_env``, else ``$ENVIRONMENT``, else dev
    (``env_required=True``: no default).
    """
    raw = list(sys.argv[1:] if argv is None else argv)
    stdout = cast(TextIO, _Redacting(out if out is not None else sys.stdout))
    stderr = cast(TextIO, _Redacting(err if err is not None else sys.stderr))
    title = banner or command

    def fail(
        indicator: str, exc: BaseException, env: Environment | None, configs: list[Any]
    ) -> int:
        line, code = error_line(exc, env=env, config=configs[-1] if configs else None)
        print(f"{indicator} {command}: error: {line}", file=stderr, flush=True)
        if os.environ.get(TRACEBACK_VARIABLE) == "1":
            stderr.write(redact("".join(traceback.format_exception(exc))))
        return code

    try:
        env = _select_env(raw, env_required=env_required, default_env=default_env)
    except ConfigError as exc:
        print(f"[?] {title}", file=stdout, flush=True)
        if parser is not None and _asks_for_help(raw):
            try:  # --help needs no environment: argparse prints it and exits 0
                parser.parse_args(raw)
            except SystemExit as done:
                return done.code if isinstance(done.code, int) else EXIT_USAGE
            except UsageError:
                pass  # a usage error alongside --help: report the environment problem
        return fail("[?]", exc, None, [])
    print(f"{env.indicator} {title}", file=stdout, flush=True)
    try:
        args = parser.parse_args(raw) if parser is not None else argparse.Namespace(env=env.value)
    except UsageError as exc:
        return fail(env.indicator, exc, env, [])
    except SystemExit as exc:  # --help, or a plain argparse parser's own usage error
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    invocation = Invocation(command=command, env=env, args=args, out=stdout, err=stderr)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = stdout, stderr
    try:
        result = handler(invocation)
        return EXIT_OK if result is None else int(result)
    except KeyboardInterrupt:
        hint = f"; {interrupted_hint}" if interrupted_hint else ""
        print(f"{env.indicator} {command}: interrupted{hint}", file=stderr, flush=True)
        return EXIT_INTERRUPTED
    except SystemExit as exc:
        if exc.code is None:
            return EXIT_OK
        return exc.code if isinstance(exc.code, int) else EXIT_FAILED
    except Exception as exc:  # the helper's job: every failure becomes one line
        return fail(env.indicator, exc, env, invocation.configs)
    finally:
        sys.stdout, sys.stderr = saved
