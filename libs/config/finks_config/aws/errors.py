"""AWS (botocore) errors -> the platform's errors: one line naming env, request and fix.

``translate_aws_error(exc, env=..., config=...)`` maps what a real account (or
moto) answers into ``ServiceError`` (a ``ConfigError``: exit 2, a setup or
permission problem) or ``ServiceFailure``/``RunError`` (exit 1, the run failed):

- no credentials; expired or invalid tokens, SSO sessions that are not logged in;
- access denied, naming the principal, action and resource (parsed from IAM's
  message, else from the request), never a secret;
- unreachable endpoints (closed port, DNS, timeouts), throttling after retries,
  a wrong region (redirects, malformed authorization region, location constraints);
- a missing bucket ("deploy infrastructure first"), missing secrets/parameters.

``finks_config.aws.context`` (registered on every session ``finks_config.aws``
makes) stamps each failed response with the request's service and resource,
which these messages name.
The CLI helper imports this module only when a botocore error arrives, so the
core never imports boto3.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from botocore import exceptions as bx  # pants: no-infer-dep

from finks_config.endpoints import aws_endpoint, credential_keys, endpoint_setting
from finks_config.environment import Environment
from finks_config.errors import ConfigError, FinksError, RunError, ServiceError, ServiceFailure
from finks_config.urls import url_origin

if TYPE_CHECKING:
    from finks_config.settings import Config

_NO_CREDENTIALS = (bx.NoCredentialsError, bx.PartialCredentialsError, bx.CredentialRetrievalError)
_SSO = tuple(
    getattr(bx, name)
    for name in (
        "SSOTokenLoadError",
        "UnauthorizedSSOTokenError",
        "TokenRetrievalError",
        "SSOError",
    )
    if hasattr(bx, name)
)
_UNREACHABLE = (
    bx.EndpointConnectionError,
    bx.ConnectTimeoutError,
    bx.ReadTimeoutError,
    bx.ConnectionClosedError,
    bx.ProxyConnectionError,
    bx.SSLError,
    bx.HTTPClientError,
)
_EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
_INVALID = {
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "AuthFailure",
    "IncompleteSignature",
    "InvalidSignatureException",
    "MissingAuthenticationToken",
}
_DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
    "Forbidden",
    "403",
}
_THROTTLED = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "SlowDown",
    "RequestThrottled",
    "RequestThrottledException",
    "ProvisionedThroughputExceededException",
    "BandwidthLimitExceeded",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "429",
}
_WRONG_REGION = {
    "PermanentRedirect",
    "301",
    "AuthorizationHeaderMalformed",
    "IllegalLocationConstraintException",
    "InvalidLocationConstraint",
    "IncorrectEndpoint",
}
_MISSING_BUCKET = {"NoSuchBucket"}
_NOT_FOUND = {
    "ResourceNotFoundException": "secret",
    "ParameterNotFound": "parameter",
    "EntityNotFoundException": "Glue object",
    "NoSuchKey": "object",
    "NoSuchEntity": "IAM entity",
    "RepositoryNotFoundException": "container repository",
}
_SERVER = {"InternalError", "InternalFailure", "ServiceUnavailable", "InternalServerError"}
# S3 operations whose IAM action has another name.
_S3_ACTIONS = {
    "HeadBucket": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "ListObjects": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "HeadObject": "GetObject",
    "CopyObject": "PutObject",
    "DeleteObjects": "DeleteObject",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
    "GetBucketLocation": "GetBucketLocation",
}
_IAM_MESSAGE = re.compile(
    r"(?:User|Principal):\s*(?P<principal>\S+)\s+is not authorized to perform:\s*"
    r"(?P<action>[\w:*-]+)(?:\s+on resource:\s*(?P<resource>[^\s]+))?"
)
_XML_CODE = re.compile(r"<Code>([^<]+)</Code>")
_XML_MESSAGE = re.compile(r"<Message>([^<]*)</Message>")
_EXPECTING_REGION = re.compile(r"expecting '([a-z0-9-]+)'")


def _error_fields(exc: bx.ClientError) -> tuple[str, str, dict[str, Any]]:
    """(code, message, Error dict); moto's query-protocol errors nest XML in the message."""
    error: dict[str, Any] = dict(exc.response.get("Error", {}) or {})
    code = str(error.get("Code", "") or "")
    message = str(error.get("Message", "") or "")
    if "<Code>" in message:
        found = _XML_CODE.search(message)
        text = _XML_MESSAGE.search(message)
        code = found.group(1) if found else code
        message = text.group(1) if text else ""
    return code, message, error


