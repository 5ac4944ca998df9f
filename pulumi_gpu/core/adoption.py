"""Taking over an existing object: ``adopt_id``, an input of every kind.

``check`` refuses, at preview, an ``adopt_id`` that names nothing, a failed object, or
one that would need a replacement to match the inputs (:func:`adoption_failures`); the
create then applies the other differences through the kind's own update (:func:`adopt`).
An object that bears another pulumi-gpu resource's mark is taken over as asked, with a
warning: the user named it, but another stack may hold it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pulumi.dynamic import CheckFailure, CreateResult

from pulumi_gpu.core import lifecycle
from pulumi_gpu.core.errors import GpuCloudError
from pulumi_gpu.core.identity import OWNER_KEY, Owner, Whose
from pulumi_gpu.core.inputs import (
    ADOPT_ID,
    contains_unknown,
    differing,
    model_values,
    without_provider,
)
from pulumi_gpu.core.log import report
from pulumi_gpu.core.phases import Phase

if TYPE_CHECKING:
    from pulumi_gpu.core.provider import GpuProvider


def adopting(provider: GpuProvider[Any, Any], adopt_id: Any) -> bool:
    """True for a create that takes ``adopt_id`` over (not for the replacement of what a
    resource adopted: that is created anew)."""
    return isinstance(adopt_id, str) and not lifecycle.claims.adoption_replaced(
        provider.kind, adopt_id
    )


def adopt(provider: GpuProvider[Any, Any], adopt_id: str, props: dict[str, Any]) -> CreateResult:
    """Take over the object ``adopt_id`` names: its differences from the inputs are applied
    by the kind's update; a failure leaves it as it was (it is not ours to delete until it
    is recorded)."""
    news = without_provider(props)
    with lifecycle.claims.naming(provider.kind, adopt_id):
        if lifecycle.claims.held(provider.kind, adopt_id):
            raise GpuCloudError(
                f"{provider.describe(news)}: {provider.kind} {adopt_id} is already managed by "
                "this stack; adopt_id can name an object once"
            )
        live = provider.adoptable(adopt_id, news)
        lifecycle.claims.hold(provider.kind, adopt_id)
    report(f"{provider.describe(news)}: adopting {adopt_id} (nothing is created)")
    done = provider.update(adopt_id, live, props)
    return CreateResult(adopt_id, done.outs)


def adoptable(
    provider: GpuProvider[Any, Any], adopt_id: str, news: Mapping[str, Any]
) -> dict[str, Any]:
    """The input-named values of the object ``adopt_id`` names, as it is (see
    ``GpuProvider.adoptable``)."""
    owner = Owner.parse(news.get(OWNER_KEY))
    values = model_values(news)
    as_found = {**values, "name": None}  # it may have another name than the declared one
    obj = provider._refreshed(adopt_id, as_found)
    seen = provider.observe(obj) if obj is not None else None
    if seen is None or seen.phase in (Phase.GONE, Phase.DELETING):
        raise GpuCloudError(
            f"no {provider.kind} {adopt_id} exists for the configured credentials "
            f"({provider.client().account()})"
        )
    assert obj is not None
    live = provider.as_found(obj, values)
    verdict = provider.ownership(obj, live.get("name"), owner)
    if verdict.whose is Whose.FOREIGN:
        report(
            f"warning: {provider.kind} {adopt_id} bears the mark of another pulumi-gpu "
            f"resource ({verdict.mark}); adopting it makes this resource manage it too. "
            "Make sure no other stack holds it (`pulumi-gpu sweep` lists what none holds)"
        )
    replaces = provider.changes(live, dict(values))[1]
    if "status" in replaces:
        raise GpuCloudError(
            f"{provider.kind} {adopt_id} is {seen.status} ({seen.phase.value}): it cannot be "
            "adopted as it is; delete it, or leave adopt_id out to create a new one"
        )
    if replaces:
        raise GpuCloudError(
            f"{provider.kind} {adopt_id} differs from the inputs where a change replaces "
            f"it ({differing(provider.inputs_model, replaces, live, values)}); declare it as it "
            "is to adopt it (a later change then replaces it as usual)"
        )
    return live


def adoption_failures(
    provider: GpuProvider[Any, Any], olds: Mapping[str, Any], values: Mapping[str, Any]
) -> list[CheckFailure]:
    """``adopt_id`` checked at preview: the object exists and can be taken over."""
    adopt_id = values.get(ADOPT_ID)
    if olds:
        if adopt_id is None or contains_unknown(adopt_id) or adopt_id == olds.get(ADOPT_ID):
            return []
        return [
            CheckFailure(
                ADOPT_ID,
                "adopt_id is used only when the resource is created, and this one exists "
                "already; keep the old value or remove it (to take over another object, "
                "declare another resource)",
            )
        ]
    if not adopting(provider, adopt_id) or contains_unknown(model_values(values)):
        return []
    try:
        provider.adoptable(str(adopt_id), values)
    except GpuCloudError as exc:
        return [CheckFailure(ADOPT_ID, str(exc))]
    return []
