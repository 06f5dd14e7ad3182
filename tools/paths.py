"""Where things are: the project root, its on-module files, and ../shared/."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
BUILD = ROOT / "build"


def on_module_files() -> list[Path]:
    """Every on-module source file: the *.py files at the repository root."""
    return sorted(p for p in ROOT.glob("*.py") if p.is_file())


def shared_dir() -> Path | None:
    """../shared/ next to the project root, or None when this clone has none."""
    return SHARED if SHARED.is_dir() else None
