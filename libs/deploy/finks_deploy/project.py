"""What a project states about its deploy, and what its deploy code gets to work with.

A project subclasses ``Project``: its name, what it builds (``build`` returns
``Artifact`` files) and how it applies them (``apply``). Everything every deploy
must do the same way (flags, banner, preflight, prod rule, lock, uploads, ledger,
exit codes) is the contract's (``finks_deploy.contract``), so a project's deploy
module stays about its own resources.
"""

from __future__ import annotations

import argparse
import sys
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any, ClassVar, TextIO

import finks_config
from finks_config.cli import error_line
from finks_deploy import lock as locks
from finks_deploy.artifacts import Artifact, Uploaded
from finks_deploy.errors import DeployError
from finks_deploy.gitinfo import GitInfo


class Project(ABC):
    """A deployable project: subclass it in ``<project>/.../deploy.py``.

    ``name`` is the ledger key and the directory of the BUILD ``deploy`` target.
    ``creates_artifacts_bucket``: this project's ``apply`` creates the env's artifacts
    bucket, so it may run before the bucket exists (then without lock and ledger).
    """

    name: ClassVar[str]
    config_dir: ClassVar[str | None] = None
    creates_artifacts_bucket: ClassVar[bool] = False

    @property
    def config_path(self) -> str:
        return self.config_dir if self.config_dir is not None else f"{self.name}/config"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Add the project's own flags (``--env``, ``--dry-run`` are the contract's)."""
        return None

    def environment(
        self, env: finks_config.Environment, args: argparse.Namespace
    ) -> AbstractContextManager[Mapping[str, str]]:
        """Config overrides for the whole deploy, held while it runs (default: none).

        The local platform starts its embedded stack here and returns its endpoints.
        """
        return nullcontext({})

    def preflight(self, ctx: DeployContext) -> None:
        """Checks before anything changes (a secret resolves, a CLI exists); also in dry runs."""
        return None

    def build(self, ctx: DeployContext) -> Sequence[Artifact]:
        """Local files to ship (no AWS here); the contract digests and uploads them."""
        return ()

    @abstractmethod
    def apply(self, ctx: DeployContext) -> None:
        """Make the environment match this commit; ``ctx.dry_run``: print the plan only."""


@dataclass
class DeployContext:
    """What a project's ``preflight``/``build``/``apply`` get: where, what, how to report."""

    project: str
    env: finks_config.Environment
    config: finks_config.Config
    dry_run: bool
    args: argparse.Namespace
    git: GitInfo
    actor: str = "unknown"
    out: TextIO = field(default=sys.stdout, repr=False)
    artifacts: dict[str, Uploaded] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    held: locks.HeldLock | None = field(default=None, repr=False)

    @property
    def git_sha(self) -> str:
        return self.git.sha

    @property
    def release_tag(self) -> str | None:
        return self.git.release_tag

    @property
    def indicator(self) -> str:
        return self.env.indicator

    @property
    def holder(self) -> str:
        """How locks taken by this deploy describe their holder."""
        return f"{self.project} deploy @ {self.git.short_sha} by {self.actor}"

    def log(self, message: str) -> None:
        """One progress line, prefixed with the ``[ENV]`` indicator."""
        print(f"{self.indicator} {message}", file=self.out, flush=True)

    def step(self, i: int, n: int, message: str) -> None:
        """``[ENV] [i/n] message``; also a checkpoint: stop if the deploy lock was lost."""
        if self.held is not None and self.held.lost:
            raise DeployError(
                f"lost the {self.env.value} deploy lock (another deploy took it over after"
                " this one stopped renewing it); stopping before step"
                f" {i}/{n}; redeploy when the other one finished"
            )
        self.log(f"[{i}/{n}] {message}")

    def preview_failure(
        self, error: BaseException, what: str = "a real deploy would stop here"
    ) -> None:
        """A dry run previews what it can: log ``dry run: {what}: {error}``; else re-raise.

        Call it from an ``except`` block. ``what`` may place the error itself with an
        ``{error}`` field (``"cannot read Glue ({error})"``); by default it follows a colon.
        """
        if not self.dry_run:
            raise error
        line = error_line(error, env=self.env)[0]
        said = what.format(error=line) if "{error}" in what else f"{what}: {line}"
        self.log(f"dry run: {said}")

    def detail(self, key: str, value: Any) -> None:
        """Keep a JSON-able fact about this deploy in its ledger record (``details``)."""
        self.details[key] = value

    @contextmanager
    def lock(self, name: str, *, timeout: float | None = None) -> Iterator[None]:
        """Hold this env's lock ``name`` (e.g. ``warehouse``) for the body; no-op in dry runs."""
        if self.dry_run:
            yield
            return
        wait = timeout if timeout is not None else float(self.args.lock_timeout)
        with locks.named_lock(
            self.config, name, holder=self.holder, timeout=wait, progress=self.log
        ):
            self.log(f"holding the {self.env.value} {name} lock")
            yield
