"""``./pants run infrastructure:bootstrap -- --env ENV``: the env's Pulumi state backend, once.

Why a separate, one-time command: the stack's state cannot live in a bucket the
stack itself creates. This creates (or checks) the state bucket
``config.pulumi_state_bucket`` (versioned, encrypted with the env's key, public
access blocked, HTTPS only) and the KMS key ``config.pulumi_secrets_key_alias``
(rotation on) that encrypts the stack's secrets, through ``finks_config.aws``
(so the env's endpoint and credentials apply). Running it again changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from finks_config import Config
from finks_config.aws import client
from finks_config.cli import (
    ArgumentParser,
    Invocation,
    UsageError,
    add_env_argument,
    doing,
    run_cli,
)
from finks_infra import ensure
from finks_infra.backend import backend_url, secrets_provider
from finks_infra.program import PROJECT_CONFIG_DIR
from finks_infra.stack_config import available_stacks

COMMAND = "infrastructure bootstrap"


@dataclass
class BootstrapResult:
    bucket: str
    key_alias: str
    key_arn: str | None
    changes: list[str] = field(default_factory=list)


def ensure_key(
    config: Config, *, dry_run: bool, say: Callable[[str], None]
) -> tuple[str | None, str]:
    """(key ARN, outcome) of the env's Pulumi secrets key; created with its alias if missing."""
    kms = client(config, "kms")
    alias = config.pulumi_secrets_key_alias
    try:
        key = kms.describe_key(KeyId=alias)["KeyMetadata"]
    except Exception as error:
        if ensure.error_code(error) != "NotFoundException":
            raise
        if dry_run:
            say(f"dry run: would create KMS key {alias} (rotation on)")
            return None, "created"
        key = kms.create_key(
            Description=f"Pulumi secrets provider of the {config.environment.value} stack",
            Tags=[{"TagKey": "finks:environment", "TagValue": config.environment.value}],
        )["KeyMetadata"]
        kms.enable_key_rotation(KeyId=key["KeyId"])
        kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
        return key["Arn"], "created"
    if not kms.get_key_rotation_status(KeyId=key["KeyId"]).get("KeyRotationEnabled"):
        if dry_run:
            say(f"dry run: would turn on rotation of {alias}")
            return key["Arn"], "updated"
        kms.enable_key_rotation(KeyId=key["KeyId"])
        return key["Arn"], "updated"
    return key["Arn"], "unchanged"


def _bucket_steps(config: Config, key_arn: str | None) -> list[tuple[str, Callable[[Any], str]]]:
    name = config.pulumi_state_bucket
    rules = [
        {
            "ApplyServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms",
                "KMSMasterKeyID": key_arn,
            },
            "BucketKeyEnabled": True,
        }
    ]
    document = {"Version": "2012-10-17", "Statement": [ensure.tls_only(name)]}
    return [
        ("bucket", lambda s3: ensure.bucket(s3, name, config.aws_region)),
        ("versioning", lambda s3: ensure.versioning(s3, name, "Enabled")),
        ("encryption", lambda s3: ensure.encryption(s3, name, rules)),
        (
            "public access block",
            lambda s3: ensure.public_access_block(s3, name, ensure.ALL_BLOCKED),
        ),
        ("TLS-only policy", lambda s3: ensure.policy(s3, name, document)),
    ]


def bootstrap(
    config: Config, *, dry_run: bool = False, say: Callable[[str], None] = print
) -> BootstrapResult:
    """Create or check the env's state backend; idempotent (``changes`` is empty the 2nd time)."""
    bucket = config.pulumi_state_bucket
    result = BootstrapResult(bucket=bucket, key_alias=config.pulumi_secrets_key_alias, key_arn=None)
    with doing(f"creating the Pulumi secrets key {result.key_alias}"):
        result.key_arn, outcome = ensure_key(config, dry_run=dry_run, say=say)
    if outcome != "unchanged":
        result.changes.append(f"KMS key {result.key_alias}: {outcome}")
    s3 = client(config, "s3")
    with doing(f"creating the Pulumi state bucket s3://{bucket}"):
        exists = ensure.bucket_exists(s3, bucket)
        if dry_run:
            if not exists:
                say(f"dry run: would create s3://{bucket} (versioned, KMS-encrypted, private)")
                result.changes.append(f"s3://{bucket}: created")
            return result
        for label, step in _bucket_steps(config, result.key_arn):
            outcome = step(s3)
            if outcome != "unchanged":
                result.changes.append(f"s3://{bucket} {label}: {outcome}")
    return result


def _run(cli: Invocation) -> int:
    if cli.env.value not in available_stacks():
        raise UsageError(
            f"{cli.env.value} has no Pulumi stack (infrastructure/Pulumi.{cli.env.value}.yaml),"
            " so it has no state backend to bootstrap",
            key="--env",
            fix="bootstrap dev, staging or prod",
        )
    config = cli.config(PROJECT_CONFIG_DIR)
    dry_run = bool(cli.args.dry_run)
    result = bootstrap(
        config, dry_run=dry_run, say=lambda line: cli.echo(f"{config.indicator} {line}")
    )
    for change in result.changes:
        cli.echo(f"{config.indicator} {change}")
    if dry_run:
        summary = "dry run: nothing changed"
    elif result.changes:
        summary = "state backend ready"
    else:
        summary = "state backend already in place: nothing changed"
    cli.echo(f"{config.indicator} {summary}")
    cli.echo(f"{config.indicator} PULUMI_BACKEND_URL={backend_url(config)}")
    cli.echo(f"{config.indicator} --secrets-provider {secrets_provider(config)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Create the env's Pulumi state backend (once); returns the exit code."""
    parser = ArgumentParser(
        prog="./pants run infrastructure:bootstrap --",
        description="Create the env's Pulumi state bucket and secrets key (one-time, idempotent).",
    )
    add_env_argument(parser, required=True)
    parser.add_argument("--dry-run", action="store_true", help="say what would be created")
    return run_cli(
        COMMAND,
        _run,
        argv,
        parser=parser,
        banner="bootstrapping the Pulumi state backend",
        env_required=True,
    )


if __name__ == "__main__":
    raise SystemExit(main())
