"""The ./pants launcher's failure paths: each one exits 2 with a message that says what to do.

The happy path (bootstrap, warm reuse, cold-cache race) is exercised by every
CI run and measured by bench/pants_cache; these tests cover what a fresh
user machine can get wrong, without touching the network.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

LAUNCHER = Path("pants")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the launcher and pants.toml, so tests can edit the pins."""
    shutil.copy(LAUNCHER, tmp_path / "pants")
    shutil.copy("pants.toml", tmp_path / "pants.toml")
    return tmp_path


def run_launcher(repo: Path, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"HOME": str(home), "PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(home / "cache")}
    return subprocess.run(
        ["bash", str(repo / "pants"), "--version"],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_no_python39_exits_2_and_says_what_to_install(repo: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    if shutil.which("python3.9", path="/usr/bin:/bin"):
        pytest.fail("this machine has a system python3.9; the test needs a PATH without one")
    result = run_launcher(repo, home)
    assert result.returncode == 2
    assert "needs CPython 3.9 and none was found" in result.stderr
    assert "PANTS_PYTHON=" in result.stderr
    assert "pyenv install 3.9" in result.stderr
    # Nothing half-built is left behind.
    assert not (home / "cache" / "finks-pants" / "pants-2.17.1").exists()


def test_pants_python_that_is_not_39_is_named(repo: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    not39 = shutil.which("python3") or "/usr/bin/python3"
    result = run_launcher(repo, home, PANTS_PYTHON=not39)
    assert result.returncode == 2
    assert f"PANTS_PYTHON={not39} is not a working CPython 3.9" in result.stderr


def test_missing_pex_pin_is_a_config_error(repo: Path, tmp_path: Path) -> None:
    toml = repo / "pants.toml"
    toml.write_text(toml.read_text().replace("|linux_x86_64|", "|linux_sparc|"))
    result = run_launcher(repo, tmp_path)
    assert result.returncode == 2
    assert "no linux_x86_64 pin" in result.stderr


def test_missing_pants_version_is_a_config_error(repo: Path, tmp_path: Path) -> None:
    toml = repo / "pants.toml"
    toml.write_text(toml.read_text().replace("pants_version", "# pants_version"))
    result = run_launcher(repo, tmp_path)
    assert result.returncode == 2
    assert "no [GLOBAL] pants_version" in result.stderr
