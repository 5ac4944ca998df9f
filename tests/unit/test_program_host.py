"""The inline program host's seam in the Pulumi SDK: installed once, loud when it moves."""

from __future__ import annotations

import pytest
from pulumi.automation import _server, _stack

from pulumi_gpu.testing import host


def test_installing_twice_is_installing_once() -> None:
    host.install()
    host.install()
    assert _stack.LanguageServer is host.OnceLanguageServer
    assert issubclass(host.OnceLanguageServer, _server.LanguageServer)


def test_an_sdk_that_builds_its_language_server_elsewhere_is_refused_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Elsewhere:
        pass

    monkeypatch.setattr(_stack, "LanguageServer", Elsewhere)
    with pytest.raises(host.SdkMismatch, match=r"pulumi_gpu\.testing\.host needs updating"):
        host.install()
    assert _stack.LanguageServer is Elsewhere, "nothing is changed when it does not fit"
