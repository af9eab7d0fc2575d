"""``./pants run libs/config:doctor -- --env ENV``: explain a configuration.

Prints the ``[ENV]`` indicator first, then every resolved value with the
file (and line) it came from, secrets masked, the derived resource names, the
validation result and the cross-environment contamination checks. Exit 0 when
everything is fine, 2 when the configuration is unusable or contaminated.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from finks_config.contamination import contamination_findings
from finks_config.environment import Environment, current_environment
from finks_config.errors import ConfigError
from finks_config.loader import ENV_VAR_SOURCE, ResolvedValues, env_file_path, resolve
from finks_config.paths import SHARED_CONFIG_DIR, display_path, repo_root
from finks_config.secrets import mask, standin_key
from finks_config.settings import SHARED_KEYS, Config, build_config
from finks_config.validation import validate_config

EXIT_OK = 0
EXIT_CONFIG = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="doctor",
        description="Show the resolved Finks configuration of one environment and check it.",
    )
    parser.add_argument("--env", help="local, dev, staging or prod (default: $ENVIRONMENT or dev)")
    parser.add_argument(
        "--project",
        metavar="DIR",
        help="also load a project's config dir, e.g. ingestion/config",
    )
    parser.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="override a key for this check (e.g. AWS_ENDPOINT_URL=http://127.0.0.1:5000)",
    )
    parser.add_argument(
        "--secret",
        metavar="SERVICE",
        action="append",
        default=[],
        help="also check that /{env}/SERVICE/api_key can be read (the value is never shown)",
    )
    return parser


def _check_secrets(out: TextIO, config: Config, services: Sequence[str]) -> list[str]:
    """Try to read each service's secret; report where it came from, never its value."""
    problems: list[str] = []
    for service in services:
        try:
            path = config.secret_path(service)
            from finks_config.aws import get_secret  # only --secret needs AWS

            get_secret(config, service)
        except ConfigError as exc:
            problems.append(str(exc))
            print(f"secret {service}: FAILED {exc}", file=out)
            continue
        variable = standin_key(service)
        origin = config.source_of(variable) if config.raw(variable) else "Secrets Manager"
        print(f"secret {path}: available ({origin})", file=out)
    return problems


def _overrides(pairs: Sequence[str]) -> dict[str, str]:
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{pair!r} is not KEY=VALUE", key="--set")
        result[key.strip().upper()] = value
    return result


def _print_files(out: TextIO, resolved: ResolvedValues, project: Path | None) -> None:
    loaded = {env_file.path for env_file in resolved.files}
    dirs = [resolved.root / SHARED_CONFIG_DIR] + ([project] if project else [])
    candidates = [env_file_path(d, resolved.environment) for d in dirs]
    candidates += [env_file_path(d, resolved.environment, personal=True) for d in dirs]
    print("files (lowest precedence first, then env vars, then --set):", file=out)
    for path in candidates:
        state = "loaded" if path in loaded else "absent (optional)"
        print(f"  {display_path(path, resolved.root)}  [{state}]", file=out)


def _print_values(out: TextIO, resolved: ResolvedValues) -> None:
    keys = list(SHARED_KEYS) + [k for k in resolved.file_keys() if k not in SHARED_KEYS]
    keys += sorted(k for k in resolved.environ if k.startswith("FINKS_SECRET_") and k not in keys)
    keys += [k for k in resolved.overrides if k not in keys]
    width = max(len(k) for k in keys)
    print("resolved values:", file=out)
    for key in keys:
        value = resolved.get(key)
        shown = mask(key, value) if value is not None else "(not set)"
        print(f"  {key:<{width}}  {shown:<32}  <- {resolved.source(key)}", file=out)


