"""RunPod inputs: mistakes caught at preview, the diff policy, what is sent and reflected."""

from __future__ import annotations

from typing import Any

import dill
import pytest
from pulumi.output import Unknown

from pulumi_gpu.core.inputs import PROVIDER_KEY
from pulumi_gpu.core.phases import Phase
from pulumi_gpu.runpod.models import POD_PHASES
from pulumi_gpu.runpod.models import Pod as ApiPod
from pulumi_gpu.runpod.network_volume import NetworkVolumeProvider
from pulumi_gpu.runpod.pod import PodInputs, PodProvider, outputs, reflected
from pulumi_gpu.runpod.template import TemplateInputs, TemplateProvider
from tests.support.checks import by_field

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 me"
POD: dict[str, Any] = {"name": "p", "gpu_type": "NVIDIA GeForce RTX 4090", "image": "runpod/base"}
VOLUME: dict[str, Any] = {"name": "v", "size_gb": 50, "data_center_id": "US-KS-2"}
TEMPLATE: dict[str, Any] = {"name": "t", "image": "runpod/base"}


def failures(
    provider: Any, news: dict[str, Any], olds: dict[str, Any] | None = None
) -> dict[str, str]:
    result = provider.check(olds or {}, {**news, PROVIDER_KEY: "p"})
    return by_field(result.failures)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            {"exposed_ports": ["8888"]},
            "exposed_ports",
            "exposed_ports[0] is '8888'; expected '<port>/http' or '<port>/tcp'",
        ),
        ({"exposed_ports": ["22/udp"]}, "exposed_ports", "expected '<port>/http' or '<port>/tcp'"),
        ({"exposed_ports": ["70000/tcp"]}, "exposed_ports", "from 1 to 65535"),
        ({"exposed_ports": ["22/tcp", "22/http"]}, "exposed_ports", "repeated: [22]"),
        (
            {"cpu_flavor": "cpu5c"},
            "runpod Pod",
            "exactly one of gpu_type (a GPU pod) and cpu_flavor",
        ),
        ({"gpu_type": None}, "runpod Pod", "exactly one of gpu_type"),
        ({"image": None}, "runpod Pod", "give image, or template_id"),
        ({"gpu_count": 0}, "gpu_count", "greater than or equal to 1"),
        ({"vcpu_count": 4}, "vcpu_count", "CPU pods (cpu_flavor) only"),
        ({"cloud_type": "ALL"}, "cloud_type", "'SECURE' or 'COMMUNITY'"),
        ({"desired_status": "paused"}, "desired_status", "'running' or 'stopped'"),
        ({"volume_gb": 5}, "volume_gb", "greater than or equal to 10"),
        ({"volume_gb": 20, "network_volume_id": "v1"}, "network_volume_id", "not both"),
        ({"volume_mount_path": "/data"}, "volume_mount_path", "needs volume_gb, network_volume_id"),
        ({"network_volume_id": "v", "volume_mount_path": "data"}, "volume_mount_path", "'^/'"),
        (
            {"network_volume_id": "v", "cloud_type": "COMMUNITY"},
            "cloud_type",
            "SECURE cloud pods only",
        ),
        ({"allowed_cuda_versions": ["12"]}, "allowed_cuda_versions", "'major.minor'"),
        (
            {"allowed_cuda_versions": ["12.8"], "min_cuda_version": "12.4"},
            "min_cuda_version",
            "not both",
        ),
        ({"ssh_public_keys": ["hello"]}, "ssh_public_keys", "not an OpenSSH public key"),
        (
            {"ssh_public_keys": [KEY], "env": {"PUBLIC_KEY": KEY}},
            "ssh_public_keys",
            "either in ssh_public_keys or as env PUBLIC_KEY",
        ),
        ({"env": {"1BAD": "x"}}, "env", "[A-Za-z_]"),
        ({"container_disk_gb": 0}, "container_disk_gb", "greater than or equal to 1"),
        ({"wait_timeout": 0}, "wait_timeout", "greater than 0"),
        ({"gpu_typ": "x"}, "gpu_typ", "did you mean 'gpu_type'"),
    ],
)
def test_pod_mistakes(change: dict[str, Any], field: str, words: str) -> None:
    found = failures(PodProvider(), {**POD, **change})
    assert field in found, found
    assert words in found[field]


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"gpu_count": 2}, "gpu_count", "GPU pods (gpu_type) only"),
        ({"vcpu_count": 6}, "vcpu_count", "power of two"),
        ({"volume_gb": 20}, "volume_gb", "CPU pods cannot have a persistent volume"),
        ({"min_cuda_version": "12.4"}, "min_cuda_version", "GPU pods only"),
    ],
)
def test_cpu_pod_mistakes(fields: dict[str, Any], field: str, words: str) -> None:
    cpu = {"name": "c", "cpu_flavor": "cpu5c", "image": "runpod/base", **fields}
    found = failures(PodProvider(), cpu)
    assert field in found and words in found[field], found


