"""Athena SQL, checked without Athena: Trino grammar, and only this environment's names.

Why: nothing executes the cloud SQL before it runs in the cloud (Athena cannot be
emulated), and it differs from the DuckDB SQL through ``adapter.dispatch``. Each statement
is parsed the way Athena routes it: DML, CTAS and views by Trino's grammar (sqlglot's
``athena`` dialect for the syntax tree, ``trino-sql-validator`` on top, which is stricter:
it refuses e.g. ``QUALIFY``), other DDL (``DROP``/``ALTER``/``CREATE EXTERNAL``, backticks)
by Hive's (sqlglot ``hive``). Then every database, S3 bucket and work group it names must be
this environment's own (``finks_config`` derives them): another environment's name is
``foreign`` (finks_config.ownership judges it), any other name is ``unknown``.

Used on the statements dbt compiles for an env (tests, ``./pants run dbt:sqlcheck``) and by
the release rehearsal on what the worker's dbt sent to the emulated Athena
(``check_query_executions`` takes Athena's own QueryExecution records).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlglot
import trino_sql_validator
from sqlglot import exp

from finks_config import Config, ConfigError
from finks_config.ownership import owner_for

Kind = Literal["parse", "foreign", "unknown"]

_COMMENT = re.compile(r"/\*.*?\*/|--[^\n]*", re.DOTALL)
_S3 = re.compile(r"s3a?n?://([a-z0-9][a-z0-9.-]{1,62})", re.IGNORECASE)
_HIVE_DDL = re.compile(r"^(drop|alter|msck|show|describe|desc|create)\b", re.IGNORECASE)
_TRINO_CREATE = re.compile(
    r"^create\s+(or\s+replace\s+)?(view|table\b.*?\bas\s*\(?\s*(select|with)\b)",
    re.IGNORECASE | re.DOTALL,
)
_DROP_VIEW = re.compile(r"^drop\s+view\b", re.IGNORECASE)
# Catalogs and schemas every Athena account has, which name no environment.
_NEUTRAL_DATABASES = frozenset({"awsdatacatalog", "information_schema"})


@dataclass(frozen=True)
class SqlProblem:
    """One statement's problem: which (0-based), what kind, and what exactly."""

    index: int
    kind: Kind
    detail: str
    head: str  # the statement's first words, for the reader

    def line(self) -> str:
        return f"statement {self.index + 1} ({self.head}): {self.kind}: {self.detail}"


