"""The emulator's child host under the real CPython 1.5.2+ run with -X (string exceptions, as
on the module: ES13 5.2.27): tools/emulator/remote.py with the stand-ins of
tools/emulator/stubs/. Virtual clock throughout.

* no stand-in calls a built-in exception (each such call was "TypeError: call of
  non-function" under -X and crashed the boot);
* md5 is the interpreter's own; float(), round(), complex() raise and a float constant does
  not load (the module has no floats, REFERENCE 1.1);
* a flash IOError carries (errno, text), as the module's;
* a .pyo on the flash runs as its bytecode, with no .py anywhere (import and
  imp.load_module under another name, as gwboot loads an update's ua00.pyo).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tools.emulator import Module
from tools.emulator.remote import use_interpreter
from tools.pyo15.compiler import compile_source
from tools.pyo15.pyo import pyo_bytes


@pytest.fixture
def m(tmp_path: Path, py152: Path) -> Module:
    mod = Module(tmp_path / "flash")
    use_interpreter(mod, str(py152), extra_args=["-X"])
    yield mod
    mod.close()


def run(m: Module, main: bytes, seconds: float = 3, **files: bytes) -> list[str]:
    for name, data in files.items():
        m.flash.write(name.replace("_pyo", ".pyo").replace("_py", ".py"), data)
    m.flash.write("main.py", main)
    m.nvm["escript"] = "main.py"
    m.power_on()
    m.run(seconds)
    return m.trace_lines


def test_the_child_is_the_real_152_with_string_exceptions(m: Module) -> None:
    lines = run(m, b"import sys\nprint(sys.version[:5])\nprint(type(IOError) == type(''))\n")
    assert m.script_state == "ended", m.trace_text()
    assert lines[:2] == ["1.5.2", "1"]


def test_flash_ioerror_is_errno_and_text_and_caught_by_its_bare_name(m: Module) -> None:
    lines = run(m, b"import sys\ntry:\n    open('nothere.txt', 'r')\nexcept IOError:\n"
                   b"    v = sys.exc_info()[1]\n    print(v[0])\n    print(v[1][:25])\n"
                   b"f = open('a.txt', 'w')\nf.close()\ntry:\n    f.read()\nexcept ValueError:\n"
                   b"    print(sys.exc_info()[1])\n")
    assert m.script_state == "ended", m.trace_text()
    assert lines[:3] == ["2", "No such file or directory", "I/O operation on closed file"]


def test_md5_is_the_interpreters_own(m: Module) -> None:
    lines = run(m, b"import md5\nd = md5.new('abc').digest()\nout = ''\nfor c in d:\n"
                   b"    out = out + '%02x' % ord(c)\nprint(out)\n")
    assert m.script_state == "ended", m.trace_text()
    assert lines[0] == hashlib.md5(b"abc").hexdigest()


def test_no_floats(m: Module) -> None:
    lines = run(m, b"import sys\nfor f in (float, round, complex):\n    try:\n        f(1)\n"
                   b"    except RemovedFeatureError:\n        print('removed')\n"
                   b"try:\n    import fl\nexcept RemovedFeatureError:\n    print(sys.exc_info()[1])\n",
                fl_py=b"x = 1\ny = 2.5\n")
    assert m.script_state == "ended", m.trace_text()
    assert lines[:4] == ["removed", "removed", "removed", "fl.py: float constant"]


def test_a_pyo_runs_as_its_bytecode_without_source(m: Module) -> None:
    # no .py of lib or ua00 anywhere (m.source_dirs is empty): only the bytecode can run
    lib = pyo_bytes(compile_source(b"def twice(x):\n    return x + x\n", "lib.py"), 0)
    upd = pyo_bytes(compile_source(b"import lib\nv = lib.twice(21)\n", "upd.py"), 0)
    lines = run(m, b"import imp\nimport sys\nimport lib\nprint(lib.twice(2))\n"
                   b"f = open('ua00.pyo', 'rb')\n"
                   b"u = imp.load_module('upd', f, 'ua00.pyo', ('.pyo', 'rb', imp.PY_COMPILED))\n"
                   b"f.close()\nprint(u.v)\nprint(sys.modules['upd'] is u)\nimport upd\nprint(upd is u)\n",
                lib_pyo=lib, ua00_pyo=upd)
    assert m.script_state == "ended", m.trace_text()
    assert lines[:4] == ["4", "42", "1", "1"]


def test_a_crash_ends_with_the_152_traceback(m: Module) -> None:
    run(m, b"x = 1\nraise KeyError\n")
    assert m.script_state == "crashed"
    assert "Traceback (innermost last)" in m.script_error
    assert m.script_error.splitlines()[-1] == "KeyError"


def test_cli_real_runs_a_pyo_only_module(tmp_path: Path, py152: Path) -> None:
    """--real: the cached real 1.5.2+ with -X; lib exists only as lib.pyo on the flash."""
    import io

    from tools.emulator.cli import main

    src = tmp_path / "src"
    src.mkdir()
    (src / "m.py").write_bytes(b"import sys\nimport lib\nprint('%s %d' % (sys.version[:5], lib.twice(4)))\n")
    (src / "lib.pyo").write_bytes(pyo_bytes(compile_source(b"def twice(x):\n    return x + x\n", "lib.py"), 0))
    out = io.StringIO()
    rc = main(["--flash", str(src), "--main", "m.py", "--scratch", str(tmp_path / "run"), "--virtual",
               "--serial", "none", "--real"], stdin=io.StringIO("advance 3\nquit\n"), stdout=out)
    text = out.getvalue()
    assert rc == 0
    assert "interpreter: %s -X (the real 1.5.2+)" % py152 in text
    assert "trace: 1.5.2 8" in text, text


def test_cli_pyo_flashes_the_uploaders_set(tmp_path: Path, py152: Path) -> None:
    """--pyo: the main script as source, every other module only as build/NAME.pyo (an old
    lib.py on the scratch flash is removed, so the bytecode is what runs)."""
    import io

    from tools.emulator.cli import main

    src = tmp_path / "src"
    (src / "build").mkdir(parents=True)
    (src / "m.py").write_bytes(b"import lib\nprint(lib.WHO)\n")
    (src / "lib.py").write_bytes(b"WHO = 'source'\n")
    (src / "build" / "lib.pyo").write_bytes(pyo_bytes(compile_source(b"WHO = 'bytecode'\n", "lib.py"), 0))
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "lib.py").write_bytes(b"WHO = 'stale'\n")
    out = io.StringIO()
    rc = main(["--flash", str(src), "--main", "m.py", "--scratch", str(tmp_path / "run"), "--virtual",
               "--serial", "none", "--real", "--pyo"], stdin=io.StringIO("advance 3\nquit\n"), stdout=out)
    assert rc == 0
    assert "trace: bytecode" in out.getvalue(), out.getvalue()
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["lib.pyo", "m.py"]


def test_seccounter_is_a_long_as_on_the_module(m: Module) -> None:
    # ES13 3.7.1: MOD.secCounter() returns "a Python long integer" (repr() ends in 'L'; the
    # 1.5.2+ trunk's str() does not, plain 1.5.2's does: the dialect formats it with '%d')
    lines = run(m, b"import MOD\nt = MOD.secCounter()\nprint(repr(t)[-1:])\nprint('%d' % (t - t))\n")
    assert m.script_state == "ended", m.trace_text()
    assert lines[:2] == ["L", "0"]


def test_cli_real_falls_back_in_process_saying_why(tmp_path: Path, monkeypatch) -> None:
    import io

    import tools.py152 as py152mod
    from tools.emulator.cli import main

    monkeypatch.setattr(py152mod, "interpreter", lambda count=False: None)
    monkeypatch.setattr(py152mod, "why_not", lambda: "gcc cannot build 32-bit programs")
    src = tmp_path / "src"
    src.mkdir()
    (src / "m.py").write_bytes(b"print('ran')\n")
    out = io.StringIO()
    rc = main(["--flash", str(src), "--main", "m.py", "--scratch", str(tmp_path / "run"), "--virtual",
               "--serial", "none", "--real"], stdin=io.StringIO("advance 1\nquit\n"), stdout=out)
    text = out.getvalue()
    assert rc == 0
    assert "interpreter: in-process (the real 1.5.2+ is not available: gcc cannot build 32-bit programs)" in text
    assert "trace: ran" in text


def test_class_exceptions_too_md5_and_errno(tmp_path: Path, py152: Path) -> None:
    # Without -X (class exceptions, as with exceptions.pyo on the module) the child host
    # works as well: md5 was an ImportError there before.
    mod = Module(tmp_path / "flash2")
    use_interpreter(mod, str(py152))
    try:
        lines = run(mod, b"import md5\nimport sys\nprint(len(md5.new('abc').digest()))\n"
                         b"try:\n    open('nothere.txt', 'r')\nexcept IOError:\n"
                         b"    v = sys.exc_info()[1]\n    print(v.errno)\n")
        assert mod.script_state == "ended", mod.trace_text()
        assert lines[:2] == ["16", "2"]
    finally:
        mod.close()
