"""Where things are: the project root, its on-module files, and ../shared/."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
if not (ROOT / "gateway.py").is_file():
    # installed (pip install .): the on-module files are the package gc864_firmware
    # (pyproject.toml), read-only; .pyo files are built into ./build of the current directory
    import importlib.util

    _spec = importlib.util.find_spec("gc864_firmware")
    if _spec is not None and _spec.submodule_search_locations:
        ROOT = Path(list(_spec.submodule_search_locations)[0]).resolve()
        BUILD = Path.cwd() / "build"
SHARED = ROOT.parent / "shared"


def on_module_files() -> list[Path]:
    """Every on-module source file: the *.py files at the repository root."""
    return sorted(p for p in ROOT.glob("*.py") if p.is_file())


def shared_dir() -> Path | None:
    """../shared/ next to the project root, or None when this clone has none."""
    return SHARED if SHARED.is_dir() else None
