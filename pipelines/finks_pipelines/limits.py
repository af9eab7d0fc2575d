"""One FMP rate limit per environment: a Prefect global concurrency limit with slot decay.

Why Prefect's: the limit must hold across every task thread, every flow-run process and
every worker of an environment, and the env's Prefect API is the one thing they all
share. Each FMP request occupies one slot (`rate_limit`), and slots decay at
calls-per-minute / 60 per second, so the environment as a whole never exceeds its rate
however many runs are in flight. The deploy applies the limit as desired state
(`fmp_rate_limit` + `apply_rate_limit`); the ingest task hands `fmp_limiter` to
`run_ingestion`.
"""

from __future__ import annotations

import contextvars
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from finks_config import Config
from finks_pipelines.settings import load_settings

Action = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class RateLimitSpec:
    """A global concurrency limit used as a rate limit, as it should be on the API."""

    name: str
    limit: int  # burst: slots that may be taken at once
    slot_decay_per_second: float  # steady rate: slots freed per second

    @property
    def calls_per_minute(self) -> float:
        return self.slot_decay_per_second * 60


def fmp_rate_limit(config: Config) -> RateLimitSpec:
    """The env's FMP limit from PIPELINE_FMP_CALLS_PER_MINUTE / PIPELINE_FMP_BURST."""
    settings = load_settings(config)
    per_second = settings.pipeline_fmp_calls_per_minute / 60
    burst = settings.pipeline_fmp_burst or max(1, math.ceil(per_second))
    return RateLimitSpec(
        name=f"fmp-requests-{config.environment.value}",
        limit=burst,
        slot_decay_per_second=round(per_second, 6),
    )


def _differences(spec: RateLimitSpec, current: Any) -> tuple[str, ...]:
    changes = []
    if current.limit != spec.limit:
        changes.append("limit")
    if not math.isclose(current.slot_decay_per_second or 0.0, spec.slot_decay_per_second):
        changes.append("slot decay")
    if not current.active:
        changes.append("active")
    return tuple(changes)


def apply_rate_limit(
    client: Any, spec: RateLimitSpec, *, dry_run: bool = False
) -> tuple[Action, tuple[str, ...]]:
    """Create the limit, update only what differs, or leave it alone (a SyncPrefectClient)."""
    from prefect.client.schemas.actions import (
        GlobalConcurrencyLimitCreate,
        GlobalConcurrencyLimitUpdate,
    )
    from prefect.exceptions import ObjectNotFound

    try:
        current = client.read_global_concurrency_limit_by_name(spec.name)
    except ObjectNotFound:
        if not dry_run:
            client.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(
                    name=spec.name,
                    limit=spec.limit,
                    slot_decay_per_second=spec.slot_decay_per_second,
                )
            )
        return "created", (f"{spec.calls_per_minute:g}/min, burst {spec.limit}",)
    changes = _differences(spec, current)
    if not changes:
        return "unchanged", ()
    if not dry_run:
        client.update_global_concurrency_limit(
            spec.name,
            GlobalConcurrencyLimitUpdate(
                limit=spec.limit, slot_decay_per_second=spec.slot_decay_per_second, active=True
            ),
        )
    return "updated", changes


class _SlotBatches:
    """Takes slots `batch` at a time and hands them out one per request (thread-safe).

    One API call per `batch` requests instead of one per request: at 500 symbols a run
    makes thousands of FMP requests, and Prefect serialises acquisitions per limit.
    Slots taken ahead still count against the env's rate, so the limit holds.
    """

    def __init__(self, name: str, batch: int, timeout: float | None) -> None:
        self.name, self.batch, self.timeout = name, batch, timeout
        # Ingestion calls from its own worker threads, which do not inherit this run's
        # Prefect context (API URL, run identity): every acquisition runs in a copy of
        # the context captured here, so it reaches this env's API, never a stray
        # ephemeral server.
        self.context = contextvars.copy_context()
        self.tokens = 0
        self.lock = threading.Lock()

    def __call__(self) -> None:
        from prefect.concurrency.sync import rate_limit

        with self.lock:
            if self.tokens == 0:
                self.context.copy().run(
                    rate_limit,
                    self.name,
                    occupy=self.batch,
                    timeout_seconds=self.timeout,
                    strict=True,
                )
                self.tokens = self.batch
            self.tokens -= 1


def fmp_limiter(
    config: Config, *, batch: int = 1, timeout_seconds: float | None = 600.0
) -> Callable[[], None]:
    """What the ingest task passes to `run_ingestion(limiter=...)`: a slot per FMP request.

    Blocks until the env's limit has free slots (at most `timeout_seconds`); slots are
    taken `batch` at a time, which must not exceed the limit's burst (`slot_batch`).
    """
    return _SlotBatches(fmp_rate_limit(config).name, max(1, batch), timeout_seconds)


def slot_batch(limit: int, preferred: int = 10) -> int:
    """Slots to take per API call for a limit of burst `limit`: at most `preferred`."""
    return max(1, min(preferred, limit))
