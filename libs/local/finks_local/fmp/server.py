"""A local stand-in for FMP's `/stable/` API, with a clock and fault injection.

The `local` environment, the tests and the benchmarks point FMP_BASE_URL at it, because
none of them may reach the internet. It serves FMP's paths and response shapes from the
deterministic synthetic universe (see README.md), as of the server's ``as_of`` date (move
it between simulated days: ``server.as_of = day``), requires the API key (401 without one,
403 for a wrong one), and can inject the faults a real API shows at a configurable rate.

Faults are decided deterministically from (seed, request, attempt number of that request),
so a test run is reproducible regardless of thread scheduling, and a request never faults
more than `max_consecutive_faults` times in a row (transient faults, as in real life).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import random
import sys
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from finks_local.fmp import dataset
from finks_local.fmp.universe import SYMBOLS, seed

log = logging.getLogger(__name__)

# The key the local server accepts unless told otherwise. Local/test only: it guards
# nothing, it just makes the local stack exercise the same key handling as real FMP.
LOCAL_FMP_API_KEY = "local-fmp-key"
REQUEST_FAULTS = ("429", "500", "slow", "truncated")
ALL_FAULTS = (*REQUEST_FAULTS, "drift")
_CACHE_ENTRIES = 10_000  # a 500-symbol 10-year backfill is 2,000 requests (~250 MB)


def _parse_date(text: str | None) -> date | None:
    if not text:
        return None
    return date.fromisoformat(text)


def _int(text: str | None) -> int | None:
    return int(text) if text else None


class LocalFmpServer:
    """FMP `/stable/` on loopback. Use as a context manager, or start()/stop().

    `url` is the base URL (no `/stable` suffix); point FMP_BASE_URL at it.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str = LOCAL_FMP_API_KEY,
        fault_rate: float = 0.0,
        faults: Iterable[str] = ALL_FAULTS,
        seed: int = 0,
        *,
        as_of: date,
        revision_rate: float = 0.0,
        retry_after_seconds: int = 1,
        slow_seconds: float = 2.0,
        max_consecutive_faults: int = 3,
        cache_responses: bool = False,
    ) -> None:
        unknown = sorted(set(faults) - set(ALL_FAULTS))
        if unknown:
            raise ValueError(f"unknown fault kind(s) {unknown}; choose from {list(ALL_FAULTS)}")
        for name, rate in (("fault_rate", fault_rate), ("revision_rate", revision_rate)):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be within 0..1, got {rate}")
        self.host = host
        self.port = port
        self.api_key = api_key
        self.fault_rate = fault_rate
        self.faults = tuple(faults)
        self.seed = seed
        # The server's "today": read by every request, so a test may move it between days.
        self.as_of = as_of
        self.revision_rate = revision_rate
        self.retry_after_seconds = retry_after_seconds
        self.slow_seconds = slow_seconds
        self.max_consecutive_faults = max_consecutive_faults
        # Benchmarks measure the client, not this fake's synthetic generation (~60 ms per
        # 10-year price history): with the cache on, a repeated request is answered from
        # its stored body. Only without faults, whose drift statistics count per request.
        if cache_responses and fault_rate > 0:
            raise ValueError("cache_responses needs fault_rate 0 (faults vary per request)")
        self.cache_responses = cache_responses
        self._bodies: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self.stats: Counter[str] = Counter()
        self._attempts: dict[str, int] = {}
        self._streak: dict[str, int] = {}
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("LocalFmpServer is not running; call start() first")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LocalFmpServer:
        if self._httpd is not None:
            return self
        httpd = ThreadingHTTPServer((self.host, self.port), _handler_for(self))
        httpd.daemon_threads = True
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            name="local-fmp",
            kwargs={"poll_interval": 0.1},
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> LocalFmpServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- behaviour -------------------------------------------------------------------------
    def request_fault(self, request_key: str) -> str | None:
        """The fault (if any) for this attempt at this request; deterministic per seed."""
        kinds = [k for k in self.faults if k in REQUEST_FAULTS]
        with self._lock:
            attempt = self._attempts.get(request_key, 0)
            self._attempts[request_key] = attempt + 1
            streak = self._streak.get(request_key, 0)
            rng = random.Random(seed(self.seed, request_key, attempt))  # noqa: S311 - not crypto
            fault: str | None = None
            if kinds and streak < self.max_consecutive_faults and rng.random() < self.fault_rate:
                fault = rng.choice(kinds)
            self._streak[request_key] = streak + 1 if fault else 0
            self.stats["requests"] += 1
            if fault:
                self.stats[f"fault_{fault}"] += 1
            return fault

    def cached(self, key: tuple[Any, ...]) -> bytes | None:
        """The stored body of a request answered before (cache on), else None."""
        if not self.cache_responses:
            return None
        with self._lock:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
            return body

    def store(self, key: tuple[Any, ...], body: bytes) -> None:
        """Keep ``body`` for ``key`` (cache on; least recently used entries go first)."""
        if not self.cache_responses:
            return
        with self._lock:
            self._bodies[key] = body
            while len(self._bodies) > _CACHE_ENTRIES:
                self._bodies.popitem(last=False)

    def drift(self, dataset_name: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Schema-drift some records (deterministically per record) when "drift" is on."""
        if "drift" not in self.faults or self.fault_rate <= 0:
            return records
        out: list[dict[str, Any]] = []
        for rec in records:
            ident = (dataset_name, rec.get("symbol"), rec.get("date"), rec.get("period"))
            rng = random.Random(seed(self.seed, "drift", *ident))  # noqa: S311 - not crypto
            if rng.random() < self.fault_rate:
                rec = _drifted(dataset_name, rec, rng)
                with self._lock:
                    self.stats["drifted_records"] += 1
            out.append(rec)
        return out


# Per dataset: a field the validators require, and how drift breaks it.
_DRIFT_FIELDS = {
    "prices": ("close", "volume"),
    "profiles": ("companyName", "marketCap"),
    "income": ("revenue", "netIncome"),
}


def _drifted(dataset_name: str, rec: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """One of the drifts real APIs show: a renamed field, a string number, or a null."""
    rec = dict(rec)
    renamed, typed = _DRIFT_FIELDS[dataset_name]
    kind = rng.choice(("rename", "string", "null"))
    if kind == "rename":
        rec[f"{renamed}Value"] = rec.pop(renamed)
    elif kind == "string":
        rec[typed] = f"{rec[typed]} (unaudited)"
    else:
        rec[renamed] = None
    return rec


def _handler_for(server: LocalFmpServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "LocalFMP/1"
        # Headers and body go out as two writes on a keep-alive connection: with Nagle on,
        # the body waits for the client's delayed ACK of the headers (~40 ms a request).
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            # The default writes the request line (with the apikey) to stderr: never.
            return

        def do_GET(self) -> None:
            # The client may give up (e.g. it timed out on a slow response): fine.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._get()

        def _send(
            self,
            status: int,
            body: bytes,
            headers: dict[str, str] | None = None,
            length: int | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(body) if length is None else length))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _json(
            self, status: int, payload: object, headers: dict[str, str] | None = None
        ) -> None:
            self._send(status, json.dumps(payload).encode(), headers)

        def _get(self) -> None:
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            key = query.pop("apikey", None)
            if not key:
                self._json(
                    401,
                    {
                        "Error Message": "Invalid API KEY. Please retry or visit our "
                        "documentation to create one FREE"
                    },
                )
                return
            if key != server.api_key:
                self._json(403, {"Error Message": "Invalid API KEY."})
                return
            route = _ROUTES.get(parts.path.rstrip("/"))
            if route is None:
                self._json(404, {"Error Message": f"Unknown endpoint {parts.path}"})
                return
            dataset_name, producer = route
            request_key = f"{parts.path}?{sorted(query.items())}"
            cache_key = (request_key, server.as_of, server.revision_rate)
            body = server.cached(cache_key)
            if body is None:
                try:
                    records = producer(server, query)
                except ValueError as exc:
                    self._json(400, {"Error Message": f"Bad parameter: {exc}"})
                    return
            fault = server.request_fault(request_key)
            if fault == "429":
                self._json(
                    429,
                    {"Error Message": "Limit Reach. Please upgrade your plan."},
                    {"Retry-After": str(server.retry_after_seconds)},
                )
                return
            if fault == "500":
                self._send(500, b"Internal Server Error")
                return
            if fault == "slow":
                time.sleep(server.slow_seconds)
            if body is None:
                if dataset_name is not None:
                    records = server.drift(dataset_name, records)
                body = json.dumps(records).encode()
                server.store(cache_key, body)
            if fault == "truncated":
                cut = body[: max(1, len(body) // 2)]
                self._send(int(HTTPStatus.OK), cut)
                return
            self._send(int(HTTPStatus.OK), body)

    return Handler


Producer = Callable[[LocalFmpServer, dict[str, str]], list[dict[str, Any]]]


def _symbol(query: dict[str, str]) -> str:
    symbol = query.get("symbol", "")
    if not symbol:
        raise ValueError("symbol is required")
    return symbol.upper()


def _prices(server: LocalFmpServer, q: dict[str, str]) -> list[dict[str, Any]]:
    start, end = _parse_date(q.get("from")), _parse_date(q.get("to"))
    return dataset.prices(
        _symbol(q), start, end, as_of=server.as_of, revision_rate=server.revision_rate
    )


def _profile(server: LocalFmpServer, q: dict[str, str]) -> list[dict[str, Any]]:
    return dataset.profile(_symbol(q), as_of=server.as_of, revision_rate=server.revision_rate)


def _income(server: LocalFmpServer, q: dict[str, str]) -> list[dict[str, Any]]:
    period, limit = q.get("period", "annual"), _int(q.get("limit"))
    return dataset.income(_symbol(q), period, limit, as_of=server.as_of)


def _quote(server: LocalFmpServer, q: dict[str, str]) -> list[dict[str, Any]]:
    return dataset.quote(_symbol(q), as_of=server.as_of)


_ROUTES: dict[str, tuple[str | None, Producer]] = {
    "/stable/historical-price-eod/full": ("prices", _prices),
    "/stable/profile": ("profiles", _profile),
    "/stable/income-statement": ("income", _income),
    "/stable/quote": (None, _quote),
}


def main(argv: list[str] | None = None) -> int:
    """Run the local FMP server in the foreground (Ctrl-C stops it)."""
    parser = argparse.ArgumentParser(
        prog="local-fmp",
        description="Local FMP /stable/ API over synthetic data (local/test tool).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--api-key",
        default=LOCAL_FMP_API_KEY,
        help="key the server accepts (default: the documented local key)",
    )
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument(
        "--faults", default=",".join(ALL_FAULTS), help=f"comma list from {','.join(ALL_FAULTS)}"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=None,
        help="the server's today, YYYY-MM-DD (default: today, UTC)",
    )
    parser.add_argument("--revision-rate", type=float, default=0.0)
    parser.add_argument(
        "--cache-responses",
        action="store_true",
        help="answer a repeated request from its stored body (benchmarks; no faults)",
    )
    args = parser.parse_args(argv)
    as_of = args.as_of or datetime.now(UTC).date()
    try:
        server = LocalFmpServer(
            args.host,
            args.port,
            args.api_key,
            args.fault_rate,
            [f for f in args.faults.split(",") if f],
            args.seed,
            as_of=as_of,
            revision_rate=args.revision_rate,
            cache_responses=args.cache_responses,
        )
        server.start()
    except (ValueError, OSError) as exc:
        print(f"[LOCAL] local-fmp: error: {exc}", file=sys.stderr)
        return 2
    # The documented local key is no secret (it guards nothing); a key you chose is not shown.
    key_note = repr(LOCAL_FMP_API_KEY) if args.api_key == LOCAL_FMP_API_KEY else "as given"
    print(
        f"[LOCAL] local FMP server on {server.url}/stable/ "
        f"({len(SYMBOLS)} symbols as of {as_of}; key: {key_note}; "
        f"faults {server.fault_rate:.0%} {list(server.faults)})",
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
