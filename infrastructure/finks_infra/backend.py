"""Where an environment's Pulumi state lives, and how a deploy logs in to it.

One S3 bucket (``config.pulumi_state_bucket``) and one KMS key
(``config.pulumi_secrets_key_alias``, the stack's secrets provider) per
environment, created once by ``infrastructure:bootstrap``; ``infrastructure:deploy``
logs in with the URLs below. An emulated account (an endpoint in the config)
gets the S3 backend's endpoint options.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlparse

from finks_config import Config
from finks_config.endpoints import aws_endpoint


def backend_url(config: Config) -> str:
    """``s3://{env}-pulumi-state?region=...`` (PULUMI_BACKEND_URL)."""
    query = {"region": config.aws_region}
    endpoint = aws_endpoint(config)
    if endpoint:
        parsed = urlparse(endpoint)
        query.update(
            endpoint=parsed.netloc,
            s3ForcePathStyle="true",
            **({"disableSSL": "true"} if parsed.scheme == "http" else {}),
        )
    return f"s3://{config.pulumi_state_bucket}?{urlencode(query)}"


def secrets_provider(config: Config) -> str:
    """``awskms://alias/finks-{env}-pulumi?region=...`` (``--secrets-provider``)."""
    return f"awskms://{config.pulumi_secrets_key_alias}?{urlencode({'region': config.aws_region})}"
