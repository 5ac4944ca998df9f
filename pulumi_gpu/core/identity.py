"""Who made a cloud object: the ownership mark pulumi-gpu puts on everything it creates.

An object's owner (:class:`Owner`, written ``3f9a1c0e7b52.7d2ae8b1``) is two ids:

- its **stack**'s: a random id made once per stack by the stack's identity resource
  (:class:`StackIdentity`, which the first pulumi-gpu resource of a program registers)
  and kept in the stack's state, so two stacks of the same project and name on two
  backends (two laptops, a file backend and a bucket) have two identities;
- its **resource**'s in that stack: a hash of the resource's type and name, and its
  parents' (what makes its URN), so two resources never share one.

Every kind carries the mark in the names pulumi-gpu gives (:func:`compose_name`: a
readable ``<project>-<stack>-<resource>`` prefix, then the owner's :attr:`Owner.tag`,
cut to the cloud's rules), and kinds whose cloud has a field for it also keep it there
(RunPod pods and jobs: the ``PULUMI_GPU_OWNER`` environment variable), so an object the
user names is provable too. :func:`ownership` reads an object's mark against a
resource's: the lifecycle adopts only what is provably its own, and never adopts,
changes or deletes what bears another owner's mark.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pulumi_gpu.core.checks import RESERVED_ENV

OWNER_KEY = "owner"
"""The property every resource's state carries its owner in (its text form)."""
OWNER_ENV = RESERVED_ENV
"""The environment variable that carries the mark where a cloud keeps an object's env."""
DEFAULT_NAME_KEY = "default_name"
"""Program to provider: the name to give an object the program names not (the provider's
``check`` keeps a recorded name instead, and drops this key)."""

_OWNER = re.compile(r"^([0-9a-f]{12})\.([0-9a-f]{8})$")
_TAG = re.compile(r"-([0-9a-f]{6})-([0-9a-f]{8})$")


@dataclass(frozen=True)
class Owner:
    """A resource's identity: its stack's id and its own hash in that stack."""

    stack: str
    """12 hex digits, random, made once per stack."""
    resource: str
    """8 hex digits: the hash of the resource's type and name (see :func:`resource_hash`)."""

    def __str__(self) -> str:
        return f"{self.stack}.{self.resource}"

    @property
    def tag(self) -> str:
        """The end of the names pulumi-gpu gives: ``<6 of the stack id>-<resource hash>``."""
        return f"{self.stack[:6]}-{self.resource}"

    @classmethod
    def parse(cls, value: Any) -> Owner | None:
        """The owner a mark's text names; None for anything else."""
        found = _OWNER.match(value) if isinstance(value, str) else None
        return cls(found.group(1), found.group(2)) if found else None


def resource_hash(key: str) -> str:
    """8 hex digits naming a resource in its stack, from its :func:`resource_key`."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def resource_key(type_token: str, name: str, parents: tuple[tuple[str, str], ...] = ()) -> str:
    """What tells a resource apart in its stack: its type and name, after its parents'
    (``type::name``, outermost first), as its URN does."""
    return "/".join(f"{t}::{n}" for t, n in (*parents, (type_token, name)))


@dataclass(frozen=True)
class NameRule:
    """What a cloud accepts as a name, for the names pulumi-gpu gives."""

    max_length: int = 63
    lower: bool = False
    """Only lower-case letters."""
    underscores: bool = True
    """``_`` allowed (besides letters, digits and ``-``)."""


NAME_RULE = NameRule()


def compose_name(prefix: str, owner_tag: str, rule: NameRule = NAME_RULE) -> str:
    """``<prefix>-<owner tag>`` within ``rule``: the prefix loses what the cloud does not
    take (non-ASCII letters too) and is cut to leave room for the tag, which makes the
    name unique whatever the prefix became."""
    raw = prefix.lower() if rule.lower else prefix
    allowed = "a-z0-9" if rule.lower else "A-Za-z0-9"
    allowed += "_-" if rule.underscores else "-"
    readable = re.sub(r"-{2,}", "-", re.sub(f"[^{allowed}]+", "-", raw)).strip("-")
    readable = readable[: rule.max_length - len(owner_tag) - 1].rstrip("-_")
    return f"{readable}-{owner_tag}" if readable else f"gpu-{owner_tag}"


def name_prefix(project: str, stack: str, resource_name: str) -> str:
    """What a name pulumi-gpu proposes starts with: ``<project>-<stack>-<resource>``."""
    return f"{project}-{stack}-{resource_name}"


def name_taken(where: str, first: str, name: str) -> str:
    """Why a resource cannot give its object ``name``: ``first``, another resource of the
    same kind in this ``where`` (program, stack), gives its object that name."""
    return (
        f"another resource of this {where} ({first}) gives its object the same name "
        f"({name!r}); each would adopt or delete the other's. Give one of them another name"
    )


def tag_of(name: str) -> tuple[str, str] | None:
    """(stack id's first 6 digits, resource hash) of a name pulumi-gpu gave; else None."""
    found = _TAG.search(name)
    return (found.group(1), found.group(2)) if found else None


class Whose(Enum):
    """What an object's mark says about a resource's claim to it."""

    OURS = "ours"
    FOREIGN = "foreign"
    """It bears another owner's mark."""
    UNPROVEN = "unproven"
    """It bears no mark: made by hand, by another tool, or by pulumi-gpu before 0.2.0."""


@dataclass(frozen=True)
class Verdict:
    whose: Whose
    mark: str | None = None
    """The other owner's mark (or the stack part of its name tag) when foreign."""


def ownership(owner: Owner | None, name: str | None, mark: str | None) -> Verdict:
    """Whether an object named ``name``, whose cloud-side field holds ``mark`` (None: no
    such field, or nothing in it), is the resource of ``owner``'s."""
    if mark is not None:
        if owner is not None and mark == str(owner):
            return Verdict(Whose.OURS)
        return Verdict(Whose.FOREIGN, mark)
    tagged = tag_of(name or "")
    if tagged is None:
        return Verdict(Whose.UNPROVEN)
    if owner is not None and tagged == (owner.stack[:6], owner.resource):
        return Verdict(Whose.OURS)
    return Verdict(Whose.FOREIGN, f"{tagged[0]}.{tagged[1]}")


def new_stack_id() -> str:
    return secrets.token_hex(6)


@dataclass(frozen=True)
class Inventoried:
    """One object of the account as ``pulumi-gpu sweep`` reads it: what marks it bears."""

    id: str
    name: str | None
    mark: str | None = None
    """The mark it bears in a field of its own (see ``GpuProvider.mark_of``)."""
    created_at: str | None = None
    """ISO 8601, as the cloud says."""
    cost_per_hour: float | None = None

    def owner(self) -> tuple[str, str] | None:
        """(stack id or its first 6 digits, resource hash) of the mark it bears; None if
        it bears none."""
        marked = Owner.parse(self.mark)
        if marked is not None:
            return marked.stack, marked.resource
        return tag_of(self.name or "")
