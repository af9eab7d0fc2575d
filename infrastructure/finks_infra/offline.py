"""Run the program offline through Pulumi's mocks engine and record what it declares.

Why: the Pulumi CLI and provider plugins are not always available (CI here has
neither), yet a dry-run must show exactly what a stack would hold, tests must
check the real program, and the emulated apply needs the resolved inputs.
``pulumi.runtime.set_mocks`` replaces only the engine: the program, components
and settings run for real; the mocks echo the inputs back as outputs and answer
the computed attributes (ARNs, endpoints, DNS names) the way AWS shapes them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi

from finks_config import Config
from finks_infra.program import build_stack
from finks_infra.stack_config import StackConfig, project_name

# A made-up account id (AWS's documentation example): offline ARNs must look real.
OFFLINE_ACCOUNT_ID = "123456789012"

CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity"
KMS_ALIAS = "aws:kms/getAlias:getAlias"

_NAME_KEYS = ("bucket", "name", "identifier", "family", "configurationName", "url")

# An invoke answer: the invoke's args -> its result.
Lookup = Callable[[dict[str, Any]], dict[str, Any]]

# How the engine protocol marks a secret (pulumi.runtime.rpc): {SIG_KEY: SECRET_SIG, "value": v}.
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"  # noqa: S105 (a marker, not a secret)


def reveal(value: Any) -> Any:
    """``value`` with every secret wrapper replaced by its plain value (e.g. an SSM value)."""
    if isinstance(value, dict):
        if value.get(_SIG_KEY) == _SECRET_SIG:
            return reveal(value.get("value"))
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(v) for v in value]
    return value


@dataclass(frozen=True)
class RecordedResource:
    """One resource the program declared: Pulumi type token, logical name, resolved inputs."""

    type: str
    name: str
    inputs: dict[str, Any] = field(default_factory=dict)
    custom: bool = True
    outputs: dict[str, Any] = field(default_factory=dict)
    resource_id: str = ""
    ignore_changes: tuple[str, ...] = ()

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


def invented_key(region: str, account_id: str, alias: str) -> dict[str, Any]:
    """A getAlias answer for a key that does not exist here (stable per alias)."""
    key = uuid.uuid5(uuid.NAMESPACE_URL, alias)
    return {
        "name": alias,
        "targetKeyId": str(key),
        "targetKeyArn": f"arn:aws:kms:{region}:{account_id}:key/{key}",
        "arn": f"arn:aws:kms:{region}:{account_id}:{alias}",
    }


class RecordingMocks(pulumi.runtime.Mocks):
    """Mocks that record every registration and answer like a fresh AWS account would.

    ``account_id`` and ``lookups`` (invoke token -> answer) let the emulated apply
    render against a real (emulated) account instead of the offline one.
    """

    def __init__(
        self,
        region: str,
        account_id: str = OFFLINE_ACCOUNT_ID,
        lookups: Mapping[str, Lookup] | None = None,
    ) -> None:
        self.region = region
        self.account_id = account_id
        self.lookups = dict(lookups or {})
        self.resources: list[RecordedResource] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        inputs = reveal(dict(args.inputs))
        probe = RecordedResource(type=args.typ, name=args.name, inputs=inputs)
        physical = probe.physical_name
        outputs = {**inputs, "arn": self._arn(args.typ, physical, inputs)}
        outputs.update(self._computed(args.typ, physical, inputs))
        resource_id = physical if physical != args.name else f"{args.name}-id"
        self.resources.append(
            RecordedResource(
                type=args.typ,
                name=args.name,
                inputs=inputs,
                custom=bool(args.custom),
                outputs=outputs,
                resource_id=resource_id,
            )
        )
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
        lookup = self.lookups.get(args.token)
        if lookup is not None:
            return lookup(dict(args.args)), []
        if args.token == CALLER_IDENTITY:
            account = self.account_id
            return {
                "accountId": account,
                "arn": f"arn:aws:iam::{account}:user/offline",
                "userId": "OFFLINE",
                "id": account,
            }, []
        if args.token == KMS_ALIAS:
            return invented_key(self.region, self.account_id, str(args.args.get("name", ""))), []
        return {}, []

    def _computed(self, typ: str, physical: str, inputs: dict[str, Any]) -> dict[str, Any]:
        """Attributes AWS computes that the program reads."""
        region, account = self.region, self.account_id
        if typ == "aws:rds/instance:Instance":
            host = f"{physical}.offline.{region}.rds.amazonaws.com"
            secret = f"arn:aws:secretsmanager:{region}:{account}:secret:rds!db-{physical}-Offln1"
            return {
                "address": host,
                "endpoint": f"{host}:5432",
                "port": 5432,
                "masterUserSecrets": [{"secretArn": secret, "secretStatus": "active"}],
            }
        if typ == "aws:lb/loadBalancer:LoadBalancer":
            return {"dnsName": f"{physical}-offline.{region}.elb.amazonaws.com"}
        if typ == "aws:ecr/repository:Repository":
            return {
                "repositoryUrl": f"{account}.dkr.ecr.{region}.amazonaws.com/{physical}",
                "registryId": account,
            }
        return {}

    def _arn(self, typ: str, physical: str, inputs: dict[str, Any]) -> str:
        service = typ.split(":")[1].split("/")[0] if typ.count(":") >= 2 else "pulumi"
        kind = typ.rsplit(":", 1)[-1].lower()
        region, account = self.region, self.account_id
        prefix = f"arn:aws:{service}:{region}:{account}"
        if service == "s3":
            return f"arn:aws:s3:::{physical}"
        if service == "iam":
            kind = "oidc-provider" if kind == "openidconnectprovider" else kind
            return f"arn:aws:iam::{account}:{kind}/{physical.removeprefix('https://')}"
        if service == "secretsmanager":
            return f"{prefix}:secret:{physical}-Offln1"
        if service == "ssm":
            return f"{prefix}:parameter{physical}"
        if service == "cloudwatch" and kind == "loggroup":
            return f"arn:aws:logs:{region}:{account}:log-group:{physical}"
        if service == "cloudwatch":
            return f"{prefix}:alarm:{physical}"
        if service == "sns":
            return f"{prefix}:{physical}"
        if service == "lb":
            elb = f"arn:aws:elasticloadbalancing:{region}:{account}"
            if kind == "targetgroup":
                return f"{elb}:targetgroup/{physical}/offline"
            kind = "listener" if kind == "listener" else "loadbalancer"
            return f"{elb}:{kind}/app/{physical}/offline"
        if service == "ecs" and kind == "taskdefinition":
            return f"{prefix}:task-definition/{physical}:1"
        if service == "ecs" and kind == "service":
            cluster = str(inputs.get("cluster", "")).rsplit("/", 1)[-1]
            return f"{prefix}:service/{cluster}/{physical}"
        if service == "glue":
            return f"{prefix}:database/{physical}"
        return f"{prefix}:{kind}/{physical}"


def render_with(
    mocks: RecordingMocks, settings: StackConfig, config: Config
) -> list[RecordedResource]:
    """Run the program under ``mocks``; return the resources in registration order.

    Registration order is dependency order (a resource registers once its inputs
    resolved), which the emulated apply relies on. Each record carries the
    resource's ``ignore_changes`` (read through a stack transformation).
    """
    pulumi.runtime.set_mocks(
        mocks, project=project_name(), stack=config.environment.value, preview=False
    )
    ignored: dict[tuple[str, str], tuple[str, ...]] = {}

    def record_options(
        args: pulumi.ResourceTransformationArgs,
    ) -> pulumi.ResourceTransformationResult | None:
        if args.opts and args.opts.ignore_changes:
            ignored[(args.type_, args.name)] = tuple(args.opts.ignore_changes)
        return None

    @pulumi.runtime.test
    def run() -> None:
        pulumi.runtime.register_stack_transformation(record_options)
        build_stack(settings, config)

    run()
    return [replace(r, ignore_changes=ignored.get((r.type, r.name), ())) for r in mocks.resources]


def render_stack(settings: StackConfig, config: Config) -> list[RecordedResource]:
    """The offline rendering of ``config``'s stack, sorted for display."""
    resources = render_with(RecordingMocks(config.aws_region), settings, config)
    return sorted(resources, key=lambda r: (r.custom, r.type, r.name))
