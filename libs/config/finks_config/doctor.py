"""``./pants run libs/config:doctor -- --env ENV``: explain a configuration.

Prints the ``[ENV]`` indicator first, then every resolved value with the file
(and line) it came from, secrets masked, the derived resource names, the
validation result and the cross-environment contamination checks. With
``--aws`` it also checks the account (who the credentials are, that every bucket
of the env exists in the env's region), with ``--secret`` that secrets can be
read, with ``--prefect`` that the env's Prefect API answers. Read-only: it
never writes anything. Exit 0 when sound, 2 when the configuration is unusable
or contaminated or the account is not set up (one line saying what and the fix),
1 only if a service itself failed.
"""

from __future__ import annotations

import difflib
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from finks_config.cli import ArgumentParser, Invocation, add_env_argument, doing, run_cli
from finks_config.contamination import contamination_findings, local_service_warnings
from finks_config.endpoints import aws_credentials, aws_endpoint, endpoint_setting
from finks_config.envfiles import env_file_path
from finks_config.environment import Environment
from finks_config.errors import ConfigError
from finks_config.failures import unreachable_error
from finks_config.loader import ENV_VAR_SOURCE, ResolvedValues, resolve
from finks_config.paths import SHARED_CONFIG_DIR, display_path, repo_root
from finks_config.secrets import mask, standin_key
from finks_config.settings import SHARED_KEYS, build_config
from finks_config.urls import url_origin
from finks_config.validation import validate_config

if TYPE_CHECKING:
    from finks_config.settings import Config

EXIT_OK = 0
EXIT_CONFIG = 2
PREFECT_TIMEOUT_SECONDS = 5.0


def _parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="doctor",
        description="Show the resolved Finks configuration of one environment and check it.",
    )
    add_env_argument(parser)
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
        metavar="SERVICE[/NAME]",
        action="append",
        default=[],
        help="also check that /{env}/SERVICE/NAME (default NAME api_key) can be read "
        "(the value is never shown), e.g. fmp, slack/webhook_url",
    )
    parser.add_argument(
        "--aws",
        action="store_true",
        help="also check the account: the credentials' identity and every bucket of the env "
        "(exists, in the env's region); read-only",
    )
    parser.add_argument(
        "--prefect",
        action="store_true",
        help="also check that the env's Prefect API answers (PREFECT_API_URL or its SSM parameter)",
    )
    return parser


def _secret_names(items: Sequence[str]) -> list[tuple[str, str]]:
    names: list[tuple[str, str]] = []
    for item in items:
        service, _, name = item.partition("/")
        names.append((service, name or "api_key"))
    return names


def _check_secrets(out: TextIO, config: Config, secrets: Sequence[tuple[str, str]]) -> None:
    """Read each secret (stand-in or Secrets Manager); report where it came from, never it."""
    for service, name in secrets:
        path = config.secret_path(service, name)
        variable = standin_key(service, name)
        if config.raw(variable) is not None:
            print(f"secret {path}: available ({config.source_of(variable)})", file=out)
            continue
        from finks_config.aws import get_secret  # only a real read needs AWS

        get_secret(config, service, name)  # its errors say "reading secret <path>"
        print(f"secret {path}: available (Secrets Manager)", file=out)


def _check_aws(out: TextIO, config: Config) -> None:
    """Who the credentials are, and that every bucket of the env exists in its region."""
    from finks_config.aws import client

    env = config.environment.value
    with doing(f"checking AWS access for {env}"):
        identity = client(config, "sts").get_caller_identity()
    print(
        f"aws identity: {identity.get('Arn', '?')} (account {identity.get('Account', '?')})",
        file=out,
    )
    s3 = client(config, "s3")
    for bucket in config.buckets:
        with doing(f"checking bucket {bucket}"):
            s3.head_bucket(Bucket=bucket)
        print(f"bucket {bucket}: ok ({config.aws_region})", file=out)


