"""What a SQL statement names outside its own tables: catalogs, databases and S3 locations.

A lexical reading (no grammar, so Hive DDL, Trino queries and dbt-athena's
statements all work): comments are dropped; string literals are data, except the
S3 locations in them (``LOCATION 's3://...'``, ``UNLOAD ... TO 's3://...'``);
identifiers count in any case and quoting (``"PROD_ANALYTICS"``, `` `prod_analytics` ``).
Database positions are: the qualifiers of a table after FROM, JOIN, INTO, TABLE,
VIEW, UPDATE, USING, OPTIMIZE, VACUUM, DESCRIBE (``prod_analytics.t`` ->
``prod_analytics``) and every part after DATABASE, SCHEMA, USE and SHOW ... IN/FROM;
a name with three or more parts always names its catalog/database first. Table and
column names are not judged (``stg_prices`` is a dbt model, not staging's).
``SHOW DATABASES``/``SHOW SCHEMAS`` and ``information_schema`` span every database:
they are reported as a ``listing``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from finks_config.locations import buckets_in

_TOKEN = re.compile(
    r"""(?P<comment>--[^\n]*|/\*.*?(?:\*/|$))
      |(?P<literal>'(?:[^']|'')*'?)
      |(?P<quoted>"(?:[^"]|"")*"?|`(?:[^`]|``)*`?|\[[^\]]*\]?)
      |(?P<word>[A-Za-z_][A-Za-z0-9_$@]*)
      |(?P<dot>\.)
      |(?P<comma>,)
      |(?P<other>\S)""",
    re.VERBOSE | re.DOTALL,
)
_TABLE_CONTEXT = {
    "from",
    "join",
    "into",
    "table",
    "view",
    "update",
    "using",
    "optimize",
    "vacuum",
    "describe",
    "desc",
}
_SCHEMA_CONTEXT = {"database", "schema", "use", "catalog"}
_SKIP = {"if", "not", "exists", "only", "lateral", "unnest", "external", "or", "replace"}
_KEYWORDS = {
    "select",
    "with",
    "values",
    "where",
    "group",
    "order",
    "limit",
    "on",
    "as",
    "set",
    "partition",
    "location",
    "tblproperties",
    "union",
    "having",
    "window",
    "left",
    "right",
    "inner",
    "outer",
    "full",
    "cross",
    "natural",
    "by",
    "and",
    "when",
    "then",
    "else",
    "end",
    "rewrite",
    "data",
    "cascade",
    "restrict",
    "like",
    "format",
    "stored",
    "row",
    "add",
    "drop",
    "create",
    "insert",
    "delete",
    "merge",
    "show",
    "tables",
    "views",
    "columns",
    "partitions",
    "in",
    "to",
    "is",
    "null",
    "case",
    "distinct",
    "all",
    "unload",
    "execute",
    "prepare",
    "deallocate",
    "explain",
    "analyze",
    "msck",
    "repair",
    "alter",
    "rename",
    "comment",
    "properties",
    "returns",
    "return",
    "function",
    "matched",
    "do",
    "nothing",
    "lateral",
    "unnest",
    "fetch",
    "offset",
    "first",
    "next",
    "rows",
    "tablesample",
}
# Words that cannot be a table's alias.
_NOT_AN_ALIAS = frozenset(_KEYWORDS | _TABLE_CONTEXT)


@dataclass(frozen=True)
class SqlReference:
    """One thing a statement names outside its own tables."""

    kind: str  # "database", "S3 location", or "listing" (a statement that spans databases)
    name: str


def _unquote(token: str) -> str:
    if token[:1] in '"`[':
        body = token[1:-1] if len(token) > 1 and token[-1] in '"`]' else token[1:]
        return body.replace('""', '"').replace("``", "`")
    return token


def _tokens(sql: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup or "other"
        if kind != "comment":
            out.append((kind, match.group()))
    return out


def _chain(tokens: list[tuple[str, str]], start: int) -> tuple[list[str], int]:
    """The dotted name starting at ``start`` (``a.b.c`` -> ``[a, b, c]``) and the next index."""
    parts: list[str] = []
    index = start
    while index < len(tokens):
        kind, text = tokens[index]
        if kind not in ("word", "quoted"):
            break
        parts.append(_unquote(text))
        if index + 1 < len(tokens) and tokens[index + 1][0] == "dot":
            index += 2
            continue
        index += 1
        break
    return parts, index


def sql_references(sql: str) -> list[SqlReference]:
    """Every catalog/database and S3 location ``sql`` names (see the module doc)."""
    tokens = _tokens(sql)
    found: list[SqlReference] = []
    context: str | None = None  # "table" or "schema"
    showing = False
    index = 0
    while index < len(tokens):
        kind, text = tokens[index]
        lowered = text.lower()
        if kind == "literal":
            found.extend(SqlReference("S3 location", b) for b in buckets_in(text))
            index += 1
            continue
        if kind == "word" and lowered in _SKIP:
            index += 1
            continue
        if kind == "word" and lowered == "show":
            showing, context = True, None
            following = tokens[index + 1][1].lower() if index + 1 < len(tokens) else ""
            if following in ("databases", "schemas", "catalogs"):
                found.append(SqlReference("listing", f"SHOW {following.upper()}"))
            index += 1
            continue
        if kind == "word" and lowered in ("in", "from") and showing:
            context, showing = "schema", False
            index += 1
            continue
        if kind == "word" and lowered in _TABLE_CONTEXT:
            context = "table"
            index += 1
            continue
        if kind == "word" and lowered in _SCHEMA_CONTEXT:
            context = "schema"
            index += 1
            continue
        if kind in ("word", "quoted") and not (kind == "word" and lowered in _KEYWORDS):
            parts, index = _chain(tokens, index)
            if context == "schema":
                qualifiers = parts
            elif context == "table":
                qualifiers = parts[:-1]
            else:
                qualifiers = parts[:-2] if len(parts) >= 3 else []
            found.extend(SqlReference("database", q) for q in qualifiers if q)
            if any(part.lower() == "information_schema" for part in parts[:-1] or parts):
                found.append(SqlReference("listing", "information_schema"))
            # After a table: an alias may follow, then a comma continues a FROM list.
            if context == "table":
                if (
                    index < len(tokens)
                    and tokens[index][0] == "word"
                    and tokens[index][1].lower() == "as"
                ):
                    index += 1
                if (
                    index < len(tokens)
                    and tokens[index][0] in ("word", "quoted")
                    and tokens[index][1].lower() not in _NOT_AN_ALIAS
                ):
                    index += 1
                if index < len(tokens) and tokens[index][0] == "comma":
                    index += 1
                    continue
            context = None
            continue
        if kind != "dot":
            context = None if kind != "comma" or context != "table" else context
        index += 1
    return found
