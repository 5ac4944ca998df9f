"""Lookups fail with one message naming the lookup, as a pulumi.RunError (no traceback)."""

from __future__ import annotations

import pulumi
import pytest

from pulumi_gpu import celium, primeintellect, runpod
from pulumi_gpu.core.config import use_stack_config
from pulumi_gpu.core.errors import ConfigurationError, GpuCloudError
from pulumi_gpu.core.lookup import LookupFailed


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RUNPOD_API_KEY", "CELIUM_API_KEY", "LIUM_API_KEY", "PRIME_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    use_stack_config({})


def test_a_missing_key_names_the_lookup_and_the_setting() -> None:
    with pytest.raises(LookupFailed) as failed:
        celium.get_executors(gpu_model="H100")
    assert str(failed.value).startswith(
        "celium.get_executors: the Celium API key is not configured: run `pulumi config set "
        "--secret pulumi-gpu:celiumApiKey <value>`"
    )
    assert isinstance(failed.value, pulumi.RunError), "Pulumi prints a RunError's message alone"
    assert isinstance(failed.value, GpuCloudError), "code that catches ours still does"
    assert isinstance(failed.value.__cause__, ConfigurationError)


def test_a_bad_argument_is_said_with_the_lookup_name() -> None:
    with pytest.raises(LookupFailed, match=r"^runpod\.get_gpu_types: gpu_count must be at least 1"):
        runpod.get_gpu_types(gpu_count=0)
    with pytest.raises(LookupFailed, match=r"^primeintellect.get_pod_logs: .*API key"):
        primeintellect.get_pod_logs("pod-1")
    with pytest.raises(
        LookupFailed,
        match=r"^celium\.get_executors: gpu_count: Input should be greater than or equal to 1$",
    ):
        celium.get_executors(gpu_count=0)
