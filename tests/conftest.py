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


@pytest.fixture(scope="session")
def py152() -> Path:
    """The real CPython 1.5.2+ (tools/py152.py; run it with -X for Telit's string
    exceptions). Skips, saying why, when it cannot be built here."""
    from tools.py152 import interpreter, why_not
    exe = interpreter()
    if exe is None:
        pytest.skip("the real 1.5.2+ is not available: " + why_not())
    return exe


@pytest.fixture(scope="session")
def py152count() -> Path:
    """The real 1.5.2+ built with sys.interned() (the names table's size). Skips when absent."""
    from tools.py152 import interpreter, why_not
    exe = interpreter(count=True)
    if exe is None:
        pytest.skip("the real 1.5.2+ (--count-interned) is not available: " + why_not())
    return exe


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
