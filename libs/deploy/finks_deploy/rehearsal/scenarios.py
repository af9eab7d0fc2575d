"""The rehearsal's scenarios: one push or tag each, and what must be true afterwards.

They share one stage (accounts, Prefect APIs, repository) and run in a fixed order,
because each starts from what the previous left: ``first`` deploys what the ledgers lack,
``a`` changes ingestion on main, ``c1`` tags that commit as a prerelease, ``b`` releases
it, ``c2`` tags a commit staging never ran, ``e`` pushes a README change, ``d`` pushes
while dev's Prefect API is down. Every scenario checks the ledgers, the locks, what was
deployed where, and each account's request log for anything of another environment.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from finks_deploy import ledger
from finks_deploy.rehearsal import probes, workload
from finks_deploy.rehearsal.act import ActRun
from finks_deploy.rehearsal.stage import Stage

ENVS = ("dev", "staging", "prod")
PROJECTS = ("infrastructure", "ingestion", "dbt", "pipelines")
_PROJECTS_OUTPUT = re.compile(r"::set-output:: projects=(?P<json>\[.*\])")


@dataclass
class Expect:
    """Collects failed expectations instead of stopping at the first."""

    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def that(self, condition: bool, message: str) -> bool:
        if not condition:
            self.failures.append(message)
        return condition

    def note(self, message: str) -> None:
        self.notes.append(message)


@dataclass
class Memory:
    """Commits and facts one scenario leaves for the next."""

    base: str = ""
    shas: dict[str, str] = field(default_factory=dict)


def planned(run: ActRun, env: str) -> list[str] | None:
    """The projects ``env``'s plan job wrote to its outputs (None: the plan did not run/finish)."""
    import json

    for record in run.records:
        if record.job.startswith(f"{env}/") and record.job.endswith("/plan"):
            match = _PROJECTS_OUTPUT.search(record.message)
            if match:
                return list(json.loads(match["json"]))
    return None


def job(env: str, name: str) -> str:
    """act's display name of a job of the per-env workflow called for ``env``."""
    return f"{env}/deploy-env/{name}"


def _requests_between(
    stage: Stage, env: str, before: probes.EnvState, after: probes.EnvState
) -> list:
    """What reached ``env``'s account between two readings (the readings' own requests excluded)."""
    return stage.accounts[env].requests()[before.requests_after : after.requests_before]


def isolation(
    stage: Stage, expect: Expect, before: dict, after: dict, quiet: Iterable[str]
) -> None:
    """No account saw another env's resources; the ``quiet`` envs saw no request at all."""
    for env in ENVS:
        if env not in stage.accounts:
            continue
        seen = _requests_between(stage, env, before[env], after[env])
        foreign = probes.foreign_requests(stage.accounts[env], seen)
        expect.that(
            not foreign,
            f"the {env} account received requests for other envs' buckets: {foreign[:5]}",
        )
        if env in quiet:
            expect.that(
                not seen,
                f"the {env} account should be untouched, got {len(seen)} requests: {seen[:3]}",
            )


def locks_free(expect: Expect, states: dict[str, probes.EnvState]) -> None:
    for env, state in states.items():
        for name, holder in state.locks.items():
            expect.that(
                holder is None, f"{env}'s {name} lock is still held after the run: {holder}"
            )


def deployed_exactly(
    expect: Expect,
    env: str,
    sha: str,
    projects: Sequence[str],
    before: probes.EnvState,
    after: probes.EnvState,
    *,
    carried: bool = False,
) -> None:
    """``projects`` were deployed at ``sha`` in ``env`` (a new attempt, ended ok); every
    other project was not: unchanged, or (``carried``) recorded at ``sha`` by one carry
    record, which keeps the start of the deploy it carries (no new attempt)."""
    for project in PROJECTS:
        now, was = after.current.get(project), before.current.get(project)
        grew = after.history.get(project, 0) - before.history.get(project, 0)
        started = (now and now.started_at) != (was and was.started_at)
        if project in projects:
            expect.that(
                now is not None and now.sha == sha and now.status == "ok" and grew >= 1 and started,
                f"{env}: {project} should be deployed at {sha[:12]}: the ledger says"
                f" {now and (now.sha[:12], now.status)} after {grew} new record(s)",
            )
        elif carried and (was is None or was.sha != sha):
            expect.that(
                now is not None and now.sha == sha and grew == 1 and not started,
                f"{env}: {project} was not planned, so it should be carried to {sha[:12]}"
                f" (one record, no deploy), the ledger grew by {grew}",
            )
        else:
            expect.that(grew == 0, f"{env}: {project} was not planned but gained {grew} record(s)")
            expect.that(
                (now and now.sha) == (was and was.sha),
                f"{env}: {project} was not planned but now runs {now and now.sha[:12]}",
            )