def _action(service: str, operation: str) -> str:
    if service == "s3":
        return f"s3:{_S3_ACTIONS.get(operation, operation)}"
    return f"{service}:{operation}"


def _env_words(env: Environment | None) -> tuple[str, str]:
    name = env.value if env is not None else "this environment"
    return name, (f"the {name} account" if env is not None else "the AWS account")


def _login_fix(env: Environment | None) -> str:
    name, account = _env_words(env)
    if env is None:
        return f"log in to {account} (aws sso login, or export AWS_PROFILE)"
    id_key, secret_key, _ = credential_keys(env)
    return (
        f"log in to {account} (aws sso login --profile <{name} profile>, or export "
        f"AWS_PROFILE), or set {id_key} and {secret_key}"
    )


def _unreachable_reason(exc: BaseException) -> str:
    text = " ".join(str(part) for part in (exc, getattr(exc, "kwargs", {}).get("error", "")))
    lowered = text.lower()
    if any(
        word in lowered
        for word in (
            "name or service not known",
            "nodename nor servname",
            "getaddrinfo",
            "name resolution",
            "no address associated",
            "temporary failure in name",
        )
    ):
        return "DNS name not found"
    if "refused" in lowered:
        return "connection refused"
    if "timed out" in lowered or "timeout" in lowered:
        return "timed out"
    if "ssl" in lowered or "certificate" in lowered:
        return "TLS handshake failed"
    if "closed" in lowered or "reset" in lowered:
        return "connection closed"
    return "no connection"


def _unreachable(exc: BaseException, env: Environment | None, config: Config | None) -> FinksError:
    name, account = _env_words(env)
    url = str(getattr(exc, "kwargs", {}).get("endpoint_url", "") or "")
    origin = url_origin(url) if url else "the AWS endpoint"
    reason = _unreachable_reason(exc)
    configured = None
    if config is not None:
        try:
            configured = aws_endpoint(config)
        except ConfigError:
            configured = None
    if configured:
        key = endpoint_setting(config) if config is not None else "AWS_ENDPOINT_URL"
        fix = f"start the emulator or service at {url_origin(configured)}, or fix {key}"
    else:
        fix = f"check the network and AWS_REGION for {account}, then retry"
    return ServiceError(f"cannot reach {origin} for {name} ({reason})", kind="unreachable", fix=fix)


def translate_aws_error(
    exc: BaseException, *, env: Environment | None = None, config: Config | None = None
) -> FinksError | None:
    """The platform error for a botocore/boto3 exception, or None when ``exc`` is not one."""
    if config is not None and env is None:
        env = config.environment
    name, account = _env_words(env)
    if isinstance(exc, _NO_CREDENTIALS):
        return ServiceError(
            f"no AWS credentials for {name}", kind="no-credentials", fix=_login_fix(env)
        )
    if _SSO and isinstance(exc, _SSO):
        return ServiceError(
            f"the AWS SSO session for {name} has expired or was never started",
            kind="invalid-credentials",
            fix=f"run aws sso login for the {name} profile, then retry",
        )
    if isinstance(exc, _UNREACHABLE):
        return _unreachable(exc, env, config)
    if isinstance(exc, bx.ClientError):
        return _client_error(exc, env, config)
    if isinstance(exc, bx.NoRegionError):
        return ConfigError("no AWS region is set", key="AWS_REGION", fix="set AWS_REGION")
    if isinstance(exc, bx.BotoCoreError):
        return RunError(f"AWS client failed: {' '.join(str(exc).split())}")
    return None


def aws_failure(exc: BaseException, config: Config, doing: str) -> FinksError:
    """``exc`` translated for ``config`` (a ConfigError when it is no AWS error), saying what was
    being done (``reading secret /dev/fmp/api_key``) unless the translation already does."""
    translated = translate_aws_error(exc, config=config) or ConfigError(str(exc))
    translated.doing = translated.doing or doing
    return translated


