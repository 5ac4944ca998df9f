"""Celium templates: created or replaced, then verified (CREATED/UPDATED -> VERIFY_PENDING ->
VERIFY_SUCCESS | VERIFY_FAILED); only a verified template can be rented."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from pulumi_gpu.emulator.celium.model import (
    CELIUM,
    CREATED,
    DEFAULT_IMAGE_CUDA,
    NOT_DEBIAN,
    UPDATED,
    VERIFY_FAILED,
    VERIFY_PENDING,
    VERIFY_SUCCESS,
    Template,
    default_images_of,
    user_id,
)
from pulumi_gpu.emulator.celium.tables import CeliumTables
from pulumi_gpu.emulator.state import CloudError, Timeline

CATALOG_SINCE = datetime(2025, 3, 1, tzinfo=timezone.utc).timestamp()
"""When Celium's public templates were made (guess: after PyTorch 2.6.0's release)."""


class Templates(CeliumTables):
    """``/templates``: the caller's templates, and everyone's public ones to read and rent
    with (``is_private: false``); only the owner replaces or deletes one.

    A fresh emulator holds Celium's own public templates, verified: one for each image
    ``/executors/default-docker-image`` names (the Lium SDK rents a machine's default
    image through the public template of that image and tag). They have no ``user_id``
    and no key owns them; they are not :meth:`leftovers`."""

    def _clear(self) -> None:
        """The tables, then Celium's public templates seeded again."""
        super()._clear()
        for _, cuda in DEFAULT_IMAGE_CUDA:
            for image in default_images_of(cuda):
                fields = _public_template(image, cuda)
                ref = f"{fields['docker_image']}:{fields['docker_image_tag']}"
                template_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"celium-template:{ref}"))
                self.templates[template_id] = Template(
                    id=template_id,
                    owner=CELIUM,
                    fields=fields,
                    timeline=Timeline(CATALOG_SINCE, VERIFY_SUCCESS),
                    passes=True,
                    created_at=CATALOG_SINCE,
                    updated_at=CATALOG_SINCE,
                )

    def list_templates(self, owner: str) -> list[dict[str, Any]]:
        with self.lock:
            self._purge()
            return [
                self._template_json(t)
                for t in self.templates.values()
                if t.owner == owner or t.public
            ]

    def get_template(self, owner: str, template_id: str) -> dict[str, Any]:
        with self.lock:
            return self._template_json(self._readable_template(template_id, owner))

    def create_template(self, owner: str, fields: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            now = self.clock.now()
            template = Template(
                id=self._new_id(),
                owner=owner,
                fields=fields,
                timeline=Timeline(now, CREATED),
                passes=True,
                created_at=now,
                updated_at=now,
            )
            if self.fail_next_templates:
                template.failure = self.fail_next_templates.pop(0)
            self._verify(template, now)
            self.templates[template.id] = template
            return self._template_json(template)

    def replace_template(
        self, owner: str, template_id: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        with self.lock:
            template = self._template(template_id, owner)
            now = self.clock.now()
            template.fields = fields
            template.updated_at = now
            template.failure = None
            template.timeline.go(now, UPDATED)
            self._verify(template, now)
            return self._template_json(template)

    def delete_template(self, owner: str, template_id: str) -> dict[str, Any]:
        with self.lock:
            self._template(template_id, owner)
            users = [p.id for p in self.pods.values() if p.template_id == template_id]
            if users:  # guess: the real API's answer is not documented
                raise CloudError(400, f"Template is in use by pods: {', '.join(users)}")
            del self.templates[template_id]
            return {"detail": "Template deleted successfully"}

    def _verify(self, template: Template, now: float) -> None:
        image = template.fields["docker_image"]
        tag = template.fields.get("docker_image_tag") or "latest"
        base = image.rsplit("/", 1)[-1].lower()
        template.passes = template.failure is None and not (
            base in NOT_DEBIAN or "alpine" in tag.lower() or image in self.failing_images
        )
        outcome = VERIFY_SUCCESS if template.passes else VERIFY_FAILED
        t = self.timings
        template.timeline.go(
            now,
            template.timeline.status(now),
            [(t.verify_start, VERIFY_PENDING), (t.verify_start + t.verify, outcome)],
        )

    def _template_json(self, t: Template) -> dict[str, Any]:
        status = t.timeline.status(self.clock.now())
        image = f"{t.fields['docker_image']}:{t.fields.get('docker_image_tag') or 'latest'}"
        logs = None
        if status == VERIFY_SUCCESS:
            logs = f"Pulled {image}\nInstalled openssh-server\nVerification passed"
        elif status == VERIFY_FAILED and t.failure is not None:
            logs = f"Pulled {image}\n{t.failure}\nVerification failed"
        elif status == VERIFY_FAILED:
            logs = (
                f"Pulled {image}\n/bin/sh: apt-get: not found\n"
                "Verification failed: the image must be Debian/Ubuntu-based "
                "(verification installs openssh-server with apt)"
            )
        return {
            "id": t.id,
            "user_id": None if t.owner == CELIUM else user_id(t.owner),
            **t.fields,
            "status": status,
            "verification_logs": logs,
            "created_at": self.clock.iso(t.created_at, naive=True),
            "updated_at": self.clock.iso(t.updated_at, naive=True),
        }


def _public_template(image: dict[str, str], cuda: str) -> dict[str, Any]:
    """The fields of Celium's public template of a default image. guess: the real catalog's
    names, descriptions and ports are not published; these follow the image, with the
    create defaults (``TemplateCreate``) for the rest."""
    pytorch = image["docker_image"].endswith("/pytorch")
    name = f"PyTorch 2.6.0 (CUDA {cuda})" if pytorch else f"Ubuntu 22.04 (CUDA {cuda})"
    return {
        "name": name,
        **image,
        "docker_image_digest": "",
        "docker_image_size": None,
        "description": f"{name}, with SSH; Celium's image for machines of that CUDA version",
        "category": "PYTORCH" if pytorch else "UBUNTU",
        "volumes": ["/workspace"],
        "environment": {},
        "entrypoint": "",
        "internal_ports": [22, 8000],
        "is_private": False,
        "readme": "",
        "startup_commands": "",
        "container_start_immediately": True,
        "docker_credential_id": None,
        "one_time_template": False,
    }
