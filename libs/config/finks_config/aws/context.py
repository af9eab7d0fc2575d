"""Error context for every session ``finks_config.aws`` makes (guarded or not).

botocore's errors do not say which resource a request was about (S3's
AccessDenied says only "Access Denied"), so these hooks remember each request's
resource and stamp it, with the service, on a failed response, where
``finks_config.aws.errors`` reads it. They also refuse an S3 answer from a bucket
in another region than the config's (real S3 would redirect silently).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from finks_config.errors import ServiceError

if TYPE_CHECKING:
    from finks_config.settings import Config

# Parameters naming the resource of a non-S3 request, most specific first.
_RESOURCE_KEYS = (
    "SecretId",
    "Name",
    "Names",
    "Path",
    "DatabaseName",
    "WorkGroup",
    "RoleArn",
    "repositoryName",
)


def _request_resource(params: dict[str, Any]) -> str:
    """The resource a request is about, for messages (``s3://bucket/key``, ``/dev/fmp/api_key``)."""
    bucket = params.get("Bucket")
    if isinstance(bucket, str):
        key = params.get("Key")
        return f"s3://{bucket}/{key}" if isinstance(key, str) else f"s3://{bucket}"
    for name in _RESOURCE_KEYS:
        value = params.get(name)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, list) and value and isinstance(value[0], str):
            return ", ".join(str(v) for v in value[:3])
    return ""


class ErrorContext:
    """botocore hooks: remember each request's resource, stamp it on failed responses,
    and refuse S3 answers from a bucket in another region than the config's."""

    def __init__(self, config: Config) -> None:
        self.config = config

    def remember(self, params: Any = None, context: Any = None, **_: Any) -> None:
        if isinstance(params, dict) and isinstance(context, dict):
            context["finks_resource"] = _request_resource(params)
        return None

    def after_call(
        self,
        http_response: Any = None,
        parsed: Any = None,
        model: Any = None,
        context: Any = None,
        **_: Any,
    ) -> None:
        if not isinstance(parsed, dict) or model is None:
            return None
        service = str(model.service_model.service_name)
        resource = context.get("finks_resource", "") if isinstance(context, dict) else ""
        status = getattr(http_response, "status_code", 200)
        if status >= 300:
            error = parsed.setdefault("Error", {})
            if isinstance(error, dict):
                error.setdefault("FinksService", service)
                error.setdefault("FinksResource", resource)
            return None
        headers = getattr(http_response, "headers", None) or {}
        region = headers.get("x-amz-bucket-region")
        if service == "s3" and region and region != self.config.aws_region:
            env = self.config.environment.value
            raise ServiceError(
                f"{resource or 'the bucket'} is in region {region}, but the {env} config "
                f"uses {self.config.aws_region}",
                kind="wrong-region",
                key="AWS_REGION",
                fix=f"use the bucket the {env} stack created in {self.config.aws_region}, or set "
                f"AWS_REGION={region} in libs/config/.env.{env} if the stack lives there",
            )
        return None

    def register(self, events: Any) -> None:
        events.register("provide-client-params", self.remember, unique_id="finks-error-context")
        events.register("after-call", self.after_call, unique_id="finks-error-after-call")
