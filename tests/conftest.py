from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.paths import shared_dir  # noqa: E402


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared/ (golden corpus, verdicts, Telit reference). Skips when absent."""
    d = shared_dir()
    if d is None:
        pytest.skip("../shared/ is not next to this clone; golden-corpus tests skipped")
    return d
