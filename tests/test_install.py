"""``pip install .`` gives commands that work from any directory (pyproject.toml,
tools/commands.py): installed with ``pip install --target`` into a temporary folder and run
from another one, with the venv's dependencies."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tools.paths import ROOT

COMMANDS = ("gc864-emu", "gc864-fleet", "gc864-upload", "gc864-release", "gc864-compile")


def test_every_tools_package_is_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.relative_to(ROOT).parts) for p in (ROOT / "tools").rglob("*")
             if p.is_dir() and "__pycache__" not in p.parts and any(p.glob("*.py"))}
    assert found | {"tools"} <= listed, "add to pyproject.toml [tool.setuptools] packages: %s" % sorted(found - listed)


def test_installed_commands_work_from_another_directory(tmp_path: Path) -> None:
    target, cwd, src = tmp_path / "site", tmp_path / "elsewhere", tmp_path / "src"
    cwd.mkdir()
    # a copy of what pip needs, so its build files (build/, *.egg-info) stay out of the work tree
    shutil.copytree(ROOT / "tools", src / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    for f in [ROOT / "pyproject.toml", *ROOT.glob("*.py")]:
        shutil.copy2(f, src / f.name)
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check",
                        "--target", str(target), str(src)], capture_output=True, text=True, timeout=300)
    if r.returncode != 0 and ("satisfies the requirement setuptools" in r.stderr or "NewConnectionError" in r.stderr):
        pytest.skip("pip cannot fetch the build backend (setuptools) from the package registry")
    assert r.returncode == 0, r.stderr
    assert (target / "tools" / "fleet" / "status.html").is_file()       # the page's package data
    assert (target / "tools" / "emulator" / "stubs" / "MDM.py").is_file()
    env = dict(os.environ, PYTHONPATH=str(target))
    env.pop("PYTHONSAFEPATH", None)

    def run(cmd: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(target / "bin" / cmd), *args], cwd=cwd, env=env, input=stdin,
                              capture_output=True, text=True, timeout=120)

    for cmd in COMMANDS:
        h = run(cmd, "--help")
        assert h.returncode == 0 and "usage:" in h.stdout, (cmd, h.stderr)
    c = run("gc864-compile")
    assert c.returncode == 0, c.stdout + c.stderr
    assert (cwd / "build" / "gwloop.pyo").is_file()                     # built here, not in site-packages
    rel = run("gc864-release", "--version", "9.9", "-o", "rel")
    assert rel.returncode == 0, rel.stderr
    assert "9.9" in (cwd / "rel" / "manifest.txt").read_text()
    e = run("gc864-emu", "--virtual", "--serial", "none", stdin="advance 5\nstatus\nquit\n")
    assert e.returncode == 0, e.stderr
    assert "script gateway.py (running)" in e.stdout and (cwd / "flash-run" / "gateway.py").is_file()
    (cwd / "fleet.toml").write_text('[fleet]\nlisten = "127.0.0.1:7000"\n[unit.pump3]\nidentity = "pump3"\n')
    f = run("gc864-fleet", "check")
    assert f.returncode == 0 and "unit pump3: calls in" in f.stdout, f.stderr
