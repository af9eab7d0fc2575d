"""Rows each dbt node read on DuckDB, from DuckDB's own profiler.

Why: "does a daily run stay cheap as history grows" is answered by the rows the models
read, not by wall time alone. DuckDB's profiler reports what each scan produced, but it
writes only the last query's profile, so while one invocation runs
this module wraps dbt-duckdb's cursor ``execute`` (the one place every statement passes):
each statement is profiled into a per-thread file and its rows are added to the node the
thread is running (dbt runs one node per thread; ``NodeStart`` events say which); dbt's
catalog queries are left out, they measure the catalog, not the data. Athena
reports bytes scanned itself (``adapter_response``), so nothing is wrapped there.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_current = threading.local()
# dbt's own metadata queries (columns, relations) scan catalogs, not data: not counted.
_CATALOG = re.compile(r"information_schema|\bduckdb_[a-z_]+\s*\(|\bpg_catalog\b", re.IGNORECASE)


class RowsRead:
    """Rows scanned per node unique id, filled while ``profiling_duckdb`` is active."""

    def __init__(self) -> None:
        self.by_node: Counter[str] = Counter()
        self._lock = threading.Lock()
        # Made by ``profiling_duckdb`` (and removed when it ends): Athena runs need none.
        self.directory: Path | None = None

    def on_event(self, event: Any) -> None:
        """dbtRunner callback: remember which node this thread runs."""
        if event.info.name == "NodeStart":
            _current.node = event.data.node_info.unique_id

    def _profile_file(self) -> Path:
        assert self.directory is not None, "only while profiling_duckdb is active"
        return self.directory / f"{threading.get_ident()}.json"

    def record(self, sql: str) -> None:
        """Add the last statement's rows scanned to the current node (data, not catalogs)."""
        node = getattr(_current, "node", None)
        path = self._profile_file()
        if node is None or not path.is_file() or _CATALOG.search(sql):
            return
        try:
            rows = _scanned(json.loads(path.read_text()))
        except (OSError, ValueError):
            return
        with self._lock:
            self.by_node[node] += rows

    def prepare(self, cursor: Any) -> None:
        """Profile the next statement into this thread's (emptied) file.

        Statements DuckDB does not profile (BEGIN, COMMIT) then leave no file behind, so
        an earlier statement is never counted twice.
        """
        self._profile_file().unlink(missing_ok=True)
        if getattr(cursor, "_finks_profiled", False):
            return
        raw = getattr(cursor, "_cursor", cursor)
        raw.execute("SET enable_profiling = 'json'")
        raw.execute(f"SET profiling_output = '{self._profile_file()}'")
        with contextlib.suppress(AttributeError):  # a cursor type without attributes
            cursor._finks_profiled = True


def _scanned(profile: dict[str, Any]) -> int:
    """Rows the scans of one query produced, after DuckDB pruned files, partitions and row
    groups and applied pushed-down filters. A bronze object is one JSON document holding
    many records, so a JSON scan counts the records its UNNEST produced."""
    own = int(profile.get("operator_cardinality") or 0)
    children = profile.get("children", [])
    if profile.get("operator_type") == "UNNEST" and any(_reads_json(c) for c in children):
        return own
    total = own if profile.get("operator_type") == "TABLE_SCAN" else 0
    return total + sum(_scanned(child) for child in children)


def _reads_json(profile: dict[str, Any]) -> bool:
    if profile.get("operator_type") == "TABLE_SCAN":
        return str(profile.get("extra_info", {}).get("Function", "")).upper() == "READ_JSON"
    return any(_reads_json(c) for c in profile.get("children", []))


@contextmanager
def profiling_duckdb(rows: RowsRead) -> Iterator[RowsRead]:
    """Profile every statement dbt-duckdb runs in this block into ``rows``."""
    from dbt.adapters.duckdb.environments.local import DuckDBCursorWrapper

    original = DuckDBCursorWrapper.execute
    rows.directory = Path(tempfile.mkdtemp(prefix="finks-dbt-profile-"))

    def execute(self: Any, sql: str, bindings: Any = None) -> Any:
        rows.prepare(self)
        result = original(self, sql, bindings)
        rows.record(sql)
        return result

    DuckDBCursorWrapper.execute = execute  # type: ignore[method-assign]
    try:
        yield rows
    finally:
        DuckDBCursorWrapper.execute = original  # type: ignore[method-assign]
        shutil.rmtree(rows.directory, ignore_errors=True)
        rows.directory = None
