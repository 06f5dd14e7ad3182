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


def pytest_collection_modifyitems(config, items):
    """Tests on the real clock (``Module(..., virtual=False)``, real ptys and sockets) run one
    after the other on one worker when the suite runs in parallel (``scripts/test.sh``:
    ``-n 2 --dist loadgroup``): two of them at once would starve each other's emulated
    module of CPU and miss their real-time waits.  Everything on the virtual clock is
    spread over both workers."""
    real: dict[Path, bool] = {}
    for item in items:
        path = Path(item.path)
        if path not in real:
            real[path] = "virtual=False" in path.read_text(encoding="utf-8")
        if real[path]:
            item.add_marker(pytest.mark.xdist_group("realclock"))
