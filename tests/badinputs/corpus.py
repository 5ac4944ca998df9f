"""The bad-input corpus: mistakes people make, on every kind of the four clouds.

Each case is one mistake on top of inputs that are otherwise right, written as a person
would write it: keyword arguments in a Python program, or an entry of a fleet file. The
field is the input the refusal must name. The corpus holds the cases issue 25 lists
(an unknown RunPod GPU, a Celium image without a tag or one Celium cannot run, a price
ceiling below every offer, a keyword argument a class does not take), whether or not
they were refused when they were written down.
"""

from __future__ import annotations

from tests.badinputs.harness import Case, fleet, py

SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 bad"
PRIVATE_KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "-----END OPENSSH PRIVATE KEY-----"
)
SECRET = "s3cr3t-registry-pass-9f2c"
"""A secret value some cases carry: the preview must never show it."""

RTX4090 = "NVIDIA GeForce RTX 4090"
IMAGE = "runpod/base:0.6.2"
CELIUM_IMAGE = "pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime"

RP_POD = {"gpu_type": RTX4090, "image": IMAGE, "ssh_public_keys": [SSH_KEY]}
RP_JOB = {**RP_POD, "command": "python train.py", "max_duration": "2h"}
C_POD = {"image": CELIUM_IMAGE, "ssh_public_keys": [SSH_KEY], "selector": {"gpu_model": "RTX 4090"}}
C_JOB = {**C_POD, "command": "python train.py", "max_duration": "2h"}
PI_POD = {"gpu_type": "A100_80GB"}
PLACED = {"gpu": {"model": "RTX 4090"}, "ssh_public_keys": [SSH_KEY]}


def _with(base: dict[str, object], **changes: object) -> dict[str, object]:
    found = {**base, **changes}
    return {k: v for k, v in found.items() if v is not None}


