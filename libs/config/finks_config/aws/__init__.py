"""finks_config.aws: the boto3 half of finks_config (guarded sessions, clients, secret reads).

    from finks_config.aws import client, get_secret
    s3 = client(config, "s3")                 # refuses other environments' resources
    key = get_secret(config, "fmp")           # SecretStr from /{env}/fmp/api_key

The core package (``finks_config``) never imports boto3; only code that talks to AWS
imports this one.
"""

from finks_config.aws.secrets import get_secret
from finks_config.aws.session import GuardedSession, aws_session, clear_client_cache, client

__all__ = ["GuardedSession", "aws_session", "clear_client_cache", "client", "get_secret"]
