"""Pulumi resources for GPU clouds: Celium (Lium), RunPod, Prime Intellect and the GPU Dev API.

The cloud sub-packages (``pulumi_gpu.runpod``, ...) hold each cloud's own resources;
here are those of the market over all of them: :func:`offers` (what can be rented now,
cheapest first) and :class:`Pod` (a pod placed on the cheapest cloud that satisfies it),
with the types of its ``gpu`` (:class:`GpuRequirementArgs`) and ``clouds``
(:data:`PlaceableCloud`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pulumi_gpu.market.offers import offers
    from pulumi_gpu.market.pod import GpuRequirementArgs, PlaceableCloud, Pod

__version__ = "0.2.0"

__all__ = ["GpuRequirementArgs", "PlaceableCloud", "Pod", "__version__", "offers"]


def __getattr__(name: str) -> Any:
    """``Pod`` and ``offers`` load on first use: the emulator and the command line, which
    import this package too, need neither the Pulumi SDK nor the cloud clients."""
    if name in ("Pod", "GpuRequirementArgs", "PlaceableCloud"):
        from pulumi_gpu.market import pod

        return getattr(pod, name)
    if name == "offers":
        from pulumi_gpu.market.offers import offers

        return offers
    raise AttributeError(f"module 'pulumi_gpu' has no attribute {name!r}")
