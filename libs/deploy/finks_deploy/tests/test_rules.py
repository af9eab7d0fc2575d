"""The rules Pants' graph cannot express: repo-wide files and per-environment files."""

from __future__ import annotations

import pytest

from finks_deploy.errors import PlanError
from finks_deploy.pants_graph import PantsGraph, order_projects, spec_path
from finks_deploy.rules import FileKind, classify, file_environment, is_doc


@pytest.mark.parametrize(
    ("path", "env"),
    [
        ("libs/config/.env.prod", "prod"),
        ("ingestion/config/.env.staging", "staging"),
        ("libs/config/.env.dev.example", "dev"),
        ("infrastructure/Pulumi.prod.yaml", "prod"),
        ("dbt/profiles.local.yml", "local"),
        ("libs/config/.env.example", None),
        ("infrastructure/Pulumi.yaml", None),
        ("ingestion/finks_ingestion/production.py", None),
        ("dbt/models/gold/prod_summary.sql", None),
    ],
)
def test_file_environment(path: str, env: str | None) -> None:
    assert file_environment(path) == env


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("pants", FileKind.REPO_WIDE),
        ("pants.toml", FileKind.REPO_WIDE),
        ("pants.ci.toml", FileKind.REPO_WIDE),
        ("3rdparty/python/default.lock", FileKind.REPO_WIDE),
        (".github/workflows/deploy.yml", FileKind.REPO_WIDE),
        ("libs/config/.env.prod", FileKind.OTHER_ENV),
        ("libs/config/.env.dev", FileKind.GRAPH),
        ("ingestion/pants.toml", FileKind.GRAPH),
        ("ingestion/finks_ingestion/client.py", FileKind.GRAPH),
    ],
)
def test_classify_for_dev(path: str, kind: FileKind) -> None:
    assert classify(path, "dev") is kind


def test_docs() -> None:
    assert is_doc("README.md") and is_doc("docs/deploy/diagram.svg")
    assert not is_doc("dbt/models/a.sql")


def test_spec_path_handles_every_address_form() -> None:
    assert spec_path("ingestion:deploy") == "ingestion"
    assert spec_path("ingestion/a/b.py", ["ingestion/a/b.py"]) == "ingestion/a"
    assert spec_path("dbt/models/s/a.sql:../../models", ["dbt/models/s/a.sql"]) == "dbt"
    assert spec_path("ingestion/a/b.py:lib", ["ingestion/a/b.py"]) == "ingestion/a"
    assert spec_path("//:reqs#boto3") == ""
    assert spec_path("3rdparty/python#boto3") == "3rdparty/python"


def test_graph_closure_and_order() -> None:
    peek = [
        {"address": "app:deploy", "target_type": "pex_binary", "dependencies": ["app/m.py"]},
        {
            "address": "app/m.py",
            "target_type": "python_source",
            "dependencies": ["lib/x.py"],
            "sources": ["app/m.py"],
        },
        {
            "address": "lib/x.py",
            "target_type": "python_source",
            "dependencies": [],
            "sources": ["lib/x.py"],
        },
        {
            "address": "lib/t.py",
            "target_type": "python_test",
            "dependencies": ["lib/x.py"],
            "sources": ["lib/t.py"],
        },
    ]
    graph = PantsGraph.from_peek(peek, ["app/BUILD", "lib/BUILD"])
    assert graph.deploy_targets() == {"app": "app:deploy"}
    assert graph.files_of("app") == {"app/m.py", "lib/x.py", "app/BUILD", "lib/BUILD"}


def test_deploy_order_comes_from_the_build_files_tags() -> None:
    def deploy_target(project: str, *after: str) -> dict[str, object]:
        tags = [f"deploy-after:{p}" for p in after]
        return {"address": f"{project}:deploy", "target_type": "pex_binary", "tags": tags}

    peek = [
        deploy_target("pipelines", "dbt", "ingestion"),
        deploy_target("dbt", "infrastructure", "ingestion"),
        deploy_target("ingestion", "infrastructure"),
        deploy_target("infrastructure"),
        deploy_target("zeta", "nonexistent"),
    ]
    graph = PantsGraph.from_peek(peek)
    assert graph.projects() == ["infrastructure", "ingestion", "dbt", "pipelines", "zeta"]
    # Untagged projects come by name; a cycle is a build error, not a silent order.
    assert order_projects({"b": set(), "a": set()}) == ["a", "b"]
    with pytest.raises(PlanError, match="cycle"):
        order_projects({"a": {"b"}, "b": {"a"}})
