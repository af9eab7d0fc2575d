"""How policies are loaded into an emulated account (moto) so that what it enforces is real.

moto checks a statement's ``Resource`` only for S3 (bucket and object ARNs) and
STS role assumption; for every other service it authorises against ``*``, so a
statement listing real ARNs would never match. It also evaluates ``Condition``
keys only from request parameters, so a condition such as ``s3:prefix`` would
deny a legitimate call. The emulated view therefore keeps every action, keeps
S3/STS resources, widens other services' resources to ``*`` and drops identity-
policy conditions. The real ARNs and conditions are proven on the rendered
policies by the isolation tests; trust policies are loaded unchanged.
"""

from __future__ import annotations

import json
from typing import Any

# Services whose Resource element moto evaluates.
RESOURCE_CHECKED = frozenset({"s3", "sts"})
# moto authorises some calls under a name IAM does not use: IAM's action -> moto's too.
MOTO_ACTION_NAMES = {"s3:ListBucket": "s3:HeadBucket"}  # AWS: HeadBucket needs s3:ListBucket

NOTE = (
    "IAM view: moto checks Resource only for S3 and STS role assumption and evaluates no"
    " identity-policy conditions: other services' statements get Resource '*', conditions"
    " dropped, and s3:ListBucket also grants moto's s3:HeadBucket (the rendered ARNs are"
    " proven by the isolation tests)"
)


def _services(statement: dict[str, Any]) -> set[str]:
    actions = statement.get("Action", [])
    actions = [actions] if isinstance(actions, str) else actions
    return {str(action).split(":", 1)[0] for action in actions}


def moto_view(policy: str | dict[str, Any]) -> dict[str, Any]:
    """The policy document as moto should enforce it (see the module docstring)."""
    document = json.loads(policy) if isinstance(policy, str) else dict(policy)
    statements = document.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    viewed = []
    for statement in statements:
        item = {k: v for k, v in statement.items() if k != "Condition"}
        if _services(statement) - RESOURCE_CHECKED:
            item["Resource"] = "*"
        actions = item.get("Action", [])
        actions = [actions] if isinstance(actions, str) else list(actions)
        extra = [MOTO_ACTION_NAMES[a] for a in actions if a in MOTO_ACTION_NAMES]
        if extra:
            item["Action"] = actions + [a for a in extra if a not in actions]
        viewed.append(item)
    return {**document, "Statement": viewed}
