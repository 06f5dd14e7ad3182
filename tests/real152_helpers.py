"""The gateway as it is flashed (gateway.py as source, every other module only as its
compiled .pyo from tools/pyo15, no .py anywhere the emulator could fall back to) running
under the real CPython 1.5.2+ with -X (string exceptions, as on the module: ES13 5.2.27),
in the emulator's child host (tools/emulator/remote.py). Virtual clock.

The child's objects are in another process, so the gateway's state is read from its trace
(gwstate.py traces every 'old -> new')."""
from __future__ import annotations

import functools
from pathlib import Path

from tools.emulator import Module
from tools.emulator.remote import use_interpreter
from tools.paths import ROOT, on_module_files
from tools.pyo15.api import compile_to_bytes

MAIN = "gateway.py"
PHONE = "+15551230001"


@functools.lru_cache(maxsize=1)
def compiled() -> dict[str, bytes]:
    """NAME.pyo -> bytes for every on-module file but gateway.py (compiled once per run)."""
    return {p.stem + ".pyo": compile_to_bytes(p, check_dialect=False)
            for p in on_module_files() if p.name != MAIN}


def flash_pyo(m: Module) -> None:
    m.flash.write(MAIN, (ROOT / MAIN).read_bytes())
    for name, data in compiled().items():
        m.flash.write(name, data)
    m.nvm["escript"] = MAIN


def real_module(tmp_path: Path, py152: Path, **kw) -> Module:
    m = Module(tmp_path / "flash", **kw)
    assert m.source_dirs == [] and not m.pyo_sources   # nothing but bytecode to run
    flash_pyo(m)
    use_interpreter(m, str(py152), extra_args=["-X"])
    return m


def state(m: Module, since: int = 0) -> str:
    """The gateway's state: the last 'gw N: a -> b' trace line after trace line ``since``
    (none before the first)."""
    for line in reversed(m.trace_lines[since:]):
        if line.startswith("gw ") and " -> " in line:
            return line.rsplit(" -> ", 1)[1].strip()
    return "none"


def wait_state(m: Module, want: str, timeout: float = 60, since: int = 0) -> bool:
    return m.run_until(lambda: state(m, since) == want, timeout, step=0.1)


def start(m: Module, want: str = "listening", timeout: float = 60) -> Module:
    m.power_on()
    assert wait_state(m, want, timeout), (state(m), m.trace_text()[-2000:])
    return m


def crashes(m: Module) -> list[str]:
    """Trace lines that say the gateway stopped or a module raised."""
    return [ln for ln in m.trace_lines if "stopped by" in ln or "Traceback" in ln]
