"""The committed settings docs match the models; a stale file is named and regenerated."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import BaseModel

from finks_config import repo_root
from finks_config.docs import undocumented
from finks_docs import settings_docs
from finks_docs.settings_docs import TARGETS, Target, generate, main, stale


def test_every_generated_file_is_up_to_date() -> None:
    names = [str(p.relative_to(repo_root())) for p in stale(repo_root())]
    assert names == [], f"stale settings docs {names}: run ./pants run docs:settings"


@pytest.mark.parametrize("model", sorted({m for t in TARGETS for m in t.models}, key=str))
def test_every_key_has_a_description(model: type[BaseModel]) -> None:
    assert undocumented(model) == [], f"give these fields of {model.__name__} a description"


@pytest.fixture
def copy_of_targets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The target files in a scratch root, so --check and a regeneration can be watched."""
    for target in TARGETS:
        dest = tmp_path / target.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(repo_root() / target.path, dest)
    monkeypatch.setattr(settings_docs, "repo_root", lambda: tmp_path)
    return tmp_path


def test_a_hand_edit_is_stale_and_regeneration_restores_it(
    copy_of_targets: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = copy_of_targets / "ingestion/config/.env.example"
    example.write_text(example.read_text().replace("# FMP_MAX_RETRIES=5", "# FMP_MAX_RETRIES=9"))
    readme = copy_of_targets / "pipelines/README.md"
    readme.write_text(readme.read_text().replace("| `CHECK_WORKERS` |", "| `CHECK_WORKERZ` |"))
    assert stale(copy_of_targets) == [example, readme]
    assert main(["--check"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "stale: ingestion/config/.env.example (run ./pants run docs:settings)",
        "stale: pipelines/README.md (run ./pants run docs:settings)",
    ]
    assert main([]) == 0
    assert stale(copy_of_targets) == []
    assert "# FMP_MAX_RETRIES=5" in example.read_text()


def test_a_new_field_makes_the_docs_stale(copy_of_targets: Path) -> None:
    from pydantic import Field

    class More(BaseModel):
        brand_new_key: int = Field(1, description="A key added to a model.")

    targets = (
        *TARGETS,
        Target("dbt/README.md", "dbt keys", TARGETS[5].style, (*TARGETS[5].models, More)),
    )
    texts = generate(copy_of_targets, targets)
    assert "`BRAND_NEW_KEY`" in texts[copy_of_targets / "dbt/README.md"]


def test_a_file_without_markers_is_exit_2(
    copy_of_targets: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (copy_of_targets / "dbt/README.md").write_text("# dbt\n")
    assert main(["--check"]) == 2
    (line,) = capsys.readouterr().err.splitlines()[:1]
    assert line.startswith(
        "docs:settings: error: dbt/README.md: needs exactly one generated region"
    )
