"""Every name once: the README's names table is the code's table, for every environment."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import finks_config
from finks_config import Config, Environment

README = Path(finks_config.__file__).resolve().parents[1] / "README.md"
MARKER = "<!-- names table: checked by finks_config/tests/test_names_table.py -->"
_CELL = re.compile(r"`([^`]*)`")


def _table() -> tuple[list[str], list[tuple[str, list[str]]]]:
    lines = README.read_text().splitlines()
    start = lines.index(MARKER) + 1
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [
            _CELL.findall(c)[0] if _CELL.findall(c) else c.strip()
            for c in line.strip("|").split("|")
        ]
        rows.append((cells[0], cells[1:]))
    return header[1:], rows


def _evaluate(config: Config, expression: str) -> str:
    """``bronze_bucket`` or ``secret_path("slack", "webhook_url")`` on ``config``."""
    name, _, call = expression.partition("(")
    value = getattr(config, name)
    if call:
        args = ast.literal_eval(f"({call.removesuffix(')')},)") if call != ")" else ()
        value = value(*args)
    return str(value)


def test_the_readme_names_table_is_the_code_table() -> None:
    envs, rows = _table()
    assert envs == [env.value for env in Environment]
    assert len(rows) >= 20
    for expression, cells in rows:
        for env_name, cell in zip(envs, cells, strict=True):
            config = Config(environment=Environment(env_name), s3_bucket_prefix=env_name)
            assert _evaluate(config, expression) == cell, (expression, env_name)


@pytest.mark.parametrize("env", list(Environment))
def test_every_derived_name_is_in_the_table(env: Environment) -> None:
    documented = {expression for expression, _ in _table()[1]}
    config = Config(environment=env, s3_bucket_prefix=env.value)
    missing = [name for name in config.derived() if name not in documented]
    assert missing == []