def test_valid_pods_pass_and_unknowns_are_not_judged() -> None:
    assert failures(PodProvider(), POD) == {}
    assert failures(PodProvider(), {"name": "c", "cpu_flavor": "cpu5c", "image": "x"}) == {}
    from_template = {"name": "t", "gpu_type": "NVIDIA L40S", "template_id": "tpl"}
    assert failures(PodProvider(), {**from_template, "volume_mount_path": "/w"}) == {}
    preview = {**POD, "network_volume_id": Unknown(), "volume_mount_path": "/workspace"}
    assert failures(PodProvider(), preview) == {}, "a volume id known only after apply"
    assert failures(PodProvider(), {**POD, "gpu_count": Unknown()}) == {}


def test_secret_inputs_are_not_echoed() -> None:
    found = failures(PodProvider(), {**POD, "env": {"TOKEN": 12345}})
    assert "12345" not in found["env.TOKEN"]


def diff(provider: Any, olds: dict[str, Any], news: dict[str, Any]) -> tuple[bool, list[str]]:
    result = provider.diff("id", {**olds, PROVIDER_KEY: "a"}, {**news, PROVIDER_KEY: "b"})
    return result.changes, sorted(result.replaces)


STATE = {**POD, "data_center_id": "US-KS-2", "status": "RUNNING"}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, (False, [])),
        ({"desired_status": "stopped"}, (True, [])),
        ({"name": "q"}, (True, [])),
        ({"image": "runpod/other"}, (True, [])),
        ({"env": {"A": "1"}}, (True, [])),
        ({"exposed_ports": ["8888/http"]}, (True, [])),
        ({"ssh_public_keys": [KEY]}, (True, [])),
        ({"container_disk_gb": 80}, (True, [])),
        ({"wait_timeout": 60}, (True, [])),
        ({"gpu_type": "NVIDIA L40S"}, (True, ["gpu_type"])),
        ({"gpu_count": 2}, (True, ["gpu_count"])),
        ({"cloud_type": "COMMUNITY"}, (True, ["cloud_type"])),
        ({"template_id": "t2"}, (True, ["template_id"])),
        ({"network_volume_id": "v2"}, (True, ["network_volume_id"])),
        ({"volume_gb": 30}, (True, ["volume_gb"])),
        ({"start_ssh": False}, (True, ["start_ssh"])),
        ({"start_jupyter": True}, (True, ["start_jupyter"])),
        ({"min_cuda_version": "12.4"}, (True, ["min_cuda_version"])),
        ({"data_center_ids": ["EU-RO-1", "US-KS-2"]}, (False, [])),
        ({"data_center_ids": ["EU-RO-1"]}, (True, ["data_center_ids"])),
        ({"data_center_ids": [Unknown()]}, (True, ["data_center_ids"])),
        ({"network_volume_id": Unknown()}, (True, ["network_volume_id"])),
    ],
)
def test_pod_diff_policy(change: dict[str, Any], expected: tuple[bool, list[str]]) -> None:
    assert diff(PodProvider(), STATE, {**POD, **change}) == expected


