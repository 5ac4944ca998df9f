"""What CONTRIBUTING.md and the pre-commit configuration say about the loop holds."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _make_dry_run(target: str) -> str:
    done = subprocess.run(
        ["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_make_check_runs_lint_and_every_test_that_needs_no_engine() -> None:
    commands = _make_dry_run("check")
    assert "ruff check" in commands and "ruff format --check" in commands
    assert "mypy" in commands
    pytest_line = next(line for line in commands.splitlines() if "pytest" in line)
    assert "PULUMI_GPU_ENGINE_DIR" not in pytest_line
    dirs = set(re.findall(r"tests/\w+", pytest_line))
    assert dirs == {
        "tests/unit",
        "tests/fleet",
        "tests/emulator",
        "tests/clients",
        "tests/provider",
    }
    assert all((ROOT / d).is_dir() for d in dirs)


def test_pre_commit_runs_make_check() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert [hook["entry"] for hook in hooks] == ["make check"]
    assert hooks[0]["pass_filenames"] is False and hooks[0]["always_run"] is True


def test_contributing_names_files_that_exist() -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text()
    named = set(re.findall(r"`((?:pulumi_gpu|tests|schema)/[\w./]+?)`", text))
    assert named, "CONTRIBUTING.md names the project's files"
    assert sorted(p for p in named if not (ROOT / p.split("::")[0]).exists()) == []
