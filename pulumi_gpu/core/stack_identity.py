"""The stack's identity, made once and kept in its state, and what one program registers.

The first pulumi-gpu resource a program declares registers :class:`StackIdentity`
(``pulumi-gpu``, type ``pulumi-python:dynamic/pulumi-gpu:StackIdentity``). The program
proposes a random id; the provider keeps the one the state records, so the proposal
counts only for a stack that has none yet (a refresh, an update and a teammate's
checkout see the same id; a stack destroyed and brought up again gets a new one). The id
is an input, so even the first preview knows it and every name and mark made from it
(see ``identity``). Every resource's owner mark is made from it, so every resource
depends on it: it is made first and deleted last, and it touches no cloud.

The provider class's import path is part of every stack's state (the dynamic provider is
pickled by reference): it must never move.
"""

from __future__ import annotations

import threading
from typing import Any

import pulumi
import pulumi.runtime
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, ResourceProvider

from pulumi_gpu.core.identity import Owner, new_stack_id

IDENTITY_NAME = "pulumi-gpu"
IDENTITY_TYPE = "pulumi-python:dynamic/pulumi-gpu:StackIdentity"
STACK_ID = "stack_id"


class StackIdentityProvider(ResourceProvider):
    """Keeps the stack id its state records; takes the program's proposal only at create."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        recorded = olds.get(STACK_ID)
        return CheckResult({**news, STACK_ID: recorded or news.get(STACK_ID)}, [])

    def create(self, props: dict[str, Any]) -> CreateResult:
        stack_id = str(props.get(STACK_ID) or new_stack_id())
        return CreateResult(stack_id, {STACK_ID: stack_id})

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=False, replaces=[], stables=[], delete_before_replace=False)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, {STACK_ID: props.get(STACK_ID) or id_})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Nothing to delete: the id lives only in the state."""


class StackIdentity(pulumi.dynamic.Resource, module="pulumi-gpu", name="StackIdentity"):
    """The stack's identity: a random id, made once, that every owner mark starts with."""

    stack_id: pulumi.Output[str]

    def __init__(self) -> None:
        super().__init__(StackIdentityProvider(), IDENTITY_NAME, {STACK_ID: new_stack_id()})


class Program:
    """What the program running now has registered: its stack identity, and the cloud
    names its resources take (per kind: two resources that would share one are refused
    at preview, as the second would adopt or delete the first's object)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._identity: StackIdentity | None = None
        self._names: dict[tuple[str, str], str] = {}

    def owner(self, resource_hash: str) -> pulumi.Output[str]:
        """The owner mark (text) of the resource whose hash is ``resource_hash``."""
        with self._lock:
            if self._identity is None:
                self._identity = StackIdentity()
            identity = self._identity
        return identity.stack_id.apply(lambda stack_id: str(Owner(stack_id, resource_hash)))

    def take_name(self, kind: str, name: str, resource: str) -> str | None:
        """Record that ``resource`` names its object ``name``; the resource that took
        that name first, if another did."""
        with self._lock:
            first = self._names.setdefault((kind, name), resource)
        return None if first == resource else first


_PROGRAM_ATTRIBUTE = "_pulumi_gpu_program"
_programs_lock = threading.Lock()
_outside = Program()


def this_program() -> Program:
    """The program running now (one per run: a test process or the Automation API runs
    many programs one after another). It is kept on the program's root resource, so it
    goes with the program: nothing of a finished program stays alive (its gRPC channels
    to an engine that has exited among them)."""
    root = pulumi.runtime.get_root_resource()
    if root is None:  # no stack resource (unit tests with mocks)
        return _outside
    with _programs_lock:
        program = getattr(root, _PROGRAM_ATTRIBUTE, None)
        if program is None:
            program = Program()
            setattr(root, _PROGRAM_ATTRIBUTE, program)
        return program