def test_unsetting_a_container_value_replaces_and_cpu_defaults_compare_by_value() -> None:
    with_args = {**STATE, "args": "serve", "ssh_public_keys": [KEY]}
    assert diff(PodProvider(), with_args, POD) == (True, ["args", "ssh_public_keys"])
    cpu = {"name": "c", "cpu_flavor": "cpu5c", "image": "x"}
    assert diff(PodProvider(), cpu, {**cpu, "vcpu_count": 2}) == (False, [])
    assert diff(PodProvider(), cpu, {**cpu, "vcpu_count": 4}) == (True, ["vcpu_count"])


def test_pod_create_body() -> None:
    body = PodInputs.model_validate(
        {**POD, "ssh_public_keys": [KEY], "env": {"A": "1"}}
    ).create_body()
    assert body == {
        "name": "p",
        "cloud": "SECURE",
        "startSsh": True,
        "startJupyter": False,
        "gpu": {"id": "NVIDIA GeForce RTX 4090", "count": 1},
        "image": "runpod/base",
        "env": {"A": "1", "PUBLIC_KEY": KEY},
        "ports": ["22/tcp"],
        "disk": 50,
    }
    templated = PodInputs.model_validate(
        {
            "name": "p",
            "gpu_type": "NVIDIA L40S",
            "gpu_count": 2,
            "template_id": "tpl",
            "network_volume_id": "vol",
            "data_center_ids": ["EU-RO-1"],
            "allowed_cuda_versions": ["12.8"],
        }
    ).create_body()
    assert "image" not in templated and "ports" not in templated and "disk" not in templated
    assert templated["templateId"] == "tpl" and templated["dataCenterIds"] == ["EU-RO-1"]
    assert templated["gpu"] == {"id": "NVIDIA L40S", "count": 2, "allowedCudaVersions": ["12.8"]}
    assert templated["mounts"] == {"network": [{"volumeId": "vol", "path": "/workspace"}]}
    cpu = PodInputs.model_validate(
        {"name": "c", "cpu_flavor": "cpu5c", "image": "x", "volume_mount_path": None}
    )
    assert cpu.create_body()["cpu"] == {"id": "cpu5c", "vcpuCount": 2}
    persistent = PodInputs.model_validate({**POD, "volume_gb": 40, "volume_mount_path": "/data"})
    assert persistent.create_body()["mounts"] == {"persistent": {"size": 40, "path": "/data"}}


def api_pod(status: str = "RUNNING", **fields: Any) -> ApiPod:
    body: dict[str, Any] = {
        "id": "abc",
        "name": "p",
        "status": status,
        "image": "runpod/base",
        "ports": ["22/tcp", "8888/http"],
        "env": {"A": "1", "PUBLIC_KEY": KEY, "JUPYTER_PASSWORD": "pw", "FROM_TEMPLATE": "x"},
        "dataCenterId": "US-KS-2",
        "cost": 0.69,
        "gpu": {"id": "NVIDIA GeForce RTX 4090", "count": 1},
        "ssh": {
            "proxy": {
                "host": "ssh.runpod.io",
                "port": 22,
                "username": "abc-1",
                "command": "ssh abc-1@ssh.runpod.io",
            },
            "direct": {
                "host": "1.2.3.4",
                "port": 40022,
                "username": "root",
                "command": "ssh root@1.2.3.4 -p 40022",
            },
        },
        "runtime": {
            "uptime": 10,
            "ports": [
                {"private": 22, "public": 40022, "type": "tcp", "ip": "1.2.3.4"},
                {"private": 8888, "public": None, "type": "http", "ip": None},
            ],
        },
        "mounts": {"network": [{"volumeId": "vol", "path": "/w"}]},
        "unknownField": True,
        **fields,
    }
    return ApiPod(**body)