def ci_passed(expect: Expect, run: ActRun) -> None:
    """The reusable CI workflow ran first and passed."""
    ci = {name: result for name, result in run.jobs.items() if name.startswith("ci/")}
    expect.that(bool(ci) and set(ci.values()) == {"success"}, f"CI did not pass: {run.jobs}")


def deployments_at(expect: Expect, env: str, state: probes.EnvState, sha: str) -> None:
    """The env's Prefect deployments are named for it and carry ``sha`` and one worker digest."""
    expect.that(bool(state.deployments), f"{env}: no Prefect deployments")
    for name, deployment in state.deployments.items():
        expect.that(
            name.endswith(f"-{env}"),
            f"{env}'s Prefect API holds a deployment of another env: {name}",
        )
        expect.that(
            deployment.version == sha,
            f"{env}: deployment {name} is at {deployment.version}, not {sha[:12]}",
        )
        expect.that(
            "worker.pex" in deployment.digests, f"{env}: deployment {name} carries no worker digest"
        )


# ---- the scenarios ---------------------------------------------------------------------------


def first_push(stage: Stage, memory: Memory, expect: Expect) -> None:
    """The base commit's first push: CI, then dev and staging get what their ledgers lack."""
    memory.base = stage.repo.head
    before = stage.states(PROJECTS)
    run = stage.push_main()
    after = stage.states(PROJECTS)
    ci_passed(expect, run)
    for env in ("dev", "staging"):
        projects = planned(run, env)
        missing = [p for p in PROJECTS if before[env].current.get(p) is None]
        expect.that(
            projects is not None and sorted(projects) == sorted(missing),
            f"{env} planned {projects}, but its ledger lacked {missing}",
        )
        expect.that(
            run.result(job(env, "deploy")) == "success",
            f"{env}'s deploy job: {run.result(job(env, 'deploy'))}",
        )
        deployed_exactly(
            expect, env, memory.base, projects or [], before[env], after[env], carried=True
        )
        deployments_at(expect, env, after[env], memory.base)
    expect.that(not any(n.startswith("prod/") for n in run.jobs), "a push to main ran prod jobs")
    locks_free(expect, after)
    isolation(stage, expect, before, after, quiet=("prod",))
    workload.staging_check(stage, run, expect, memory.base)


def scenario_a(stage: Stage, memory: Memory, expect: Expect) -> None:
    """a: an ingestion change on main deploys exactly the planned projects, dev then staging."""
    sha = stage.repo.commit(
        "ingestion: rehearsal change",
        {"ingestion/finks_ingestion/runner.py": "# rehearsal: an ingestion change"},
    )
    memory.shas["a"] = sha
    before = stage.states(PROJECTS)
    run = stage.push_main()
    after = stage.states(PROJECTS)
    for env in ("dev", "staging"):
        projects = planned(run, env) or []
        expect.that(
            "ingestion" in projects and "infrastructure" not in projects,
            f"{env} planned {projects} for an ingestion change",
        )
        expect.that(
            run.result(job(env, "deploy")) == "success",
            f"{env}'s deploy job: {run.result(job(env, 'deploy'))}",
        )
        deployed_exactly(
            expect, env, sha, projects, before[env], after[env], carried=env == "staging"
        )
    expect.that(
        planned(run, "dev") == planned(run, "staging"), "dev and staging planned different projects"
    )
    staging = probes.env_config(stage.accounts["staging"])
    for project in PROJECTS:
        expect.that(
            ledger.was_deployed(staging, project, sha),
            f"staging: {project} is not recorded at {sha[:12]} (deployed or carried)",
        )
    deployments_at(expect, "dev", after["dev"], sha)
    deployments_at(expect, "staging", after["staging"], sha)
    locks_free(expect, after)
    isolation(stage, expect, before, after, quiet=("prod",))
    workload.staging_check(stage, run, expect, sha)


def scenario_c1(stage: Stage, memory: Memory, expect: Expect) -> None:
    """c (1): a prerelease tag of a commit staging ran is refused before anything reaches prod."""
    sha = memory.shas["a"]
    refused(stage, memory, expect, "v1.0.0-rc.1", sha, reason=("prerelease", "vX.Y.Z", "-rc"))


