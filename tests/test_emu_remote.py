"""The any-interpreter option (issue 4 item 10): the script runs in a child process under
another interpreter, here Python 3 itself, through the dialect stand-ins in
tools/emulator/stubs/. The emulator side executes every call through telit.py, so REFERENCE §2
(built-ins), §3 (flash) and virtual time still hold."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from tools.emulator import Module
from tools.emulator.remote import STUBS, encode, use_interpreter


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = Module(tmp_path / "flash")
    use_interpreter(mod, sys.executable)
    yield mod
    mod.close()


def boot(m: Module, main: bytes, name: str = "main.py") -> None:
    m.flash.write(name, main)
    m.nvm["escript"] = name
    m.power_on()


def test_s2_1_mdm_at_command_and_framing(m: Module) -> None:
    boot(m, b"import MDM\nMDM.send('AT+CSQ\\r', 5)\nprint(MDM.receive(10))\n")
    m.run(3)
    assert m.script_state == "ended"
    assert m.trace_text().startswith("\r\n+CSQ: 17,0\r\n\r\nOK\r\n")
    assert m.script_run.child_version.startswith("3.")  # type: ignore[attr-defined]


def test_s2_6_virtual_time_holds_in_the_child(m: Module) -> None:
    # An hour of MOD.sleep in the child takes module time, not wall time.
    boot(m, b"import MOD\nt0 = MOD.secCounter()\ni = 0\nwhile i < 60:\n    MOD.sleep(600)\n    i = i + 1\n"
            b"print('%d' % (MOD.secCounter() - t0))\n")
    t0 = time.monotonic()
    m.run(3700)
    assert time.monotonic() - t0 < 10
    assert m.script_state == "ended"
    assert m.trace_lines[0] == "3600"


def test_s2_0_return_values_and_errors_cross_the_link(m: Module) -> None:
    boot(m, b"import MDM\nimport SER\nimport GPIO\n"
            b"print(repr(MDM.receive(0)))\nprint(MDM.readbyte())\nprint(SER.set_speed('1234'))\n"
            b"print(SER.set_speed('115200', '8N1'))\nprint(GPIO.getIOvalue(99))\n"
            b"try:\n    MDM.receive('x')\nexcept TypeError:\n    print('TypeError')\n")
    m.run(2)
    assert m.trace_lines[:6] == ["''", "-1", "-1", "1", "-1", "TypeError"]
    assert m.serial.speed == "115200"


def test_s2_3_ser_import_takes_asc0_and_echoes(m: Module) -> None:
    boot(m, b"import SER\nSER.send('up')\nwhile 1:\n    d = SER.receive(10)\n    if d:\n        SER.send(d)\n")
    m.run(1)
    assert m.ser_owned_by_script
    assert m.serial.dte.take_received() == b"up"
    with m.kernel.lock:
        m.serial.device_send(b"\x00abc\xff")
    m.run(1)
    assert m.serial.dte.take_received() == b"\x00abc\xff"


def test_s3_flash_served_to_the_child(m: Module) -> None:
    boot(m, b"f = open('cfg.txt', 'w')\nf.write('a=1\\n')\nf.write('b=2\\n')\nf.close()\n"
            b"f = open('cfg.txt')\nprint(f.readline())\nprint(f.read())\nf.close()\n"
            b"rename('cfg.txt', 'cfg.bak')\nflashflush()\n"
            b"try:\n    open('cfg.txt')\nexcept IOError:\n    print('gone')\nunlink('cfg.bak')\n")
    m.run(2)
    assert m.script_state == "ended", m.trace_text()
    assert m.trace_lines[:5] == ["a=1", "", "b=2", "", "gone"]
    assert m.flash.names() == ["main.py"]


def test_s1_imports_from_flash_and_refused_modules(m: Module) -> None:
    m.flash.write("helper.py", b"def twice(x):\n    return x + x\n")
    boot(m, b"import helper\nprint(helper.twice('ab'))\nimport os\n")
    m.run(2)
    assert m.script_state == "crashed"
    assert m.trace_lines[0] == "abab"
    assert m.trace_lines[-1] == "ImportError: No module named os"
    assert '  File "main.py", line 3, in <module>' in m.trace_lines
    assert m.script_error is not None and "No module named os" in m.script_error


def test_s1_uncaught_exception_traceback_has_script_frames_only(m: Module) -> None:
    m.flash.write("lib.py", b"def boom():\n    return {}['k']\n")
    boot(m, b"import lib\nlib.boom()\n")
    m.run(2)
    assert m.script_state == "crashed"
    assert m.trace_lines == ["Traceback (most recent call last):", '  File "main.py", line 2, in <module>',
                             '  File "lib.py", line 2, in boom', "KeyError: 'k'"]


def test_s2_6_watchdog_reboot_kills_the_child_and_restarts(m: Module) -> None:
    boot(m, b"import MOD\nimport SER\nSER.send('start')\nMOD.watchdogEnable(5)\nwhile 1:\n    MOD.sleep(10)\n")
    m.run(12)
    assert m.boots == 3  # power on, then two watchdog reboots
    assert m.serial.dte.take_received() == b"startstartstart"
    runs = m.remote.runs  # type: ignore[attr-defined]
    assert sum(1 for r in runs if r.alive()) == 1


def test_s10_2_busy_child_still_lets_the_watchdog_fire(m: Module) -> None:
    # A child that computes without calling is charged its wall time as module CPU time.
    m.remote.idle_ms = 50  # type: ignore[attr-defined]
    boot(m, b"import MOD\nMOD.watchdogEnable(1)\nwhile 1:\n    pass\n")
    t0 = time.monotonic()
    m.run(1.5)
    assert m.boot_reasons[-1] == "watchdog"
    assert time.monotonic() - t0 < 10


def test_sys_exit_ends_the_script(m: Module) -> None:
    boot(m, b"import sys\nprint('bye')\nsys.exit(0)\nprint('never')\n")
    m.run(2)
    assert m.script_state == "ended"
    assert m.trace_lines[0] == "bye" and "never" not in m.trace_lines


def test_pyo_runs_from_source_for_a_non_152_child(m: Module, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "app.py").write_bytes(b"print('from source')\n")
    m.source_dirs = [src]
    boot(m, b"\x99\x4e\x0d\x0a\0\0\0\0garbage", name="app.pyo")
    m.run(2)
    assert m.script_state == "ended"
    assert m.trace_lines[0] == "from source"


def test_wire_format() -> None:
    assert encode(5) == b"i00000000005"
    assert encode(-1) == b"i-0000000001"
    assert encode("ab\xff") == b"s00000000003ab\xff"
    assert encode(None) == b"n00000000000"
    assert encode([1, "x"]) == b"l00000000002i00000000001s00000000001x"


def test_stubs_are_152_compatible_dialect() -> None:
    """The stand-ins compile with the project's CPython 1.5.2 compiler, and the dialect checker
    finds only what a host-side stand-in needs (os/socket/imp imports, compile/eval, the
    Python 3 encode/decode branch, naming float/complex to take them away, type() with three
    arguments in the Python 3 branch); never a call of a built-in exception (raise-call: a
    TypeError under the real 1.5.2+ with -X, as on the module)."""
    from tools.dialect import check_file
    from tools.pyo15.compiler import compile_source

    names = sorted(p.name for p in STUBS.glob("*.py"))
    assert names == ["GPIO.py", "MDM.py", "MDM2.py", "MOD.py", "SER.py", "SER2.py", "_boot.py", "_emu.py"]
    for p in STUBS.glob("*.py"):
        compile_source(p.read_bytes(), p.name)
        allowed = {"import", "builtin", "str-method", "float", "builtin-args"}
        assert {v.rule for v in check_file(p)} <= allowed, p.name
        if p.name not in ("_boot.py", "_emu.py"):
            assert check_file(p) == [], p.name


def test_an_hour_of_at_commands_in_the_child(m: Module) -> None:
    """The core's benchmark loop (AT+CSQ, receive, MOD.sleep(10)) for an hour of module time in
    the child: about 10 000 calls over the link, a few seconds of wall time."""
    boot(m, b"import MDM\nimport MOD\nn = 0\nwhile 1:\n    MDM.send('AT+CSQ\\r', 5)\n"
            b"    r = MDM.receive(10)\n    if r.find('+CSQ: 17,0') != -1:\n        n = n + 1\n    MOD.sleep(10)\n")
    t0 = time.monotonic()
    m.run(3600)
    wall = time.monotonic() - t0
    assert m.script_state == "running"
    assert m.script_run.calls > 9000  # type: ignore[attr-defined]
    assert wall < 20


def test_imp_load_module_of_a_pyo_in_a_python3_child(m: Module) -> None:
    """imp is a stand-in over the flash (ES13 5.2.30): a .pyo under another name (an update's
    ua00.pyo) runs from the source the emulator knows for its bytes, goes into sys.modules
    under the given name, and a later import finds it there."""
    from tools.pyo15.compiler import compile_source
    from tools.pyo15.pyo import pyo_bytes

    src = "import sys\nWHO = 'upd ' + __name__\n"
    pyo = pyo_bytes(compile_source(src.encode(), "upd.py"), 0)
    m.add_pyo_source(pyo, "upd.py", src)
    m.flash.write("ua00.pyo", pyo)
    boot(m, b"import imp\nimport sys\nf = open('ua00.pyo', 'rb')\n"
            b"u = imp.load_module('upd', f, 'ua00.pyo', ('.pyo', 'rb', imp.PY_COMPILED))\nf.close()\n"
            b"import upd\nprint(upd.WHO)\nprint(sys.modules['upd'] is u)\n"
            b"try:\n    float(1)\nexcept RemovedFeatureError:\n    print('no floats')\n")
    m.run(2)
    assert m.script_state == "ended", m.trace_text()
    assert m.trace_lines[:3] == ["upd upd", "True", "no floats"]
