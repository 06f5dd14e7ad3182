"""Running the script like the module: namespace, imports, tracebacks, #EXECSCR re-run, reboot
(REFERENCE §1.2-§1.5, §4.3; §11 A7, H; dialect.md). Scripts are written in the dialect."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from emu_helpers import at
from tools.emulator import Module


def boot(tmp: Path, script: str, name: str = "main.py", files: dict[str, str] | None = None, **kw: object) -> Module:
    m = Module(tmp, **kw)  # type: ignore[arg-type]
    for fname, text in (files or {}).items():
        m.flash.write(fname, text.encode("latin-1"))
    m.flash.write(name, script.encode("latin-1"))
    m.nvm["escript"] = name
    m.power_on()
    return m


def probe(names: list[str]) -> str:
    """A dialect script that prints 'yes <name>' or 'no <name>' for each name."""
    out = []
    for n in names:
        out.append("try:\n    x = %s\n    print('yes %s')\nexcept NameError:\n    print('no %s')\n" % (n, n, n))
    return "".join(out)


# ------------------------------------------------------------------ namespace
def test_dialect_builtins_only_the_allowed_ones_exist(tmp_path: Path) -> None:
    allowed = ("abs callable chr divmod getattr hasattr hash id int isinstance len list max min "
               "ord range repr setattr str tuple type open unlink rename flashflush").split()
    absent = ("zip enumerate sorted reversed sum any all map filter apply reduce xrange long "
              "unicode cmp bool float round set eval exec compile globals locals dir vars input "
              "raw_input execfile reload frozenset bytes bytearray object super property iter next "
              "StandardError").split()
    m = boot(tmp_path, probe(allowed + absent))
    m.run(5)
    assert m.script_state == "ended", m.trace_text()
    assert m.trace_lines == ["yes " + n for n in allowed] + ["no " + n for n in absent]


def test_ref1_4_imports_that_work(tmp_path: Path) -> None:
    script = ("import MDM\nimport MDM2\nimport SER\nimport SER2\nimport MOD\nimport GPIO\n"
              "import sys\nimport md5\nimport marshal\nprint('all imported')\n")
    m = boot(tmp_path, script)
    m.run(2)
    assert m.trace_lines == ["all imported"]
    assert m.ser_owned_by_script  # ES13 §4.2: importing SER takes ASC0


@pytest.mark.parametrize("name", ["os", "time", "socket", "struct", "re", "string", "math", "thread", "binascii", "select", "imp_missing"])
def test_ref1_2_forbidden_imports_raise_importerror(tmp_path: Path, name: str) -> None:
    script = "try:\n    import %s\n    print('imported')\nexcept ImportError:\n    print('ImportError')\n" % name
    m = boot(tmp_path, script)
    m.run(2)
    assert m.trace_lines == ["ImportError"]


def test_ref1_4_import_of_a_flash_module_and_sys_modules(tmp_path: Path) -> None:
    helper = "import MOD\ndef twice(x):\n    return x + x\nLOADED = 'yes'\n"
    script = "import helper\nimport sys\nprint(helper.twice('ab'))\nprint(helper.LOADED)\nimport helper\nprint(len(sys.modules.keys()))\n"
    m = boot(tmp_path, script, files={"helper.py": helper})
    m.run(2)
    assert m.trace_lines == ["abab", "yes", "3"]


def test_ref4_1_main_pyo_runs_its_source_from_source_dirs(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "gw.py").write_text("print('from the .py next to the .pyo')\n")
    m = Module(tmp_path / "flash")
    m.source_dirs.append(src)
    m.flash.write("gw.pyo", b"\x99\x4e\x0d\x0a" + b"\0" * 12)
    m.nvm["escript"] = "gw.pyo"
    m.power_on()
    m.run(1)
    assert m.trace_lines == ["from the .py next to the .pyo"]


def test_ref4_1_crlf_script_runs(tmp_path: Path) -> None:
    m = boot(tmp_path, "x = 1\r\nif x:\r\n    print('crlf ok')\r\n")
    m.run(1)
    assert m.trace_lines == ["crlf ok"]


# ------------------------------------------------------------ 1.5.2 built-ins
def test_dialect_int_str_are_functions_not_types_as_in_152(tmp_path: Path) -> None:
    script = (
        "try:\n    isinstance(1, int)\n    print('isinstance ok')\nexcept TypeError:\n    print('TypeError')\n"
        "print(type(1) == type(0))\nprint(type('') == type('a'))\n"
        "try:\n    int('ff', 16)\nexcept TypeError:\n    print('no base')\n"
        "print(int(' 42 ') + 1)\n"
        "try:\n    int('1_000')\nexcept ValueError:\n    print('no underscore')\n"
        "try:\n    int('9999999999')\nexcept ValueError:\n    print('32 bits')\n"
        "try:\n    chr(256)\nexcept ValueError:\n    print('chr range')\n"
    )
    m = boot(tmp_path, script)
    m.run(1)
    assert m.trace_lines == ["TypeError", "1", "1", "no base", "43", "no underscore", "32 bits", "chr range"]


def test_ref1_2_repr_uses_152_octal_escapes(tmp_path: Path) -> None:
    m = boot(tmp_path, "print(repr('a\\r\\n'))\nprint(repr(\"it's\"))\nprint(['x\\t', (1,)])\n")
    m.run(1)
    assert m.trace_lines == ["'a\\015\\012'", '"it\'s"', "['x\\011', (1,)]"]


def test_ref1_4_md5_digest_without_hexdigest(tmp_path: Path) -> None:
    script = ("import md5\nd = md5.new('abc').digest()\nprint('%d %d %d' % (len(d), ord(d[0]), ord(d[15])))\n"
              "print(hasattr(md5.new(''), 'hexdigest'))\nh = md5.md5('a')\nh.update('bc')\nprint(h.digest() == d)\n")
    m = boot(tmp_path, script)
    m.run(1)
    # md5('abc') = 900150983cd24fb0d6963f7d28e17f72
    assert m.trace_lines == ["16 144 114", "0", "1"]


def test_ref1_4_marshal_writes_152_format(tmp_path: Path) -> None:
    script = ("import marshal\ns = marshal.dumps((1, 'ab', [None], {'k': -2}))\nprint(repr(s[:10]))\n"
              "print(marshal.loads(s) == (1, 'ab', [None], {'k': -2}))\n"
              "f = open('m.dat', 'w')\nmarshal.dump([5, 'x'], f)\nmarshal.dump(7, f)\nf.close()\n"
              "f = open('m.dat', 'r')\nprint(marshal.load(f))\nprint(marshal.load(f))\nf.close()\n")
    m = boot(tmp_path, script)
    m.run(1)
    assert m.trace_lines == ["'(\\004\\000\\000\\000i\\001\\000\\000\\000'", "1", "[5, 'x']", "7"]
    assert m.flash.read("m.dat") == b"[\x02\x00\x00\x00i\x05\x00\x00\x00s\x01\x00\x00\x00xi\x07\x00\x00\x00"


# ------------------------------------------------------------------ print
def test_dialect_print_one_argument_to_the_trace_port(tmp_path: Path) -> None:
    script = ("print('one')\nprint(('a', 1))\n"
              "try:\n    print('a', 'b')\nexcept TypeError:\n    print('two args: TypeError')\n"
              "try:\n    print()\nexcept TypeError:\n    print('none: TypeError')\n")
    m = boot(tmp_path, script)
    m.run(1)
    assert m.trace_lines == ["one", "('a', 1)", "two args: TypeError", "none: TypeError"]


def test_ref2_4_print_follows_sys_stdout_redirect(tmp_path: Path) -> None:
    # MODEMG boot.py redirects print to the main port through an object whose write() calls
    # SER.send (REFERENCE §2.4).
    script = ("import sys\nimport SER\nclass Out:\n    def write(self, s):\n        SER.send(s)\n"
              "sys.stdout = Out()\nprint('to the serial port')\n")
    m = boot(tmp_path, script)
    m.run(1)
    assert bytes(m.serial.dte.received) == b"to the serial port\n"
    assert m.trace_lines == []


# ------------------------------------------------------------------ tracebacks
def test_ref1_5_uncaught_exception_traceback_in_152_format(tmp_path: Path) -> None:
    helper = "def lookup(d, k):\n    return d[k]\n"
    script = "import helper\ndef f():\n    return helper.lookup({}, 'key')\n\nprint('before')\nf()\nprint('never')\n"
    m = boot(tmp_path, script, files={"helper.py": helper})
    m.run(2)
    assert m.script_state == "crashed"
    assert m.trace_lines == [
        "before",
        "Traceback (innermost last):",
        '  File "main.py", line 6, in ?',
        "    f()",
        '  File "main.py", line 3, in f',
        "    return helper.lookup({}, 'key')",
        '  File "helper.py", line 2, in lookup',
        "    return d[k]",
        "KeyError: key",
    ]
    assert m.script_error == "\n".join(m.trace_lines[1:])


@pytest.mark.parametrize("code,last", [
    ("x = divmod(1, 0)", "ZeroDivisionError: integer division or modulo"),
    ("y = undefined_name", "NameError: undefined_name"),
    ("import MOD\nMOD.nothing()", "AttributeError: nothing"),
    ("raise ValueError('bad value')", "ValueError: bad value"),
    ("import os", "ImportError: No module named os"),
])
def test_ref1_5_exception_texts_as_152_prints_them(tmp_path: Path, code: str, last: str) -> None:
    m = boot(tmp_path, code + "\n")
    m.run(1)
    assert m.trace_lines[0] == "Traceback (innermost last):"
    assert m.trace_lines[-1] == last


def test_ref1_5_pyo_traceback_has_no_source_lines(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "gw.py").write_text("x = 1\nx = {}['k']\n")
    m = Module(tmp_path / "flash")
    m.source_dirs.append(src)
    m.flash.write("gw.pyo", b"\x99\x4e\x0d\x0a" + b"\0" * 12)
    m.nvm["escript"] = "gw.pyo"
    m.power_on()
    m.run(1)
    assert m.trace_lines == ["Traceback (innermost last):", '  File "gw.py", line 2, in ?', "KeyError: k"]


def test_ref1_5_sys_exit_ends_the_script_cleanly(tmp_path: Path) -> None:
    m = boot(tmp_path, "import sys\nprint('bye')\nsys.exit()\nprint('never')\n")
    m.run(1)
    assert m.script_state == "ended" and m.trace_lines == ["bye"]


# ------------------------------------------------------------ re-run rules
def test_ref1_5_crashed_script_stays_dead_until_execscr(tmp_path: Path) -> None:
    # REFERENCE §1.5, §11 A7: "Any exception that nobody catches stops the script for good:
    # nothing restarts it except AT#EXECSCR or a module reset." §4.3: #EXECSCR runs it now.
    m = boot(tmp_path, "print('run')\nx = {}['k']\n")
    m.run(30)
    assert m.script_state == "crashed"
    assert m.trace_lines.count("run") == 1
    assert at(m, "AT#EXECSCR", inst=2) == b"\r\nOK\r\n"
    m.run(1)
    assert m.trace_lines.count("run") == 2
    assert m.boots == 1


def test_ref4_3_execscr_while_running_is_an_error_and_test_form_ok(tmp_path: Path) -> None:
    m = boot(tmp_path, "import MOD\nwhile 1:\n    MOD.sleep(10)\n")
    m.run(1)
    assert at(m, "AT#EXECSCR", inst=2) == b"\r\nERROR\r\n"
    assert at(m, "AT#EXECSCR=?", inst=2) == b"\r\nOK\r\n"
    assert m.script_state == "running"


def test_ref1_5_crashed_script_runs_again_after_a_reboot(tmp_path: Path) -> None:
    m = boot(tmp_path, "print('run')\nx = {}['k']\n")
    m.run(2)
    m.reboot()
    m.run(2)
    assert m.trace_lines.count("run") == 2
    assert m.boot_reasons == ["power on", "reboot"]


def test_ref2_6_reboot_loses_ram_keeps_flash_and_nvm(tmp_path: Path) -> None:
    script = ("import MDM2\nimport MOD\n"
              "try:\n    f = open('boots.txt', 'r')\n    n = int(f.read())\n    f.close()\nexcept IOError:\n    n = 0\n"
              "f = open('boots.txt', 'w')\nf.write('%d' % (n + 1))\nf.close()\n"
              "MDM2.send('ATS12?\\r', 5)\nprint('boot %d %s' % (n + 1, MDM2.receive(10)[2:5]))\n"
              "MDM2.send('ATS12=40\\r', 5)\nMDM2.receive(10)\nwhile 1:\n    MOD.sleep(10)\n")
    m = boot(tmp_path, script)
    m.nvm["custom"] = "kept"
    m.run(2)
    m.reboot()
    m.run(2)
    assert m.trace_lines == ["boot 1 050", "boot 2 050"]  # S12=40 was RAM; the file is flash
    assert m.flash.read("boots.txt") == b"2"
    assert m.nvm["custom"] == "kept"


# ------------------------------------------------------------ killed scripts freeze
def test_ref2_6_watchdog_on_busy_loop_reboots(tmp_path: Path) -> None:
    # A `while 1: pass` script must still let the watchdog fire (line tracing costs module time).
    m = boot(tmp_path, "import MOD\nprint('up')\nMOD.watchdogEnable(5)\nwhile 1:\n    pass\n")
    m.run(12)
    assert m.boot_reasons == ["power on", "watchdog", "watchdog"]
    assert m.trace_lines == ["up", "up", "up"]


WRITER = (
    "import MOD\n"
    "try:\n    f = open('runs.txt', 'r')\n    runs = int(f.read())\n    f.close()\nexcept IOError:\n    runs = 0\n"
    "f = open('runs.txt', 'w')\nf.write('%d' % (runs + 1))\nf.close()\n"
    "if runs == 0:\n"
    "    MOD.watchdogEnable(2)\n"
    "    g = open('log.txt', 'w')\n"
    "    while 1:\n"
    "        g.write('x')\n"
    "print('second run')\n"
    "while 1:\n    MOD.sleep(10)\n"
)


@pytest.mark.parametrize("virtual", [True, False])
def test_ref2_6_killed_script_never_runs_another_line(tmp_path: Path, virtual: bool) -> None:
    # The first run writes a flash file in a tight loop until the watchdog reboots the module;
    # after the reboot the old thread must never write again (or run any line).
    m = boot(tmp_path, WRITER, virtual=virtual)
    try:
        assert m.run_until(lambda: "second run" in m.trace_lines, 10, step=0.05), m.trace_text()
        size = len(m.flash.read("log.txt"))
        assert size > 100
        if virtual:
            m.run(5)
        else:
            time.sleep(0.5)
        assert len(m.flash.read("log.txt")) == size
        assert m.flash.read("runs.txt") == b"2"
        assert m.boot_reasons == ["power on", "watchdog"]
        assert m.kernel.frozen_threads == 1
    finally:
        m.close()


def test_ref2_6_script_catching_everything_still_dies_at_reboot(tmp_path: Path) -> None:
    # A bare except: catches BaseException in Python 3; the killed script must not get away.
    script = ("import MOD\nMOD.watchdogEnable(1)\nn = 0\nwhile 1:\n    try:\n        MOD.sleep(5)\n"
              "    except:\n        print('caught')\n    n = n + 1\n")
    m = boot(tmp_path, script)
    m.run(3.5)
    assert "caught" not in m.trace_lines
    assert m.boots == 4


# ------------------------------------------------------------ no floats on the module
def test_ref1_1_integer_division_floors_as_in_152(tmp_path: Path) -> None:
    m = boot(tmp_path, "print(7 / 2)\nprint(-7 / 2)\nprint('%d' % (9 / 3))\n")
    m.run(1)
    assert m.trace_lines == ["3", "-4", "3"]


def test_ref1_1_float_literal_is_fatal(tmp_path: Path) -> None:
    # REFERENCE §1.1: floats were removed (RemovedFeatureError); "treat any float literal as
    # fatal" [L]: the file does not load.
    helper = "def unused():\n    return 0.5\n"
    m = boot(tmp_path, "print('start')\ntry:\n    import helper\nexcept RemovedFeatureError:\n    print('refused')\n",
             files={"helper.py": helper})
    m.run(1)
    assert m.trace_lines == ["start", "refused"]
    m2 = boot(tmp_path / "b", "x = 1\ny = 2.5\n")
    m2.run(1)
    assert m2.script_state == "crashed"
    assert m2.trace_lines[-1] == "RemovedFeatureError: main.py line 2: FloatType literal (2.5)"
