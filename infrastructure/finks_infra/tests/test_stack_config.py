"""Stack files: each loads; every bad value stops with the file and key named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]

from finks_config import Config, ConfigError, Environment, repo_root
from finks_infra.program import check_settings
from finks_infra.stack_config import (
    StackConfig,
    StackConfigError,
    available_stacks,
    load_stack_config,
    parse_stack_values,
    project_defaults,
)
from finks_infra.tests.conftest import STACKS

NS = "finks-infra"
SOURCE = "infrastructure/Pulumi.dev.yaml"


def _dev_values() -> dict[str, object]:
    """Pulumi.yaml's project defaults under Pulumi.dev.yaml's values, as the loader merges them."""
    text = (repo_root() / "infrastructure" / "Pulumi.dev.yaml").read_text(encoding="utf-8")
    return {**project_defaults(NS), **yaml.safe_load(text)["config"]}


def _error(values: dict[str, object]) -> str:
    with pytest.raises(StackConfigError) as caught:
        parse_stack_values(values, source=SOURCE, namespace=NS)
    assert isinstance(caught.value, ConfigError)  # the deploy maps it to exit 2
    return str(caught.value)


@pytest.fixture
def fake_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repo root holding only the files the loader reads (FINKS_ROOT points at it)."""
    real = repo_root()
    (tmp_path / "libs" / "config").mkdir(parents=True)
    shutil.copy(real / "libs" / "config" / ".env.example", tmp_path / "libs" / "config")
    (tmp_path / "infrastructure").mkdir()
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):  # Pulumi.yaml holds project defaults
        shutil.copy(real / "infrastructure" / name, tmp_path / "infrastructure" / name)
    monkeypatch.setenv("FINKS_ROOT", str(tmp_path))
    return tmp_path


def test_every_stack_file_loads() -> None:
    assert set(STACKS) <= set(available_stacks())
    for env in STACKS:
        assert isinstance(load_stack_config(env), StackConfig)


def test_derived_sizes() -> None:
    settings = parse_stack_values(_dev_values(), source=SOURCE, namespace=NS)
    assert (settings.worker_cpu_units, settings.worker_memory_mb) == (512, 1024)
    assert settings.app_availability_zones == settings.availability_zones[:1]


def test_values_written_by_pulumi_config_set_are_strings_and_still_load() -> None:
    values = {k: str(v) if not isinstance(v, list) else v for k, v in _dev_values().items()}
    values[f"{NS}:workerSpot"] = "true"
    settings = parse_stack_values(values, source=SOURCE, namespace=NS)
    assert settings.worker_spot is True and settings.retention_days == 7


def test_other_namespaces_are_left_alone() -> None:
    plain = parse_stack_values(_dev_values(), source=SOURCE, namespace=NS)
    # Keys of other namespaces may hold anything, even what would be invalid as ours.
    values = {**_dev_values(), "aws:region": 42, "other:workerCount": "many", "workerCount": 0}
    assert parse_stack_values(values, source=SOURCE, namespace=NS) == plain


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("workerMemoryGb", 8, "does not fit workerVcpu 0.5"),
        ("workerVcpu", 3, "Fargate vCPU must be one of"),
        ("logRetentionDays", 10, "CloudWatch Logs accepts only"),
        ("availabilityZones", ["ca-central-1a"], "at least 2"),
        ("availabilityZones", ["nowhere", "ca-central-1b"], "not availability zone names"),
        ("vpcCidr", "10.0.0.0/8", "/16 to /20"),
        ("vpcCidr", "not-a-cidr", "not an IPv4 CIDR block"),
        ("dbInstanceClass", "t3.micro", "not an RDS instance class"),
        ("retentionDays", 0, "greater than or equal to 1"),
        ("workerCount", "many", "expected a whole number"),
        ("multiAz", "maybe", "expected true or false"),
        ("githubRepository", "finks", "owner/name"),
        ("athenaBytesScannedCutoff", 1024, "greater than or equal to"),
        ("prefectImage", "prefecthq/prefect:3-python3.11", "pin the image by digest"),
        ("prefectServerMemoryGb", 16, "does not fit prefectServerVcpu"),
        ("prefectApiIngressCidrs", ["10.0.0.0/33"], "not an IPv4 CIDR block"),
        ("prefectApiCertificateArn", "my-cert", "not an ACM certificate ARN"),
        ("ledgerReaderSubjects", ["main"], "'environment:<GitHub environment>' or 'ref:"),
        ("ledgerReaderSubjects", ["environment:prod*"], "a trailing '*' only on refs"),
        ("githubAllowedRefs", ["refs/heads/*"], "no wildcard refs"),
        ("humanGroup", "Senior Devs", "lower-case letters"),
        ("bronzeStaleAfterHours", 200, "less than or equal to 168"),
        ("alertsSlackTeamId", "T0123", "alertsSlackChannelId, or neither"),
    ],
)
def test_bad_value_names_file_and_key(key: str, value: object, expected: str) -> None:
    message = _error({**_dev_values(), f"{NS}:{key}": value})
    assert message.startswith(SOURCE)
    cross_field = key in ("workerMemoryGb", "prefectServerMemoryGb", "alertsSlackTeamId")
    assert f"'{NS}:{key}'" in message or cross_field
    assert expected in message


