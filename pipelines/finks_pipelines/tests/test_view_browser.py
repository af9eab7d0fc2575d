"""`pipelines:deploy -- --env local --serve` as a user runs it, checked in headless Chromium.

One real local run (a subprocess, as `./pants run` starts it): the Prefect UI must show
the medallion flow run, dbt docs the lineage graph of fct_daily_prices, and the gold
report its charts and the run's checks. Ctrl-C (SIGINT) must then stop everything.
Screenshots are kept as test artifacts (the path is printed; under Pants, in dist/).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from finks_local.processes import alive, python_env
from finks_pipelines.deploy import main as deploy_main

# The job runs in a child process, exactly as `./pants run pipelines:deploy` starts it.
MAIN = f"import sys; from {deploy_main.__module__} import main; sys.exit(main(sys.argv[1:]))"

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
INSTALL = "apt-get install -y chromium chromium-driver"
AS_OF = "2026-11-27"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
)

pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason=f"headless Chromium is not installed: {INSTALL}",
)


def artifact_dir() -> Path:
    """Where screenshots go: $FINKS_TEST_ARTIFACTS, dist/ in a checkout, Pants' extra-output/."""
    chosen = os.environ.get("FINKS_TEST_ARTIFACTS")
    if chosen:
        root = Path(chosen)
    elif (Path.cwd() / "pants.toml").exists() and (Path.cwd() / ".git").exists():
        root = Path.cwd() / "dist" / "test-artifacts"
    else:
        root = Path.cwd() / "extra-output"  # Pants copies it to dist/ after the test
    path = root / "view"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Served:
    process: subprocess.Popen[str]
    output: list[str]
    prefect_ui: str
    dbt_docs: str
    report: Path
    state: Path


def _read_until(
    process: subprocess.Popen[str], output: list[str], marker: str, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    os.set_blocking(process.stdout.fileno(), False)
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line:
            output.append(line.rstrip("\n"))
            if marker in line:
                return
            continue
        if process.poll() is not None:
            break
        time.sleep(0.2)
    tail = "\n".join(output[-40:])
    raise AssertionError(f"no {marker!r} from the local job (exit {process.poll()}):\n{tail}")


def _found(output: list[str], pattern: str) -> str:
    for line in output:
        match = re.search(pattern, line)
        if match:
            return match.group(1)
    raise AssertionError(f"{pattern!r} not printed:\n" + "\n".join(output[-40:]))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The local main job with --serve, left serving for the tests, then Ctrl-C'd."""
    state = tmp_path_factory.mktemp("local-state")
    argv = [
        sys.executable,
        "-c",
        MAIN,
        "--env",
        "local",
        "--serve",
        "--state-dir",
        str(state),
        "--symbols",
        "AAPL,MSFT",
        "--as-of",
        AS_OF,
    ]
    env = python_env({"FINKS_PROGRESS": "plain", "PYTHONUNBUFFERED": "1"})
    process = subprocess.Popen(
        argv,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    output: list[str] = []
    try:
        _read_until(process, output, "serving; press Ctrl-C to stop", timeout=900)
        yield Served(
            process,
            output,
            _found(output, r"Prefect UI: (\S+)"),
            _found(output, r"dbt docs:\s+(\S+)"),
            Path(_found(output, r"gold report: (\S+)")),
            state,
        )
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not look online
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="finks-chromium-")
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _wait(condition: Any, timeout: float = 60.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}: last saw {last!r}")


def _screenshot(driver: Any, name: str, full_page: bool = False) -> Path:
    path = artifact_dir() / name
    if full_page:  # the whole document, not only the window (Chrome DevTools protocol)
        size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
        )
        path.write_bytes(base64.b64decode(shot["data"]))
    else:
        driver.save_screenshot(str(path))
    print(f"screenshot: {path}")
    assert path.stat().st_size > 10_000
    return path


def test_the_prefect_ui_shows_the_medallion_run(served: Served, browser: Any) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/runs/flow-run/[0-9a-f-]{36}", served.prefect_ui)
    browser.get(served.prefect_ui)
    name = f"medallion-local-{AS_OF}"

    def rendered() -> str | None:
        text = browser.find_element("tag name", "body").text
        return text if name in text and "Completed" in text and "medallion-local" in text else None

    _wait(rendered, what=f"the flow run page of {name}")
    canvases = browser.execute_script(
        "return Array.from(document.querySelectorAll('canvas')).filter(c => c.width > 0).length"
    )
    assert canvases >= 1  # the run's timeline graph is drawn
    _screenshot(browser, "prefect-ui-flow-run.png")


def test_dbt_docs_show_the_lineage_of_fct_daily_prices(served: Served, browser: Any) -> None:
    browser.get(served.dbt_docs)
    script = """
        const el = document.querySelector('#cy');
        const cy = el && el._cyreg && el._cyreg.cy;
        if (!cy || cy.nodes(':visible').length === 0) return null;
        return JSON.stringify({
            nodes: cy.nodes(':visible').map(n => n.data('label')),
            edges: cy.edges(':visible').map(
                e => [e.source().data('label'), e.target().data('label')]),
        });
    """
    graph = json.loads(_wait(lambda: browser.execute_script(script), what="the lineage graph"))
    nodes, edges = set(graph["nodes"]), {tuple(e) for e in graph["edges"]}
    assert {"bronze.prices", "stg_prices", "fct_daily_prices", "mart_sector_performance"} <= nodes
    assert ("stg_prices", "fct_daily_prices") in edges
    assert ("fct_daily_prices", "mart_sector_performance") in edges
    assert "fct_fundamentals" not in nodes  # the graph is this model's lineage, not everything
    _screenshot(browser, "dbt-docs-lineage.png")


def test_the_gold_report_opens_with_charts_and_the_runs_checks(
    served: Served, browser: Any
) -> None:
    assert served.report == served.state / "report" / "index.html"
    browser.get(served.report.as_uri())
    images = _wait(
        lambda: browser.execute_script(
            "const i = Array.from(document.images);"
            "return i.length && i.every(x => x.complete)"
            " ? i.map(x => [x.id || x.alt, x.naturalWidth]) : null"
        ),
        what="the report's charts",
    )
    assert len(images) == 3  # sectors + one per symbol
    assert all(width >= 600 for _name, width in images)
    summary = browser.find_element("id", "checks-summary").text
    assert re.match(
        r"(\d+)/\1 passed — from the last run \(flow run [0-9a-f-]{36}, as of 2026-11-27\)", summary
    )
    _screenshot(browser, "gold-report.png", full_page=True)


def test_ctrl_c_stops_every_server(served: Served) -> None:
    pids = json.loads((served.state / "stack.pids.json").read_text())
    children = [int(child["pid"]) for child in pids["children"]]
    assert children, "the stack recorded no server processes"
    served.process.send_signal(signal.SIGINT)
    _read_until(served.process, served.output, "stopped serving the Prefect UI and dbt docs", 60)
    assert served.process.wait(timeout=120) == 0
    assert not [pid for pid in children if alive(pid)]
