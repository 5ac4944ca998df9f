"""Pods from an image: a one-time template per rent, which Celium deletes with its pod.

A Celium pod runs a verified template. A pod given an image (``celium.Pod(image=...)``,
a ``celium.Job``, a placed pod) gets a template of its own, made and verified through the
core lifecycle (so a failed verification is cleaned up), marked one-time so Celium
deletes it with the pod. A rent sent again after a lost answer reuses the template of
the first (one per create token); a rent that definitely failed deletes it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pulumi.dynamic import CheckFailure
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from pulumi_gpu.celium.client import CeliumClient
from pulumi_gpu.celium.models import Template as ApiTemplate
from pulumi_gpu.celium.template import (
    TemplateInputs,
    TemplateProvider,
    debian_only,
    not_debian,
    template_body,
)
from pulumi_gpu.core import lifecycle
from pulumi_gpu.core.log import report
from pulumi_gpu.core.phases import Phase

T = TypeVar("T")

_templates: dict[str, str] = {}
_templates_lock = threading.Lock()
"""The verified template of each create (by its token), for a rent sent again."""


class _OneTimeTemplates(TemplateProvider):
    """Templates Celium deletes with the pod that uses them."""

    kind = "celium one-time template"

    def find(self, inputs: TemplateInputs) -> list[ApiTemplate]:
        """The template of this name an interrupted run left; none while a pod of this
        name lives: the template is then that pod's (the predecessor a replacement is
        made beside), which Celium deletes with it."""
        pods = self.client().list_pods()
        if any(p.pod_name == inputs.name and p.observe().phase is not Phase.GONE for p in pods):
            return []
        return super().find(inputs)

    def create_object(self, inputs: TemplateInputs, token: str) -> ApiTemplate:
        body = {**template_body(inputs), "one_time_template": True}
        return self.client().create_template(body)


def split_image(image: str) -> tuple[str, str]:
    """'repo:tag' -> (repo, tag), tag 'latest' if none (as an image without a tag meant
    before tags were required); a ':' before the last '/' is a registry port."""
    head, _, last = image.rpartition("/")
    name, _, tag = last.partition(":")
    return (f"{head}/{name}" if head else name), (tag or "latest")


def check_image(image: str) -> str:
    """Raise ValueError unless ``image`` is a 'repository:tag' Celium can run (one without
    its tag reads as its ':latest'; :func:`tag_failures` refuses it in a new input)."""
    repository, tag = split_image(image)
    base = not_debian(repository, tag)
    if base is not None:
        raise ValueError(debian_only(repr(image), base))
    try:
        TemplateInputs(name="check", docker_image=repository, docker_image_tag=tag)
    except ValidationError as exc:
        raise ValueError("; ".join(_reason(e) for e in exc.errors())) from None
    return image


def _reason(error: ErrorDetails) -> str:
    """A template's mistake as the image's (its tag's, where it is the tag)."""
    said = str(error["msg"]).removeprefix("Value error, ")
    return f"its tag: {said}" if tuple(error["loc"]) == ("docker_image_tag",) else said


def untagged(image: object) -> bool:
    """An image input without its tag, e.g. ``'pytorch/pytorch'``."""
    return isinstance(image, str) and ":" not in image.rpartition("/")[2]


def tag_failures(
    kind: str, olds: Mapping[str, Any], values: Mapping[str, Any]
) -> list[CheckFailure]:
    """A new ``image`` without its tag, refused at preview: Celium verifies a template made
    for one tag, and 'latest' names whatever was pushed last, which the verified template
    does not follow. One the state already holds (0.2.0 took it, as its ':latest') is
    kept, with a deprecation warning, until 0.3.0."""
    image = values.get("image")
    if not untagged(image):
        return []
    if same_image(olds.get("image"), image):
        report(
            f"warning: {kind}: image {image!r} has no tag and reads as '{image}:latest', as "
            f"in 0.2.0. Deprecated: write its tag ('{image}:latest' changes nothing); "
            "from 0.3.0 an image without its tag is refused"
        )
        return []
    return [
        CheckFailure(
            "image",
            f"give the image's tag, as 'repository:tag' (e.g. '{image}:<tag>'): Celium "
            f"verifies a template made for one tag ('{image}:latest' is what this meant "
            "before tags were required; writing it replaces nothing)",
        )
    ]


def same_image(old: object, new: object) -> bool:
    """True if two image inputs name the same image: one without a tag, from before tags
    were required, is its ':latest'. A diff then changes nothing."""
    return isinstance(old, str) and isinstance(new, str) and split_image(old) == split_image(new)


def rent_on_own_template(
    client: CeliumClient,
    template: TemplateInputs,
    token: str,
    what: str,
    rent: Callable[[str], T],
) -> T:
    """``rent(template_id)`` on a verified one-time template made for ``template`` (the
    same one for every retry of the create ``token``), deleted if the rent definitely
    failed (nothing uses it)."""
    with _templates_lock:
        template_id = _templates.get(token)
    if template_id is None:
        template_id = _verified(template, what).id
        with _templates_lock:
            _templates[token] = template_id
    try:
        return rent(template_id)
    except BaseException as exc:
        if not getattr(exc, "outcome_unknown", False):
            client.delete_template(template_id)
        raise


def _verified(inputs: TemplateInputs, what: str) -> ApiTemplate:
    """The template, made once (or adopted from a run that was interrupted) and
    verified; deleted if verification fails."""
    templates = _OneTimeTemplates()
    made = lifecycle.obtain(templates, inputs, f"{what} template").obj
    watch = lifecycle.Watch(templates, made, inputs.model_dump(), f"{what} template")
    verified = watch.ready_or_discarded(inputs, timeout=inputs.wait_timeout, record=lambda t: t)
    report(f"{what}: template {verified.id} verified")
    return verified
