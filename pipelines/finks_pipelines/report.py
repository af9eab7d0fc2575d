"""`./pants run pipelines:report -- --env ENV`: the gold marts as an HTML page with PNG charts.

Why a static page: it opens anywhere (a laptop, a CI artifact, a browser on a server)
with nothing running. Charts are matplotlib PNGs (Agg backend, no display): closing
price and 20-day volatility per symbol, cumulative sector performance, and the data
checks of the last run. Data comes through a ``gold.Query``: the DuckDB warehouse for
``local``, Athena for the cloud environments; nothing here reads the wall clock (the
as-of date is the newest trading day in gold unless given).
"""

from __future__ import annotations

import html
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from finks_config import Config, ConfigError, repo_root
from finks_config.cli import (
    ArgumentParser,
    Invocation,
    add_as_of_argument,
    add_env_argument,
    doing,
    run_cli,
)
from finks_pipelines import gold
from finks_pipelines.checks.records import CheckOutcome, read_run_record
from finks_pipelines.settings import PROJECT_CONFIG_DIR

REPORT_DAYS = 180
MAX_SYMBOL_CHARTS = 24
Say = Callable[[str], None]


@dataclass(frozen=True)
class PricePoint:
    day: date
    close: float
    volatility_20d: float | None


@dataclass
class GoldData:
    """What the report shows, read from gold in one pass."""

    schema: str
    as_of: date
    start: date
    prices: dict[str, list[PricePoint]] = field(default_factory=dict)
    companies: dict[str, tuple[str, str]] = field(default_factory=dict)  # symbol -> name, sector
    sectors: dict[str, list[tuple[date, float]]] = field(default_factory=dict)


@dataclass(frozen=True)
class ChecksSection:
    """The data checks shown, and where they came from (a run, or recomputed now)."""

    checks: Sequence[CheckOutcome]
    source: str


def _float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _day(value: Any) -> date:
    return value if type(value) is date else date.fromisoformat(str(value)[:10])


def newest_day(query: gold.Query, schema: str) -> date:
    """The newest trading day in gold: the report's as-of date unless one is given."""
    newest = query(f"select max(price_date) from {schema}.fct_daily_prices")[0][0]
    if newest is None:
        raise LookupError(f"{schema}.fct_daily_prices is empty: run the pipeline first")
    return _day(newest)


def load_gold(
    query: gold.Query, schema: str, *, as_of: date | None = None, days: int = REPORT_DAYS
) -> GoldData:
    """Prices/volatility, companies and sector returns for the ``days`` before ``as_of``."""
    if as_of is None:
        as_of = newest_day(query, schema)
    start = as_of - timedelta(days=days - 1)
    window = (
        f"price_date >= date '{start.isoformat()}' and price_date <= date '{as_of.isoformat()}'"
    )
    data = GoldData(schema=schema, as_of=as_of, start=start)
    for symbol, name, sector in query(
        f"select symbol, company_name, sector from {schema}.dim_company order by symbol"
    ):
        data.companies[str(symbol)] = (str(name), str(sector))
    prices: dict[str, list[PricePoint]] = defaultdict(list)
    for symbol, day, close, vol in query(
        f"select symbol, price_date, close_price, volatility_20d from {schema}.fct_daily_prices"
        f" where {window} order by symbol, price_date"
    ):
        prices[str(symbol)].append(PricePoint(_day(day), float(close), _float(vol)))
    data.prices = dict(prices)
    sectors: dict[str, list[tuple[date, float]]] = defaultdict(list)
    for sector, day, avg_return in query(
        f"select sector, price_date, avg_daily_return from {schema}.mart_sector_performance"
        f" where {window} order by sector, price_date"
    ):
        value = _float(avg_return)
        if value is not None:
            sectors[str(sector)].append((_day(day), value))
    data.sectors = dict(sectors)
    return data


def cumulative(returns: Sequence[tuple[date, float]]) -> list[tuple[date, float]]:
    """Compounded return since the window's start: prod(1 + r) - 1, day by day."""
    level, out = 1.0, []
    for day, value in returns:
        level *= 1.0 + value
        out.append((day, level - 1.0))
    return out


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    _pyplot().close(fig)
    return path


