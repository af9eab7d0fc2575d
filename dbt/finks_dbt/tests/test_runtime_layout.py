"""finks_dbt runs from the worker runtime's layout: no repository, resources on sys.path.

The worker PEX (RELEASE) holds the finks packages and, as resources at their repo-relative
paths, every env file and the dbt project. This test lays out such a directory (packages
+ ``libs/config/.env.*`` + ``dbt/...``), runs a real dbt DuckDB build from it in a fresh
process whose cwd is not a repository and whose sys.path has no source root of this
checkout, and checks that the build wrote nothing inside the installed files (target/,
logs/ and the warehouse go to the user's cache dir).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from finks_config import repo_root
from finks_dbt.project import PROJECT_SUBDIR
from finks_dbt.tests.conftest import LocalBronze

PACKAGES = ("finks_config", "finks_dbt", "finks_ingestion")
DBT_FILES = ("dbt_project.yml", "profiles.yml", "models", "macros", "tests", "config")


def _runtime_copy(site: Path) -> None:
    """Packages (import their real location) and resources at repo-relative paths."""
    import finks_config
    import finks_dbt
    import finks_ingestion

    for module in (finks_config, finks_dbt, finks_ingestion):
        source = Path(module.__file__).parent  # type: ignore[arg-type]
        shutil.copytree(
            source, site / source.name, ignore=shutil.ignore_patterns("tests", "__pycache__")
        )
    root = repo_root()
    (site / "libs" / "config").mkdir(parents=True)
    for env_file in (root / "libs" / "config").glob(".env.*"):
        shutil.copy(env_file, site / "libs" / "config" / env_file.name)
    for name in DBT_FILES:
        src, dst = root / PROJECT_SUBDIR / name, site / PROJECT_SUBDIR / name
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, dst)


def _listing(site: Path) -> dict[str, int]:
    return {
        str(p.relative_to(site)): p.stat().st_size
        for p in site.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_a_dbt_build_runs_from_the_runtime_layout(
    local_bronze: LocalBronze, tmp_path: Path
) -> None:
    site, cwd, cache = tmp_path / "site", tmp_path / "somewhere", tmp_path / "cache"
    site.mkdir()
    cwd.mkdir()
    _runtime_copy(site)
    before = _listing(site)
    checkout = repo_root().resolve()
    third_party = [p for p in sys.path if p and not Path(p).resolve().is_relative_to(checkout)]
    script = textwrap.dedent(
        f"""
        import json, finks_config, finks_dbt
        from finks_config import load_config, repo_root
        config = load_config("dbt/config", "local", {{"AWS_ENDPOINT_URL": {local_bronze.moto.url!r},
                                                      "DBT_THREADS": "2"}})
        result = finks_dbt.run_build(config, exclude="resource_type:unit_test")
        print(json.dumps({{"ok": result.ok, "models": result.models, "failures": result.failures,
                          "root": str(repo_root()), "work": str(finks_dbt.work_dir(config)),
                          "warehouse": str(finks_dbt.duckdb_path(config)),
                          "project": str(finks_dbt.project_dir())}}))
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FINKS_", "DBT_", "PYTHON"))}
    env |= {"PYTHONPATH": os.pathsep.join([str(site), *third_party]), "XDG_CACHE_HOME": str(cache)}
    env |= {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    import json

    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["ok"], report["failures"]
    assert report["models"] == 7
    assert report["root"] == str(site.resolve())
    assert report["project"] == str((site / "dbt").resolve())
    assert report["work"] == str(cache / "finks" / "local" / "dbt")
    assert report["warehouse"] == str(cache / "finks" / "local" / "warehouse.duckdb")
    assert (cache / "finks" / "local" / "dbt" / "target" / "manifest.json").is_file()
    assert _listing(site) == before  # nothing written inside the installed runtime
    assert list(cwd.iterdir()) == []
