"""One ``.env`` file: where it lives, whether it is personal, and its strict parse.

Parsing is python-dotenv's own parser; this module only adds the strictness a
config file needs (malformed lines are an error instead of a skipped line with a
log warning). ``is_personal_env_file`` is the one rule for which files are
personal (git-ignored, never committed, never packaged, where stand-in secrets
may live): every caller in the repo asks it, so ``--env local`` cannot mean one
thing to the loader and another to the secret scan or the packager.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath

from dotenv.parser import parse_stream

from finks_config.environment import Environment
from finks_config.errors import ConfigError
from finks_config.paths import display_path

_KEY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LEADING_KEY = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=")
PERSONAL_SUFFIX = ".local"


def is_env_file(path: str | PurePath) -> bool:
    """``.env`` or ``.env.<anything>``: a file the config loader or the secret scan reads."""
    name = PurePath(path).name
    return name == ".env" or name.startswith(".env.")


def is_personal_env_file(path: str | PurePath) -> bool:
    """True for a personal override: ``.env.<env>.local`` (``.env.dev.local``,
    ``.env.local.local``). ``.env.local`` is the committed config of the ``local``
    environment, not a personal file (same rule as the ``.env.*.local`` glob)."""
    name = PurePath(path).name
    if not name.startswith(".env.") or not name.endswith(PERSONAL_SUFFIX):
        return False
    middle = name[len(".env.") : -len(PERSONAL_SUFFIX)]
    return bool(middle.rstrip("."))


@dataclass(frozen=True, repr=False)
class EnvFile:
    """One parsed ``.env`` file: its values (keys upper-cased) and the line of each.

    ``repr`` lists keys only: a personal ``.local`` file may hold a stand-in secret.
    """

    path: Path
    label: str
    values: Mapping[str, str]
    lines: Mapping[str, int]
    duplicates: tuple[str, ...] = ()

    def source(self, key: str) -> str:
        """``libs/config/.env.dev:4``: where ``key`` is set in this file."""
        return f"{self.label}:{self.lines[key]}"

    def __repr__(self) -> str:
        return f"EnvFile({self.label!r}, keys={sorted(self.values)!r})"


def env_file_path(config_dir: Path, env: Environment, *, personal: bool = False) -> Path:
    """``<dir>/.env.{env}`` or its personal ``.local`` variant."""
    name = f".env.{env.value}" + (".local" if personal else "")
    return config_dir / name


def read_env_file(path: Path, root: Path) -> EnvFile:
    """Parse one existing file strictly; raise ConfigError naming the file, line and key.

    Accepts what dotenv accepts (``export``, quotes, comments, CRLF) plus a UTF-8
    BOM. Rejects lines without ``=``, unterminated quotes (including a quote that
    silently swallows the following lines), keys that cannot be environment
    variable names, and text that is not UTF-8. Duplicate keys: last wins, and
    the key is recorded in ``duplicates`` so the doctor can warn.
    """
    label = display_path(path, root)
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise ConfigError(
            "cannot read: it is a directory, not a file", file=label, fix="replace it with a file"
        ) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(
            f"cannot read: {reason}", file=label, fix="check the file's permissions"
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"not UTF-8 text (byte offset {exc.start})",
            file=f"{label}:{line}",
            fix="save the file as UTF-8",
        ) from None

    values: dict[str, str] = {}
    lines: dict[str, int] = {}
    duplicates: list[str] = []
    problems: list[tuple[int, str | None, str]] = []
    for binding in parse_stream(io.StringIO(text)):
        line_no = binding.original.line
        # dotenv counts a leading newline as part of the next statement.
        line_no += len(binding.original.string) - len(binding.original.string.lstrip("\r\n"))
        if binding.error:
            statement = binding.original.string.strip("\r\n")
            guessed = _LEADING_KEY.match(statement)
            key_guess = guessed.group(1).upper() if guessed else None
            unbalanced = statement.count('"') % 2 == 1 or statement.count("'") % 2 == 1
            reason = "unterminated quote" if unbalanced else "cannot parse"
            problems.append((line_no, key_guess, f"{reason} (expected KEY=value)"))
            continue
        if binding.key is None:  # blank line or comment
            continue
        key = binding.key.upper()
        if not _KEY_NAME.match(binding.key):
            problems.append((line_no, key, "is not a valid key name (letters, digits, _)"))
            continue
        if binding.value is None:
            problems.append((line_no, key, f"has no '=' (write {key}=value)"))
            continue
        if "\n" in binding.value or "\r" in binding.value:
            problems.append(
                (line_no, key, "value spans several lines: unterminated quote? close it")
            )
            continue
        if key in values:
            duplicates.append(key)
        values[key] = binding.value
        lines[key] = line_no
    if problems:
        first_line, first_key, first_message = problems[0]
        more = "".join(f"; line {n}{f' ({k})' if k else ''}: {m}" for n, k, m in problems[1:])
        raise ConfigError(f"{first_message}{more}", file=f"{label}:{first_line}", key=first_key)
    return EnvFile(
        path=path,
        label=label,
        values=values,
        lines=lines,
        duplicates=tuple(dict.fromkeys(duplicates)),
    )
