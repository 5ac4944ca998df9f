"""RunPod templates: an account's own (unique names, guess) beside RunPod's public ones,
which every account can read and create pods from but not change."""

from __future__ import annotations

from typing import Any

from pulumi_gpu.emulator.runpod.inventory import template_defaults
from pulumi_gpu.emulator.runpod.model import TEMPLATE_FIELDS, Template, check_ports, copy_json
from pulumi_gpu.emulator.runpod.tables import RunPodTables
from pulumi_gpu.emulator.state import CloudError


class Templates(RunPodTables):
    """``/v2/templates``: the caller's templates (and the public ones, to read)."""

    def list_templates(self, owner: str) -> list[dict[str, Any]]:
        with self.lock:
            return [_template_json(t) for t in self.templates.values() if t.owner == owner]

    def get_template(self, owner: str, template_id: str) -> dict[str, Any]:
        with self.lock:
            return _template_json(self._readable_template(template_id, owner))

    def public_templates(self, source: str) -> list[dict[str, Any]]:
        """``/v2/catalog/templates``: RunPod's own public templates are the ``official``
        slice (at most 100). guess: the ``verified`` and ``community`` slices are empty (an
        account's ``public`` template stays readable by its owner only, as here)."""
        with self.lock:
            found = [t for t in self.templates.values() if t.owner is None]
            return [_template_json(t) for t in found[:100]] if source == "official" else []

    def create_template(self, owner: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self._unique_template_name(owner, body["name"])
            fields = {**template_defaults(), **body}
            check_ports(fields["ports"])
            self._check_registry(owner, fields["registry"])
            template = Template(self._token(10), owner, fields)
            self.templates[template.id] = template
            return _template_json(template)

    def update_template(
        self, owner: str, template_id: str, changes: dict[str, Any]
    ) -> dict[str, Any]:
        with self.lock:
            template = self._own_template(template_id, owner)
            if changes.get("name") not in (None, template.fields["name"]):
                self._unique_template_name(owner, changes["name"])
            if changes.get("mounts") == {}:
                changes = {k: v for k, v in changes.items() if k != "mounts"}
            fields = {**template.fields, **changes}
            check_ports(fields["ports"])
            if "registry" in changes:
                self._check_registry(owner, changes["registry"])
            template.fields = fields
            return _template_json(template)

    def delete_template(self, owner: str, template_id: str) -> None:
        with self.lock:
            self._own_template(template_id, owner)
            self._purge()
            users = [p.id for p in self._live_pods() if p.template_id == template_id]
            if users:
                raise CloudError(
                    400,
                    "Template is in use by a pod or serverless endpoint "
                    f"(pods: {', '.join(users)})",
                )
            del self.templates[template_id]

    def _unique_template_name(self, owner: str, name: str) -> None:
        # guess: v1 and GraphQL document unique template names; v2 says nothing
        if any(t.owner == owner and t.fields["name"] == name for t in self.templates.values()):
            raise CloudError(400, f"a template named {name!r} already exists")


def _template_json(t: Template) -> dict[str, Any]:
    return {"id": t.id, **{k: copy_json(t.fields.get(k)) for k in TEMPLATE_FIELDS}}
