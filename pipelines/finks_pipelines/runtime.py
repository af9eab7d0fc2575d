"""The runtime artifact of a commit: the worker PEX, its image, and the ECS rollout.

The PEX (``pipelines:worker``) is built by Pants, byte-reproducibly, so staging and
prod receive the same sha256 from the same commit. The image (``pipelines:worker-image``,
``pipelines/Dockerfile``) wraps it; with a Docker engine the deploy builds and pushes
it to the env's ECR repository and rolls the ECS worker service to a new task
definition revision that runs it by digest. Without an engine (this repository's CI
machines and the rehearsal) the deploy says so and leaves ECS alone, unless
``--image`` names an image someone already pushed.
"""

from __future__ import annotations

import base64
import copy
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import finks_config.aws
from finks_config import Config, repo_root
from finks_deploy import UsageError
from finks_deploy.pants_graph import package
from finks_pipelines.deployments import Applied

WORKER_TARGET = "pipelines:worker"
DOCKERFILE = "pipelines/Dockerfile"
WORKER_CONTAINER = "prefect-worker"
IMAGE_REF = re.compile(r"^[\w.\-/:]+@sha256:[0-9a-f]{64}$")
# Fields DescribeTaskDefinition returns that RegisterTaskDefinition does not take.
_READ_ONLY = {
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
}

Say = Callable[[str], None]


def worker_pex(given: str | None, say: Say, work_dir: Path) -> Path:
    """The worker PEX to ship: ``--worker-pex PATH`` or built now with Pants, made canonical."""
    if given:
        path = Path(given)
        if not path.is_file():
            raise UsageError(
                f"--worker-pex {given}: no such file",
                fix="build it with ./pants package pipelines:worker (dist/pipelines/worker.pex)",
            )
    else:
        say(f"building the worker runtime: ./pants package {WORKER_TARGET}")
        built = [p for p in package(repo_root(), WORKER_TARGET) if p.suffix == ".pex"]
        if not built:
            raise UsageError(f"./pants package {WORKER_TARGET} wrote no .pex file")
        path = built[0]
    return canonical_pex(path, work_dir / "worker.pex")


def _bytecode(name: str) -> bool:
    parts = name.split("/")
    return name.startswith(".deps/") and ("__pycache__" in parts or name.endswith(".pyc"))


def canonical_pex(pex: Path, out: Path) -> Path:
    """``pex`` without the byte-code caches its dependency chroots picked up, rewritten.

    Why: pex copies each installed wheel's directory from Pants' shared cache into
    ``.deps/``, including any ``__pycache__`` that Python wrote there after the wheel was
    installed (every zipapp run from that cache writes some). Two builds of the same
    commit then differ by cache history, not by content. Dropping those entries and
    rewriting the archive in one fixed way gives the same bytes for the same content,
    so staging and prod can compare digests.
    """
    with zipfile.ZipFile(pex) as source:
        infos = source.infolist()
        start = min((info.header_offset for info in infos), default=0)
        with pex.open("rb") as raw:
            shebang = raw.read(start)
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as handle:
            handle.write(shebang)
            with zipfile.ZipFile(handle, "w") as target:
                for info in infos:
                    if not _bytecode(info.filename):
                        data = source.read(info)
                        target.writestr(info, data, compress_type=info.compress_type)
    out.chmod(0o755)
    return out


def docker_engine() -> bool:
    """True when a Docker engine answers (``docker info``), not just a CLI on PATH."""
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "info"], capture_output=True, timeout=30, check=False)
    return probe.returncode == 0


def check_image_ref(image: str) -> str:
    if not IMAGE_REF.match(image):
        raise UsageError(
            f"--image {image!r} must name an image by digest",
            fix="pass REPOSITORY@sha256:<64 hex>, e.g. the digest `docker push` printed",
        )
    return image


