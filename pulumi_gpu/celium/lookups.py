"""Read-only Celium lookups for Pulumi programs: executors for rent, recommended images,
templates, the account's pods, a pod's log."""

from __future__ import annotations

from pulumi_gpu.celium.client import celium_client
from pulumi_gpu.celium.models import DockerImage, Executor, Template
from pulumi_gpu.celium.pod import ExecutorSelector
from pulumi_gpu.celium.pod_inputs import Tier
from pulumi_gpu.core.lookup import AccountPod, gpu_label, lookup, oldest_first

__all__ = [
    "AccountPod",
    "DockerImage",
    "Executor",
    "get_default_images",
    "get_executors",
    "get_pod_logs",
    "get_pods",
    "get_templates",
]


@lookup
def get_executors(
    *,
    gpu_model: str | None = None,
    gpu_count: int | None = None,
    max_price_per_hour: float | None = None,
    location: str | None = None,
    tier: Tier | None = None,
) -> list[Executor]:
    """Executors for rent now, cheapest first, filtered like a ``celium.Pod`` selector.

    Credentials come from ``pulumi-gpu:celiumApiKey`` / ``CELIUM_API_KEY`` (and the
    endpoint from ``pulumi-gpu:celiumEndpoint`` / ``CELIUM_API_URL``).

    Example::

        cheapest = celium.get_executors(gpu_model="H100", gpu_count=8)[0]
    """
    selector = ExecutorSelector(
        gpu_model=gpu_model,
        gpu_count=gpu_count,
        max_price_per_hour=max_price_per_hour,
        location=location,
        tier=tier,
    )
    offered = celium_client().list_executors(
        gpu_count_gte=gpu_count, gpu_count_lte=gpu_count, price_per_hour_lte=max_price_per_hour
    )
    found = [
        e
        for e in offered
        if selector.matches(
            e.machine_name, e.gpu_count, e.price_per_hour, e.location.model_dump(), e.tier
        )
    ]
    return sorted(found, key=lambda e: (e.price_per_hour, e.id))


@lookup
def get_pod_logs(pod_id: str, *, tail: int = 100) -> list[str]:
    """The last ``tail`` lines of a pod's container log.

    Example::

        print("\\n".join(celium.get_pod_logs(pod_id, tail=20)))
    """
    return celium_client().pod_logs(pod_id, tail=tail)


@lookup
def get_default_images(
    *, gpu_model: str | None = None, driver_version: str | None = None
) -> list[DockerImage]:
    """The images Celium makes for a machine's GPU and NVIDIA driver, its default first
    (the CUDA inside matches the driver). ``reference`` is ``image:tag``.

    Example::

        image = celium.get_default_images(driver_version="550.54")[0]
        template = celium.Template("base", docker_image=image.docker_image,
                                   docker_image_tag=image.docker_image_tag)
    """
    return celium_client().default_images(gpu_model=gpu_model, driver_version=driver_version)


@lookup
def get_templates(
    *, name: str | None = None, public: bool | None = None, verified: bool = False
) -> list[Template]:
    """The templates the account can rent with: its own and Celium's public ones, by name.
    ``name``: part of the name, case-insensitive; ``public``: only public (True) or only
    the account's private ones (False); ``verified``: only those that passed verification.

    Example::

        ready = celium.get_templates(name="pytorch", public=True, verified=True)
        pod = celium.Pod("trainer", template_id=ready[0].id, ...)
    """
    wanted = name.lower() if name else None
    found = [
        t
        for t in celium_client().list_templates()
        if (wanted is None or wanted in t.name.lower())
        and (public is None or (not t.is_private) == public)
        and (not verified or t.status == "VERIFY_SUCCESS")
    ]
    return sorted(found, key=lambda t: (t.name, t.id))


@lookup
def get_pods() -> list[AccountPod]:
    """Every pod of the account now, whoever rented it, oldest first.

    Example::

        pulumi.export("celium_pods", [f"{p.name} {p.status}" for p in celium.get_pods()])
    """
    found = [
        AccountPod(
            cloud="celium",
            id=pod.id,
            name=pod.pod_name,
            status=pod.status,
            gpu=gpu_label(pod.gpu_count, pod.gpu_name or pod.executor.machine_name),
            cost_per_hour=pod.price if pod.price is not None else pod.executor.price_per_hour,
            created_at=pod.created_at,
        )
        for pod in celium_client().list_pods()
    ]
    return oldest_first(found)
