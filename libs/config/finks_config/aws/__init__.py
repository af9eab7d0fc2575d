"""finks_config.aws: the boto3 half of finks_config (guarded sessions, clients, secret reads).

    from finks_config.aws import client, get_secret, prefect_api_url
    s3 = client(config, "s3")                 # refuses other environments' resources
    key = get_secret(config, "fmp")           # SecretStr from /{env}/fmp/api_key
    url = prefect_api_url(config)             # PREFECT_API_URL, else SSM /{env}/prefect/api_url

The core package (``finks_config``) never imports boto3; only code that talks to AWS
imports this one. Like the core's, this facade imports lazily (PEP 562).
"""

# ruff: noqa: F401 - the TYPE_CHECKING imports below are the facade's names for type checkers
from __future__ import annotations

from typing import TYPE_CHECKING

from finks_config.facade import lazy_exports

_EXPORTS: dict[str, str] = {
    "GuardedSession": "finks_config.aws.session",
    "aws_session": "finks_config.aws.session",
    "clear_client_cache": "finks_config.aws.session",
    "client": "finks_config.aws.session",
    "get_parameter": "finks_config.aws.parameters",
    "get_secret": "finks_config.aws.secrets",
    "prefect_api_url": "finks_config.aws.parameters",
    "translate_aws_error": "finks_config.aws.errors",
}
__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())


if TYPE_CHECKING:  # the same names for type checkers (and Pants' dependency inference)
    from finks_config.aws.errors import translate_aws_error
    from finks_config.aws.parameters import get_parameter, prefect_api_url
    from finks_config.aws.secrets import get_secret
    from finks_config.aws.session import GuardedSession, aws_session, clear_client_cache, client
