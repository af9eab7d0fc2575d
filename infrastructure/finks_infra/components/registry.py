"""Registry: the environment's ECR repository for the worker runtime image.

Immutable tags and digests: a release promotes the image staging ran, byte for
byte, so a tag can never be re-pointed; images are scanned on push.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class RegistryArgs:
    repository: str
    keep_images: int = 100


class Registry(pulumi.ComponentResource):
    repository: aws.ecr.Repository

    def __init__(
        self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("finks:infra:Registry", name, None, opts)
        self.repository = aws.ecr.Repository(
            f"{name}-repository",
            name=args.repository,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration={"scan_on_push": True},
            encryption_configurations=[{"encryption_type": "AES256"}],
            force_delete=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        rule = {
            "rulePriority": 1,
            "description": f"keep the newest {args.keep_images} images (ledger digests stay)",
            "selection": {
                "tagStatus": "any",
                "countType": "imageCountMoreThan",
                "countNumber": args.keep_images,
            },
            "action": {"type": "expire"},
        }
        aws.ecr.LifecyclePolicy(
            f"{name}-lifecycle",
            repository=self.repository.name,
            policy=json.dumps({"rules": [rule]}),
            opts=pulumi.ResourceOptions(parent=self.repository),
        )
        self.register_outputs({"repository_url": self.repository.repository_url})
