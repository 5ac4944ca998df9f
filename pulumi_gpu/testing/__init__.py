"""Test your own Pulumi programs and fleet files offline, against the emulated clouds.

The way moto lets people test AWS code: the emulator serves the four clouds' APIs on
127.0.0.1, and :class:`ProgramStack` runs a program directory through the real `pulumi`
CLI (the one on PATH, or in ``$PULUMI_GPU_ENGINE_DIR``) with a throw-away local backend.
Needs the testing extra (the emulator's dependencies and pytest):
``pip install 'pulumi-gpu[testing]'``; without pytest, the emulator extra is enough.

In pytest, load the fixtures in ``conftest.py``::

    pytest_plugins = ["pulumi_gpu.testing.fixtures"]

    def test_my_fleet(gpu_stack, emulator):
        stack = gpu_stack.fleet(Path("fleet.yaml").read_text())
        assert stack.preview().ops() == {"trainer": "create"}
        stack.up()
        assert emulator.leftovers()["runpod"]["pods"]

Without pytest::

    with EmulatorServer(Emulator()) as server:
        settings, secrets = server.emulator.stack_config(server.url())
        stack = ProgramStack(Path("my-program"), Path(tempfile.mkdtemp()),
                             config=settings, secrets=secrets)
        stack.up()
"""

from pulumi_gpu.emulator import Emulator, EmulatorServer
from pulumi_gpu.testing.stack import NoPulumiCli, OpResult, ProgramStack, StackError, pulumi_dir

__all__ = [
    "Emulator",
    "EmulatorServer",
    "NoPulumiCli",
    "OpResult",
    "ProgramStack",
    "StackError",
    "pulumi_dir",
]
