"""The emulator's interactive docs (``/_emulator/docs``, promised by the README)."""

from __future__ import annotations

import httpx

from pulumi_gpu.emulator import EmulatorServer


def test_the_emulator_docs_describe_its_controls(served: EmulatorServer) -> None:
    docs = httpx.get(f"{served.url()}/_emulator/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text
    assert "/_emulator/openapi.json" in docs.text
    schema = httpx.get(f"{served.url()}/_emulator/openapi.json").json()
    paths = set(schema["paths"])
    assert {"/_emulator/reset", "/_emulator/advance", "/_emulator/faults"} <= paths
    assert "/_emulator/primeintellect/pods/{pod_id}/ssh-keys" in paths
    assert all(p.startswith("/_emulator/") for p in paths), "the clouds' APIs are not in it"
