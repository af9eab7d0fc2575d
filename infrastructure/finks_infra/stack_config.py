"""Typed, validated stack settings read from ``infrastructure/Pulumi.<stack>.yaml``.

Why a loader of our own: the stack files are the single place where environments
differ (no ``if env == ...`` in code), so a typo or a bad value there must stop a
deploy before anything reaches AWS, with a message naming the file and the key.
The Pulumi CLI writes the same files (``pulumi config set``), so reading them
directly gives the engine run, the offline dry-run and the tests one source.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from finks_config import ConfigError, repo_root
from finks_config.pydantic_errors import describe_error

# Where the Pulumi project lives, relative to the repository root.
INFRA_DIR = "infrastructure"

# Fargate's valid (vCPU -> memory GB) combinations.
_FARGATE_MEMORY_GB: dict[float, tuple[float, float, float]] = {
    # vcpu: (min GB, max GB, step GB)
    0.25: (0.5, 2, 0.5),
    0.5: (1, 4, 1),
    1: (2, 8, 1),
    2: (4, 16, 1),
    4: (8, 30, 1),
    8: (16, 60, 4),
    16: (32, 120, 8),
}

# CloudWatch Logs accepts only these retention periods.
_LOG_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
     2922, 3288, 3653}
)  # fmt: skip

_AZ_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d[a-z]$")
_DB_CLASS_PATTERN = re.compile(r"^db\.[a-z0-9]+\.[a-z0-9]+$")
_REPO_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_IMAGE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._/-]*:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}$")
_ACM_PATTERN = re.compile(r"^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+$")
_NAME_PART_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")


class StackConfigError(ConfigError):
    """A stack file is missing, unreadable or holds a bad value (exit 2, nothing deployed)."""


class StackConfig(BaseModel):
    """One stack's settings; field aliases are the keys after ``<project>:``."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    retention_days: int = Field(alias="retentionDays", ge=1)
    log_retention_days: int = Field(alias="logRetentionDays")
    availability_zones: tuple[str, ...] = Field(alias="availabilityZones", min_length=2)
    vpc_cidr: str = Field(alias="vpcCidr")
    multi_az: bool = Field(alias="multiAz")
    worker_vcpu: float = Field(alias="workerVcpu")
    worker_memory_gb: float = Field(alias="workerMemoryGb")
    worker_count: int = Field(alias="workerCount", ge=1)
    worker_spot: bool = Field(alias="workerSpot")
    prefect_image: str = Field(alias="prefectImage")
    prefect_server_vcpu: float = Field(alias="prefectServerVcpu")
    prefect_server_memory_gb: float = Field(alias="prefectServerMemoryGb")
    prefect_api_ingress_cidrs: tuple[str, ...] = Field(alias="prefectApiIngressCidrs", min_length=1)
    prefect_api_certificate_arn: str | None = Field(alias="prefectApiCertificateArn", default=None)
    db_instance_class: str = Field(alias="dbInstanceClass")
    db_engine_version: str = Field(alias="dbEngineVersion", min_length=1)
    db_allocated_storage_gb: int = Field(alias="dbAllocatedStorageGb", ge=20, le=65536)
    db_backup_retention_days: int = Field(alias="dbBackupRetentionDays", ge=0, le=35)
    db_deletion_protection: bool = Field(alias="dbDeletionProtection")
    secret_recovery_days: int = Field(alias="secretRecoveryDays", ge=7, le=30)
    athena_bytes_scanned_cutoff: int = Field(alias="athenaBytesScannedCutoff", ge=10 * 1024 * 1024)
    audit_logging: bool = Field(alias="auditLogging")
    monitoring: bool = Field(alias="monitoring")
    athena_daily_bytes_budget: int = Field(alias="athenaDailyBytesBudget", ge=10 * 1024 * 1024)
    bronze_stale_after_hours: int = Field(alias="bronzeStaleAfterHours", ge=1, le=168)
    alerts_slack_team_id: str | None = Field(alias="alertsSlackTeamId", default=None)
    alerts_slack_channel_id: str | None = Field(alias="alertsSlackChannelId", default=None)
    human_group: str | None = Field(alias="humanGroup", default=None)
    break_glass: bool = Field(alias="breakGlass", default=False)
    break_glass_mfa_max_age_seconds: int = Field(
        alias="breakGlassMfaMaxAgeSeconds", default=3600, ge=900, le=43200
    )
    github_repository: str = Field(alias="githubRepository")
    github_environment: str = Field(alias="githubEnvironment", min_length=1)
    github_allowed_refs: tuple[str, ...] = Field(alias="githubAllowedRefs", default=())
    github_oidc_provider_arn: str | None = Field(alias="githubOidcProviderArn", default=None)
    ledger_reader_subjects: tuple[str, ...] = Field(alias="ledgerReaderSubjects", min_length=1)

    @field_validator("prefect_image")
    @classmethod
    def _pinned_image(cls, value: str) -> str:
        if not _IMAGE_PATTERN.match(value):
            raise ValueError(
                "pin the image by digest: repository:tag@sha256:<64 hex>, e.g. "
                "prefecthq/prefect:3.9.1-python3.11@sha256:... (docker buildx imagetools inspect)"
            )
        return value

    @field_validator("prefect_api_ingress_cidrs")
    @classmethod
    def _ingress(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for block in value:
            _ipv4(block)
        return value

    @field_validator("prefect_api_certificate_arn")
    @classmethod
    def _certificate(cls, value: str | None) -> str | None:
        if value is not None and not _ACM_PATTERN.match(value):
            raise ValueError(
                "not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)"
            )
        return value

    @field_validator("human_group")
    @classmethod
    def _group(cls, value: str | None) -> str | None:
        if value is not None and not _NAME_PART_PATTERN.match(value):
            raise ValueError(
                "use lower-case letters, digits and '-' (it names finks-<env>-<group>)"
            )
        return value

    @field_validator("github_allowed_refs")
    @classmethod
    def _exact_refs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [s for s in value if "*" in s or "?" in s]
        if bad:
            raise ValueError(f"the deploy role takes no wildcard refs: {bad}")
        return value

    @field_validator("ledger_reader_subjects")
    @classmethod
    def _subject_kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [s for s in value if not s.startswith(("environment:", "ref:")) or "?" in s]
        bad += [s for s in value if "*" in s and not (s.startswith("ref:") and s.endswith("*"))]
        if bad:
            raise ValueError(
                f"{bad}: each subject is 'environment:<GitHub environment>' or 'ref:<git ref>'"
                " (a trailing '*' only on refs, e.g. ref:refs/tags/v*)"
            )
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _cloudwatch_retention(cls, value: int) -> int:
        if value not in _LOG_RETENTION_DAYS:
            allowed = ", ".join(str(v) for v in sorted(_LOG_RETENTION_DAYS))
            raise ValueError(f"CloudWatch Logs accepts only {allowed}")
        return value

    @field_validator("availability_zones")
    @classmethod
    def _zone_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [zone for zone in value if not _AZ_PATTERN.match(zone)]
        if bad:
            raise ValueError(f"not availability zone names: {bad} (e.g. ca-central-1a)")
        if len(set(value)) != len(value):
            raise ValueError("availability zones must be distinct")
        return value

    @field_validator("vpc_cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        if not 16 <= _ipv4(value).prefixlen <= 20:
            raise ValueError("use a /16 to /20 block (subnets are carved 4 bits smaller)")
        return value

    @field_validator("worker_vcpu", "prefect_server_vcpu")
    @classmethod
    def _vcpu(cls, value: float) -> float:
        if value not in _FARGATE_MEMORY_GB:
            raise ValueError(f"Fargate vCPU must be one of {sorted(_FARGATE_MEMORY_GB)}")
        return value

    @field_validator("db_instance_class")
    @classmethod
    def _db_class(cls, value: str) -> str:
        if not _DB_CLASS_PATTERN.match(value):
            raise ValueError("not an RDS instance class (e.g. db.t3.micro)")
        return value

    @field_validator("github_repository")
    @classmethod
    def _repo(cls, value: str) -> str:
        if not _REPO_PATTERN.match(value):
            raise ValueError("use owner/name, e.g. finks-data/finks")
        return value

    @model_validator(mode="after")
    def _fargate_memory(self) -> StackConfig:
        for prefix, vcpu, memory in (
            ("worker", self.worker_vcpu, self.worker_memory_gb),
            ("prefectServer", self.prefect_server_vcpu, self.prefect_server_memory_gb),
        ):
            low, high, step = _FARGATE_MEMORY_GB[vcpu]
            if not (low <= memory <= high and ((memory - low) / step).is_integer()):
                raise ValueError(
                    f"{prefix}MemoryGb {memory:g} does not fit {prefix}Vcpu {vcpu:g}: "
                    f"Fargate allows {low:g} to {high:g} GB in steps of {step:g}"
                )
        return self

    @model_validator(mode="after")
    def _slack_pair(self) -> StackConfig:
        if (self.alerts_slack_team_id is None) != (self.alerts_slack_channel_id is None):
            raise ValueError("set both alertsSlackTeamId and alertsSlackChannelId, or neither")
        return self

    @property
    def worker_cpu_units(self) -> int:
        """Fargate CPU units (1024 per vCPU), as ECS task definitions want them."""
        return int(self.worker_vcpu * 1024)

    @property
    def worker_memory_mb(self) -> int:
        """Task memory in MiB, as ECS task definitions want it."""
        return int(self.worker_memory_gb * 1024)

    @property
    def prefect_server_cpu_units(self) -> int:
        return int(self.prefect_server_vcpu * 1024)

    @property
    def prefect_server_memory_mb(self) -> int:
        return int(self.prefect_server_memory_gb * 1024)

    @property
    def prefect_image_pinned(self) -> bool:
        """False while Pulumi.yaml still holds the all-zero placeholder digest."""
        return not self.prefect_image.endswith("@sha256:" + "0" * 64)

    @property
    def app_availability_zones(self) -> tuple[str, ...]:
        """Zones the workers and NAT run in: all of them with multiAz, else the first only."""
        return self.availability_zones if self.multi_az else self.availability_zones[:1]


def _ipv4(block: str) -> ipaddress.IPv4Network:
    """``block`` as an IPv4 network; ValueError with the stack files' wording if it is not."""
    try:
        return ipaddress.IPv4Network(block)
    except ValueError as exc:
        raise ValueError(f"not an IPv4 CIDR block: {exc}") from None


def infra_dir() -> Path:
    """The Pulumi project directory (found through the repo root, so it works in a PEX)."""
    return repo_root() / INFRA_DIR


def project_name() -> str:
    """The Pulumi project name from Pulumi.yaml: it is the stack keys' namespace."""
    path = infra_dir() / "Pulumi.yaml"
    return _project_name(path, _read_yaml(path))


def project_defaults(namespace: str) -> dict[str, Any]:
    """Project-level config of Pulumi.yaml (``key: {default: v}`` or ``key: v``): every stack's
    value unless its stack file sets the key. Keys come back as ``<namespace>:<key>``."""
    path = infra_dir() / "Pulumi.yaml"
    return _project_defaults(path, _read_yaml(path), namespace)


def _project_name(path: Path, data: dict[str, Any]) -> str:
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise StackConfigError(f"{_rel(path)}: key 'name' is missing; set the Pulumi project name")
    return name


def _project_defaults(path: Path, data: dict[str, Any], namespace: str) -> dict[str, Any]:
    config = data.get("config") or {}
    if not isinstance(config, dict):
        raise StackConfigError(f"{_rel(path)}: key 'config' is not a mapping")
    defaults: dict[str, Any] = {}
    for key, entry in config.items():
        value = entry.get("value", entry.get("default")) if isinstance(entry, dict) else entry
        full = str(key) if ":" in str(key) else f"{namespace}:{key}"
        defaults[full] = value
    return defaults


def stack_file(stack: str) -> Path:
    """``infrastructure/Pulumi.<stack>.yaml``."""
    return infra_dir() / f"Pulumi.{stack}.yaml"


def available_stacks() -> list[str]:
    """Stacks that have a settings file: the <stack> of every Pulumi.<stack>.yaml."""
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in infra_dir().glob("Pulumi.*.yaml"))


def load_stack_config(stack: str) -> StackConfig:
    """Read and validate one stack's settings (Pulumi.yaml defaults < Pulumi.<stack>.yaml);
    raise StackConfigError naming file and key."""
    path = stack_file(stack)
    if not path.is_file():
        stacks = ", ".join(available_stacks()) or "none"
        raise StackConfigError(
            f"{_rel(path)} not found: infrastructure has no '{stack}' stack "
            f"(stacks: {stacks}). Create the file from Pulumi.dev.yaml to add one."
        )
    data = _read_yaml(path)
    config = data.get("config")
    if not isinstance(config, dict):
        raise StackConfigError(f"{_rel(path)}: key 'config' is missing or not a mapping")
    project_path = infra_dir() / "Pulumi.yaml"
    project = _read_yaml(project_path)  # once: it holds both the namespace and the defaults
    namespace = _project_name(project_path, project)
    defaults = _project_defaults(project_path, project, namespace)
    origins = {key: _rel(project_path) for key in defaults if key not in config}
    return parse_stack_values(
        {**defaults, **config}, source=_rel(path), namespace=namespace, origins=origins
    )


def parse_stack_values(
    values: dict[str, Any],
    source: str,
    namespace: str,
    origins: dict[str, str] | None = None,
) -> StackConfig:
    """Validate ``<namespace>:<key>`` values; other namespaces (``aws:``...) are left alone.

    ``origins`` names the file of keys that did not come from ``source`` (Pulumi.yaml defaults).
    """
    prefix = f"{namespace}:"
    ours = {k[len(prefix) :]: v for k, v in values.items() if str(k).startswith(prefix)}
    try:
        return StackConfig.model_validate(ours)
    except ValidationError as exc:
        problems = [_describe(error, source, prefix, origins or {}) for error in exc.errors()]
        raise StackConfigError("\n".join(problems)) from None


def _describe(error: Any, source: str, prefix: str, origins: dict[str, str]) -> str:
    loc = [str(part) for part in error.get("loc", ()) if not isinstance(part, int)]
    key = f"{prefix}{loc[0]}" if loc else None
    source = origins.get(key or "", source)
    message = describe_error(error)
    kind = error.get("type")
    if kind == "missing":
        return f"{source}: key '{key}' is missing; add it (see infrastructure/README.md)"
    if kind == "extra_forbidden":
        return f"{source}: key '{key}' is not a known setting; fix the spelling or remove it"
    where = f"key '{key}'" if key else "settings"
    return f"{source}: {where}: {message}"


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StackConfigError(f"{_rel(path)}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise StackConfigError(f"{_rel(path)}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise StackConfigError(f"{_rel(path)}: expected a YAML mapping at the top level")
    return data


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(repo_root()))
    except ValueError:
        return str(path)
