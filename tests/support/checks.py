"""Reading check failures in tests."""

from __future__ import annotations

from collections.abc import Iterable

from pulumi.dynamic import CheckFailure


def by_field(failures: Iterable[CheckFailure]) -> dict[str, str]:
    """Field path -> reason. A failure about a secret carries no property (the engine
    would print the property's value beside it) and names the field in its reason."""
    found = {}
    for failure in failures:
        path = failure.property or failure.reason.split(": ", 1)[0]
        found[path] = failure.reason
    return found
