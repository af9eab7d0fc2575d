"""Run the program offline through Pulumi's mocks engine and record what it declares.

Why: the Pulumi CLI and provider plugins are not always available (CI here has
neither), yet a dry-run must show exactly what a stack would hold, and tests must
check the real program. ``pulumi.runtime.set_mocks`` replaces only the engine:
the program, components and settings run for real; the mocks echo the inputs
back as outputs and invent plausible ARNs/ids for this environment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi

from finks_config import Config
from finks_infra.program import build_stack
from finks_infra.stack_config import StackConfig, project_name

# A made-up account id (AWS's documentation example): offline ARNs must look real.
OFFLINE_ACCOUNT_ID = "123456789012"

# The invoke the program makes: who am I (account id for ARNs).
_CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity"

_NAME_KEYS = ("bucket", "name", "identifier", "family", "url")


@dataclass(frozen=True)
class RecordedResource:
    """One resource the program declared: Pulumi type token, logical name, resolved inputs."""

    type: str
    name: str
    inputs: dict[str, Any] = field(default_factory=dict)
    custom: bool = True

    @property
    def physical_name(self) -> str:
        """The AWS name the resource would get (its logical name when it has none)."""
        for key in _NAME_KEYS:
            value = self.inputs.get(key)
            if isinstance(value, str) and value:
                return value
        return self.name

    def policy_documents(self) -> list[dict[str, Any]]:
        """IAM/S3 policy documents among the inputs (policy and assume-role policy)."""
        docs = []
        for key in ("policy", "assumeRolePolicy"):
            value = self.inputs.get(key)
            if isinstance(value, str) and value.strip().startswith("{"):
                docs.append(json.loads(value))
        return docs


class RecordingMocks(pulumi.runtime.Mocks):
    """Mocks that record every registration and answer like a fresh AWS account would."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.resources: list[RecordedResource] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        inputs = dict(args.inputs)
        record = RecordedResource(
            type=args.typ, name=args.name, inputs=inputs, custom=bool(args.custom)
        )
        self.resources.append(record)
        physical = record.physical_name
        outputs = {**inputs, "arn": self._arn(args.typ, physical)}
        if args.typ == "aws:rds/instance:Instance":
            host = f"{physical}.offline.{self.region}.rds.amazonaws.com"
            outputs.update(address=host, endpoint=f"{host}:5432", port=5432)
        resource_id = physical if physical != args.name else f"{args.name}-id"
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
        if args.token == _CALLER_IDENTITY:
            return {
                "accountId": OFFLINE_ACCOUNT_ID,
                "arn": f"arn:aws:iam::{OFFLINE_ACCOUNT_ID}:user/offline",
                "userId": "OFFLINE",
                "id": OFFLINE_ACCOUNT_ID,
            }, []
        return {}, []

    def _arn(self, typ: str, physical: str) -> str:
        service = typ.split(":")[1].split("/")[0] if typ.count(":") >= 2 else "pulumi"
        kind = typ.rsplit(":", 1)[-1].lower()
        account = OFFLINE_ACCOUNT_ID
        if service == "s3":
            return f"arn:aws:s3:::{physical}"
        if service == "iam":
            kind = "oidc-provider" if kind == "openidconnectprovider" else kind
            target = physical.removeprefix("https://")
            return f"arn:aws:iam::{account}:{kind}/{target}"
        if service == "secretsmanager":
            return f"arn:aws:secretsmanager:{self.region}:{account}:secret:{physical}-Offln1"
        if service == "ecs" and kind == "taskdefinition":
            return f"arn:aws:ecs:{self.region}:{account}:task-definition/{physical}:1"
        return f"arn:aws:{service}:{self.region}:{account}:{kind}/{physical}"


def render_stack(settings: StackConfig, config: Config) -> list[RecordedResource]:
    """Run the program for ``config``'s environment under mocks; return what it declared."""
    mocks = RecordingMocks(config.aws_region)
    pulumi.runtime.set_mocks(
        mocks, project=project_name(), stack=config.environment.value, preview=False
    )

    @pulumi.runtime.test
    def run() -> None:
        build_stack(settings, config)

    run()
    return sorted(mocks.resources, key=lambda r: (r.custom, r.type, r.name))
