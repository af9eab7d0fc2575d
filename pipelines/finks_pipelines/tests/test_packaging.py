from __future__ import annotations

import sys
import tarfile
from pathlib import Path

from finks_config import repo_root
from finks_pipelines.packaging import BUNDLE_NAME, build_bundle, bundle_files, install_bundle


def test_bundle_is_byte_reproducible(tmp_path: Path) -> None:
    one = build_bundle(repo_root(), tmp_path / "a", "abc123")
    two = build_bundle(repo_root(), tmp_path / "b", "abc123")
    assert one.path.name == BUNDLE_NAME
    assert one.sha256 == two.sha256
    assert one.path.read_bytes() == two.path.read_bytes()


def test_bundle_holds_flow_code_and_config_but_no_tests_or_personal_files(tmp_path: Path) -> None:
    files = {str(f) for f in bundle_files(repo_root())}
    assert "pipelines/finks_pipelines/packaging.py" in files
    assert "pipelines/config/.env.staging" in files
    assert "libs/config/.env.staging" in files
    assert not any("/tests/" in f for f in files)
    assert not any(f.endswith(".local") and "/.env." in f and f.count(".") > 2 for f in files)
    assert not any("__pycache__" in f for f in files)


def test_install_puts_the_bundle_first_on_sys_path(tmp_path: Path) -> None:
    bundle = build_bundle(repo_root(), tmp_path / "out", "abc123")
    before, modules = list(sys.path), dict(sys.modules)
    try:
        target = install_bundle(bundle.path, tmp_path / "installed")
        assert (target / "pipelines/finks_pipelines/packaging.py").is_file()
        assert (target / "MANIFEST.json").is_file()
        assert sys.path[0] == str(target / "libs/config")
        with tarfile.open(bundle.path) as tar:
            assert all(m.mtime == 0 and m.uid == 0 for m in tar.getmembers())
    finally:
        sys.path[:] = before
        sys.modules.clear()
        sys.modules.update(modules)  # the install dropped first-party modules to reload them
        import os

        os.environ.pop("FINKS_ROOT", None)