@dataclass
class SqlCheckReport:
    checked: int = 0
    problems: list[SqlProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        verdict = "ok" if self.ok else f"{len(self.problems)} problem(s)"
        return [f"checked {self.checked} statement(s): {verdict}"] + [
            f"  {p.line()}" for p in self.problems
        ]


def _strip(sql: str) -> str:
    return _COMMENT.sub(" ", sql).strip().rstrip(";").strip()


def _head(sql: str) -> str:
    words = " ".join(_strip(sql).split()).split(" ")
    return " ".join(words[:6])[:80]


def is_hive_ddl(sql: str) -> bool:
    """Does Athena run this statement on its Hive DDL engine (not Trino)?"""
    text = _strip(sql)
    if _TRINO_CREATE.match(text) or _DROP_VIEW.match(text):
        return False
    return bool(_HIVE_DDL.match(text))


def parse_statement(sql: str) -> tuple[exp.Expr | None, str | None]:
    """(syntax tree, None) or (None, why it does not parse) under Athena's routing."""
    text = _strip(sql)
    if is_hive_ddl(text):
        try:
            return sqlglot.parse_one(text, read="hive"), None
        except sqlglot.errors.ParseError as exc:
            return None, f"not Hive DDL: {' '.join(str(exc).split())[:200]}"
    checked = trino_sql_validator.validate(text, dialect="trino", jinja="reject")
    if checked.error is not None:
        return None, f"not Trino SQL: {checked.error.message} (line {checked.error.line})"
    try:
        return sqlglot.parse_one(text, read="athena"), None
    except sqlglot.errors.ParseError as exc:
        return None, f"not Athena SQL: {' '.join(str(exc).split())[:200]}"


def own_names(config: Config) -> dict[str, set[str]]:
    """What this environment may name: its databases, buckets and work group."""
    return {
        "database": {config.analytics_database, config.bronze_database},
        "bucket": {*config.buckets, config.athena_results_bucket},
        "work group": {config.athena_work_group},
    }


def named(tree: exp.Expr, sql: str) -> list[tuple[str, str]]:
    """(kind, name) of every database and S3 bucket a statement names."""
    found: list[tuple[str, str]] = []
    for table in tree.find_all(exp.Table):
        if table.db:
            found.append(("database", table.db))
        if table.catalog and table.catalog.lower() not in _NEUTRAL_DATABASES:
            found.append(("database", table.catalog))
    found += [("bucket", bucket.lower()) for bucket in _S3.findall(sql)]
    return found


def _judge(config: Config, kind: str, name: str) -> tuple[Kind, str] | None:
    if kind == "database" and name.lower() in _NEUTRAL_DATABASES:
        return None
    if name in own_names(config)[kind]:
        return None
    owner = owner_for(config, name)
    if owner is not None and owner is not config.environment:
        return "foreign", f"{kind} {name} belongs to {owner.value}"
    return "unknown", f"{kind} {name} is not one of {config.environment.value}'s"


def _check_one(
    config: Config, index: int, sql: str, extra: Sequence[tuple[str, str]]
) -> list[SqlProblem]:
    head = _head(sql)
    tree, error = parse_statement(sql)
    problems = [SqlProblem(index, "parse", error, head)] if error else []
    names = list(extra) + (named(tree, sql) if tree is not None else [])
    for kind, name in dict.fromkeys(names):
        verdict = _judge(config, kind, name)
        if verdict is not None:
            problems.append(SqlProblem(index, verdict[0], verdict[1], head))
    return problems


def check_statements(config: Config, statements: Iterable[str]) -> SqlCheckReport:
    """Parse each statement as Athena would and check the names it uses belong to ``config``."""
    report = SqlCheckReport()
    for index, sql in enumerate(statements):
        report.checked += 1
        report.problems += _check_one(config, index, sql, ())
    return report


def check_query_executions(
    config: Config, executions: Iterable[Mapping[str, Any]]
) -> SqlCheckReport:
    """The same for Athena ``QueryExecution`` records (get/batch_get_query_execution): the
    query, plus its work group, context database/catalog and result location."""
    report = SqlCheckReport()
    for index, execution in enumerate(executions):
        report.checked += 1
        context = execution.get("QueryExecutionContext") or {}
        output = (execution.get("ResultConfiguration") or {}).get("OutputLocation") or ""
        extra: list[tuple[str, str]] = []
        if execution.get("WorkGroup"):
            extra.append(("work group", str(execution["WorkGroup"])))
        if context.get("Database"):
            extra.append(("database", str(context["Database"])))
        extra += [("bucket", bucket.lower()) for bucket in _S3.findall(output)]
        report.problems += _check_one(config, index, str(execution.get("Query") or ""), extra)
    return report


@dataclass(frozen=True)
class CompiledStatement:
    node: str  # dbt unique id, with the incremental shape it was compiled for
    sql: str
    resource_type: str = "model"
    schema: str = ""
    alias: str = ""
    node_config: dict[str, Any] = field(default_factory=dict)


def compiled_sql(
    config: Config,
    *,
    shapes: Sequence[str | None] = (None, "2026-01-02"),
    select: str | None = None,
    exclude: str | None = None,
) -> list[CompiledStatement]:
    """Every statement dbt compiles for ``config``'s Athena target, offline (no AWS).

    Incremental models render differently on a first build and on a later one, so each
    ``shapes`` entry compiles once: None = a full build, an ISO date = an incremental run
    whose watermark is that date (vars ``finks_offline``/``finks_since``). ``select`` /
    ``exclude`` narrow the nodes as dbt's flags do.
    """
    from finks_dbt.profile_env import dbt_config
    from finks_dbt.runner import invoke_dbt

    if config.is_local:
        raise ConfigError("sqlcheck checks the Athena SQL of dev, staging or prod, not local")
    statements: list[CompiledStatement] = []
    for since in shapes:
        with tempfile.TemporaryDirectory(prefix="finks-sqlcheck-") as work:
            scratch = dbt_config(config, {"DBT_WORK_DIR": work})
            variables = {"finks_offline": True, **({"finks_since": since} if since else {})}
            command = ["compile", "--no-populate-cache", "--quiet", "--vars", json.dumps(variables)]
            command += ["--exclude", " ".join(filter(None, ["resource_type:unit_test", exclude]))]
            if select:
                command += ["--select", select]
            result, _ = invoke_dbt(scratch, command)
            if not result.success or result.result is None:
                raise ConfigError(f"dbt compile failed: {' '.join(str(result.exception).split())}")
            shape = "full" if since is None else f"incremental since {since}"
            for node_result in result.result.results:
                code = (node_result.node.compiled_code or "").strip()
                if code:
                    node = node_result.node
                    statements.append(
                        CompiledStatement(
                            f"{node.unique_id} ({shape})",
                            code,
                            str(node.resource_type),
                            str(node.schema),
                            str(node.alias),
                            dict(node.config.to_dict()),
                        )
                    )
    return statements


def _cli(cli: Any) -> int:
    config = cli.config("dbt/config")
    statements = compiled_sql(config)
    report = check_statements(config, [s.sql for s in statements])
    for line in report.lines():
        cli.echo(f"{config.indicator} {line}")
    for problem in report.problems:
        cli.echo(f"{config.indicator}   in {statements[problem.index].node}")
    return 0 if report.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    """``./pants run dbt:sqlcheck -- --env ENV``: check what dbt compiles for ENV (offline)."""
    from finks_config.cli import ArgumentParser, add_env_argument, run_cli

    parser = ArgumentParser(prog="sqlcheck", description=main.__doc__)
    add_env_argument(parser, required=True)
    return run_cli(
        "sqlcheck", _cli, argv, parser=parser, banner="dbt Athena SQL check", env_required=True
    )


if __name__ == "__main__":
    raise SystemExit(main())