def push_image(config: Config, pex: Path, say: Say) -> str:
    """Build ``pipelines/Dockerfile`` around ``pex``, push it to the env's ECR; ``repo@digest``."""
    ecr = finks_config.aws.client(config, "ecr")
    repos = ecr.describe_repositories(repositoryNames=[config.ecr_repository])["repositories"]
    uri = str(repos[0]["repositoryUri"])
    auth = ecr.get_authorization_token()["authorizationData"][0]
    user, _, password = base64.b64decode(auth["authorizationToken"]).decode().partition(":")
    with tempfile.TemporaryDirectory(prefix="finks-image-") as tmp:
        context = Path(tmp)
        (context / "pipelines").mkdir()
        shutil.copy(repo_root() / DOCKERFILE, context / "Dockerfile")
        shutil.copy(pex, context / "pipelines" / "worker.pex")
        tag = f"{uri}:worker"
        say(f"docker build {tag}")
        _docker(["build", "--pull=false", "-t", tag, str(context)])
    registry = uri.split("/", 1)[0]
    _docker(["login", "--username", user, "--password-stdin", registry], stdin=password)
    say(f"docker push {tag}")
    _docker(["push", tag])
    digest = _docker(["inspect", "--format", "{{index .RepoDigests 0}}", tag]).strip()
    return check_image_ref(digest)


def _docker(args: list[str], stdin: str | None = None) -> str:
    result = subprocess.run(
        ["docker", *args], input=stdin, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        tail = " ".join(result.stderr.split())[-400:]
        raise RuntimeError(f"docker {args[0]} failed (exit {result.returncode}): {tail}")
    return result.stdout


def ecs_names(config: Config) -> tuple[str, str]:
    """(cluster, worker service = its task-definition family): the names the stack uses."""
    return config.ecs_cluster, config.worker_service


def roll_out(config: Config, image: str, *, dry_run: bool) -> list[Applied]:
    """Register a worker task definition revision running ``image`` and point the service at it.

    The revision copies the current one (roles, secrets, env, sizes, logs) and changes only
    the worker container's image; the image's own CMD starts the worker.
    """
    cluster, service = ecs_names(config)
    ecs = finks_config.aws.client(config, "ecs")
    services = ecs.describe_services(cluster=cluster, services=[service]).get("services", [])
    if not services or services[0].get("status") == "INACTIVE":
        raise UsageError(
            f"the {config.environment} ECS service {service} (cluster {cluster}) does not exist",
            fix="deploy infrastructure first: ./pants run infrastructure:deploy --"
            f" --env {config.environment}",
        )
    current = ecs.describe_task_definition(taskDefinition=services[0]["taskDefinition"])
    definition: dict[str, Any] = current["taskDefinition"]
    container = _worker_container(definition)
    what = f"ECS task definition {definition['family']}"
    if container.get("image") == image and "command" not in container:
        return [Applied(what, "unchanged", (f"revision {definition['revision']}",), dry_run)]
    if dry_run:
        return [Applied(what, "updated", (f"image {image}",), True)]
    revision = copy.deepcopy({k: v for k, v in definition.items() if k not in _READ_ONLY})
    worker = _worker_container(revision)
    worker["image"] = image
    worker.pop("command", None)
    registered = ecs.register_task_definition(**revision)["taskDefinition"]
    ecs.update_service(
        cluster=cluster, service=service, taskDefinition=registered["taskDefinitionArn"]
    )
    return [
        Applied(what, "updated", (f"revision {registered['revision']}", f"image {image}")),
        Applied(f"ECS service {service}", "updated", ("rolling to the new revision",)),
    ]


def _worker_container(definition: dict[str, Any]) -> dict[str, Any]:
    containers: list[dict[str, Any]] = definition.get("containerDefinitions", [])
    for container in containers:
        if container.get("name") == WORKER_CONTAINER:
            return container
    if len(containers) == 1:
        return containers[0]
    raise UsageError(
        f"task definition {definition.get('family')} has no container {WORKER_CONTAINER!r}",
        fix="redeploy infrastructure (it defines the worker task)",
    )
