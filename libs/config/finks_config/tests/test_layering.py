"""finks_config's layers: a boto3-free core, ``finks_config.aws`` on top, no import cycle.

The import graph is read from the sources the way Pants infers dependencies
(every import, including ``TYPE_CHECKING`` and function-level ones), so a cycle
or an upward import fails here before it shows up in ``./pants dependencies``.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import finks_config

PACKAGE = Path(finks_config.__file__).parent
HEAVY = ("boto3", "botocore", "s3transfer", "httpx", "prefect")
# The child sees exactly what this test process sees (a checkout, a Pants sandbox or a PEX).
CHILD_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {
        _module_name(path): path
        for path in PACKAGE.rglob("*.py")
        if "tests" not in path.relative_to(PACKAGE).parts
    }
    return {
        name: {target for target in _imports(path) if target in modules and target != name}
        for name, path in modules.items()
    }


def _is_core(module: str) -> bool:
    return not module.startswith("finks_config.aws") and module != "finks_config.doctor"


def test_core_modules_never_import_boto3_or_the_aws_layer() -> None:
    offenders = {
        module: sorted(
            target
            for target in _imports(PACKAGE.parent / (module.replace(".", "/") + ".py"))
            if target.split(".")[0] in ("boto3", "botocore")
            or target.startswith("finks_config.aws")
        )
        for module in _graph()
        if _is_core(module) and module != "finks_config"
    }
    assert {module: found for module, found in offenders.items() if found} == {}


def test_no_import_cycle_inside_finks_config() -> None:
    graph = _graph()
    assert {"finks_config.cli", "finks_config.doctor", "finks_config.aws.guard"} <= set(graph)
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        if node in stack:
            cycles.append([*stack[stack.index(node) :], node])
            return
        for target in sorted(graph.get(node, ())):
            if target != "finks_config":  # the package facade re-exports; nothing imports up
                visit(target, [*stack, node])

    for module in sorted(graph):
        visit(module, [])
    assert cycles == []
    # The aws layer sits on the core; nothing in the core imports it.
    upward = {m: t for m, ts in graph.items() if _is_core(m) for t in ts if not _is_core(t)}
    assert upward == {}


def test_importing_the_core_and_the_cli_loads_no_boto3() -> None:
    probe = (
        "import sys, finks_config, finks_config.cli, finks_config.doctor, finks_config.layout; "
        "from finks_config.cli import run_cli; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    result = subprocess.run(  # our interpreter, our probe
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, env=CHILD_ENV
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_aws_layer_is_loaded_only_when_a_botocore_error_arrives() -> None:
    probe = (
        "import sys\n"
        "from finks_config.cli import error_line\n"
        "assert 'finks_config.aws.errors' not in sys.modules\n"
        "from botocore.exceptions import NoCredentialsError\n"
        "line, code = error_line(NoCredentialsError())\n"
        "print(code, line, 'finks_config.aws.errors' in sys.modules)\n"
    )
    result = subprocess.run(  # our interpreter, our probe
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, env=CHILD_ENV
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "2 no AWS credentials for this environment (fix: log in to the AWS account (aws sso "
        "login, or export AWS_PROFILE)) True"
    )


def test_the_lazy_facades_export_what_they_type() -> None:
    import finks_config.aws as aws_facade

    for facade in (finks_config, aws_facade):
        path = Path(str(facade.__file__))
        typed: dict[str, str] = {}
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
                for stmt in node.body:
                    assert isinstance(stmt, ast.ImportFrom) and stmt.module
                    typed.update({alias.name: stmt.module for alias in stmt.names})
        exports = facade._EXPORTS
        assert typed == exports
        for name in exports:
            assert getattr(facade, name) is not None