def scenario_b(stage: Stage, memory: Memory, expect: Expect) -> None:
    """b: a release tag on that commit deploys prod with the digests staging ran."""
    sha = memory.shas["a"]
    workload.seed_prod_gold(stage)
    before = stage.states(PROJECTS)
    grants = len(stage.broker.grants)
    run = stage.push_tag("v1.0.0", sha)
    after = stage.states(PROJECTS)
    projects = planned(run, "prod") or []
    expect.that(bool(projects), f"prod planned nothing for v1.0.0: {run.jobs}")
    expect.that(
        run.result(job("prod", "deploy")) == "success",
        f"prod's deploy job: {run.result(job('prod', 'deploy'))}",
    )
    deployed_exactly(expect, "prod", sha, projects, before["prod"], after["prod"])
    staging = probes.env_config(stage.accounts["staging"])
    for project in projects:
        ran = probes.artifact_digests(ledger.deployed(staging, project, sha), promoted_only=True)
        got = probes.artifact_digests(after["prod"].current.get(project), promoted_only=True)
        shared = set(ran) & set(got)
        expect.that(
            all(ran[n] == got[n] for n in shared),
            f"prod {project} digests {got} differ from staging's {ran}",
        )
        if project == "pipelines":
            expect.that(
                "worker.pex" in shared, f"prod pipelines has no worker.pex digest to compare: {got}"
            )
    deployments_at(expect, "prod", after["prod"], sha)
    roles = [g.role_arn for g in stage.broker.grants_since(grants)]
    expect.that(
        any(r.endswith("role/finks-staging-ledger-reader") for r in roles),
        "the prod jobs never assumed the staging ledger reader for the prod rule",
    )
    expect.that(
        not any(":role/finks-staging-github-deploy" in r for r in roles),
        "a prod job assumed staging's deploy role",
    )
    staging_seen = _requests_between(stage, "staging", before["staging"], after["staging"])
    expect.that(
        not probes.writes(staging_seen),
        f"the release wrote to the staging account: {probes.writes(staging_seen)[:3]}",
    )
    locks_free(expect, after)
    isolation(stage, expect, before, after, quiet=("dev",))
    workload.prod_smoke(stage, run, expect)
    # Publishing the GitHub release of the tag must not deploy a second time.
    before_release = stage.states(PROJECTS)
    release = stage.publish_release("v1.0.0")
    after_release = stage.states(PROJECTS)
    expect.that(not release.jobs, f"publishing the release ran jobs: {release.jobs}")
    expect.that(
        before_release["prod"].history == after_release["prod"].history,
        "publishing the release changed prod's ledger",
    )


def scenario_c2(stage: Stage, memory: Memory, expect: Expect) -> None:
    """c (2): a tag on a commit staging never ran is refused; prod untouched."""
    stage.repo.checkout("main")
    stage.repo.git("checkout", "-q", "-b", "hotfix")
    sha = stage.repo.commit(
        "ingestion: a hotfix nobody pushed to main",
        {"ingestion/finks_ingestion/runner.py": "# rehearsal: never through staging"},
    )
    stage.repo.checkout("main")
    refused(stage, memory, expect, "v1.0.1", sha, reason=("staging",))


def refused(
    stage: Stage, memory: Memory, expect: Expect, tag: str, sha: str, reason: Sequence[str]
) -> None:
    """Push ``tag`` on ``sha``: prod's plan job exits 2 naming the fix; prod is untouched."""
    fingerprint = stage.fingerprint("prod")  # first: its reads are not the run's requests
    before = stage.states(PROJECTS)
    run = stage.push_tag(tag, sha)
    after = stage.states(PROJECTS)
    output = run.output(job("prod", "plan"))
    expect.that(
        run.result(job("prod", "plan")) == "failure",
        f"{tag}: prod's plan job was {run.result(job('prod', 'plan'))}",
    )
    expect.that("exit status 2" in output, f"{tag}: the refusal did not exit 2")
    expect.that(
        any(word in output for word in reason),
        f"{tag}: the refusal does not say why ({'/'.join(reason)})",
    )
    expect.that(not run.ran(job("prod", "deploy")), f"{tag}: prod's deploy job ran")
    changed = sorted(k for k, v in stage.fingerprint("prod").items() if fingerprint.get(k) != v)
    expect.that(not changed, f"{tag}: the prod account changed ({', '.join(changed)})")
    expect.that(before["prod"].history == after["prod"].history, f"{tag}: prod's ledger changed")
    prod_seen = _requests_between(stage, "prod", before["prod"], after["prod"])
    expect.that(
        not probes.writes(prod_seen), f"{tag}: writes reached prod: {probes.writes(prod_seen)[:3]}"
    )
    expect.note(
        f"{tag}: {len(prod_seen)} read request(s) reached the prod account before the refusal"
    )
    isolation(stage, expect, before, after, quiet=("dev",))


