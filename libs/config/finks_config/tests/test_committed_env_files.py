"""Committed .env files hold configuration only: scan every one in the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from finks_config import looks_like_secret, repo_root
from finks_config.envfile_scan import committed_env_files, secret_findings


def test_no_committed_env_file_carries_a_secret() -> None:
    root = repo_root()
    files = committed_env_files(root)
    names = {str(p.relative_to(root)) for p in files}
    shared = {f"libs/config/.env.{e}" for e in ("local", "dev", "staging", "prod", "example")}
    assert shared <= names
    # Every project's committed files are in scope too (BUILD puts them in the sandbox).
    for project in ("ingestion", "pipelines", "dbt", "infrastructure"):
        assert f"{project}/config/.env.dev" in names
    assert secret_findings(root) == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("FMP_API_KEY", "a1b2c3d4e5"),
        ("DB_PASSWORD", "hunter22"),
        ("SLACK_TOKEN", "x"),
        ("aws_secret_access_key", "abc/def+ghi"),
        ("NOTE", "AKIAABCDEFGHIJKLMNOP"),
        ("DATABASE_URL", "postgres://user:pa55@db:5432/x"),
    ],
)
def test_secret_looking_values(key: str, value: str) -> None:
    assert looks_like_secret(key, value)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("FMP_API_KEY", ""),
        ("FMP_API_KEY", "<your FMP key>"),
        ("FMP_API_KEY", "${FMP_API_KEY}"),
        ("FMP_API_KEY", "changeme"),
        ("FMP_API_KEY_SECRET_PATH", "/dev/fmp/api_key"),
        ("FMP_API_KEY", "/dev/fmp/api_key"),
        ("BRONZE_KEY_PREFIX", "fmp/prices"),
        ("LOG_LEVEL", "INFO"),
        ("PREFECT_API_URL", "https://api.prefect.cloud/api/accounts/1/workspaces/2"),
    ],
)
def test_configuration_values_pass(key: str, value: str) -> None:
    assert not looks_like_secret(key, value)


def test_scan_finds_planted_secret_and_skips_personal_files(tmp_path: Path) -> None:
    (tmp_path / "proj" / "config").mkdir(parents=True)
    (tmp_path / "proj/config/.env.dev").write_text(
        "FMP_BASE_URL=http://x\nFMP_API_KEY=live-key-123\n"
    )
    (tmp_path / "proj/config/.env.dev.local").write_text("FMP_API_KEY=personal-key\n")
    (tmp_path / ".env.local").write_text("SECRET_TOKEN=abc123xyz\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git/.env.dev").write_text("API_KEY=ignored-in-git-dir\n")
    findings = secret_findings(tmp_path)
    assert findings == [
        ".env.local:1: SECRET_TOKEN looks like a secret",
        "proj/config/.env.dev:2: FMP_API_KEY looks like a secret",
    ]
    assert all("live-key-123" not in f for f in findings)


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/services/T0FINKS00/B0FINKS00/abcdefghijklmnopqrstuvwx",
        "https://hooks.slack.com/workflows/T0FINKS00/A0F/123/abcdefghijklmnop",
        "https://discord.com/api/webhooks/123456789/abcdefghijklmnopqrstuvwxyz",
        "https://finks.webhook.office.com/webhookb2/abc@def/IncomingWebhook/0123/xyz",
        "https://chat.googleapis.com/v1/spaces/AAA/messages?key=k123&token=t456",
        "https://hooks.zapier.com/hooks/catch/123/abcdef/",
        "https://alerts.example.com/hooks/9f8e7d6c5b4a39281706f5e4",
    ],
)
def test_webhook_urls_are_secrets_under_any_key(tmp_path: Path, url: str) -> None:
    (tmp_path / "pipelines" / "config").mkdir(parents=True)
    (tmp_path / "pipelines/config/.env.prod").write_text(
        f"PIPELINE_SCHEDULE_CRON=30 18 * * 1-5\nALERTS={url}\nNOTIFY_WEBHOOK_URL={url}\n"
    )
    findings = secret_findings(tmp_path)
    assert findings == [
        "pipelines/config/.env.prod:2: ALERTS looks like a secret",
        "pipelines/config/.env.prod:3: NOTIFY_WEBHOOK_URL looks like a secret",
    ]
    assert all(url not in f for f in findings)


def test_ordinary_urls_are_configuration() -> None:
    for url in (
        "https://financialmodelingprep.com",
        "http://127.0.0.1:4200/api",
        "https://prefect.example.com/api/webhooks",  # a path word, no token after it
    ):
        assert not looks_like_secret("FMP_BASE_URL", url)