def _warnings(resolved: ResolvedValues) -> list[str]:
    warnings: list[str] = []
    shared_file = resolved.files[0] if resolved.files else None
    for env_file in resolved.files:
        for key in env_file.duplicates:
            warnings.append(f"{env_file.source(key)}: {key} is set more than once (last wins)")
    if shared_file is not None:
        for key in shared_file.values:
            if key not in SHARED_KEYS:
                close = difflib.get_close_matches(key, SHARED_KEYS, n=1, cutoff=0.75)
                hint = f" (did you mean {close[0]}?)" if close else ""
                warnings.append(f"{shared_file.source(key)}: {key} is not a shared key{hint}")
    env = resolved.environment
    raw_env = resolved.environ.get("ENVIRONMENT")
    if raw_env and raw_env.strip().lower() != env.value:
        warnings.append(f"ENVIRONMENT={raw_env} ({ENV_VAR_SOURCE}) ignored: --env {env.value} wins")
    if env is Environment.LOCAL and not resolved.get("AWS_ENDPOINT_URL"):
        warnings.append(
            "AWS_ENDPOINT_URL is not set: local AWS clients need it at run time "
            "(overrides / export AWS_ENDPOINT_URL / --set)"
        )
    if env is not Environment.LOCAL and not resolved.get("PREFECT_API_URL"):
        warnings.append(f"PREFECT_API_URL is not set: deploying pipelines to {env.value} needs it")
    return warnings


def run(argv: Sequence[str] | None, out: TextIO) -> int:
    """The doctor's work: banner first, then resolve, show, validate, check."""
    # Find --env leniently first so the [ENV] banner precedes even a usage error.
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--env")
    known, _ = pre.parse_known_args(argv)
    try:
        env = (
            Environment.parse(known.env, source="--env")
            if known.env is not None
            else current_environment()
        )
    except ConfigError as exc:
        print("[?] finks config doctor", file=out)
        print(f"error: {exc}", file=out)
        return EXIT_CONFIG
    print(f"{env.indicator} finks config doctor", file=out, flush=True)
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse: usage error (2) or --help (0)
        return exc.code if isinstance(exc.code, int) else EXIT_CONFIG
    try:
        root = repo_root()
        project = None
        if args.project:
            project = Path(args.project)
            project = project if project.is_absolute() else root / project
        print(
            f"environment: {env.value} ({'--env' if args.env else 'ENVIRONMENT/default'})", file=out
        )
        print(f"repo root:   {root}", file=out)
        resolved = resolve(env, root, project, _overrides(args.set))
    except ConfigError as exc:
        print(f"error: {exc}", file=out)
        print("result: FAILED (configuration cannot be loaded)", file=out)
        return EXIT_CONFIG

    _print_files(out, resolved, project)
    _print_values(out, resolved)
    problems: list[str] = []
    try:
        config = build_config(resolved)
    except ConfigError as exc:
        print(f"validation: FAILED\n  {exc}", file=out)
        print("result: FAILED", file=out)
        return EXIT_CONFIG
    print("derived names:", file=out)
    for name, value in config.derived().items():
        print(f"  {name:<24}  {value}", file=out)
    print(f"  {'flow name example':<24}  {config.flow_name('medallion')}", file=out)
    print(f"  {'secret path example':<24}  {config.secret_path('fmp')}", file=out)
    try:
        validate_config(config)
        print("validation: ok", file=out)
    except ConfigError as exc:
        problems.append(str(exc))
        print(f"validation: FAILED\n  {exc}", file=out)
    findings = contamination_findings(config)
    if findings:
        problems.extend(findings)
        print("contamination: FAILED", file=out)
        for finding in findings:
            print(f"  - {finding}", file=out)
    else:
        print(
            f"contamination: ok (endpoint, buckets, Prefect URL and database agree on {env.value})",
            file=out,
        )
    problems.extend(_check_secrets(out, config, args.secret))
    for warning in _warnings(resolved):
        print(f"warning: {warning}", file=out)
    if problems:
        print(f"result: FAILED ({len(problems)} problem(s))", file=out)
        return EXIT_CONFIG
    print("result: OK", file=out)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: exit 0 when the configuration is sound, 2 otherwise."""
    return run(argv, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
