"""The recorded releases (``releases.toml``) and an interpreter for each, built from history.

A release's package is built from the repository's own history: ``git archive <commit>``
into a scratch directory, its wheel built there with this interpreter's build backend
(no isolation, so nothing is downloaded), and installed into a virtualenv of its own.
That virtualenv reuses this environment's dependencies through a ``.pth`` line naming
this environment's site-packages, yet never sees the checkout's code: the checkout's
editable install is itself a ``.pth`` file in that directory, and a directory added by
a ``.pth`` line does not get its own ``.pth`` files processed.

Built virtualenvs are kept per commit under ``$PULUMI_GPU_RELEASE_CACHE`` (default
``~/.cache/pulumi-gpu/releases``) and rebuilt when missing or made for another
environment; a lock per commit lets concurrent test runs share the cache.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

RELEASES_FILE = "releases.toml"
BUILD_FORMAT = 1
"""Raise it when the way a release is built changes: every cached virtualenv is rebuilt."""
_MARK = "built.json"  # written last: a release directory without it is incomplete


@dataclass(frozen=True)
class Release:
    version: str
    commit: str
    note: str = ""

    @property
    def short(self) -> str:
        return self.commit[:7]


@dataclass(frozen=True)
class ReleaseEnv:
    """A release's package installed in a virtualenv of its own."""

    release: Release
    venv: Path
    seconds: float
    """Time to provide it: building it, or finding it in the cache."""
    cached: bool

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


def repository_root() -> Path:
    """The checkout these tests run in (its history holds every release)."""
    found = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"],
        cwd=Path(__file__).parent,
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(found.stdout.strip())


def load_releases(root: Path | None = None) -> list[Release]:
    """The releases of ``releases.toml``, oldest first."""
    import tomllib  # (Python 3.11+; imported here so that loading this module never fails)

    root = root or repository_root()
    with open(root / RELEASES_FILE, "rb") as file:
        data = tomllib.load(file)
    releases = [Release(**entry) for entry in data.get("release", [])]
    for release in releases:
        if len(release.commit) != 40:
            raise ValueError(f"{RELEASES_FILE}: {release.version}: give the full commit hash")
    return releases


def cache_root() -> Path:
    given = os.environ.get("PULUMI_GPU_RELEASE_CACHE")
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pulumi-gpu" / "releases"


def _host_site_packages() -> list[str]:
    """The directories this environment's dependencies live in."""
    paths = sysconfig.get_paths()
    return list(dict.fromkeys([paths["purelib"], paths["platlib"]]))


def _identity() -> dict[str, object]:
    """What a cached virtualenv was made for: if any of it changes, it is rebuilt."""
    return {"format": BUILD_FORMAT, "python": sys.version, "host": _host_site_packages()}


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def release_env(release: Release, root: Path | None = None) -> ReleaseEnv:
    """The release's virtualenv, from the cache or built now."""
    root = root or repository_root()
    started = time.monotonic()
    home = cache_root() / release.commit
    with _locked(cache_root() / f"{release.commit}.lock"):
        if _is_current(home):
            return ReleaseEnv(release, home / "venv", time.monotonic() - started, True)
        shutil.rmtree(home, ignore_errors=True)
        # The virtualenv is made in place (its scripts name their path); the source and
        # the wheel's build go to a scratch directory beside it.
        scratch = Path(tempfile.mkdtemp(prefix=f"{release.commit}.", dir=cache_root()))
        try:
            _build(release, root, scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return ReleaseEnv(release, home / "venv", time.monotonic() - started, False)


def _is_current(home: Path) -> bool:
    mark = home / _MARK
    if not mark.exists() or not (home / "venv" / "bin" / "python").exists():
        return False
    try:
        return bool(json.loads(mark.read_text())["identity"] == _identity())
    except (ValueError, KeyError):
        return False


def _build(release: Release, root: Path, scratch: Path) -> None:
    """Archive, build the wheel, make the virtualenv in the cache, install, mark it done."""
    home = cache_root() / release.commit
    known = subprocess.run(
        ["git", "cat-file", "-e", f"{release.commit}^{{commit}}"], cwd=root, check=False
    )
    if known.returncode != 0:
        raise RuntimeError(
            f"release {release.version}: commit {release.commit} is not in the history of "
            f"{root} (a shallow clone? `git fetch --unshallow`)"
        )
    source = scratch / "source"
    source.mkdir()
    archive = scratch / "source.tar"
    _run(["git", "archive", "--format=tar", "-o", str(archive), release.commit], cwd=root)
    with tarfile.open(archive) as tar:
        tar.extractall(source, filter="data")
    wheels = scratch / "wheels"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--quiet",
            "--wheel-dir",
            str(wheels),
            str(source),
        ],
        cwd=scratch,
        hint="the wheel is built with this environment's hatchling (pip install hatchling)",
    )
    (wheel,) = wheels.glob("*.whl")
    home.mkdir(parents=True)
    shutil.copy(wheel, home / wheel.name)
    venv = home / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=scratch)
    python = venv / "bin" / "python"
    # Installed before the .pth below exists, so pip sees an empty environment (it never
    # looks at, let alone uninstalls, this environment's editable pulumi-gpu).
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
            str(home / wheel.name),
        ],
        cwd=scratch,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "_pulumi_gpu_host_env.pth").write_text(
        "".join(f"{path}\n" for path in _host_site_packages())
    )
    found = subprocess.run(
        [str(python), "-c", "import pulumi, pulumi_gpu; print(pulumi_gpu.__file__)"],
        capture_output=True,
        text=True,
        cwd=scratch,
        env=release_python_env(),
        check=False,
    )
    if found.returncode != 0 or not found.stdout.strip().startswith(str(venv)):
        raise RuntimeError(
            f"release {release.version}: its virtualenv imports pulumi_gpu from "
            f"{found.stdout.strip() or '?'} (expected under {venv}):\n{found.stderr}"
        )
    (home / _MARK).write_text(
        json.dumps({"release": release.version, "wheel": wheel.name, "identity": _identity()})
    )


def release_python_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """An environment for a release's interpreter: nothing of the checkout on its path."""
    env = dict(os.environ if base is None else base)
    for name in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV"):
        env.pop(name, None)
    env["PYTHONNOUSERSITE"] = "1"
    return env


def _run(command: list[str], cwd: Path, hint: str = "") -> None:
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({proc.returncode}){': ' + hint if hint else ''}\n"
            f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
        )