# fmt: off
PYTHON: list[Case] = [
    # -- RunPod pods and jobs -----------------------------------------------------------
    py("rp-pod-unknown-gpu", "runpod.Pod", "gpu_type", "a GPU RunPod does not have",
       **_with(RP_POD, gpu_type="NVIDIA GeForce RTX 4090 Ti")),
    py("rp-pod-zero-gpus", "runpod.Pod", "gpu_count", "zero GPUs", **_with(RP_POD, gpu_count=0)),
    py("rp-pod-gpu-count-str", "runpod.Pod", "gpu_count", "a word for a number",
       **_with(RP_POD, gpu_count="two")),
    py("rp-pod-cloud-type", "runpod.Pod", "cloud_type", "an enum value RunPod lacks",
       **_with(RP_POD, cloud_type="SPOT")),
    py("rp-pod-desired-status", "runpod.Pod", "desired_status", "'paused' is no status",
       **_with(RP_POD, desired_status="paused")),
    py("rp-pod-port-range", "runpod.Pod", "exposed_ports", "a port above 65535",
       **_with(RP_POD, exposed_ports=["70000/http"])),
    py("rp-pod-keys-str", "runpod.Pod", "ssh_public_keys", "a str where a list is expected",
       **_with(RP_POD, ssh_public_keys=SSH_KEY)),
    py("rp-pod-disk-negative", "runpod.Pod", "container_disk_gb", "a negative size",
       **_with(RP_POD, container_disk_gb=-20)),
    py("rp-pod-env-name", "runpod.Pod", "env", "a dash in a variable name",
       **_with(RP_POD, env={"HF-TOKEN": "x"})),
    py("rp-pod-gpu-and-cpu", "runpod.Pod", "cpu_flavor", "GPU and CPU pod at once",
       **_with(RP_POD, cpu_flavor="cpu3c")),
    py("rp-pod-unknown-keyword", "runpod.Pod", "gpu", "the placed pod's keyword on a RunPod pod",
       **_with(RP_POD, gpu_type=None, gpu="RTX 4090")),
    py("rp-pod-data-center", "runpod.Pod", "data_center_ids", "a data center RunPod lacks",
       **_with(RP_POD, data_center_ids=["US-MARS-1"])),
    py("rp-pod-mount-path", "runpod.Pod", "volume_mount_path", "a relative mount path",
       **_with(RP_POD, volume_gb=20, volume_mount_path="workspace")),
    py("rp-pod-cuda", "runpod.Pod", "min_cuda_version", "a CUDA version without a minor",
       **_with(RP_POD, min_cuda_version="12")),
    py("rp-pod-volume-missing", "runpod.Pod", "network_volume_id", "a volume that does not exist",
       **_with(RP_POD, network_volume_id="vol-doesnotexist")),
    py("rp-pod-env-list", "runpod.Pod", "env", "a list where a mapping is expected",
       **_with(RP_POD, env=["HF_HOME=/workspace/hf"])),
    py("rp-pod-private-key", "runpod.Pod", "ssh_public_keys", "a private key as a public key",
       **_with(RP_POD, ssh_public_keys=[PRIVATE_KEY])),
    py("rp-job-duration", "runpod.Job", "max_duration", "a duration in no unit",
       **_with(RP_JOB, max_duration="forever")),
    py("rp-job-no-command", "runpod.Job", "command", "a missing required input",
       **_with(RP_JOB, command=None)),
    py("rp-job-on-finish", "runpod.Job", "on_finish", "an enum value RunPod lacks",
       **_with(RP_JOB, on_finish="terminate")),
    py("rp-job-unknown-gpu", "runpod.Job", "gpu_type", "a GPU RunPod does not have",
       **_with(RP_JOB, gpu_type="NVIDIA B300")),
    py("rp-job-wait", "runpod.Job", "wait", "'done' is no wait",
       **_with(RP_JOB, wait="done")),
    # -- RunPod templates, volumes, keys, registries -------------------------------------
    py("rp-tpl-empty-image", "runpod.Template", "image", "an empty image", image=""),
    py("rp-tpl-volume-small", "runpod.Template", "volume_gb", "a volume below 10 GB",
       image=IMAGE, volume_gb=5),
    py("rp-tpl-category", "runpod.Template", "category", "an enum value RunPod lacks",
       image=IMAGE, category="GPU"),
    py("rp-tpl-ports-str", "runpod.Template", "exposed_ports", "a str where a list is expected",
       image=IMAGE, exposed_ports="8888/http"),
    py("rp-vol-zero", "runpod.NetworkVolume", "size_gb", "a size of 0",
       size_gb=0, data_center_id="US-KS-2"),
    py("rp-vol-huge", "runpod.NetworkVolume", "size_gb", "above RunPod's largest volume",
       size_gb=50000, data_center_id="US-KS-2"),
    py("rp-vol-data-center", "runpod.NetworkVolume", "data_center_id", "a data center RunPod lacks",
       size_gb=50, data_center_id="MARS-1"),
    py("rp-vol-type", "runpod.NetworkVolume", "type", "an enum value RunPod lacks",
       size_gb=50, data_center_id="US-KS-2", type="FAST"),
    py("rp-key-private", "runpod.SshKey", "public_key", "a private key", public_key=PRIVATE_KEY),
    py("rp-reg-no-user", "runpod.RegistryAuth", "username", "a missing required input",
       password=SECRET),
    # -- Celium --------------------------------------------------------------------------
    py("c-tpl-alpine", "celium.Template", "docker_image", "an image Celium cannot verify",
       docker_image="alpine", docker_image_tag="3.20"),
    py("c-tpl-tag-in-image", "celium.Template", "docker_image", "the tag inside the image",
       docker_image="vllm/vllm-openai:v0.6.3"),
    py("c-tpl-digest", "celium.Template", "docker_image_digest", "a digest that is too short",
       docker_image="vllm/vllm-openai", docker_image_tag="v0.6.3", docker_image_digest="sha256:ab"),
    py("c-tpl-port", "celium.Template", "internal_ports", "a port above 65535",
       docker_image="vllm/vllm-openai", docker_image_tag="v0.6.3", internal_ports=[22, 80000]),
    py("c-pod-no-tag", "celium.Pod", "image", "an image without a tag",
       **_with(C_POD, image="pytorch/pytorch")),
    py("c-pod-alpine", "celium.Pod", "image", "an image Celium cannot verify",
       **_with(C_POD, image="alpine:3.20")),
    py("c-pod-both", "celium.Pod", "template_id", "a template and an image at once",
       **_with(C_POD, template_id="tpl-123")),
    py("c-pod-selector-count", "celium.Pod", "gpu_count", "zero GPUs",
       **_with(C_POD, selector={"gpu_model": "RTX 4090", "gpu_count": 0})),
    py("c-pod-selector-key", "celium.Pod", "selector.gpu", "an unknown key in a nested dict",
       **_with(C_POD, selector={"gpu": "RTX 4090"})),
    py("c-pod-below-offers", "celium.Pod", "max_price_per_hour", "priced below every offer",
       **_with(C_POD, selector={"gpu_model": "RTX 4090", "max_price_per_hour": 0.05})),
    py("c-pod-unknown-gpu", "celium.Pod", "gpu_model", "a GPU no executor has",
       **_with(C_POD, selector={"gpu_model": "RTX 9090"})),
    py("c-pod-no-keys", "celium.Pod", "ssh_public_keys", "no SSH key at all",
       **_with(C_POD, ssh_public_keys=[])),
    py("c-pod-removed", "celium.Pod", "remove_at", "a removal time in the past",
       **_with(C_POD, remove_at="2020-01-01T00:00:00Z")),
    py("c-job-short", "celium.Job", "max_duration", "a time box of zero",
       **_with(C_JOB, max_duration=0)),
    py("c-job-no-tag", "celium.Job", "image", "an image without a tag",
       **_with(C_JOB, image="nvidia/cuda")),
    py("c-job-below-offers", "celium.Job", "max_price_per_hour", "priced below every offer",
       **_with(C_JOB, selector={"gpu_model": "H100", "max_price_per_hour": 0.5})),
    py("c-vol-long-name", "celium.Volume", "name", "a name of 200 characters", name="v" * 200),
    py("c-key-garbage", "celium.SshKey", "public_key", "not a key", public_key="hello"),
    # -- Prime Intellect -----------------------------------------------------------------
    py("pi-pod-unknown-gpu", "primeintellect.Pod", "gpu_type", "a GPU type of another cloud",
       gpu_type="NVIDIA A100 80GB PCIe"),
    py("pi-pod-below-offers", "primeintellect.Pod", "max_price_per_hour",
       "priced below every offer", **_with(PI_POD, max_price_per_hour=0.05)),
    py("pi-pod-socket", "primeintellect.Pod", "socket", "an enum value Prime Intellect lacks",
       **_with(PI_POD, socket="SXM9")),
    py("pi-pod-image", "primeintellect.Pod", "image", "an image it does not run",
       **_with(PI_POD, image="ubuntu:22.04")),
    py("pi-pod-disk-zero", "primeintellect.Pod", "disk_size", "a disk of 0 GB",
       **_with(PI_POD, disk_size=0)),
    py("pi-pod-disks-str", "primeintellect.Pod", "disk_ids", "a str where a list is expected",
       **_with(PI_POD, disk_ids="disk-1")),
    py("pi-disk-provider", "primeintellect.Disk", "provider", "an enum value it lacks",
       size=50, provider="aws", data_center_id="CANADA-1"),
    py("pi-disk-negative", "primeintellect.Disk", "size", "a negative size",
       size=-5, provider="hyperstack", data_center_id="CANADA-1"),
    py("pi-key-private", "primeintellect.SshKey", "public_key", "a private key",
       public_key=PRIVATE_KEY),
    # -- GPU Dev -------------------------------------------------------------------------
    py("gd-job-gpu", "gpudev.Job", "gpu_type", "a GPU type it does not have", gpu_type="v100"),
    py("gd-job-hours", "gpudev.Job", "duration_hours", "above the 72 hours allowed",
       gpu_type="t4", duration_hours=100),
    py("gd-job-count", "gpudev.Job", "gpu_count", "more GPUs than a node has",
       gpu_type="t4", gpu_count=16),
    py("gd-job-users-str", "gpudev.Job", "extra_users", "a str where a list is expected",
       gpu_type="t4", extra_users="alice"),
    py("gd-disk-small", "gpudev.Disk", "size_gb", "a disk below 10 GB", size_gb=1),
    py("gd-disk-name", "gpudev.Disk", "name", "a space in a disk name", name="my disk"),
    # -- the placed pod ------------------------------------------------------------------
    py("any-below-offers", "Pod", "max_price_per_hour", "priced below every offer",
       **_with(PLACED, gpu={"model": "H100", "max_price_per_hour": 0.05})),
    py("any-unknown-gpu", "Pod", "gpu", "a GPU model no cloud has",
       **_with(PLACED, gpu={"model": "H1000"})),
    py("any-cloud", "Pod", "clouds", "a cloud that does not exist",
       **_with(PLACED, clouds=["aws"])),
    py("any-gpu-str-count", "Pod", "count", "a count of 0",
       **_with(PLACED, gpu={"model": "RTX 4090", "count": 0})),
    py("any-gpu-key", "Pod", "gpu.memory", "an unknown key in a nested dict",
       **_with(PLACED, gpu={"model": "RTX 4090", "memory": 24})),
    py("any-ports", "Pod", "exposed_ports", "a port of 0", **_with(PLACED, exposed_ports=[0])),
    py("any-country", "Pod", "country", "a country name, not a code",
       **_with(PLACED, country="Germany")),
]


