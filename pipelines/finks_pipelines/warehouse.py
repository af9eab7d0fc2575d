"""`./pants run pipelines:warehouse -- ["SQL"]`: query the local DuckDB warehouse; no install.

Why: the local job's summary used to suggest the `duckdb` command-line tool, which a
fresh machine does not have; DuckDB's Python package is already in the lockfile. With
SQL it prints the result and exits; without, it reads statements (ending in `;`) from
stdin until EOF or `.quit`. Read-only: the local job's tables are never changed here.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from finks_config import ConfigError, Environment
from finks_config.cli import ArgumentParser, Invocation, UsageError, add_env_argument, run_cli
from finks_pipelines.settings import PROJECT_CONFIG_DIR

PROMPT = "warehouse> "


def open_warehouse(path: Path, schema: str) -> Any:
    """A read-only connection with the gold schema as the default (``select * from fct_...``)."""
    import duckdb

    if not path.is_file():
        raise ConfigError(
            f"no local warehouse at {path}",
            fix="run ./pants run pipelines:deploy -- --env local first (or pass --state-dir)",
        )
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as error:
        raise ConfigError(
            f"cannot open {path}: {' '.join(str(error).split())[:200]}",
            fix="wait for the running local job to finish (it holds the warehouse)",
        ) from None
    con.execute(f"use {schema}")
    return con


def run_sql(con: Any, sql: str, out: TextIO) -> bool:
    """Print the result of ``sql`` (a table, or `ok`); a bad statement prints one line."""
    import duckdb

    try:
        relation = con.sql(sql)
    except duckdb.Error as error:
        print(f"error: {' '.join(str(error).split())}", file=out, flush=True)
        return False
    print(relation if relation is not None else "ok", file=out, flush=True)
    return True


def repl(con: Any, stdin: TextIO, out: TextIO) -> None:
    """Statements from ``stdin``, each ended by `;`; `.quit` or EOF ends."""
    pending: list[str] = []
    interactive = stdin.isatty()
    while True:
        if interactive:
            print(PROMPT if not pending else "...> ", end="", file=out, flush=True)
        line = stdin.readline()
        if not line or (not pending and line.strip() in (".quit", ".exit")):
            return
        pending.append(line)
        if line.rstrip().endswith(";"):
            run_sql(con, "".join(pending), out)
            pending = []


def _handler(cli: Invocation) -> int:
    from finks_pipelines.local_stack import local_paths

    config = cli.config(PROJECT_CONFIG_DIR)
    if not config.is_local:
        raise UsageError(
            "pipelines:warehouse opens the local DuckDB warehouse",
            key="--env",
            fix="use --env local; cloud gold is queried through Athena "
            "(./pants run pipelines:report -- --env ENV)",
        )
    path = local_paths(cli.args.state_dir).warehouse
    with open_warehouse(path, config.analytics_database) as con:
        if cli.args.sql:
            return 0 if run_sql(con, cli.args.sql, cli.out) else 1
        cli.echo(f"{config.indicator} {path} (schema {config.analytics_database}); end with ;")
        repl(con, sys.stdin, cli.out)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = ArgumentParser(prog="warehouse", description=__doc__.splitlines()[0])
    add_env_argument(parser)
    parser.add_argument(
        "--state-dir", metavar="DIR", help="default $FINKS_LOCAL_DIR or .finks/local"
    )
    parser.add_argument("sql", nargs="?", help="one statement; none: read statements from stdin")
    return run_cli(
        "warehouse",
        _handler,
        argv,
        parser=parser,
        banner="local warehouse",
        default_env=Environment.LOCAL,
    )


if __name__ == "__main__":
    raise SystemExit(main())
