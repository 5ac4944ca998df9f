"""The engine harness itself: a fixture dynamic resource through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def test_lifecycle_through_the_engine(program_stack, tmp_path: Path) -> None:
    store = tmp_path / "cloud"
    store.mkdir()
    stack = program_stack("smoke", config={"store": str(store), "size": "1"})

    preview = stack.preview()
    assert preview.ops() == {"box": "create"}
    assert list(store.iterdir()) == [], "preview must not create anything"

    up = stack.up()
    assert up.ops() == {"box": "create"}
    assert stack.outputs() == {"label": "small:1"}
    (obj,) = store.iterdir()

    assert stack.preview().ops() == {}, "no change must mean no steps"

    stack.set_config("size", "2")
    assert stack.up().ops() == {"box": "update"}
    assert stack.outputs() == {"label": "small:2"}
    assert [p.name for p in store.iterdir()] == [obj.name], "in-place update keeps the object"

    stack.set_config("kind", "large")
    assert stack.preview().ops() == {"box": "replace"}
    replaced = stack.up()
    assert [s.op for s in replaced.steps if s.name == "box"] == [
        "create-replacement",
        "replace",
        "delete-replaced",
    ]
    assert stack.outputs() == {"label": "large:2"}
    (new_obj,) = store.iterdir()
    assert new_obj.name != obj.name

    new_obj.unlink()  # deleted out of band
    stack.refresh()
    assert stack.resources() == {}, "refresh must drop a resource that is gone"

    assert stack.up().ops() == {"box": "create"}
    destroy = stack.destroy()
    assert destroy.ops() == {"box": "delete"}
    assert list(store.iterdir()) == []


def test_serialized_provider_is_a_secret_in_state(program_stack, tmp_path: Path) -> None:
    stack = program_stack("smoke", config={"store": str(tmp_path)})
    stack.up()
    (box,) = stack.resources().values()
    for props in (box["inputs"], box["outputs"]):
        provider = props["__provider"]
        assert isinstance(provider, dict), provider
        assert (
            provider.get("4dabf18193072939515e22adb298388d") == "1b47061264138c4ac30d75fd1eb44270"
        )
        assert "ciphertext" in provider
    assert "BoxProvider" not in json.dumps(stack.export())


def test_the_cli_runs_a_pulumi_yaml_program_in_a_plain_directory(
    pulumi_engine: Path, tmp_path: Path
) -> None:
    """The engine directory holds the Pulumi YAML language host: `pulumi up` itself runs
    a YAML project, with no Automation API in between."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(
        "name: yaml-smoke\nruntime: yaml\n"
        "config:\n  greeting:\n    type: string\n"
        "outputs:\n  said: ${greeting}\n"
    )
    (tmp_path / "state").mkdir()
    env = {
        "PATH": f"{pulumi_engine}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "PULUMI_HOME": str(tmp_path / "home"),
        "PULUMI_BACKEND_URL": f"file://{tmp_path / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": "plain-directory",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }

    def pulumi(*args: str) -> str:
        done = subprocess.run(
            ["pulumi", *args], cwd=project, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"pulumi {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    pulumi("stack", "init", "dev")
    pulumi("config", "set", "greeting", "hello")
    assert "+ 1 to create" in pulumi("preview")
    pulumi("up", "--yes")
    assert json.loads(pulumi("stack", "output", "--json")) == {"said": "hello"}
    pulumi("destroy", "--yes")
