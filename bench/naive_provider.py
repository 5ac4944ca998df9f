"""The baseline users have without pulumi-gpu: a hand-written dynamic provider.

It does what the seeds' scripts do on each cloud (create the machine, then poll it at a
fixed interval until it runs; delete it, then poll until it is gone) inside Pulumi's
dynamic-provider process, whose gRPC server runs 4 operations at once. A 429 is waited
out as its ``Retry-After`` says, as a careful script would. Endpoints, keys and the
interval come from the environment (``BENCH_<CLOUD>_URL``, ``BENCH_<CLOUD>_KEY``,
``BENCH_NAIVE_POLL``).
"""

from __future__ import annotations

import os
import time
from typing import Any

import httpx
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


def _interval() -> float:
    return float(os.environ["BENCH_NAIVE_POLL"])


def _call(api: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request, sent again after a 429 once its Retry-After has passed."""
    while True:
        answer = api.request(method, path, **kwargs)
        if answer.status_code != 429:
            return answer
        time.sleep(float(answer.headers.get("Retry-After", "1")))


def _client(cloud: str) -> httpx.Client:
    url, key = os.environ[f"BENCH_{cloud.upper()}_URL"], os.environ[f"BENCH_{cloud.upper()}_KEY"]
    if cloud == "celium":
        return httpx.Client(base_url=url, headers={"X-API-KEY": key}, timeout=30)
    if cloud == "gpudev":  # the key is AWS credentials "id:secret:token", exchanged first
        access, secret, token = key.split(":", 2)
        login = {
            "aws_access_key_id": access,
            "aws_secret_access_key": secret,
            "aws_session_token": token,
        }
        api_key = httpx.post(f"{url}/v1/auth/aws-login", json=login, timeout=30).json()
        key = api_key["api_key"]
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


def _create(api: httpx.Client, cloud: str, props: dict[str, Any]) -> str:
    name, key = props["name"], props["ssh_key"]
    if cloud == "celium":
        while True:
            executor = _call(api, "GET", "/executors").json()[0]
            body = {"pod_name": name, "template_id": props["template_id"], "user_public_key": [key]}
            answer = _call(api, "POST", f"/executors/{executor['id']}/rent", json=body)
            if answer.status_code == 200:
                return str(answer.json()["id"])
            time.sleep(_interval())  # somebody rented it first
    if cloud == "runpod":
        body = {
            "name": name,
            "image": "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04",
            "gpu": {"id": "NVIDIA GeForce RTX 4090", "count": 1},
            "ports": ["22/tcp"],
            "startSsh": True,
            "env": {"PUBLIC_KEY": key},
        }
        answer = _call(api, "POST", "/pods", json=body)
    elif cloud == "primeintellect":
        offers = _call(api, "GET", "/availability/gpus", params={"gpu_type": "A6000_48GB"})
        offer = offers.json()["items"][0]
        pod = {
            "name": name,
            **{k: offer[k] for k in ("cloudId", "gpuType", "socket", "gpuCount")},
            "dataCenterId": offer["dataCenter"],
        }
        answer = _call(
            api, "POST", "/pods/", json={"pod": pod, "provider": {"type": offer["provider"]}}
        )
    else:  # gpudev
        env = {"POD_NAME": name, "GPU_TYPE": "t4", "GPU_COUNT": "1"}
        body = {"instance_type": "g4dn.12xlarge", "duration_hours": 1, "env_vars": env}
        answer = _call(api, "POST", "/v1/jobs/submit", json=body)
    answer.raise_for_status()
    found = answer.json()
    return str(found.get("id") or found.get("job_id"))


_PATHS = {
    "celium": "/pods/{}",
    "runpod": "/pods/{}",
    "primeintellect": "/pods/{}",
    "gpudev": "/v1/jobs/{}",
}
_RUNNING = {
    "celium": "RUNNING",
    "runpod": "RUNNING",
    "primeintellect": "ACTIVE",
    "gpudev": "active",
}


class NaivePodProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        cloud = props["cloud"]
        with _client(cloud) as api:
            pod_id = _create(api, cloud, props)
            path = _PATHS[cloud].format(pod_id)
            while True:
                time.sleep(_interval())
                answer = _call(api, "GET", path)
                if answer.status_code == 200 and answer.json()["status"] == _RUNNING[cloud]:
                    break
        return CreateResult(pod_id, props)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        cloud = props["cloud"]
        with _client(cloud) as api:
            path = _PATHS[cloud].format(id_)
            if cloud == "gpudev":
                _call(api, "POST", f"{path}/cancel")
            else:
                _call(api, "DELETE", path)
            while True:
                answer = _call(api, "GET", path)
                if answer.status_code == 404 or answer.json()["status"] in _GONE:
                    return
                time.sleep(_interval())


_GONE = {"TERMINATED", "cancelled"}
"""Prime keeps a deleted pod readable as TERMINATED; GPU Dev a cancelled job."""


class NaivePod(Resource, module="bench", name="NaivePod"):
    def __init__(self, name: str, *, cloud: str, ssh_key: str, template_id: str = "") -> None:
        props = {"name": name, "cloud": cloud, "ssh_key": ssh_key, "template_id": template_id}
        super().__init__(NaivePodProvider(), name, props)
