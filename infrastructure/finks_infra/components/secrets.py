"""Secrets: the Secrets Manager entries the platform reads; values are set out of band."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

_OUT_OF_BAND = (
    "Value set out of band (aws secretsmanager put-secret-value); never in code or config."
)


@dataclass(frozen=True)
class SecretsArgs:
    """``secrets``: key (logical-name suffix) -> (secret path, what it holds)."""

    secrets: Mapping[str, tuple[str, str]]
    recovery_window_days: int


class Secrets(pulumi.ComponentResource):
    """One empty secret per entry.

    No SecretVersion is declared on purpose: a value in the program would land in
    Pulumi state and in the repository.
    """

    secrets: dict[str, aws.secretsmanager.Secret]

    def __init__(
        self, name: str, args: SecretsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("finks:infra:Secrets", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.secrets = {
            key: aws.secretsmanager.Secret(
                f"{name}-{key}",
                name=path,
                description=f"{what}. {_OUT_OF_BAND}",
                recovery_window_in_days=args.recovery_window_days,
                opts=child,
            )
            for key, (path, what) in args.secrets.items()
        }
        self.register_outputs({key: s.name for key, s in self.secrets.items()})