def chart_symbol(symbol: str, points: Sequence[PricePoint], path: Path) -> Path:
    """Closing price (top) and 20-day volatility (bottom) of one symbol."""
    plt = _pyplot()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 4), sharex=True)
    days = [p.day for p in points]
    top.plot(days, [p.close for p in points], color="#1f77b4", linewidth=1.4)
    top.set_title(f"{symbol}: close")
    top.grid(alpha=0.3)
    vols = [(p.day, p.volatility_20d) for p in points if p.volatility_20d is not None]
    if vols:
        bottom.plot([d for d, _ in vols], [v for _, v in vols], color="#d62728", linewidth=1.2)
    else:
        bottom.text(0.5, 0.5, "fewer than 20 returns yet", ha="center", transform=bottom.transAxes)
    bottom.set_title("20-day volatility (stddev of daily returns)")
    bottom.grid(alpha=0.3)
    fig.autofmt_xdate()
    return _save(fig, path)


def chart_sectors(sectors: dict[str, list[tuple[date, float]]], path: Path) -> Path:
    """Cumulative average daily return per sector over the window, one line each."""
    plt = _pyplot()
    fig, axes = plt.subplots(figsize=(9, 4.5))
    for sector, returns in sorted(sectors.items()):
        series = cumulative(returns)
        axes.plot([d for d, _ in series], [v * 100 for _, v in series], label=sector)
    axes.set_title("Sector performance: cumulative average daily return (%)")
    axes.axhline(0, color="black", linewidth=0.6)
    axes.grid(alpha=0.3)
    if sectors:
        axes.legend(fontsize=7, ncol=2, loc="upper left")
    fig.autofmt_xdate()
    return _save(fig, path)


def _slug(symbol: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in symbol.lower())


def _checks_table(section: ChecksSection) -> str:
    passed = sum(1 for c in section.checks if c.ok)
    rows = "".join(
        f'<tr class="{"ok" if c.ok else "failed"}"><td>{"pass" if c.ok else "FAIL"}</td>'
        f"<td>{html.escape(c.name)}</td><td>{html.escape(c.detail)}</td></tr>"
        for c in section.checks
    )
    return (
        f'<p id="checks-summary">{passed}/{len(section.checks)} passed'
        f" &mdash; {html.escape(section.source)}</p>"
        f'<table id="checks"><tr><th>result</th><th>check</th><th>detail</th></tr>{rows}</table>'
    )


_STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.5em 0; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 0.2em 0.6em; }
tr.failed td { background: #fdd; } tr.ok td:first-child { color: #070; }
.symbols { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 1em; }
"""


def render_html(
    config: Config,
    data: GoldData,
    symbol_charts: dict[str, str],
    sector_chart: str,
    section: ChecksSection,
) -> str:
    """The page: header, checks, sector chart, one figure per symbol (relative PNG links)."""
    title = f"{config.indicator} Finks gold report: {data.schema}, as of {data.as_of}"
    shown = len(symbol_charts)
    symbols = "".join(
        f'<figure id="symbol-{_slug(s)}"><figcaption>{html.escape(s)} &mdash; '
        f"{html.escape(data.companies.get(s, (s, ''))[0])}"
        f" ({html.escape(data.companies.get(s, ('', 'Unknown'))[1])})</figcaption>"
        f'<img src="{png}" alt="{html.escape(s)} close and 20-day volatility"></figure>'
        for s, png in symbol_charts.items()
    )
    more = (
        f"<p>showing {shown} of {len(data.prices)} symbols</p>" if len(data.prices) > shown else ""
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
        f"<p>Window {data.start} .. {data.as_of}; {len(data.prices)} symbol(s),"
        f" {len(data.sectors)} sector(s). <a href='#checks'>Data checks</a> of the last run:"
        f" {sum(1 for c in section.checks if c.ok)}/{len(section.checks)} passed.</p>"
        f'<h2>Sector performance</h2><img id="sectors" src="{sector_chart}"'
        f' alt="sector performance">'
        f'<h2>Prices and 20-day volatility</h2>{more}<div class="symbols">{symbols}</div>'
        f"<h2>Data checks of the last run</h2>{_checks_table(section)}"
        "</body></html>"
    )


def write_report(
    config: Config,
    query: gold.Query,
    out_dir: Path,
    section: ChecksSection,
    *,
    as_of: date | None = None,
) -> Path:
    """Write ``index.html`` and its PNGs into ``out_dir``; returns the HTML path."""
    data = load_gold(query, config.analytics_database, as_of=as_of)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.png"):
        old.unlink()  # a symbol no longer in gold must not keep its old chart
    charts = {
        symbol: chart_symbol(symbol, points, out_dir / f"prices_{_slug(symbol)}.png").name
        for symbol, points in list(sorted(data.prices.items()))[:MAX_SYMBOL_CHARTS]
    }
    sectors = chart_sectors(data.sectors, out_dir / "sectors.png").name
    page = out_dir / "index.html"
    page.write_text(render_html(config, data, charts, sectors, section), encoding="utf-8")
    return page


def recomputed_checks(
    config: Config, query: gold.Query, as_of: date, dialect: Any
) -> ChecksSection:
    """The gold checks run now, for when no run record can be read."""
    from finks_pipelines import quality

    found = quality.inspect_gold(query, config.analytics_database, as_of=as_of, dialect=dialect)
    checks = [CheckOutcome(c.as_json()["name"], c.ok, c.detail) for c in found.checks]
    return ChecksSection(checks, f"recomputed from gold as of {as_of} (no run record was readable)")


def last_run_checks(config: Config, prefect: Any | None) -> ChecksSection | None:
    """The checks the env's last medallion run published (``prefect``: a sync client)."""
    if prefect is None:
        return None
    record = read_run_record(prefect, config.environment.value)
    if record is None:
        return None
    run = f"flow run {record.flow_run_id}" + (f", as of {record.as_of}" if record.as_of else "")
    return ChecksSection(record.checks, f"from the last run ({run})")


def report_local(config: Config, stack: Any, say: Say) -> Path:
    """The local main job's report: ``<state dir>/report/index.html``, from the live stack."""
    from finks_pipelines.deployments import prefect_client

    query = gold.duckdb_query(stack.paths.warehouse)
    with prefect_client(stack.prefect_url) as prefect:
        section = last_run_checks(config, prefect)
    as_of = newest_day(query, config.analytics_database)
    section = section or recomputed_checks(config, query, as_of, gold.DUCKDB)
    page = write_report(config, query, stack.paths.root / "report", section, as_of=as_of)
    say(f"gold report: {page}")
    return page


def _sources(cli: Invocation, config: Config) -> tuple[gold.Query, Any, Path]:
    """(query, SQL dialect, output dir) for the env: DuckDB locally, Athena in the cloud."""
    if config.is_local:
        from finks_pipelines.local_stack import local_paths

        paths = local_paths(cli.args.state_dir)
        if not paths.warehouse.is_file():
            raise ConfigError(
                f"no local warehouse at {paths.warehouse}",
                fix="run ./pants run pipelines:deploy -- --env local first (or pass --state-dir)",
            )
        out = Path(cli.args.out) if cli.args.out else paths.root / "report"
        return gold.duckdb_query(paths.warehouse), gold.DUCKDB, out
    default = repo_root() / ".finks" / config.environment.value / "report"
    return gold.athena_query(config), gold.TRINO, Path(cli.args.out) if cli.args.out else default


def _last_run(config: Config) -> ChecksSection | None:
    """The env's last run record: local only while a stack runs (PREFECT_API_URL set)."""
    from finks_pipelines.deployments import env_client, prefect_client

    local_api = config.prefect_api_url
    if config.is_local and not local_api:
        return None
    opened = prefect_client(local_api) if config.is_local and local_api else env_client(config)
    with doing("reading the last run's checks from the env's Prefect API"), opened as prefect:
        return last_run_checks(config, prefect)


def _handler(cli: Invocation) -> int:
    config = cli.config(PROJECT_CONFIG_DIR)
    query, dialect, out = _sources(cli, config)
    with doing(f"reading gold ({config.analytics_database})"):
        as_of = cli.args.as_of or newest_day(query, config.analytics_database)
    section = _last_run(config)
    if section is None:
        with doing("running the gold checks"):
            section = recomputed_checks(config, query, as_of, dialect)
    with doing(f"writing the report into {out}"):
        page = write_report(config, query, out, section, as_of=as_of)
    cli.echo(f"{config.indicator} gold report: {page}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = ArgumentParser(prog="report", description=__doc__.splitlines()[0])
    add_env_argument(parser)
    add_as_of_argument(parser)
    parser.add_argument(
        "--out", metavar="DIR", help="output directory (default .finks/{env}/report)"
    )
    parser.add_argument(
        "--state-dir", metavar="DIR", help="local: the state directory (default .finks/local)"
    )
    return run_cli("report", _handler, argv, parser=parser, banner="gold report")


if __name__ == "__main__":
    raise SystemExit(main())
