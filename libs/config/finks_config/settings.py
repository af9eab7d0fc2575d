"""``Config``: the typed, immutable view of one environment's configuration.

The shared keys are a pydantic-settings model whose only source is the merged
mapping built by ``loader`` (pydantic-settings' own env/dotenv sources are
switched off): the loader owns precedence and provenance, pydantic owns types.
Everything a project needs to name a resource (buckets, database, secret path,
flow name) derives from the environment here, so no code ever spells another
environment's name.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, Field, PrivateAttr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from finks_config.environment import Environment
from finks_config.errors import ConfigError
from finks_config.loader import DEFAULT_SOURCE, SHARED_KEYS, ResolvedValues
from finks_config.pydantic_errors import config_error_from
from finks_config.urls import OptionalHttpUrl

if TYPE_CHECKING:
    from collections.abc import Iterator

DEFAULT_REGION = "ca-central-1"
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
ModelT = TypeVar("ModelT", bound=BaseModel)

_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d$")
_NAME_PART = re.compile(r"^[A-Za-z0-9_.-]+$")


class Config(BaseSettings):
    """One environment's resolved configuration (immutable; safe to share across threads).

    Build it with ``load_config``; constructing it directly (``Config(environment="dev",
    s3_bucket_prefix="dev")``) is fine for tests that need no files.
    """

    model_config = SettingsConfigDict(frozen=True, extra="ignore", case_sensitive=False)

    environment: Environment = Field(
        description="local, dev, staging or prod; must match the file's name", examples=["dev"]
    )
    aws_region: str = Field(
        default=DEFAULT_REGION,
        description="AWS region of every resource of the environment",
        json_schema_extra={"docs_type": "AWS region"},
    )
    s3_bucket_prefix: str = Field(
        description="Starts every bucket name ({prefix}-bronze-zone, -silver-zone, -gold-zone, "
        "-artifacts); prod requires exactly prod, and it never names another environment",
        examples=["dev"],
        json_schema_extra={"docs_type": "lower-case letters, digits, -"},
    )
    log_level: LogLevel = Field(
        default="INFO", description="Log level (any case); prod requires INFO"
    )
    debug_mode: bool = Field(
        default=False,
        description="Debug mode (true/false/1/0/yes/no/on/off); staging and prod require false",
    )
    prefect_api_url: OptionalHttpUrl = Field(
        default=None,
        description="The environment's Prefect API; empty in committed files (CI sets it, or "
        "the stack publishes it as SSM /{env}/prefect/api_url)",
    )
    aws_endpoint_url: OptionalHttpUrl = Field(
        default=None,
        description="S3/AWS emulator endpoint; local: the embedded moto server, set at run "
        "time; empty for real AWS (FINKS_{ENV}_AWS_ENDPOINT_URL wins over it)",
    )

    _resolved: ResolvedValues | None = PrivateAttr(default=None)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only explicit values: the loader already merged files and env vars, with provenance."""
        return (init_settings,)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("s3_bucket_prefix")
    @classmethod
    def _check_prefix(cls, value: str) -> str:
        if not _PREFIX.match(value):
            raise ValueError(
                "must be 1-40 lower-case letters, digits or '-' (it starts S3 bucket names)"
            )
        return value

    @field_validator("aws_region")
    @classmethod
    def _check_region(cls, value: str) -> str:
        if not _REGION.match(value):
            raise ValueError("is not an AWS region name like ca-central-1")
        return value

    # --- derived names -------------------------------------------------------------
    @property
    def indicator(self) -> str:
        """``[STAGING]``: printed first by every CLI and carried by every log line."""
        return self.environment.indicator

    @property
    def is_local(self) -> bool:
        """True for the embedded, no-account environment."""
        return self.environment is Environment.LOCAL

    @property
    def bronze_bucket(self) -> str:
        return f"{self.s3_bucket_prefix}-bronze-zone"

    @property
    def silver_bucket(self) -> str:
        return f"{self.s3_bucket_prefix}-silver-zone"

    @property
    def gold_bucket(self) -> str:
        return f"{self.s3_bucket_prefix}-gold-zone"

    @property
    def artifacts_bucket(self) -> str:
        return f"{self.s3_bucket_prefix}-artifacts"

    @property
    def buckets(self) -> tuple[str, ...]:
        """Every bucket this environment owns (bronze, silver, gold, artifacts)."""
        return (self.bronze_bucket, self.silver_bucket, self.gold_bucket, self.artifacts_bucket)

    @property
    def athena_results_bucket(self) -> str:
        return f"{self.environment.value}-athena-results"

    @property
    def athena_results_location(self) -> str:
        return f"s3://{self.athena_results_bucket}/"

    @property
    def analytics_database(self) -> str:
        return f"{self.environment.value}_analytics"

    @property
    def bronze_database(self) -> str:
        """Glue database of the bronze external tables."""
        return f"{self.environment.value}_bronze"

    @property
    def athena_work_group(self) -> str:
        """The env's Athena work group (its byte-scan budget and results location)."""
        return self.resource_name()

    @property
    def prefect_work_pool(self) -> str:
        """The env's Prefect work pool: deployments target it, the env's workers poll it."""
        return self.resource_name()

    @property
    def ecr_repository(self) -> str:
        """The env's container repository for the worker runtime image."""
        return self.resource_name("worker")

    @property
    def audit_bucket(self) -> str:
        """CloudTrail's bucket (the prod audit trail); infrastructure-only."""
        return f"{self.s3_bucket_prefix}-audit-trail"

    @property
    def access_logs_bucket(self) -> str:
        """Where S3 server access logs of the env's buckets land; infrastructure-only."""
        return f"{self.s3_bucket_prefix}-access-logs"

    @property
    def ecs_cluster(self) -> str:
        """The env's ECS cluster (Prefect server and workers)."""
        return self.resource_name("cluster")

    @property
    def worker_service(self) -> str:
        """The ECS service (and task-definition family) of the env's Prefect workers."""
        return self.resource_name("prefect-worker")

    @property
    def prefect_server_service(self) -> str:
        """The ECS service of the env's self-hosted Prefect server."""
        return self.resource_name("prefect-server")

    @property
    def pulumi_state_bucket(self) -> str:
        """Where the env's Pulumi state lives (created once by the bootstrap command)."""
        return f"{self.environment.value}-pulumi-state"

    @property
    def pulumi_secrets_key_alias(self) -> str:
        """KMS alias of the env's Pulumi secrets provider."""
        return f"alias/{self.resource_name('pulumi')}"

    @property
    def prefect_api_url_parameter(self) -> str:
        """SSM parameter where the env's stack publishes its Prefect API URL."""
        return f"/{self.environment.value}/prefect/api_url"

    def resource_name(self, kind: str | None = None) -> str:
        """``finks-{env}`` or ``finks-{env}-{kind}``: names of infrastructure-only resources."""
        base = f"finks-{self.environment.value}"
        return f"{base}-{kind}" if kind else base

    def deployment_name(self, base: str) -> str:
        """``medallion`` -> ``medallion-staging``: the env's Prefect deployment of a flow."""
        return f"{base}-{self.environment.value}"

    def lock_key(self, name: str) -> str:
        """Key of a named lock (``deploy``, ``warehouse``) in the env's artifacts bucket."""
        return f"deploys/_locks/{name}.json"

    def derived(self) -> dict[str, str]:
        """The derived resource names, for the doctor and for tools exporting env vars."""
        return {
            "bronze_bucket": self.bronze_bucket,
            "silver_bucket": self.silver_bucket,
            "gold_bucket": self.gold_bucket,
            "artifacts_bucket": self.artifacts_bucket,
            "athena_results_location": self.athena_results_location,
            "analytics_database": self.analytics_database,
            "bronze_database": self.bronze_database,
            "athena_results_bucket": self.athena_results_bucket,
            "athena_work_group": self.athena_work_group,
            "prefect_work_pool": self.prefect_work_pool,
            "ecr_repository": self.ecr_repository,
            "ecs_cluster": self.ecs_cluster,
            "worker_service": self.worker_service,
            "prefect_server_service": self.prefect_server_service,
            "audit_bucket": self.audit_bucket,
            "access_logs_bucket": self.access_logs_bucket,
            "pulumi_state_bucket": self.pulumi_state_bucket,
            "pulumi_secrets_key_alias": self.pulumi_secrets_key_alias,
            "prefect_api_url_parameter": self.prefect_api_url_parameter,
        }

    def flow_name(self, base: str) -> str:
        """Alias of ``deployment_name`` (the design's ``{name}-{env}``)."""
        return self.deployment_name(base)

    def notify_text(self, message: str) -> str:
        """``[STAGING] message``: notifications say which environment they are about."""
        return f"{self.indicator} {message}"

    def secret_path(self, service: str, name: str = "api_key") -> str:
        """``/{env}/{service}/{name}``: the Secrets Manager id of a service credential."""
        for label, part in (("service", service), ("name", name)):
            if not part or not _NAME_PART.match(part):
                raise ConfigError(
                    f"{label} {part!r} must be letters, digits, '_', '.' or '-'", key=label
                )
        return f"/{self.environment.value}/{service}/{name}"

    # --- merged key/values -----------------------------------------------------------
    def raw(self, key: str) -> str | None:
        """The merged value of one key (files < env vars < overrides); None if unset/empty."""
        if self._resolved is not None:
            return self._resolved.get(key)
        field = key.lower()
        if field in type(self).model_fields:
            value = getattr(self, field)
            return None if value is None else _as_text(value)
        return None

    def source_of(self, key: str) -> str:
        """Where ``key``'s value came from: ``libs/config/.env.dev:4``, env var, override..."""
        if self._resolved is None:
            return DEFAULT_SOURCE
        return self._resolved.source(key)

    @property
    def resolved(self) -> ResolvedValues | None:
        """The layers this config was built from (None when constructed directly)."""
        return self._resolved

    def section(self, model: type[ModelT]) -> ModelT:
        """Validate project keys into ``model`` (field ``fmp_base_url`` <- key ``FMP_BASE_URL``).

        Uses the same merged layers as the shared keys. Bad or missing values raise
        ConfigError naming the file and key; never a pydantic traceback.
        """
        data: dict[str, Any] = {}
        for name, info in model.model_fields.items():
            field_key = info.alias or name
            value = self.raw(field_key)
            if value is not None:
                data[field_key] = value
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise config_error_from(exc, self._resolved, shared=False) from None

    def iter_keys(self) -> Iterator[str]:
        """Shared keys first, then every other key a loaded file sets."""
        yield from SHARED_KEYS
        if self._resolved is not None:
            for key in self._resolved.file_keys():
                if key not in SHARED_KEYS:
                    yield key


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def build_config(resolved: ResolvedValues) -> Config:
    """Validate the shared keys of ``resolved`` into a Config (ConfigError on bad values)."""
    data: dict[str, Any] = {"environment": resolved.environment}
    for key in SHARED_KEYS[1:]:
        value = resolved.get(key)
        if value is not None:
            data[key.lower()] = value
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise config_error_from(exc, resolved, shared=True) from None
    config._resolved = resolved
    return config
