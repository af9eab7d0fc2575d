"""Acting as one of the stack's roles in an emulated account.

moto (5.2) cannot assume a role trusted through GitHub OIDC: its trust check
fails on ``Federated`` principals and ``AssumeRoleWithWebIdentity`` errors under
IAM enforcement. So the emulation acts as a role through an IAM user carrying
exactly the role's inline policies (as applied, i.e. moto's view), with its own
access key. The trust policies themselves are checked on the rendered stack.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from finks_config import Config
from finks_config.aws import client

NOTE = (
    "acting as {role} through IAM user {user} with the role's policies (moto cannot assume"
    " roles trusted through GitHub OIDC)"
)


def _policy_text(document: Any) -> str:
    if isinstance(document, str):
        return unquote(document) if document.startswith("%") else document
    return json.dumps(document)


def act_as(config: Config, role_name: str, *, say: Callable[[str], None] = print) -> dict[str, str]:
    """Credentials (``aws_access_key_id``/``aws_secret_access_key``) that act as ``role_name``.

    Idempotent: the user ``{role_name}-emulated`` is created once, its policies kept in
    sync with the role's, and its previous access keys replaced by a new one.
    """
    iam = client(config, "iam")
    user = f"{role_name}-emulated"
    say(NOTE.format(role=role_name, user=user))
    try:
        iam.get_user(UserName=user)
    except Exception as error:
        if getattr(error, "response", {}).get("Error", {}).get("Code") != "NoSuchEntity":
            raise
        iam.create_user(UserName=user)
    wanted = {
        name: _policy_text(
            iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
        )
        for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    }
    for name in iam.list_user_policies(UserName=user)["PolicyNames"]:
        if name not in wanted:
            iam.delete_user_policy(UserName=user, PolicyName=name)
    for name, text in wanted.items():
        iam.put_user_policy(UserName=user, PolicyName=name, PolicyDocument=text)
    for key in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return {
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
    }
