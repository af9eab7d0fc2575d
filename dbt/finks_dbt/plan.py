"""What a dbt deploy to one environment would do: target, database, locations, models.

Built from ``dbt parse`` and the rendered profile only, so it needs no AWS
credentials and no network: the dry run and the offline Athena checks use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from finks_config import Config, ConfigError, Environment
from finks_dbt.profile_env import dbt_config, dbt_env, render_profile
from finks_dbt.runner import build_command, invoke_dbt


@dataclass(frozen=True)
class PlannedModel:
    name: str
    layer: str  # silver | gold
    relation: str
    location: str


@dataclass(frozen=True)
class DbtPlan:
    environment: str
    profile: dict[str, Any]
    bronze: str
    bronze_database: str
    bronze_reader: str
    locations: dict[str, str]
    command: list[str] = field(default_factory=lambda: ["build"])
    models: list[PlannedModel] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The plan as printable lines (no credentials: the profile holds printable keys only)."""
        p = self.profile
        out = [
            f"target: {p['target']} ({p['type']}, {p.get('threads', '?')} threads)",
            f"database: {p.get('database', '?')}.{p.get('schema', '?')}",
            f"bronze source: {self.bronze} ({self.bronze_reader})",
        ]
        out += [f"{name} location: {value}" for name, value in self.locations.items()]
        if p.get("work_group"):
            out.append(f"athena work group: {p['work_group']}")
        counts = ", ".join(f"{count} {kind}" for kind, count in self.stats.items())
        out.append(f"would run: dbt {' '.join(self.command)} --target {p['target']} ({counts})")
        out.append(f"models ({len(self.models)}):")
        out += [f"  {m.layer:<6} {m.relation:<45} {m.location}" for m in self.models]
        return out


def build_plan(config: Config) -> DbtPlan:
    """Parse the project for ``config``'s environment and describe the build."""
    config = dbt_config(config)
    env_vars = dbt_env(config)
    profile = render_profile(env_vars)
    result, _ = invoke_dbt(config, ["parse", "--quiet"])
    if not result.success or result.result is None:
        raise ConfigError(f"dbt parse failed: {' '.join(str(result.exception).split())}")
    manifest = result.result
    local = config.environment is Environment.LOCAL
    bronze = f"s3://{config.bronze_bucket}/fmp/{{prices,profiles,income}}/"
    if local:
        locations = {"warehouse (DuckDB file)": env_vars["FINKS_DUCKDB_PATH"]}
    else:
        locations = {
            "silver": f"s3://{config.silver_bucket}/{config.analytics_database}/",
            "gold": f"s3://{config.gold_bucket}/{config.analytics_database}/",
            "athena results": profile.get("s3_staging_dir", "?"),
        }
    models = [
        _planned(node, local)
        for node in manifest.nodes.values()
        if str(node.resource_type) == "model"
    ]
    models.sort(key=lambda m: (m.layer != "silver", m.name))
    command = build_command(config)
    stats = {
        "models": len(models),
        "data tests": sum(str(n.resource_type) == "test" for n in manifest.nodes.values()),
    }
    unit_tests = len(getattr(manifest, "unit_tests", {}) or {})
    if local:
        stats["unit tests"] = unit_tests
    return DbtPlan(
        environment=config.environment.value,
        profile=profile,
        bronze=bronze,
        bronze_database=config.bronze_database,
        bronze_reader=(
            "read by DuckDB over the S3 API"
            if local
            else f"Glue external tables in {config.bronze_database}"
        ),
        locations=locations,
        command=command,
        models=models,
        stats=stats,
    )


def _planned(node: Any, local: bool) -> PlannedModel:
    layer = "gold" if "gold" in node.tags else "silver"
    relation = f"{node.schema}.{node.alias}"
    if local:
        location = "(DuckDB table)"
    else:
        base = str(node.config.get("s3_data_dir") or "").rstrip("/")
        location = (
            f"{base}/{node.schema}/{node.alias}/<build id>/ ({node.config.get('table_type')})"
        )
    return PlannedModel(node.name, layer, relation, location)
