"""The baseline users have without pulumi-gpu: a hand-written dynamic provider.

It does what the seeds' scripts do (rent the first machine listed, then poll at a fixed
interval until RUNNING) inside Pulumi's dynamic-provider process, whose gRPC server
runs 4 operations at once. Endpoint, key and interval come from the environment.
"""

from __future__ import annotations

import os
import time
from typing import Any

import httpx
import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


def _client() -> httpx.Client:
    return httpx.Client(
        base_url=os.environ["BENCH_CELIUM_URL"],
        headers={"X-API-KEY": os.environ["BENCH_CELIUM_KEY"]},
        timeout=30,
    )


class NaivePodProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        interval = float(os.environ["BENCH_NAIVE_POLL"])
        with _client() as api:
            while True:
                executor = api.get("/executors").json()[0]
                answer = api.post(
                    f"/executors/{executor['id']}/rent",
                    json={
                        "pod_name": props["name"],
                        "template_id": props["template_id"],
                        "user_public_key": [props["ssh_key"]],
                    },
                )
                if answer.status_code == 200:
                    break
                time.sleep(interval)  # somebody rented it first
            pod = answer.json()
            while pod["status"] != "RUNNING":
                time.sleep(interval)
                pod = api.get(f"/pods/{pod['id']}").json()
        return CreateResult(pod["id"], {**props, "ssh_command": pod["ssh_connect_cmd"]})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        interval = float(os.environ["BENCH_NAIVE_POLL"])
        with _client() as api:
            api.delete(f"/pods/{id_}")
            while api.get(f"/pods/{id_}").status_code != 404:
                time.sleep(interval)


class NaivePod(Resource, module="bench", name="NaivePod"):
    ssh_command: pulumi.Output[str]

    def __init__(self, name: str, *, template_id: pulumi.Input[str], ssh_key: str) -> None:
        props = {"name": name, "template_id": template_id, "ssh_key": ssh_key, "ssh_command": None}
        super().__init__(NaivePodProvider(), name, props)
