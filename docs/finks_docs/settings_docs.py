"""`./pants run docs:settings [-- --check]`: every .env.example and README key table, generated.

Why here and not in libs/config: the generator imports every project's settings model
(the shared ``Config`` and each project's section model), and libs must not depend on
the projects above them. ``finks_config.docs`` holds the rendering; this module only
says which model documents which file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from finks_config import Config, repo_root
from finks_config.docs import (
    HASH,
    MARKDOWN,
    CommentStyle,
    RegionError,
    env_example,
    key_docs,
    key_table,
    replace_region,
)
from finks_dbt import DbtSettings
from finks_ingestion.settings import IngestionSettings
from finks_pipelines.checks.settings import ChecksSettings
from finks_pipelines.settings import PipelinesSettings

SHARED_KEYS = tuple(Config.model_fields)


@dataclass(frozen=True)
class Target:
    """One generated region: the file, the region's name, how it renders, its models."""

    path: str
    region: str
    style: CommentStyle
    models: tuple[type[BaseModel], ...]

    def render(self) -> str:
        skip = () if Config in self.models else SHARED_KEYS
        docs = [doc for model in self.models for doc in key_docs(model, skip=skip)]
        return env_example(docs) if self.style is HASH else key_table(docs)


def _pair(project: str, env_dir: str, region: str, *models: type[BaseModel]) -> list[Target]:
    return [
        Target(f"{env_dir}/.env.example", region, HASH, models),
        Target(f"{project}/README.md", region, MARKDOWN, models),
    ]


TARGETS: tuple[Target, ...] = (
    *_pair("libs/config", "libs/config", "shared keys", Config),
    *_pair("ingestion", "ingestion/config", "ingestion keys", IngestionSettings),
    *_pair("dbt", "dbt/config", "dbt keys", DbtSettings),
    *_pair("pipelines", "pipelines/config", "pipelines keys", PipelinesSettings, ChecksSettings),
)


def generate(root: Path, targets: Sequence[Target] = TARGETS) -> dict[Path, str]:
    """The regenerated text of every target file (several regions of one file are combined)."""
    texts: dict[Path, str] = {}
    for target in targets:
        path = root / target.path
        text = texts.get(path, path.read_text() if path.exists() else "")
        texts[path] = replace_region(
            text, target.region, target.render(), target.style, target.path
        )
    return texts


def stale(root: Path, targets: Sequence[Target] = TARGETS) -> list[Path]:
    """Files whose generated regions differ from what the models say now."""
    return [path for path, text in generate(root, targets).items() if path.read_text() != text]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="docs:settings", description="Regenerate the settings docs from the typed models."
    )
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 naming each stale file"
    )
    args = parser.parse_args(argv)
    root = repo_root()
    try:
        texts = generate(root)
    except (RegionError, OSError) as error:
        print(f"docs:settings: error: {error}", file=sys.stderr)
        return 2
    changed = [path for path, text in texts.items() if path.read_text() != text]
    for path in changed:
        shown = path.relative_to(root)
        if args.check:
            print(f"stale: {shown} (run ./pants run docs:settings)")
        else:
            path.write_text(texts[path])
            print(f"regenerated {shown}")
    if not changed:
        print(f"settings docs up to date ({len(texts)} files)")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