def test_missing_key_is_named() -> None:
    values = _dev_values()
    del values[f"{NS}:dbInstanceClass"]
    message = _error(values)
    assert f"key '{NS}:dbInstanceClass' is missing" in message


def test_misspelt_key_is_named() -> None:
    values = {**_dev_values(), f"{NS}:workerCuont": 2}
    message = _error(values)
    assert f"key '{NS}:workerCuont' is not a known setting" in message


def test_every_problem_is_reported_at_once() -> None:
    values = {**_dev_values(), f"{NS}:workerCount": 0, f"{NS}:vpcCidr": "x"}
    message = _error(values)
    assert "workerCount" in message and "vpcCidr" in message


def test_unknown_stack_lists_the_stacks(fake_root: Path) -> None:
    with pytest.raises(StackConfigError) as caught:
        load_stack_config("qa")
    message = str(caught.value)
    assert "infrastructure/Pulumi.qa.yaml not found" in message
    assert "stacks: dev" in message


def test_malformed_yaml_is_named(fake_root: Path) -> None:
    (fake_root / "infrastructure" / "Pulumi.dev.yaml").write_text(
        "config: [unclosed\n", encoding="utf-8"
    )
    with pytest.raises(StackConfigError, match=r"infrastructure/Pulumi.dev.yaml: not valid YAML"):
        load_stack_config("dev")


def test_missing_config_mapping_is_named(fake_root: Path) -> None:
    (fake_root / "infrastructure" / "Pulumi.dev.yaml").write_text(
        "encryptionsalt: x\n", encoding="utf-8"
    )
    with pytest.raises(StackConfigError, match=r"Pulumi.dev.yaml: key 'config' is missing"):
        load_stack_config("dev")


def test_zones_must_be_in_the_environments_region() -> None:
    values = {**_dev_values(), f"{NS}:availabilityZones": ["us-east-1a", "us-east-1b"]}
    settings = parse_stack_values(values, source=SOURCE, namespace=NS)
    config = Config(environment=Environment.DEV, s3_bucket_prefix="dev", aws_region="ca-central-1")
    with pytest.raises(StackConfigError, match=r"availabilityZones.*AWS_REGION ca-central-1"):
        check_settings(settings, config)


def test_the_prefect_image_is_pinned_once_in_pulumi_yaml() -> None:
    """Every stack gets Pulumi.yaml's prefectImage; no stack file repeats it."""
    default = project_defaults(NS)[f"{NS}:prefectImage"]
    for env in STACKS:
        text = (repo_root() / "infrastructure" / f"Pulumi.{env}.yaml").read_text(encoding="utf-8")
        assert "prefectImage" not in text, env
        assert load_stack_config(env).prefect_image == default


def test_the_pinned_prefect_is_the_locked_prefect() -> None:
    """The server and the stock workers run the Prefect version the platform locks."""
    import prefect

    image = load_stack_config("dev").prefect_image
    tag = image.split("@", 1)[0].split(":", 1)[1]
    assert tag.split("-", 1)[0] == prefect.__version__


def test_a_stack_file_overrides_a_project_default(fake_root: Path) -> None:
    stack = fake_root / "infrastructure" / "Pulumi.dev.yaml"
    pinned = "prefecthq/prefect:3.9.1-python3.11@sha256:" + "a" * 64
    stack.write_text(
        stack.read_text(encoding="utf-8") + f"  {NS}:prefectImage: {pinned}\n", encoding="utf-8"
    )
    settings = load_stack_config("dev")
    assert settings.prefect_image == pinned
    assert settings.prefect_image_pinned


def test_a_bad_project_default_names_pulumi_yaml(fake_root: Path) -> None:
    project = fake_root / "infrastructure" / "Pulumi.yaml"
    data = yaml.safe_load(project.read_text(encoding="utf-8"))
    data["config"]["prefectImage"]["default"] = "prefecthq/prefect:latest"
    project.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(StackConfigError) as caught:
        load_stack_config("dev")
    assert str(caught.value).startswith(
        "infrastructure/Pulumi.yaml: key 'finks-infra:prefectImage'"
    )
