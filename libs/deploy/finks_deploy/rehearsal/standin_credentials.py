"""The configure-aws-credentials stand-in's step: ask the rehearsal's broker for a role.

Runs inside an act job with whatever ``python3`` the job has, so it uses the standard
library only (the rehearsal copies this file next to the stand-in's action.yml). It does
what the real action does with the answer: masks the secrets, exports ``AWS_*`` (unless
``output-env-credentials: false``) and sets the step outputs (``output-credentials``).
Emulation only adds the account's endpoint: ``FINKS_{ENV}_AWS_ENDPOINT_URL`` always
(finks_config reads it for that env's Configs) and, with the env credentials,
``AWS_ENDPOINT_URL`` for clients outside finks_config (dbt-athena), plus the emulated
account's facts (``FINKS_EMULATED_ATHENA``, ``FINKS_EMULATED_PREFECT_API_URL``).
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request

BROKER_VARIABLE = "FINKS_REHEARSAL_BROKER"


def _truthy(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in ("true", "1", "yes")


def request_grant(broker: str, role_arn: str, session: str, job: str) -> dict[str, str]:
    """POST the role to the broker; its JSON answer, or SystemExit with its one-line reason."""
    body = json.dumps({"role_arn": role_arn, "session_name": session, "job": job}).encode()
    request = urllib.request.Request(  # noqa: S310 - our loopback servers
        f"{broker}/assume",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
            answer: dict[str, str] = json.loads(response.read())
    except urllib.error.HTTPError as error:
        reason = error.read().decode(errors="replace").strip()
        raise SystemExit(f"::error::configure-aws-credentials stand-in: {reason}") from error
    except urllib.error.URLError as error:
        raise SystemExit(
            f"::error::configure-aws-credentials stand-in: the rehearsal's broker at {broker}"
            f" does not answer ({error.reason}); run this workflow through the rehearsal"
        ) from error
    return answer


def _append(path_variable: str, lines: list[str]) -> None:
    with open(os.environ[path_variable], "a", encoding="utf-8") as handle:
        handle.writelines(f"{line}\n" for line in lines)


def main() -> int:
    broker = os.environ.get(BROKER_VARIABLE)
    if not broker:
        print(
            f"::error::configure-aws-credentials stand-in: {BROKER_VARIABLE} is not set;"
            " this stand-in only works inside `./pants run libs/deploy:rehearse`"
        )
        return 1
    role = os.environ.get("STANDIN_ROLE", "").strip()
    if not role:
        print(
            "::error::configure-aws-credentials stand-in: role-to-assume is empty"
            " (is the repository variable set?)"
        )
        return 1
    region = os.environ.get("STANDIN_REGION", "").strip()
    grant = request_grant(
        broker,
        role,
        os.environ.get("STANDIN_SESSION") or "GitHubActions",
        os.environ.get("STANDIN_JOB", ""),
    )
    for secret in (grant["secret_access_key"], grant["session_token"]):
        print(f"::add-mask::{secret}")
    env_upper = grant["env"].upper()
    exports = [f"FINKS_{env_upper}_AWS_ENDPOINT_URL={grant['endpoint']}"]
    if _truthy(os.environ.get("STANDIN_OUTPUT_ENV"), default=True):
        exports += [
            f"AWS_ACCESS_KEY_ID={grant['access_key_id']}",
            f"AWS_SECRET_ACCESS_KEY={grant['secret_access_key']}",
            f"AWS_SESSION_TOKEN={grant['session_token']}",
            f"AWS_REGION={region}",
            f"AWS_DEFAULT_REGION={region}",
            f"AWS_ENDPOINT_URL={grant['endpoint']}",
            "FINKS_EMULATED_ATHENA=1",
            f"FINKS_EMULATED_PREFECT_API_URL={grant['prefect_api_url']}",
        ]
    _append("GITHUB_ENV", exports)
    outputs = [f"aws-account-id={grant['account_id']}", f"aws-expiration={grant['expiration']}"]
    if _truthy(os.environ.get("STANDIN_OUTPUT_CREDENTIALS"), default=False):
        outputs += [
            f"aws-access-key-id={grant['access_key_id']}",
            f"aws-secret-access-key={grant['secret_access_key']}",
            f"aws-session-token={grant['session_token']}",
        ]
    _append("GITHUB_OUTPUT", outputs)
    print(
        f"configure-aws-credentials stand-in: assumed {role} in the emulated {grant['env']}"
        f" account {grant['account_id']} ({grant['endpoint']})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