def test_outputs_of_a_running_and_a_stopped_pod() -> None:
    running = outputs(api_pod())
    assert running["ssh_command"] == "ssh root@1.2.3.4 -p 40022"
    assert (running["ssh_host"], running["ssh_port"], running["ssh_user"]) == (
        "1.2.3.4",
        40022,
        "root",
    )
    assert running["ssh_proxy_command"] == "ssh abc-1@ssh.runpod.io"
    assert running["ports"] == {"22": 40022} and running["public_ip"] == "1.2.3.4"
    assert running["http_urls"] == {"8888": "https://abc-8888.proxy.runpod.net"}
    assert running["compute"] == "1x NVIDIA GeForce RTX 4090"
    assert running["jupyter_password"] == "pw"
    assert running["runtime"] == {
        "uptime_seconds": 10,
        "gpu_util": [],
        "gpu_memory_util": [],
        "cpu_util": None,
        "memory_util": None,
    }
    busy = {
        "uptime": 3600,
        "gpus": [{"util": 97, "memoryUtil": 81}, {"util": 95, "memoryUtil": 80}],
        "cpu": {"util": 12},
        "memory": {"util": 40},
    }
    assert outputs(api_pod(runtime=busy))["runtime"] == {
        "uptime_seconds": 3600,
        "gpu_util": [97, 95],
        "gpu_memory_util": [81, 80],
        "cpu_util": 12,
        "memory_util": 40,
    }
    stopped = outputs(api_pod("EXITED", runtime=None, cost=0.0))
    assert stopped["runtime"] is None
    assert stopped["ssh_command"] is None and stopped["ssh_proxy_command"] is None
    assert stopped["http_urls"] == {} and stopped["ports"] == {}
    assert stopped["cost_per_hour"] == 0.0


def test_readiness_needs_every_tcp_port_and_direct_ssh() -> None:
    assert api_pod().observe().phase is Phase.READY
    waiting = api_pod(
        runtime={"ports": [{"private": 22, "public": None, "type": "tcp"}]},
        ssh={"proxy": None, "direct": None},
    ).observe()
    assert waiting.phase is Phase.PENDING
    assert waiting.text == "RUNNING (waiting for 22/tcp, direct SSH)"
    starting = api_pod("STARTING").observe()
    assert (starting.phase, starting.status) == (Phase.PENDING, "STARTING")
    proxy_only = api_pod(ports=["8888/http"], ssh={"proxy": None, "direct": None})
    assert proxy_only.observe().phase is Phase.READY, "no TCP port asked: a runtime is enough"
    assert "logs are on RunPod" in (api_pod("ERROR").observe().reason or "")
    said = api_pod("ERROR", failure_log="pull access denied for acme/app").observe()
    assert said.reason == "pull access denied for acme/app"


def test_read_reflects_only_what_the_program_set() -> None:
    state = {
        "name": "old",
        "image": "runpod/old",
        "env": {"A": "0", "GONE": "1"},
        "ssh_public_keys": [KEY],
    }
    live = reflected(api_pod("EXITED"), {**state, "volume_mount_path": "/workspace"})
    assert live == {
        "name": "p",
        "image": "runpod/base",
        "env": {"A": "1"},
        "ssh_public_keys": [KEY],
        "volume_mount_path": "/w",
    }
    assert "exposed_ports" not in live and "args" not in live, "left to RunPod or the template"
    assert set(reflected(api_pod(), {"name": "p"})) == {"name", "env"}


@pytest.mark.parametrize(
    ("status", "phase"),
    [
        ("PROVISIONING", "pending"),
        ("STARTING", "pending"),
        ("RUNNING", "ready"),
        ("EXITED", "stopped"),
        ("ERROR", "failed"),
        ("TERMINATED", "gone"),
        ("SOMETHING_NEW", "pending"),
    ],
)
def test_status_map(status: str, phase: str) -> None:
    assert POD_PHASES(status).value == phase


