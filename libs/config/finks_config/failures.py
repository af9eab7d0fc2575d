"""Any exception -> the platform's error (``FinksError``): what a CLI prints and exits with.

One translation for every entry point, so the same situation reads the same
everywhere: AWS errors (botocore, translated by ``finks_config.aws.errors``,
imported only when such an error arrives, so the core never imports boto3),
HTTP errors of the Prefect client and of FMP (httpx, urllib) and socket errors.
Setup and permission problems become ``ConfigError``s (exit 2); failures of the
run or of a server become ``RunError``s (exit 1). Nothing here imports httpx or
Prefect: an exception of theirs means the module is already loaded.
"""

from __future__ import annotations

import importlib
import socket
import sys
import urllib.error
from typing import TYPE_CHECKING, Any

from finks_config.errors import FinksError, RunError, ServiceError, ServiceFailure
from finks_config.secrets import redact, scrub_url
from finks_config.urls import url_origin

if TYPE_CHECKING:
    from finks_config.environment import Environment
    from finks_config.settings import Config

_AWS_MODULES = ("botocore", "boto3", "s3transfer")
TRACEBACK_HINT = "FINKS_TRACEBACK=1 shows where it happened"
_AWS_TRANSLATOR = "finks_config.aws.errors"


def _module_of(exc: BaseException) -> str:
    return type(exc).__module__ or ""


def _url_keys(config: Config | None, url: str) -> str | None:
    """The config key whose URL has the same origin as ``url`` (``PREFECT_API_URL``...)."""
    if config is None or not url:
        return None
    origin = url_origin(url)
    for key in config.iter_keys():
        if not key.endswith("_URL"):
            continue
        value = config.raw(key)
        if value and url_origin(value) == origin:
            return key
    return None


def _service_name(key: str | None) -> str:
    if key == "PREFECT_API_URL":
        return "the Prefect API"
    if key and key.startswith("FMP_"):
        return "the FMP API"
    return "the service"


def _where(key: str | None, config: Config | None) -> str:
    if key is None or config is None:
        return ""
    return f"{key} ({config.source_of(key)})"


def unreachable_error(
    url: str,
    reason: BaseException | str,
    *,
    env: Environment | None = None,
    config: Config | None = None,
    service: str | None = None,
    setting: str | None = None,
) -> ServiceError:
    """``cannot reach <service> at <origin> for <env> (<reason>)``, naming what to fix.

    ``service`` (``the Prefect API``) and ``setting`` (where the URL came from) are
    found from the config's ``*_URL`` keys when not given.
    """
    if env is None and config is not None:
        env = config.environment
    text = reason if isinstance(reason, str) else _reason(reason)
    return _unreachable(url, text, env, config, service=service, setting=setting)


def _unreachable(
    url: str,
    reason: str,
    env: Environment | None,
    config: Config | None,
    *,
    service: str | None = None,
    setting: str | None = None,
) -> ServiceError:
    key = _url_keys(config, url)
    name = service or _service_name(key)
    origin = url_origin(url) if url else "the endpoint"
    where = f" for {env.value}" if env is not None else ""
    fix = f"start {name} at {origin}" if url else "start the service"
    setting = setting or (_where(key, config) if key else None)
    if setting:
        fix += f", or fix {setting}"
    return ServiceError(
        f"cannot reach {name} at {origin}{where} ({reason})", kind="unreachable", fix=fix
    )


def _reason(exc: BaseException) -> str:
    text = f"{type(exc).__name__} {exc} {getattr(exc, 'reason', '')}".lower()
    if isinstance(exc, socket.gaierror) or "name or service" in text or "getaddrinfo" in text:
        return "DNS name not found"
    if "nodename nor servname" in text or "name resolution" in text:
        return "DNS name not found"
    if isinstance(exc, ConnectionRefusedError) or "refused" in text:
        return "connection refused"
    if isinstance(exc, TimeoutError) or "timeout" in text or "timed out" in text:
        return "timed out"
    return "no connection"


