"""The Prefect server runner: SQLite kept between starts, or a given database; UI; auth."""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from finks_local.prefect import running_prefect_server, using_prefect_api

AUTH = "finks:s3cret-pass"


def _get(url: str, auth: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()} if auth else {}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_database_url_ui_and_basic_auth(tmp_path: Path) -> None:
    db = tmp_path / "elsewhere" / "prefect.db"
    db.parent.mkdir()
    with running_prefect_server(
        tmp_path / "home",
        database_url=f"sqlite+aiosqlite:///{db}",
        ui=True,
        auth_string=AUTH,
    ) as server:
        assert db.is_file() and not (tmp_path / "home" / "prefect.db").exists()
        assert server.ui_url and server.url == f"{server.ui_url}/api"
        status, page = _get(server.ui_url)
        assert status == 200 and "<html" in page.lower()
        assert _get(f"{server.url}/admin/version")[0] == 401
        assert _get(f"{server.url}/admin/version", AUTH)[0] == 200
        assert server.client_env() == {
            "PREFECT_API_URL": server.url,
            "PREFECT_API_AUTH_STRING": AUTH,
        }

        from prefect import get_client

        with (
            using_prefect_api(server.url, tmp_path / "client", auth_string=AUTH),
            get_client(sync_client=True) as client,
        ):
            flow_id = client.create_flow_from_name("finks-auth-probe")
            assert client.read_flow(flow_id).name == "finks-auth-probe"
        log = server.log_path.read_text()
    assert "s3cret-pass" not in log


def test_sqlite_home_is_kept_between_starts(tmp_path: Path) -> None:
    from prefect import get_client

    home = tmp_path / "home"
    with running_prefect_server(home) as first:
        assert first.first_start and first.ui_url is None
        assert _get(first.url.removesuffix("/api"))[0] != 200  # no UI unless asked
        with (
            using_prefect_api(first.url, tmp_path / "client"),
            get_client(sync_client=True) as client,
        ):
            client.create_flow_from_name("finks-kept")
    assert not first.running()
    with running_prefect_server(home) as second:
        assert not second.first_start
        with (
            using_prefect_api(second.url, tmp_path / "client"),
            get_client(sync_client=True) as client,
        ):
            assert client.read_flow_by_name("finks-kept").name == "finks-kept"


def test_settings_are_restored_after_the_block(tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    before = PREFECT_API_URL.value()
    with using_prefect_api("http://127.0.0.1:9/api", tmp_path / "client"):
        assert PREFECT_API_URL.value() == "http://127.0.0.1:9/api"
    assert PREFECT_API_URL.value() == before


@pytest.fixture(autouse=True)
def _no_inherited_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