def _check_prefect(out: TextIO, config: Config) -> None:
    """GET {api}/health: the env's Prefect API answers (the URL from the key or SSM)."""
    from finks_config.aws import prefect_api_url

    with doing(f"finding the {config.environment.value} Prefect API"):
        url = prefect_api_url(config)
    health = url.rstrip("/") + "/health"
    with doing(f"checking the Prefect API at {url_origin(url)}"):
        try:
            with urllib.request.urlopen(health, timeout=PREFECT_TIMEOUT_SECONDS):  # noqa: S310
                pass
        except urllib.error.HTTPError:
            raise
        except (urllib.error.URLError, OSError) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            setting = (
                None
                if config.prefect_api_url
                else (f"the SSM parameter {config.prefect_api_url_parameter}")
            )
            raise unreachable_error(
                url, reason, config=config, service="the Prefect API", setting=setting
            ) from None
    print(f"prefect api {url_origin(url)}: ok", file=out)


def _overrides(pairs: Sequence[str]) -> dict[str, str]:
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{pair!r} is not KEY=VALUE", key="--set", fix="write KEY=VALUE")
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
    keys += sorted(k for k in resolved.environ if k.startswith("FINKS_") and k not in keys)
    keys += [k for k in resolved.overrides if k not in keys]
    width = max(len(k) for k in keys)
    print("resolved values:", file=out)
    for key in keys:
        value = resolved.get(key)
        shown = mask(key, value) if value is not None else "(not set)"
        print(f"  {key:<{width}}  {shown:<32}  <- {resolved.source(key)}", file=out)


def _print_aws_setup(out: TextIO, config: Config) -> None:
    endpoint = aws_endpoint(config)
    where = f"{endpoint} (from {endpoint_setting(config)})" if endpoint else "AWS (no override)"
    explicit = aws_credentials(config) is not None
    creds = (
        "dummy (local emulator)"
        if config.is_local
        else (
            "FINKS_" + config.environment.value.upper() + "_AWS_*"
            if explicit
            else "boto3 default chain"
        )
    )
    print(f"aws endpoint:    {where}", file=out)
    print(f"aws credentials: {creds}", file=out)


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
        warnings.append(
            f"PREFECT_API_URL is not set: pipelines read the SSM parameter /{env.value}/prefect/"
            "api_url instead (--prefect checks it)"
        )
    return warnings


def _doctor(cli: Invocation) -> int:
    """The doctor's work: resolve, show, validate, check; remote checks only when asked."""
    out, args, env = cli.out, cli.args, cli.env
    with doing("finding the repository"):
        root = repo_root()
    project = None
    if args.project:
        project = Path(args.project)
        project = project if project.is_absolute() else root / project
    print(f"environment: {env.value} ({'--env' if args.env else 'ENVIRONMENT/default'})", file=out)
    print(f"repo root:   {root}", file=out)
    with doing(f"loading the {env.value} configuration"):
        resolved = resolve(env, root, project, _overrides(args.set))
    _print_files(out, resolved, project)
    _print_values(out, resolved)
    with doing(f"loading the {env.value} configuration"):
        config = build_config(resolved)
    cli.configs.append(config)
    print("derived names:", file=out)
    for name, value in config.derived().items():
        print(f"  {name:<24}  {value}", file=out)
    print(f"  {'flow name example':<24}  {config.deployment_name('medallion')}", file=out)
    print(f"  {'secret path example':<24}  {config.secret_path('fmp')}", file=out)
    print(f"  {'slack webhook secret':<24}  {config.secret_path('slack', 'webhook_url')}", file=out)
    problems: list[str] = []
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
    for warning in _warnings(resolved) + local_service_warnings(config):
        print(f"warning: {warning}", file=out)
    if problems:
        print(f"result: FAILED ({len(problems)} problem(s))", file=out)
        return EXIT_CONFIG
    remote = args.aws or args.secret or args.prefect
    if remote:
        with doing(f"resolving the {env.value} AWS endpoint and credentials"):
            _print_aws_setup(out, config)
    if args.aws:
        _check_aws(out, config)
    _check_secrets(out, config, _secret_names(args.secret))
    if args.prefect:
        _check_prefect(out, config)
    print("result: OK", file=out)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: exit 0 when the configuration is sound, 2 otherwise (1: a service failed)."""
    return run_cli("doctor", _doctor, argv, parser=_parser(), banner="finks config doctor")


if __name__ == "__main__":
    raise SystemExit(main())
