"""IAM resources of the stack, applied to the emulated account (policies in moto's view)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from finks_infra.emulate.context import ApplyContext, Outcome, error_code
from finks_infra.emulate.iam_view import NOTE, moto_view
from finks_infra.offline import RecordedResource


def _document(value: Any) -> dict[str, Any]:
    """A policy document as IAM returns it (dict, or URL-encoded JSON text)."""
    if isinstance(value, dict):
        return value
    text = str(value)
    return json.loads(unquote(text) if text.startswith("%") else text)


def role(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    iam = ctx.client("iam")
    name = inputs["name"]
    trust = json.loads(inputs["assumeRolePolicy"])
    description = inputs.get("description", "")
    session = int(inputs.get("maxSessionDuration", 3600))
    try:
        current = iam.get_role(RoleName=name)["Role"]
    except Exception as error:
        if error_code(error) != "NoSuchEntity":
            raise
        iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps(trust),
            Description=description,
            MaxSessionDuration=session,
        )
        return "created"
    outcome: Outcome = "unchanged"
    if _document(current["AssumeRolePolicyDocument"]) != trust:
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
        outcome = "updated"
    if (
        current.get("Description", "") != description
        or current.get("MaxSessionDuration") != session
    ):
        iam.update_role(RoleName=name, Description=description, MaxSessionDuration=session)
        outcome = "updated"
    return outcome


def _inline(ctx: ApplyContext, get: Any, put: Any, raw_policy: str) -> Outcome:
    ctx.substitute(NOTE)
    desired = moto_view(raw_policy)
    try:
        current = _document(get()["PolicyDocument"])
    except Exception as error:
        if error_code(error) != "NoSuchEntity":
            raise
        put(json.dumps(desired))
        return "created"
    if current == desired:
        return "unchanged"
    put(json.dumps(desired))
    return "updated"


def role_policy(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    iam = ctx.client("iam")
    role_name, name = inputs["role"], inputs["name"]
    return _inline(
        ctx,
        lambda: iam.get_role_policy(RoleName=role_name, PolicyName=name),
        lambda doc: iam.put_role_policy(RoleName=role_name, PolicyName=name, PolicyDocument=doc),
        inputs["policy"],
    )


def group(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    iam = ctx.client("iam")
    try:
        iam.get_group(GroupName=inputs["name"])
        return "unchanged"
    except Exception as error:
        if error_code(error) != "NoSuchEntity":
            raise
    iam.create_group(GroupName=inputs["name"])
    return "created"


def group_policy(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    iam = ctx.client("iam")
    group_name, name = inputs["group"], inputs["name"]
    return _inline(
        ctx,
        lambda: iam.get_group_policy(GroupName=group_name, PolicyName=name),
        lambda doc: iam.put_group_policy(GroupName=group_name, PolicyName=name, PolicyDocument=doc),
        inputs["policy"],
    )


def oidc_provider(ctx: ApplyContext, r: RecordedResource, inputs: dict[str, Any]) -> Outcome:
    iam = ctx.client("iam")
    url = inputs["url"]
    host = url.removeprefix("https://")
    for entry in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        if entry["Arn"].endswith(f"/{host}"):
            ctx.alias(r.outputs.get("arn"), entry["Arn"])
            return "unchanged"
    created = iam.create_open_id_connect_provider(
        Url=url, ClientIDList=list(inputs.get("clientIdLists", [])), ThumbprintList=["0" * 40]
    )
    ctx.alias(r.outputs.get("arn"), created["OpenIDConnectProviderArn"])
    return "created"
