"""Isolation: a stack names only its own environment, and every IAM policy says so.

The one exception, by design (issue 11.3): the staging ledger reader is trusted for
the production GitHub environment, so prod's promotion check can read the staging
ledger. The tests allow exactly that one and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import finks_infra
from finks_infra.offline import OFFLINE_ACCOUNT_ID, invented_key
from finks_infra.tests.conftest import STACKS, RenderedStack

ROLE = "aws:iam/role:Role"
POLICY_TYPES = (
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/groupPolicy:GroupPolicy",
    "aws:iam/policy:Policy",
    "aws:s3/bucketPolicy:BucketPolicy",
)
OIDC = "token.actions.githubusercontent.com"
GITHUB = "finks-data/finks"

# The only mention of another environment in any stack: staging's ledger reader trusts
# prod's deploy job (its GitHub environment is called "production").
ALLOWED_CROSS_ENV = [
    ("staging", "finks-staging-ledger-reader", f"repo:{GITHUB}:environment:production")
]

# Actions AWS authorises only on Resource "*" (checked here independently of the program).
ACCOUNT_WIDE = {
    "ecr:GetAuthorizationToken",
    "ecs:RegisterTaskDefinition",
    "ecs:DeregisterTaskDefinition",
    "ecs:DescribeTaskDefinition",
    "ecs:ListTaskDefinitions",
    "ec2:Describe*",
    "elasticloadbalancing:Describe*",
    "rds:DescribeDBEngineVersions",
    "rds:DescribeOrderableDBInstanceOptions",
    "cloudwatch:DescribeAlarms",
    "logs:DescribeLogGroups",
    "secretsmanager:ListSecrets",
    "ssm:DescribeParameters",
    "sts:GetCallerIdentity",
    "kms:ListAliases",
}


def _env_token(env: str) -> re.Pattern[str]:
    """``env`` as a name part: 'dev' in 'dev-bronze-zone' or '/dev/fmp', not in 'device'."""
    return re.compile(rf"(?<![a-z0-9]){env}(?![a-z0-9])|(?<![a-z0-9]){env}uction(?![a-z0-9])")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _listed(statement: dict[str, Any], key: str) -> list[str]:
    found = statement.get(key, [])
    return [found] if isinstance(found, str) else list(found)


def _cross_env_mentions(stack: RenderedStack) -> list[tuple[str, str, str]]:
    others = [_env_token(env) for env in STACKS if env != stack.env]
    found = []
    for resource in stack.resources:
        for text in [resource.name, *_strings(resource.inputs)]:
            for piece in re.findall(r"repo:[^\"',\]]+|[^\"',\s]+", text) or [text]:
                if any(pattern.search(piece.lower()) for pattern in others):
                    found.append((stack.env, resource.physical_name, piece))
    return found


def test_only_the_staging_ledger_reader_names_another_environment(
    rendered: dict[str, RenderedStack],
) -> None:
    mentions = [m for env in STACKS for m in _cross_env_mentions(rendered[env])]
    # The role's trust policy carries it once; nothing else in any stack does.
    assert sorted(set(mentions)) == ALLOWED_CROSS_ENV


def test_every_named_resource_carries_its_own_environment(stack: RenderedStack) -> None:
    own = _env_token(stack.env)
    assert all(own.search(r.name) for r in stack.resources), [
        r.name for r in stack.resources if not own.search(r.name)
    ]


def _scoped(statement: dict[str, Any], arn: str, stack: RenderedStack) -> bool:
    """An ARN a statement of ``stack`` may list."""
    env = stack.env
    own = _env_token(env)
    if own.search(arn):
        return True
    config = stack.config
    alias = config.pulumi_secrets_key_alias
    if arn == invented_key(config.aws_region, OFFLINE_ACCOUNT_ID, alias)["targetKeyArn"]:
        return True  # the key the env's alias names (a key ARN carries no name)
    if re.fullmatch(r"arn:aws:glue:[a-z0-9-]+:\d{12}:catalog", arn):
        return True  # Glue needs the catalog next to database/table ARNs
    if re.fullmatch(rf"arn:aws:iam::\d{{12}}:oidc-provider/{re.escape(OIDC)}", arn):
        return True  # one GitHub OIDC provider per account
    if re.fullmatch(r"arn:aws:ec2:[a-z0-9-]+:\d{12}:\*", arn):
        # EC2 cannot be scoped by name: the statement must require this env's tag.
        tests = statement.get("Condition", {}).get("StringEquals", {})
        tags = {
            tests.get("aws:ResourceTag/finks:environment"),
            tests.get("aws:RequestTag/finks:environment"),
        }
        return env in tags
    return False


def test_every_policy_names_only_its_own_environments_arns(stack: RenderedStack) -> None:
    checked = 0
    for resource in (r for r in stack.resources if r.type in POLICY_TYPES):
        for document in resource.policy_documents():
            for statement in document["Statement"]:
                resources = _listed(statement, "Resource")
                assert resources, (resource.name, statement.get("Sid"))
                for arn in resources:
                    checked += 1
                    if arn.strip() == "*":
                        actions = set(_listed(statement, "Action"))
                        assert actions <= ACCOUNT_WIDE, (resource.name, statement.get("Sid"))
                        continue
                    assert arn.startswith("arn:aws:"), arn
                    assert _scoped(statement, arn, stack), (resource.name, arn)
    assert checked > 100


def test_each_statement_names_one_service_or_only_account_wide_actions(
    stack: RenderedStack,
) -> None:
    """One service per statement: what moto's view of a policy relies on."""
    for resource in (r for r in stack.resources if r.type in POLICY_TYPES[:3]):
        for document in resource.policy_documents():
            for statement in document["Statement"]:
                actions = _listed(statement, "Action")
                services = {a.split(":", 1)[0] for a in actions}
                assert len(services) == 1 or set(actions) <= ACCOUNT_WIDE, statement.get("Sid")