def _http_status(
    status: int, url: str, body: str, env: Environment | None, config: Config | None
) -> FinksError:
    key = _url_keys(config, url)
    service = _service_name(key)
    origin = url_origin(url)
    path = scrub_url(url).removeprefix(origin) or "/"
    envname = env.value if env is not None else "this environment"
    if status in (401, 403):
        credential = (
            "PREFECT_API_KEY (or /{env}/prefect/api_key)".replace("{env}", envname)
            if key == "PREFECT_API_URL"
            else "the service's API key"
        )
        return ServiceError(
            f"{service} at {origin} refused the request ({status}) for {path}",
            kind="access-denied",
            fix=f"check {credential} for {envname}",
        )
    if status == 404:
        return ServiceError(
            f"{service} at {origin} has no {path} (404)",
            kind="not-found",
            fix=f"check {_where(key, config) or 'the URL'}; or deploy what it should serve first",
        )
    if status == 429:
        return ServiceError(
            f"{service} at {origin} throttled the request after the retries (429)",
            kind="throttled",
            fix="retry later, or lower the request rate",
        )
    if status >= 500:
        return ServiceFailure(
            f"{service} at {origin} failed ({status}) for {path}",
            fix="retry later; check the service's logs",
        )
    detail = " ".join(redact(body).split())[:160]
    return RunError(f"{service} at {origin} rejected {path} ({status}): {detail or 'no detail'}")


def _from_httpx(
    exc: BaseException, env: Environment | None, config: Config | None
) -> FinksError | None:
    httpx: Any = sys.modules.get("httpx")
    if httpx is None:
        return None
    try:
        request = exc.request  # type: ignore[attr-defined]
        url = str(request.url)
    except (AttributeError, RuntimeError):
        url = ""
    if isinstance(exc, httpx.HTTPStatusError):
        response = exc.response
        try:
            body = response.text
        except Exception:  # a streamed body may be unreadable; report without it
            body = ""
        return _http_status(response.status_code, url, body, env, config)
    if isinstance(exc, httpx.TimeoutException):
        return _unreachable(url, "timed out", env, config)
    if isinstance(exc, httpx.TransportError):
        return _unreachable(url, _reason(exc.__cause__ or exc), env, config)
    return None


def _from_prefect(
    exc: BaseException, env: Environment | None, config: Config | None
) -> FinksError | None:
    if type(exc).__name__ == "ObjectNotFound":
        name = env.value if env is not None else "ENV"
        detail = " ".join(redact(str(exc)).split())[:160]
        return ServiceError(
            f"the Prefect API has no such object{': ' + detail if detail else ''}",
            kind="not-found",
            fix=f"deploy pipelines first: ./pants run pipelines:deploy -- --env {name}",
        )
    http_exc = getattr(exc, "http_exc", None)
    if isinstance(http_exc, BaseException):
        return _from_httpx(http_exc, env, config)
    return None


def translate(
    exc: BaseException, *, env: Environment | None = None, config: Config | None = None
) -> FinksError:
    """The platform error for ``exc`` (a ``FinksError`` is returned as it is).

    Unknown exceptions become a ``RunError`` whose text is the exception's
    message (secrets redacted), never its class name or a traceback.
    """
    if isinstance(exc, FinksError):
        return exc
    if env is None and config is not None:
        env = config.environment
    module = _module_of(exc)
    translated: FinksError | None = None
    if module.startswith(_AWS_MODULES):
        try:
            aws = importlib.import_module(_AWS_TRANSLATOR)
        except ImportError:  # pragma: no cover - finks_config.aws not packaged with this binary
            aws = None
        if aws is not None:
            translated = aws.translate_aws_error(exc, env=env, config=config)
    elif module.startswith("prefect"):
        translated = _from_prefect(exc, env, config)
    if translated is None and module.startswith(("httpx", "httpcore", "prefect")):
        translated = _from_httpx(exc, env, config)
    if translated is None and isinstance(exc, urllib.error.HTTPError):
        translated = _http_status(exc.code, exc.geturl() or "", "", env, config)
    elif translated is None and isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        translated = _unreachable(
            "", reason if isinstance(reason, str) else _reason(reason), env, config
        )
    if translated is None and isinstance(exc, ConnectionError | socket.gaierror | TimeoutError):
        translated = _unreachable("", _reason(exc), env, config)
    if translated is None:
        text = " ".join(redact(str(exc)).split())
        translated = RunError(
            f"unexpected failure{': ' + text if text else ''}",
            fix=f"{TRACEBACK_HINT}; report it if it persists",
        )
    return translated
