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
    worker_image: str = Field(alias="workerImage", min_length=1)
    prefect_work_pool: str = Field(alias="prefectWorkPool", min_length=1)
    db_instance_class: str = Field(alias="dbInstanceClass")
    db_engine_version: str = Field(alias="dbEngineVersion", min_length=1)
    db_allocated_storage_gb: int = Field(alias="dbAllocatedStorageGb", ge=20, le=65536)
    db_backup_retention_days: int = Field(alias="dbBackupRetentionDays", ge=0, le=35)
    db_deletion_protection: bool = Field(alias="dbDeletionProtection")
    secret_recovery_days: int = Field(alias="secretRecoveryDays", ge=7, le=30)
    athena_bytes_scanned_cutoff: int = Field(alias="athenaBytesScannedCutoff", ge=10 * 1024 * 1024)
    cloud_trail: bool = Field(alias="cloudTrail")
    github_repository: str = Field(alias="githubRepository")
    github_environment: str = Field(alias="githubEnvironment", min_length=1)
    github_allowed_refs: tuple[str, ...] = Field(alias="githubAllowedRefs", default=())
    github_oidc_provider_arn: str | None = Field(alias="githubOidcProviderArn", default=None)

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
        try:
            network = ipaddress.IPv4Network(value)
        except ValueError as exc:
            raise ValueError(f"not an IPv4 CIDR block: {exc}") from None
        if not 16 <= network.prefixlen <= 20:
            raise ValueError("use a /16 to /20 block (subnets are carved 4 bits smaller)")
        return value

    @field_validator("worker_vcpu")
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
        low, high, step = _FARGATE_MEMORY_GB[self.worker_vcpu]
        memory = self.worker_memory_gb
        if not (low <= memory <= high and ((memory - low) / step).is_integer()):
            raise ValueError(
                f"workerMemoryGb {memory:g} does not fit workerVcpu {self.worker_vcpu:g}: "
                f"Fargate allows {low:g} to {high:g} GB in steps of {step:g}"
            )
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
    def app_availability_zones(self) -> tuple[str, ...]:
        """Zones the workers and NAT run in: all of them with multiAz, else the first only."""
        return self.availability_zones if self.multi_az else self.availability_zones[:1]


def infra_dir() -> Path:
    """The Pulumi project directory (found through the repo root, so it works in a PEX)."""
    return repo_root() / INFRA_DIR


def project_name() -> str:
    """The Pulumi project name from Pulumi.yaml: it is the stack keys' namespace."""
    path = infra_dir() / "Pulumi.yaml"
    data = _read_yaml(path)
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise StackConfigError(f"{_rel(path)}: key 'name' is missing; set the Pulumi project name")
    return name


def stack_file(stack: str) -> Path:
    """``infrastructure/Pulumi.<stack>.yaml``."""
    return infra_dir() / f"Pulumi.{stack}.yaml"


def available_stacks() -> list[str]:
    """Stacks that have a settings file: the <stack> of every Pulumi.<stack>.yaml."""
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in infra_dir().glob("Pulumi.*.yaml"))


def load_stack_config(stack: str) -> StackConfig:
    """Read and validate one stack's settings; raise StackConfigError naming file and key."""
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
    return parse_stack_values(config, source=_rel(path), namespace=project_name())


def parse_stack_values(values: dict[str, Any], source: str, namespace: str) -> StackConfig:
    """Validate ``<namespace>:<key>`` values; other namespaces (``aws:``...) are left alone."""
    prefix = f"{namespace}:"
    ours = {k[len(prefix) :]: v for k, v in values.items() if str(k).startswith(prefix)}
    try:
        return StackConfig.model_validate(ours)
    except ValidationError as exc:
        problems = [_describe(error, source, prefix) for error in exc.errors()]
        raise StackConfigError("\n".join(problems)) from None


def _describe(error: Any, source: str, prefix: str) -> str:
    loc = [str(part) for part in error.get("loc", ()) if not isinstance(part, int)]
    key = f"{prefix}{loc[0]}" if loc else None
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
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