def scenario_e(stage: Stage, memory: Memory, expect: Expect) -> None:
    """e: a README-only push deploys nothing (staging only carries its ledger to the commit)."""
    sha = stage.repo.commit(
        "docs: README only", {"README.md": "<!-- rehearsal: a docs-only change -->"}
    )
    before = stage.states(PROJECTS)
    run = stage.push_main()
    after = stage.states(PROJECTS)
    for env in ("dev", "staging"):
        expect.that(
            planned(run, env) == [], f"{env} planned {planned(run, env)} for a README change"
        )
        for name, deployment in after[env].deployments.items():
            expect.that(
                deployment == before[env].deployments.get(name), f"{env}: deployment {name} changed"
            )
        seen = _requests_between(stage, env, before[env], after[env])
        uploads = [w for w in probes.writes(seen) if "/deploys/" not in w]
        expect.that(not uploads, f"{env}: a README change uploaded {uploads[:3]}")
    expect.that(not run.ran(job("dev", "deploy")), "dev's deploy job ran for a README change")
    expect.that(
        "Deploy"
        not in " ".join(
            m for m in run.output(job("staging", "deploy")).splitlines() if "⭐ Run Main" in m
        ),
        "staging deployed a project for a README change",
    )
    expect.that(
        after["dev"].history == before["dev"].history, "dev's ledger changed for a README change"
    )
    staging = probes.env_config(stage.accounts["staging"])
    for project in PROJECTS:
        expect.that(
            ledger.was_deployed(staging, project, sha),
            f"staging did not carry {project} to {sha[:12]}",
        )
    locks_free(expect, after)
    isolation(stage, expect, before, after, quiet=("prod",))


def scenario_d(stage: Stage, memory: Memory, expect: Expect) -> None:
    """d: a dev deploy that fails (dev's Prefect API is down): staging does not run."""
    stage.accounts["dev"].prefect.process.stop()
    stage.substitute("scenario d stops dev's Prefect API to make the dev deploy fail (an outage)")
    sha = stage.repo.commit(
        "ingestion: while dev is down",
        {"ingestion/finks_ingestion/runner.py": "# rehearsal: dev is down"},
    )
    before = stage.states(PROJECTS)
    run = stage.push_main()
    after = stage.states(PROJECTS)
    expect.that(
        run.result(job("dev", "deploy")) == "failure",
        f"dev's deploy job: {run.result(job('dev', 'deploy'))}",
    )
    expect.that(
        not any(n.startswith("staging/") for n in run.jobs),
        f"staging ran after a failed dev deploy: {run.jobs}",
    )
    pipelines = after["dev"].current.get("pipelines")
    expect.that(
        pipelines is None or pipelines.sha != sha, "dev records pipelines ok at the failed commit"
    )
    expect.that(after["staging"].history == before["staging"].history, "staging's ledger changed")
    locks_free(expect, after)
    isolation(stage, expect, before, after, quiet=("staging", "prod"))


@dataclass(frozen=True)
class Scenario:
    name: str
    run: Callable[[Stage, Memory, Expect], None]
    needs: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return (self.run.__doc__ or self.name).strip().splitlines()[0]


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("first", first_push),
    Scenario("a", scenario_a),
    Scenario("c1", scenario_c1, needs=("a",)),
    Scenario("b", scenario_b, needs=("a",)),
    Scenario("c2", scenario_c2, needs=("a",)),
    Scenario("e", scenario_e),
    Scenario("d", scenario_d),
)


def select(names: Iterable[str] | None) -> list[Scenario]:
    """The scenarios to run, in order, with what they need (``c`` means c1 and c2)."""
    if not names:
        return list(SCENARIOS)
    wanted = {n for name in names for n in (("c1", "c2") if name == "c" else (name,))}
    unknown = wanted - {s.name for s in SCENARIOS}
    if unknown:
        raise ValueError(
            f"unknown scenario(s) {', '.join(sorted(unknown))}; choose from a, b, c, d, e"
        )
    wanted |= {"first"} | {need for s in SCENARIOS if s.name in wanted for need in s.needs}
    return [s for s in SCENARIOS if s.name in wanted]


def timed(scenario: Scenario, stage: Stage, memory: Memory) -> tuple[Expect, float]:
    expect = Expect()
    started = time.monotonic()
    try:
        scenario.run(stage, memory, expect)
    except Exception as error:  # a scenario that cannot finish is a failed scenario
        expect.failures.append(f"stopped: {type(error).__name__}: {error}")
    return expect, time.monotonic() - started