def test_volume_grows_in_place_and_refuses_to_shrink() -> None:
    provider = NetworkVolumeProvider()
    assert diff(provider, VOLUME, {**VOLUME, "size_gb": 100}) == (True, [])
    assert diff(provider, VOLUME, {**VOLUME, "name": "w"}) == (True, [])
    shrink = failures(provider, {**VOLUME, "size_gb": 40}, VOLUME)
    assert list(shrink) == ["size_gb"]
    assert (
        "cannot shrink: it has 50 GB and 40 GB was asked; keep size_gb >= 50" in shrink["size_gb"]
    )
    assert failures(provider, {**VOLUME, "size_gb": 5}) == {
        "size_gb": "Input should be greater than or equal to 10 (got 5)"
    }
    assert (
        "less than or equal to 4096" in failures(provider, {**VOLUME, "size_gb": 5000})["size_gb"]
    )


@pytest.mark.parametrize("change", [{"data_center_id": "EU-RO-1"}, {"type": "HIGH_PERFORMANCE"}])
def test_volume_moves_destroy_data_so_they_must_be_asked_for(change: dict[str, Any]) -> None:
    provider = NetworkVolumeProvider()
    (field,) = change
    refused = failures(provider, {**VOLUME, **change}, VOLUME)
    assert list(refused) == [field]
    assert "replaces this runpod NetworkVolume, which deletes the data on it" in refused[field]
    assert "allow_replacement=true" in refused[field]
    allowed = {**VOLUME, **change, "allow_replacement": True}
    assert failures(provider, allowed, VOLUME) == {}
    assert diff(provider, VOLUME, allowed) == (True, [field])
    assert diff(provider, VOLUME, {**VOLUME, "allow_replacement": True}) == (False, [])


def test_template_updates_in_place_except_dropping_its_volume() -> None:
    provider = TemplateProvider()
    base = {**TEMPLATE, "volume_gb": 20}
    for change in (
        {"image": "x/y"},
        {"env": {"A": "1"}},
        {"exposed_ports": ["8888/http"]},
        {"category": "AMD"},
        {"start_jupyter": True},
        {"volume_gb": 40},
        {"volume_mount_path": "/data"},
        {"allowed_cuda_versions": ["12.8"]},
    ):
        assert diff(provider, base, {**base, **change}) == (True, []), change
    assert diff(provider, base, TEMPLATE) == (True, ["volume_gb"])
    same_path = {**base, "volume_mount_path": "/workspace"}
    assert diff(provider, base, same_path) == (False, []), "unset means /workspace"
    found = failures(provider, {**TEMPLATE, "volume_mount_path": "/w"})
    assert found == {"volume_mount_path": "volume_mount_path needs volume_gb"}
    bad = failures(provider, {**TEMPLATE, "exposed_ports": ["x"]})
    assert "expected '<port>/http'" in bad["exposed_ports"]
    assert (
        "'NVIDIA', 'AMD' or 'CPU'"
        in failures(provider, {**TEMPLATE, "category": "TPU"})["category"]
    )


def test_template_body() -> None:
    inputs = TemplateInputs.model_validate({**TEMPLATE, "volume_gb": 20, "env": {"A": "1"}})
    assert inputs.body() == {
        "name": "t",
        "image": "runpod/base",
        "registry": None,
        "args": "",
        "env": {"A": "1"},
        "ports": ["22/tcp"],
        "disk": 50,
        "category": "NVIDIA",
        "startSsh": True,
        "startJupyter": False,
        "allowedCudaVersions": [],
        "mounts": {"persistent": {"size": 20, "path": "/workspace"}},
    }


@pytest.mark.parametrize("provider", [PodProvider, TemplateProvider, NetworkVolumeProvider])
def test_providers_pickle_by_reference_without_state(provider: type) -> None:
    blob = dill.dumps(provider(), recurse=True)
    assert len(blob) < 200, "a provider must pickle by reference, holding nothing"
    assert type(dill.loads(blob)) is provider
