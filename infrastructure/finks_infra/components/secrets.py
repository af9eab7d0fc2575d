"""Secrets: the Secrets Manager entries the platform reads; values are set out of band."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from finks_infra.names import PlatformNames

_OUT_OF_BAND = (
    "Value set out of band (aws secretsmanager put-secret-value); never in code or config."
)


class Secrets(pulumi.ComponentResource):
    """``/{env}/prefect/api_key`` and ``/{env}/fmp/api_key``, created empty.

    No SecretVersion is declared on purpose: a value in the program would land in
    Pulumi state and in the repository.
    """

    prefect_api_key: aws.secretsmanager.Secret
    fmp_api_key: aws.secretsmanager.Secret

    def __init__(
        self,
        names: PlatformNames,
        recovery_window_days: int,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("finks:infra:Secrets", names.resource("secrets"), None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.prefect_api_key = aws.secretsmanager.Secret(
            names.resource("prefect-api-key"),
            name=names.prefect_secret,
            description=f"Prefect API key. {_OUT_OF_BAND}",
            recovery_window_in_days=recovery_window_days,
            opts=child,
        )
        self.fmp_api_key = aws.secretsmanager.Secret(
            names.resource("fmp-api-key"),
            name=names.fmp_secret,
            description=f"Financial Modeling Prep API key. {_OUT_OF_BAND}",
            recovery_window_in_days=recovery_window_days,
            opts=child,
        )
        self.register_outputs(
            {"prefect_api_key": self.prefect_api_key.name, "fmp_api_key": self.fmp_api_key.name}
        )
