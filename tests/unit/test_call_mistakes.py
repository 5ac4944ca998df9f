"""A resource class called with what it does not take (an unknown or a missing keyword, an
input given by position) is refused with a message naming the input, as preview shows any
other mistake: a ``pulumi.RunError`` (one line), never Python's ``TypeError``."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

import pulumi_gpu
import pulumi_gpu.celium as celium
import pulumi_gpu.runpod as runpod


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (
            lambda: runpod.Pod("trainer", gpu="RTX 4090"),
            "runpod.Pod 'trainer': gpu is not an input of runpod.Pod; its inputs: gpu_type,",
        ),
        (
            lambda: pulumi_gpu.Pod("p", gpus={"model": "H100"}),
            "pulumi_gpu.Pod 'p': gpus is not an input of pulumi_gpu.Pod (did you mean gpu?)",
        ),
        (
            lambda: runpod.Job("j", gpu_type="x", max_duration="1h"),
            "runpod.Job 'j': command is required (a keyword argument)",
        ),
        (
            lambda: celium.Volume("v", "description"),
            "celium.Volume 'v': inputs are keyword arguments after the resource name, e.g. "
            "celium.Volume('v', name=...)",
        ),
        (
            lambda: runpod.NetworkVolume(size_gb=10),  # type: ignore[call-arg]
            'runpod.NetworkVolume: the resource name comes first, e.g. runpod.NetworkVolume("',
        ),
    ],
)
def test_a_call_that_does_not_fit_the_class_is_refused_naming_the_input(
    call: Any, words: str
) -> None:
    with pytest.raises(pulumi.RunError) as refused:
        call()
    assert words in str(refused.value)