def _client_error(
    exc: bx.ClientError, env: Environment | None, config: Config | None
) -> FinksError:
    code, message, error = _error_fields(exc)
    name, account = _env_words(env)
    service = str(error.get("FinksService") or "")
    operation = exc.operation_name or "request"
    resource = str(error.get("FinksResource") or "")
    if not resource and error.get("BucketName"):
        resource = f"s3://{error['BucketName']}"
    call = f"{service}:{operation}" if service else operation
    about = f" {resource}" if resource else ""
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    if code in _EXPIRED:
        return ServiceError(
            f"the AWS credentials for {name} have expired ({call})",
            kind="invalid-credentials",
            fix=_login_fix(env) + " again",
        )
    if code in _INVALID:
        return ServiceError(
            f"the AWS credentials for {name} are not valid in {account} ({call})",
            kind="invalid-credentials",
            fix=_login_fix(env),
        )
    if code in _DENIED:
        return _access_denied(message, service, operation, resource, env)
    if code in _THROTTLED:
        attempts = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) + 1
        return ServiceError(
            f"AWS throttled {call}{about} for {name} after {attempts} attempt(s)",
            kind="throttled",
            fix="retry later; if it persists, run fewer requests at once or raise "
            "AWS_MAX_ATTEMPTS (AWS_RETRY_MODE=adaptive backs off for you)",
        )
    if code in _WRONG_REGION:
        return _wrong_region(exc, message, resource or call, env, config)
    if code in _MISSING_BUCKET or (
        code in ("404", "NotFound") and operation in ("HeadBucket", "GetBucketLocation")
    ):
        bucket = resource.removeprefix("s3://").split("/", 1)[0] or "the bucket"
        return ServiceError(
            f"bucket {bucket} does not exist in {account} ({call})",
            kind="missing-bucket",
            fix=f"deploy infrastructure first: ./pants run infrastructure:deploy -- --env {name}",
        )
    if code in _NOT_FOUND or code in ("404", "NotFound"):
        what = _NOT_FOUND.get(code, "resource")
        return ServiceError(
            f"{what}{about} does not exist in {account} ({call})",
            kind="not-found",
            fix=f"create it, or deploy infrastructure first: ./pants run infrastructure:deploy "
            f"-- --env {name}",
        )
    if code in _SERVER or status >= 500:
        return ServiceFailure(
            f"AWS failed to serve {call}{about} for {name} (HTTP {status or 500}); nothing "
            "more was attempted",
            fix="retry later; check the AWS Health Dashboard if it persists",
        )
    detail = " ".join(message.split())[:200]
    return RunError(f"AWS refused {call}{about} for {name}: {detail or code or 'no reason given'}")


def _access_denied(
    message: str, service: str, operation: str, resource: str, env: Environment | None
) -> FinksError:
    name, account = _env_words(env)
    found = _IAM_MESSAGE.search(message)
    principal = found.group("principal") if found else None
    action = (
        found.group("action") if found else _action(service, operation) if service else operation
    )
    target = (found.group("resource") if found else None) or resource or "the resource"
    who = f"{principal} " if principal else ""
    return ServiceError(
        f"access denied: {who}may not {action} on {target} in {account}",
        kind="access-denied",
        fix=f"use credentials of a {name} role that allows {action} on {target} (the {name} "
        "stack grants them: infrastructure/), or ask an admin of that account",
    )


def _wrong_region(
    exc: bx.ClientError,
    message: str,
    what: str,
    env: Environment | None,
    config: Config | None,
) -> FinksError:
    name, _ = _env_words(env)
    headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {}) or {}
    region = headers.get("x-amz-bucket-region") or exc.response.get("Error", {}).get("Region")
    if not region:
        found = _EXPECTING_REGION.search(message)
        region = found.group(1) if found else None
    ours = config.aws_region if config is not None else "the configured region"
    where = f"is in region {region}" if region else "is in another region"
    fix = f"set AWS_REGION={region} in libs/config/.env.{name}" if region else "check AWS_REGION"
    return ServiceError(
        f"{what} {where}, but the {name} config uses {ours}",
        kind="wrong-region",
        key="AWS_REGION",
        fix=f"{fix} if the {name} stack lives there, or use the resource the stack created",
    )
