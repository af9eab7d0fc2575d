"""Alerts that do not depend on the flow finishing: Prefect automations as desired state.

A notification sent from inside a flow never fires when the run crashes, times out or
never starts. Automations run in the Prefect API instead: one fires when a flow run of
this env ends Crashed, Failed or TimedOut; one fires when a ``medallion`` run that
started (or went Late because no worker took it) has not Completed within the
configured deadline. Both notify the env's Slack channel through a Slack Webhook block
built from the secret ``/{env}/slack/webhook_url``, with ``[ENV]`` first. The deploy
applies them like the deployments: create, update what differs, remove stale ones
(ours carry the ``finks`` tag), and a dry run lists the difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient
from prefect.events.actions import SendNotification
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

from finks_config import Config
from finks_pipelines.deployments import MANAGED_TAG, Action, Applied
from finks_pipelines.flows import MEDALLION
from finks_pipelines.settings import PipelinesSettings

FAILED_STATES = ("Crashed", "Failed", "TimedOut")
# Trigger fields the API adds or normalises; not part of what we ask for.
_VOLATILE = {"id", "created", "updated"}


def slack_block_name(config: Config) -> str:
    return f"finks-{config.environment.value}-slack"


@dataclass(frozen=True)
class Notifier:
    """The Slack Webhook block (by document id) the automations notify through."""

    block_document_id: UUID


def ensure_slack_block(
    client: SyncPrefectClient, config: Config, webhook_url: str, *, dry_run: bool
) -> tuple[Applied, Notifier | None]:
    """The env's Slack Webhook block holding the webhook secret (never printed)."""
    from prefect.blocks.notifications import SlackWebhook
    from prefect.exceptions import ObjectNotFound

    name = slack_block_name(config)
    what = f"notification block slack-webhook/{name}"
    try:
        current = client.read_block_document_by_name(name, block_type_slug="slack-webhook")
    except ObjectNotFound:
        current = None
    same = current is not None and _stored_url(current) == webhook_url
    if same:
        return Applied(what, "unchanged", dry_run=dry_run), Notifier(current.id)
    action: Action = "created" if current is None else "updated"
    if dry_run:
        return Applied(what, action, ("webhook URL",), True), None
    block_id = SlackWebhook(url=webhook_url).save(name, overwrite=True)  # type: ignore[arg-type]
    return Applied(what, action, ("webhook URL",)), Notifier(UUID(str(block_id)))


def _stored_url(document: Any) -> str | None:
    url = (document.data or {}).get("url")
    getter = getattr(url, "get_secret_value", None)
    return str(getter()) if getter else (str(url) if url is not None else None)


def desired_automations(
    config: Config, settings: PipelinesSettings, notifier: Notifier | None
) -> list[AutomationCore]:
    """The env's alert automations; the deadline one only when medallion is scheduled."""
    env, indicator = config.environment.value, config.indicator
    block = notifier.block_document_id if notifier else UUID(int=0)  # dry run: not yet saved
    tags = [MANAGED_TAG, f"env:{env}"]
    env_runs = {"prefect.resource.id": f"prefect.tag.env:{env}", "prefect.resource.role": "tag"}
    failed = AutomationCore(
        name=f"finks-{env}-flow-run-failed",
        description=f"{indicator} a flow run of {env} ended {', '.join(FAILED_STATES)}",
        tags=tags,
        trigger=EventTrigger(
            posture=Posture.Reactive,
            expect={f"prefect.flow-run.{state}" for state in FAILED_STATES},
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related=env_runs,
            threshold=1,
            within=timedelta(0),
        ),
        actions=[
            SendNotification(
                block_document_id=block,
                subject=f"{indicator} flow run {{{{ flow_run.name }}}}"
                " {{ flow_run.state.name }}",
                body=f"{indicator} {{{{ flow.name }}}} run {{{{ flow_run.name }}}} ended"
                " {{ flow_run.state.name }}: {{ flow_run.state.message }}"
                " ({{ flow_run|ui_url }})",
            )
        ],
    )
    found = [failed]
    if settings.pipeline_schedule_cron:
        minutes = settings.pipeline_completion_deadline_minutes
        found.append(
            AutomationCore(
                name=f"finks-{env}-{MEDALLION}-deadline",
                description=f"{indicator} no Completed {config.deployment_name(MEDALLION)}"
                f" within {minutes} min of its start",
                tags=tags,
                trigger=EventTrigger(
                    posture=Posture.Proactive,
                    after={"prefect.flow-run.Pending", "prefect.flow-run.Late"},
                    expect={"prefect.flow-run.Completed"},
                    for_each={"prefect.resource.id"},
                    match={"prefect.resource.id": "prefect.flow-run.*"},
                    match_related=[
                        env_runs,
                        {"prefect.resource.role": "flow", "prefect.resource.name": MEDALLION},
                    ],
                    threshold=1,
                    within=timedelta(minutes=minutes),
                ),
                actions=[
                    SendNotification(
                        block_document_id=block,
                        subject=f"{indicator} {config.deployment_name(MEDALLION)} missed"
                        " its deadline",
                        body=f"{indicator} {MEDALLION} run {{{{ flow_run.name }}}} has not"
                        f" completed {minutes} minutes after it started or went late"
                        " ({{ flow_run|ui_url }})",
                    )
                ],
            )
        )
    return found


def _comparable(automation: AutomationCore) -> dict[str, Any]:
    data = AutomationCore.model_validate(automation.model_dump()).model_dump(mode="json")
    # Sets (expect, after, for_each) dump as lists in hash order, which differs between the
    # API's copy and ours: compare them sorted.
    data["trigger"] = {
        k: sorted(v) if isinstance(v, list) and all(isinstance(i, str) for i in v) else v
        for k, v in data["trigger"].items()
        if k not in _VOLATILE
    }
    for key in ("actions", "actions_on_trigger", "actions_on_resolve"):
        data[key] = [{k: v for k, v in a.items() if k not in _VOLATILE} for a in data[key]]
    data["tags"] = sorted(data["tags"])
    return {k: v for k, v in data.items() if k not in _VOLATILE | {"owner_resource"}}


def _differences(want: AutomationCore, have: Any) -> tuple[str, ...]:
    left, right = _comparable(want), _comparable(AutomationCore.model_validate(have.model_dump()))
    return tuple(sorted(k for k in left if left[k] != right.get(k)))


def apply_automations(
    client: SyncPrefectClient, config: Config, desired: Sequence[AutomationCore], dry_run: bool
) -> list[Applied]:
    """Create, update (only what differs) and remove (ours, not desired) automations."""
    env = config.environment.value
    ours = {
        a.name: a
        for a in client.read_automations()
        if MANAGED_TAG in (a.tags or []) and f"env:{env}" in (a.tags or [])
    }
    done: list[Applied] = []
    for want in desired:
        what = f"automation {want.name}"
        have = ours.pop(want.name, None)
        if have is None:
            if not dry_run:
                client.create_automation(want)
            done.append(Applied(what, "created", dry_run=dry_run))
            continue
        changes = _differences(want, have)
        if not changes:
            done.append(Applied(what, "unchanged", dry_run=dry_run))
            continue
        if not dry_run:
            client.update_automation(have.id, want)
        done.append(Applied(what, "updated", changes, dry_run))
    for name, stale in sorted(ours.items()):
        if not dry_run:
            client.delete_automation(stale.id)
        done.append(Applied(f"automation {name}", "removed", ("not desired",), dry_run))
    return done