FLEET: list[Case] = [
    fleet("f-rp-unknown-gpu", "pods", "gpu_type", "a GPU RunPod does not have",
          cloud="runpod", **_with(RP_POD, gpu_type="NVIDIA RTX 5090 Ultra")),
    fleet("f-rp-cloud-type", "pods", "cloud_type", "an enum value RunPod lacks",
          cloud="runpod", **_with(RP_POD, cloud_type="secure-ish")),
    fleet("f-rp-job-keys-str", "jobs", "ssh_public_keys", "a str where a list is expected",
          cloud="runpod", **_with(RP_JOB, ssh_public_keys=SSH_KEY)),
    fleet("f-rp-vol-zero", "disks", "size_gb", "a size of 0",
          cloud="runpod", size_gb=0, data_center_id="US-KS-2"),
    fleet("f-rp-tpl-unknown", "templates", "image_name", "an input of another API",
          cloud="runpod", image=IMAGE, image_name=IMAGE),
    fleet("f-rp-reg-secret", "registries", "password", "a secret written in the file",
          cloud="runpod", username="bot", password=SECRET),
    fleet("f-rp-key-garbage", "ssh_keys", "public_key", "not a key",
          cloud="runpod", public_key="ssh-rsa"),
    fleet("f-c-alpine", "pods", "image", "an image Celium cannot verify",
          cloud="celium", **_with(C_POD, image="alpine:3.20")),
    fleet("f-c-tpl-alpine", "templates", "docker_image", "an image Celium cannot verify",
          cloud="celium", docker_image="library/alpine", docker_image_tag="latest"),
    fleet("f-c-no-tag", "jobs", "image", "an image without a tag",
          cloud="celium", **_with(C_JOB, image="python")),
    fleet("f-c-selector-key", "pods", "selector.price", "an unknown key in a nested dict",
          cloud="celium", **_with(C_POD, selector={"gpu_model": "A100", "price": 2})),
    fleet("f-c-tier", "pods", "tier", "an enum value Celium lacks",
          cloud="celium", **_with(C_POD, selector={"gpu_model": "A100", "tier": "premium"})),
    fleet("f-c-both", "pods", "executor_id", "an executor and a selector at once",
          cloud="celium", **_with(C_POD, executor_id="exec-1")),
    fleet("f-c-below-offers", "pods", "max_price_per_hour", "priced below every offer",
          cloud="celium", **_with(C_POD, selector={"gpu_model": "H200", "max_price_per_hour": 1})),
    fleet("f-c-job-unknown-gpu", "jobs", "gpu_model", "a GPU no executor has",
          cloud="celium", **_with(C_JOB, selector={"gpu_model": "A1000"})),
    fleet("f-c-vol-key", "disks", "size_gb", "an input Celium volumes do not have",
          cloud="celium", size_gb=100),
    fleet("f-pi-below-offers", "pods", "max_price_per_hour", "priced below every offer",
          cloud="primeintellect", **_with(PI_POD, max_price_per_hour=0.1)),
    fleet("f-pi-region", "pods", "region", "a region name it lacks",
          cloud="primeintellect", **_with(PI_POD, region="us-east-1")),
    fleet("f-pi-count", "pods", "gpu_count", "a negative count",
          cloud="primeintellect", **_with(PI_POD, gpu_count=-1)),
    fleet("f-pi-disk-missing", "disks", "data_center_id", "a missing required input",
          cloud="primeintellect", size=50, provider="hyperstack"),
    fleet("f-pi-job", "jobs", "cloud", "a kind the cloud has not",
          cloud="primeintellect", gpu_type="A100_80GB", command="python train.py"),
    fleet("f-gd-gpu", "jobs", "gpu_type", "a GPU type it does not have",
          cloud="gpudev", gpu_type="H100"),
    fleet("f-gd-name", "jobs", "name", "upper-case letters in a server name",
          cloud="gpudev", gpu_type="t4", name="My-Server"),
    fleet("f-gd-disk-big", "disks", "size_gb", "above the largest disk",
          cloud="gpudev", size_gb=100000),
    fleet("f-gd-env", "jobs", "env_vars", "a variable the service owns",
          cloud="gpudev", gpu_type="t4", env_vars={"GPU_TYPE": "h100"}),
    fleet("f-any-below-offers", "pods", "max_price_per_hour", "priced below every offer",
          clouds=["runpod", "celium"],
          **_with(PLACED, gpu={"model": "A100", "max_price_per_hour": 0.1})),
    fleet("f-any-clouds-str", "pods", "clouds", "a str where a list is expected",
          clouds="runpod", **PLACED),
    fleet("f-any-attempts", "pods", "max_attempts", "zero attempts",
          clouds=["runpod"], **_with(PLACED, max_attempts=0)),
    fleet("f-any-gpu-str", "pods", "gpu", "a str where a mapping is expected",
          clouds=["runpod"], **_with(PLACED, gpu="H100")),
]
# fmt: on

CORPUS: list[Case] = [*PYTHON, *FLEET]

CLOUDS = {
    "rp": "runpod",
    "c": "celium",
    "pi": "primeintellect",
    "gd": "gpudev",
    "any": "placed",
}


def group_of(case: Case) -> str:
    """The cloud a case is about (``placed`` for the placed pod), by its id."""
    head = case.id.removeprefix("f-").split("-", 1)[0]
    return CLOUDS[head]
