"""Config keys: a `pulumi-gpu:` key no setting reads is warned about, with a suggestion."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from pulumi.runtime import config as pulumi_config

import pulumi_gpu
from pulumi_gpu.core import config


def test_every_setting_is_declared_where_the_warning_looks() -> None:
    expected = config.setting_keys()
    for module in pkgutil.walk_packages(pulumi_gpu.__path__, "pulumi_gpu."):
        if ".emulator" not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    assert expected == config._SETTINGS
    assert {"runpodApiKey", "celiumApiKey", "maxCostPerHour", "pollSeconds"} <= expected


def test_a_mistyped_key_is_warned_about_once_with_a_suggestion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    warnings: list[str] = []
    monkeypatch.setattr("pulumi.log.warn", lambda message, *_: warnings.append(message))
    token = pulumi_config.CONFIG.set(
        {
            "pulumi-gpu:runpodKey": "x",  # the typo
            "pulumi-gpu:runpodApiKey": "y",
            "pulumi-gpu:zzz": "1",
            "other-project:runpodKey": "z",  # another namespace: not ours to judge
        }
    )
    try:
        config.warn_unknown_keys()
        config.warn_unknown_keys()  # every resource checks; the warning is said once
    finally:
        pulumi_config.CONFIG.reset(token)
    runpod_key, zzz = warnings
    assert runpod_key.startswith(
        "pulumi-gpu:runpodKey is not a pulumi-gpu setting and is ignored; "
        "did you mean pulumi-gpu:runpodApiKey? settings: "
    )
    assert zzz.startswith("pulumi-gpu:zzz is not a pulumi-gpu setting and is ignored; settings:")
    assert "celiumApiKey" in zzz

    token = pulumi_config.CONFIG.set({"pulumi-gpu:runpodKey": "x"})  # the next program run
    try:
        config.warn_unknown_keys()
    finally:
        pulumi_config.CONFIG.reset(token)
    assert len(warnings) == 3 and warnings[2] == runpod_key, "each run says it again"


def test_known_keys_say_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[Any] = []
    monkeypatch.setattr("pulumi.log.warn", lambda message, *_: warnings.append(message))
    token = pulumi_config.CONFIG.set({f"pulumi-gpu:{k}": "v" for k in config.setting_keys()})
    try:
        config.warn_unknown_keys()
    finally:
        pulumi_config.CONFIG.reset(token)
    assert warnings == []
