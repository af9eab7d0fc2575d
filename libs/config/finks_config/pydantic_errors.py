"""pydantic ``ValidationError`` -> one readable ``ConfigError`` naming file, line and key.

No CLI ever shows a pydantic traceback: every typed model (the shared keys,
``config.section(Model)``, a project's own settings) reports bad values through
here, with the offending value masked when its key names a secret.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from finks_config.errors import ConfigError, ConfigValidationError
from finks_config.secrets import mask

if TYPE_CHECKING:
    from finks_config.loader import ResolvedValues


def describe_error(error: Any) -> str:
    """One pydantic error dict as a short reason (``expected true or false``)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in ("bool_parsing", "bool_type"):
        return "expected true or false"
    if kind == "literal_error":
        return f"expected one of {ctx.get('expected', '')}".replace("'", "")
    if kind in ("int_parsing", "int_type"):
        return "expected a whole number"
    if kind in ("float_parsing", "float_type"):
        return "expected a number"
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "invalid value")))
    return str(error.get("msg", "invalid value"))


def config_error_from(
    exc: ValidationError, resolved: ResolvedValues | None, *, shared: bool
) -> ConfigError:
    """One ConfigError for a pydantic ValidationError: file:line, key, reason, masked value."""
    problems: list[tuple[str, str, str]] = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = error.get("loc") or ("?",)
        key = str(loc[0]).upper()
        if error.get("type") == "missing":
            target = resolved.file_for_missing(shared=shared) if resolved else "the .env file"
            problems.append((target, key, f"required key is missing (add {key}=... there)"))
            continue
        source = resolved.source(key) if resolved else "value"
        value = resolved.get(key) if resolved else None
        shown = mask(key, value)
        got = f" (got {shown[:60]!r})" if shown is not None else ""
        problems.append((source, key, f"{describe_error(error)}{got}"))
    if len(problems) == 1:
        source, key, message = problems[0]
        return ConfigError(message, file=source, key=key)
    return ConfigValidationError(
        [f"{s}: {k}: {m}" for s, k, m in problems], file=problems[0][0], key=problems[0][1]
    )
