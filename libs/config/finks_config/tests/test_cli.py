"""The one CLI helper: banner first, exit codes 0/1/2/130, one-line errors, redaction, and
the translation of AWS, Prefect and HTTP errors (against real loopback servers)."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from finks_config import ConfigError, Environment, RunError, ServiceError, load_config
from finks_config.aws import clear_client_cache, client, translate_aws_error
from finks_config.cli import (
    ArgumentParser,
    Invocation,
    add_as_of_argument,
    add_env_argument,
    doing,
    error_line,
    run_cli,
)
from finks_config.secrets import remember_secret
from finks_testing.awsfaults import canned_aws, closed_port
from finks_testing.moto import MotoEndpoint


def call(
    handler: Any, *argv: str, parser: ArgumentParser | None = None, **kwargs: Any
) -> tuple[int, list[str], list[str]]:
    out, err = io.StringIO(), io.StringIO()
    code = run_cli("demo", handler, list(argv), parser=parser, out=out, err=err, **kwargs)
    return code, out.getvalue().splitlines(), err.getvalue().splitlines()


def parser() -> ArgumentParser:
    built = ArgumentParser(prog="demo")
    add_env_argument(built)
    built.add_argument("--count", type=int, default=1)
    add_as_of_argument(built)
    return built


def raising(exc: BaseException) -> Any:
    def handler(_: Invocation) -> None:
        raise exc

    return handler


# --- banner, environment, usage ------------------------------------------------------


def test_banner_first_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[Environment, Any]] = []

    def handler(cli: Invocation) -> None:
        seen.append((cli.env, cli.args.as_of))
        print("work done")  # plain print: through the helper's stdout

    code, out, err = call(handler, "--env", "staging", "--as-of", "2026-11-30", parser=parser())
    assert (code, out, err) == (0, ["[STAGING] demo", "work done"], [])
    assert str(seen[0][1]) == "2026-11-30"
    monkeypatch.setenv("ENVIRONMENT", "prod")
    code, out, _ = call(handler, parser=parser(), banner="the demo command")
    assert code == 0 and out[0] == "[PROD] the demo command"
    code, out, _ = call(handler, "--env=local", parser=parser())
    assert code == 0 and out[0] == "[LOCAL] demo" and seen[-1][0] is Environment.LOCAL


def test_unknown_environment_banner_is_a_question_mark() -> None:
    called: list[bool] = []
    code, out, err = call(lambda cli: called.append(True), "--env", "production", parser=parser())
    assert code == 2 and called == []
    assert out == ["[?] demo"]
    assert err == [
        "[?] demo: error: --env: unknown environment 'production'; valid: local, dev, staging, "
        "prod; did you mean 'prod'?"
    ]


def test_required_env_and_usage_errors_are_one_line() -> None:
    code, out, err = call(lambda cli: None, parser=parser(), env_required=True)
    assert code == 2 and out == ["[?] demo"]
    assert err == [
        "[?] demo: error: --env is required (fix: pass --env local, dev, staging or prod)"
    ]
    code, out, err = call(lambda cli: None, "--env", "dev", "--count", "many", parser=parser())
    assert code == 2 and out == ["[DEV] demo"] and len(err) == 1
    assert err[0].startswith(
        "[DEV] demo: error: argument --count: invalid int value: 'many' (fix: usage: demo "
    )
    code, _, err = call(lambda cli: None, "--env", "dev", "--as-of", "2026-02-30", parser=parser())
    assert code == 2 and "argument --as-of: '2026-02-30' is not a date (YYYY-MM-DD)" in err[0]
    with pytest.raises(SystemExit):  # argparse prints help itself; the helper returns its 0
        parser().parse_args(["--help"])
    assert call(lambda cli: None, "--help", parser=parser())[0] == 0


def test_help_needs_no_required_env(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = call(lambda cli: None, "--help", parser=parser(), env_required=True)
    assert code == 0 and out == ["[?] demo"] and err == []
    assert "usage: demo" in capsys.readouterr().out  # argparse prints help to sys.stdout
    code, out, err = call(lambda cli: None, "-h", parser=parser(), env_required=True)
    assert code == 0 and err == []
    assert "usage: demo" in capsys.readouterr().out
    code, _, err = call(lambda cli: None, "--", "--help", parser=parser(), env_required=True)
    assert code == 2 and err == [
        "[?] demo: error: --env is required (fix: pass --env local, dev, staging or prod)"
    ]


# --- outcomes and exit codes -----------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "code", "line"),
    [
        (lambda cli: None, 0, None),
        (lambda cli: 1, 1, None),
        (
            raising(ConfigError("bad value", file="x/.env.dev:3", key="K", fix="set K=1")),
            2,
            "[DEV] demo: error: x/.env.dev:3: K: bad value (fix: set K=1)",
        ),
        (
            raising(RunError("gold checks failed: 3 rows")),
            1,
            "[DEV] demo: error: gold checks failed: 3 rows",
        ),
        (
            raising(ValueError("the as-of date is after the data")),
            1,
            "[DEV] demo: error: unexpected failure: the as-of date is after the data (fix: "
            "FINKS_TRACEBACK=1 shows where it happened; report it if it persists)",
        ),
        (
            raising(KeyError("symbol")),
            1,
            "[DEV] demo: error: unexpected failure: 'symbol' (fix: FINKS_TRACEBACK=1 shows where "
            "it happened; report it if it persists)",
        ),
        (raising(SystemExit(3)), 3, None),
    ],
)
def test_exit_codes(outcome: Any, code: int, line: str | None) -> None:
    got, out, err = call(outcome, "--env", "dev", parser=parser())
    assert got == code and out == ["[DEV] demo"]
    assert err == ([] if line is None else [line])
    assert not any("Traceback" in text or "Error(" in text for text in err)


def test_interrupted_exits_130_with_the_hint() -> None:
    code, _, err = call(
        raising(KeyboardInterrupt()),
        "--env",
        "dev",
        parser=parser(),
        interrupted_hint="run it again to resume",
    )
    assert code == 130
    assert err == ["[DEV] demo: interrupted; run it again to resume"]


def test_traceback_only_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    boom = raising(ZeroDivisionError("division by zero"))
    _, _, err = call(boom, "--env", "dev", parser=parser())
    assert len(err) == 1
    monkeypatch.setenv("FINKS_TRACEBACK", "1")
    _, _, err = call(boom, "--env", "dev", parser=parser())
    assert err[1] == "Traceback (most recent call last):" and "ZeroDivisionError" in err[-1]


def test_doing_says_what_was_being_done() -> None:
    def handler(cli: Invocation) -> None:
        with doing("deploying dbt"), doing("reading the ledger in s3://dev-artifacts/deploys/"):
            raise ConfigError("not allowed", fix="ask")

    _, _, err = call(handler, "--env", "dev", parser=parser())
    assert err == [
        "[DEV] demo: error: reading the ledger in s3://dev-artifacts/deploys/: not allowed "
        "(fix: ask)"
    ]
    library = ServiceError("access denied", kind="access-denied", doing="reading secret /dev/x")

    def nested(cli: Invocation) -> None:
        with doing("checking the secrets"):
            raise library

    _, _, err = call(nested, "--env", "dev", parser=parser())
    assert err == ["[DEV] demo: error: checking the secrets: reading secret /dev/x: access denied"]


def test_config_loading_errors_exit_2(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def handler(cli: Invocation) -> None:
        cli.config("no/such/project")

    code, _, err = call(handler, "--env", "dev", parser=parser())
    assert code == 2
    assert err[0].startswith(
        "[DEV] demo: error: loading the dev configuration: no/such/project/.env.dev: env file not "
        "found (fix: cp libs/config/.env.example no/such/project/.env.dev"
    )


def test_output_and_errors_are_redacted() -> None:
    remember_secret("revealed-fmp-key-42")

    def handler(cli: Invocation) -> None:
        print("GET https://fmp.example/stable/quote?symbol=A&apikey=raw-key-9")
        print("with revealed-fmp-key-42")
        cli.echo("posting to https://hooks.slack.com/services/T0A/B0B/abcdefghijklmnopqrst")
        raise RunError("upload to https://user:hunter2@host/x failed (revealed-fmp-key-42)")

    code, out, err = call(handler, "--env", "dev", parser=parser())
    text = "\n".join(out + err)
    assert code == 1
    for secret in ("raw-key-9", "revealed-fmp-key-42", "hooks.slack.com", "hunter2"):
        assert secret not in text
    assert "apikey=********" in text and "https://********@host/x" in text


# --- translation: AWS ------------------------------------------------------------------


@pytest.fixture
def dev(moto: MotoEndpoint) -> Iterator[Any]:
    clear_client_cache()
    yield load_config(env="dev", overrides={"AWS_ENDPOINT_URL": moto.url})
    clear_client_cache()


def test_isolation_refusals_exit_2(dev: Any, moto: MotoEndpoint) -> None:
    def handler(cli: Invocation) -> None:
        client(dev, "s3").put_object(Bucket="prod-bronze-zone", Key="k", Body=b"x")

    code, _, err = call(handler, "--env", "dev", parser=parser())
    assert code == 2
    assert err[0].startswith(
        "[DEV] demo: error: [DEV] refused s3.PutObject: bucket 'prod-bronze-zone'"
    )


def test_missing_bucket_and_wrong_region_from_moto(dev: Any, moto: MotoEndpoint) -> None:
    s3 = client(dev, "s3")
    with pytest.raises(Exception) as info:
        s3.list_objects_v2(Bucket=dev.artifacts_bucket)
    error = translate_aws_error(info.value, config=dev)
    assert isinstance(error, ServiceError) and error.kind == "missing-bucket"
    assert error.one_line() == (
        "bucket dev-artifacts does not exist in the dev account (s3:ListObjectsV2) (fix: deploy "
        "infrastructure first: ./pants run infrastructure:deploy -- --env dev)"
    )
    with pytest.raises(Exception) as info:
        s3.create_bucket(
            Bucket=dev.bronze_bucket, CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
        )
    error = translate_aws_error(info.value, config=dev)
    assert isinstance(error, ServiceError) and error.kind == "wrong-region"
    assert error.exit_code == 2


def test_throttling_server_errors_and_iam_messages(
    aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    iam_message = (
        "User: arn:aws:sts::111111111111:assumed-role/finks-dev-worker/ci is not authorized to "
        "perform: s3:PutObject on resource: arn:aws:s3:::prod-bronze-zone/fmp/x.json because no "
        "identity-based policy allows the s3:PutObject action"
    )
    cases = [
        ("SlowDown", 503, "Please reduce your request rate.", "throttled", 2, 2),
        ("InternalError", 500, "We encountered an internal error.", "server-error", 1, 2),
        ("AccessDenied", 403, iam_message, "access-denied", 2, 1),
    ]
    for code, status, message, kind, exit_code, attempts in cases:
        with canned_aws(code, status, message) as aws:
            clear_client_cache()
            config = load_config(env="dev", overrides={"AWS_ENDPOINT_URL": aws.url})
            with pytest.raises(Exception) as info:
                client(config, "sts").get_caller_identity()
            sent = aws.requests
        error = translate_aws_error(info.value, config=config)
        assert error is not None and getattr(error, "kind", None) == kind, code
        assert (error.exit_code, sent) == (exit_code, attempts), code
    assert error is not None and error.one_line().startswith(
        "access denied: arn:aws:sts::111111111111:assumed-role/finks-dev-worker/ci may not "
        "s3:PutObject on arn:aws:s3:::prod-bronze-zone/fmp/x.json in the dev account (fix: "
    )


# --- translation: HTTP (httpx, the Prefect client, urllib) -----------------------------


class _Status(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = int(self.path.strip("/").split("/")[-1].split("?")[0] or 200)
        body = b'{"detail": "nope"}'
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture(scope="module")
def status_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Status)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_errors_name_the_service_and_the_key(status_server: str) -> None:
    config = load_config(env="dev", overrides={"PREFECT_API_URL": f"{status_server}/api"})
    expected = {
        401: (
            "access-denied",
            2,
            "the Prefect API at " + status_server + " refused the request (401)",
        ),
        404: ("not-found", 2, "the Prefect API at " + status_server + " has no /api/404"),
        429: ("throttled", 2, "throttled the request after the retries (429)"),
        503: ("server-error", 1, "failed (503) for /api/503"),
    }
    for status, (kind, code, text) in expected.items():
        response = httpx.get(f"{status_server}/api/{status}?apikey=s3cret-q")
        with pytest.raises(httpx.HTTPStatusError) as info:
            response.raise_for_status()
        line, exit_code = error_line(info.value, config=config)
        assert (exit_code, text in line) == (code, True), line
        assert "s3cret-q" not in line
        assert (
            getattr(
                __import__("finks_config.failures", fromlist=["translate"]).translate(
                    info.value, config=config
                ),
                "kind",
                None,
            )
            == kind
        )


def test_prefect_client_errors(status_server: str) -> None:
    from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError

    response = httpx.get(f"{status_server}/api/401")
    with pytest.raises(httpx.HTTPStatusError) as info:
        response.raise_for_status()
    prefect_error = PrefectHTTPStatusError.from_httpx_error(info.value)
    line, code = error_line(prefect_error, env=Environment.STAGING)
    assert code == 2 and "refused the request (401)" in line
    assert "PREFECT_API_KEY (or /staging/prefect/api_key)" not in line  # no config: generic
    missing = ObjectNotFound(
        http_exc=info.value, help_message="Deployment 'medallion/medallion-staging' not found"
    )
    line, code = error_line(missing, env=Environment.STAGING)
    assert code == 2
    assert line.endswith(
        "(fix: deploy pipelines first: ./pants run pipelines:deploy -- --env staging)"
    )


def test_unreachable_http_services() -> None:
    port = closed_port()
    config = load_config(env="dev", overrides={"PREFECT_API_URL": f"http://127.0.0.1:{port}/api"})
    with pytest.raises(httpx.ConnectError) as info:
        httpx.get(f"http://127.0.0.1:{port}/api/health")
    line, code = error_line(info.value, config=config)
    assert code == 2
    assert line == (
        f"cannot reach the Prefect API at http://127.0.0.1:{port} for dev (connection refused) "
        f"(fix: start the Prefect API at http://127.0.0.1:{port}, or fix PREFECT_API_URL "
        "(override))"
    )
    with pytest.raises(httpx.ConnectError) as info:
        httpx.get("http://finks-fmp.invalid/stable/quote")
    line, code = error_line(info.value, env=Environment.DEV)
    assert code == 2 and "(DNS name not found)" in line