def _trust(stack: RenderedStack, role: str) -> list[dict[str, Any]]:
    (document,) = stack.the(ROLE, role).policy_documents()
    return list(document["Statement"])


def test_roles_trust_only_what_they_should(stack: RenderedStack) -> None:
    name = stack.config.resource_name
    roles = {r.physical_name for r in stack.of_type(ROLE)}
    tasks = {name("worker-task"), name("worker-execution"), name("prefect-server-execution")}
    github = {name("github-deploy"), name("ledger-reader")}
    people = {name("break-glass")} if stack.settings.break_glass else set()
    assert roles == tasks | github | people
    for role in tasks:
        (statement,) = _trust(stack, role)
        assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert statement["Condition"]["StringEquals"]["aws:SourceAccount"].isdigit()
    for role in github:
        for statement in _trust(stack, role):
            assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
            assert statement["Principal"]["Federated"].endswith(f"oidc-provider/{OIDC}")
            assert statement["Condition"]["StringEquals"][f"{OIDC}:aud"] == "sts.amazonaws.com"


def _subjects(statements: list[dict[str, Any]], test: str) -> list[str]:
    return [s for st in statements for s in st["Condition"].get(test, {}).get(f"{OIDC}:sub", [])]


def test_deploy_role_is_assumable_only_from_its_github_environment(stack: RenderedStack) -> None:
    settings = stack.settings
    statements = _trust(stack, stack.config.resource_name("github-deploy"))
    assert _subjects(statements, "StringLike") == []  # no wildcard for the deploy role
    expected = [f"repo:{GITHUB}:environment:{settings.github_environment}"]
    expected += [f"repo:{GITHUB}:ref:{ref}" for ref in settings.github_allowed_refs]
    assert _subjects(statements, "StringEquals") == expected


def test_ledger_readers_trust_the_plan_jobs_and_staging_also_prods_deploy(
    rendered: dict[str, RenderedStack],
) -> None:
    def subjects(env: str) -> set[str]:
        statements = _trust(rendered[env], rendered[env].config.resource_name("ledger-reader"))
        return set(_subjects(statements, "StringEquals")) | set(_subjects(statements, "StringLike"))

    repo = f"repo:{GITHUB}"
    assert subjects("dev") == {f"{repo}:ref:refs/heads/main"}
    assert subjects("staging") == {
        f"{repo}:ref:refs/heads/main",
        f"{repo}:ref:refs/tags/v*",
        f"{repo}:environment:production",
    }
    assert subjects("prod") == {f"{repo}:ref:refs/tags/v*"}


def test_ledger_readers_only_read_the_ledger(stack: RenderedStack) -> None:
    role = stack.config.resource_name("ledger-reader")
    statements = stack.statements("aws:iam/rolePolicy:RolePolicy", role)
    artifacts = stack.config.artifacts_bucket
    granted = {
        (a, r) for st in statements for a in _listed(st, "Action") for r in _listed(st, "Resource")
    }
    assert granted == {
        ("s3:ListBucket", f"arn:aws:s3:::{artifacts}"),
        ("s3:GetObject", f"arn:aws:s3:::{artifacts}/deploys/*"),
    }
    listing = next(st for st in statements if "s3:ListBucket" in _listed(st, "Action"))
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["deploys/*"]}}


def test_staging_and_prod_use_their_own_github_environments(
    rendered: dict[str, RenderedStack],
) -> None:
    environments = {env: rendered[env].settings.github_environment for env in STACKS}
    assert len(set(environments.values())) == len(STACKS)
    assert environments["staging"] == "staging"
    assert environments["prod"] == "production"  # the CI pipeline's protected environment


def test_program_source_has_no_environment_branches() -> None:
    """Sizes and rules come from the stack files: the code never spells an environment."""
    package = Path(finks_infra.__file__).parent
    quoted = re.compile(r"""["'](dev|staging|prod|production)["']""")
    offenders = []
    for path in package.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if quoted.search(line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []
