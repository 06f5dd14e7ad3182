"""The flash file system: limits, rename, no truncate, power cuts at every byte, reboot after a
cut (REFERENCE §3, §1.4; §11 H; ES13 §6.1). Scripts are in the dialect."""
from __future__ import annotations

from pathlib import Path

import pytest

from tools.emulator import Module
from tools.emulator.flash import CAPACITY, MAX_FILES, FlashError


def run_script(tmp: Path, script: str, seconds: float = 2, files: dict[str, bytes] | None = None) -> Module:
    m = Module(tmp)
    for name, data in (files or {}).items():
        m.flash.write(name, data)
    m.flash.write("main.py", script.encode("latin-1"))
    m.nvm["escript"] = "main.py"
    m.power_on()
    m.run(seconds)
    return m


def tries(code: str, label: str) -> str:
    return "try:\n    %s\n    print('%s ok')\nexcept IOError:\n    print('%s IOError')\n" % (code, label, label)


# ------------------------------------------------------------------ names
def test_ref3_names_up_to_16_characters_case_sensitive(tmp_path: Path) -> None:
    script = (tries("open('sixteen_chars.py', 'w').close()", "16")
              + tries("open('seventeen_char.py', 'w').close()", "17")
              + "f = open('A.txt', 'w')\nf.write('upper')\nf.close()\n"
              + "f = open('a.txt', 'w')\nf.write('lower')\nf.close()\n"
              + "print(open('A.txt', 'r').read())\n")
    m = run_script(tmp_path, script)
    assert m.trace_lines == ["16 ok", "17 IOError", "upper"]
    assert m.flash.read("a.txt") == b"lower"
    with pytest.raises(FlashError):
        m.flash.write("x" * 17, b"")


def test_ref3_at_most_255_files(tmp_path: Path) -> None:
    files = {"f%03d" % i: b"" for i in range(MAX_FILES - 1)}  # + main.py = 255
    m = run_script(tmp_path, tries("open('one_more', 'w')", "256th") + tries("open('f000', 'w').close()", "existing"), files=files)
    assert m.trace_lines == ["256th IOError", "existing ok"]
    assert len(m.flash.names()) == MAX_FILES


def test_ref3_at_most_16_open_files(tmp_path: Path) -> None:
    script = ("fs = []\nn = 0\nwhile n < 16:\n    fs.append(open('f%d' % n, 'w'))\n    n = n + 1\n"
              + tries("fs.append(open('g', 'w'))", "17th")
              + "fs[0].close()\n" + tries("fs.append(open('g', 'w'))", "after close"))
    m = run_script(tmp_path, script)
    assert m.trace_lines == ["17th IOError", "after close ok"]


def test_ref3_about_2mb_total(tmp_path: Path) -> None:
    big = b"b" * (CAPACITY - 1000)
    script = ("f = open('log', 'w')\nf.write('x' * 50)\n" + tries("f.write('y' * 1000)", "over") + "f.close()\n"
              "print('%d' % len(open('log', 'r').read()))\n")
    m = run_script(tmp_path, script, files={"big.bin": big})
    assert m.trace_lines == ["over IOError", "50"]
    assert m.flash.free() == CAPACITY - len(big) - 50 - len(m.flash.read("main.py"))


# ------------------------------------------------------------------ operations
def test_ref1_4_rename_overwrites_silently(tmp_path: Path) -> None:
    script = ("rename('new.cfg', 'cfg')\nprint(open('cfg', 'r').read())\n"
              + tries("rename('missing', 'x')", "missing") + tries("rename('cfg', 'x' * 17)", "long name"))
    m = run_script(tmp_path, script, files={"cfg": b"old", "new.cfg": b"new"})
    assert m.trace_lines == ["new", "missing IOError", "long name IOError"]
    assert "new.cfg" not in m.flash.names()


def test_ref1_4_unlink_and_flashflush(tmp_path: Path) -> None:
    script = "unlink('gone')\n" + tries("unlink('gone')", "again") + "print(flashflush())\n"
    m = run_script(tmp_path, script, files={"gone": b"x"})
    assert m.trace_lines == ["again IOError", "None"]
    assert "gone" not in m.flash.names()


def test_ref3_file_objects_have_no_truncate(tmp_path: Path) -> None:
    script = ("f = open('d', 'w')\nprint(hasattr(f, 'truncate'))\nprint('%d %d' % (hasattr(f, 'seek'), hasattr(f, 'readlines')))\n"
              "try:\n    f.truncate(0)\nexcept AttributeError:\n    print('AttributeError')\n")
    assert run_script(tmp_path, script).trace_lines == ["0", "1 1", "AttributeError"]


def test_ref3_file_modes_and_positions(tmp_path: Path) -> None:
    script = ("f = open('d', 'w')\nf.write('line1\\nline2\\n')\nf.close()\n"
              "f = open('d', 'a')\nf.write('line3\\n')\nf.close()\n"
              "f = open('d', 'r')\nprint(repr(f.readline()))\nprint('%d' % f.tell())\nprint(repr(f.readlines()))\nf.close()\n"
              "f = open('d', 'r+')\nf.seek(2)\nf.write('NE')\nf.seek(0)\nprint(repr(f.read(6)))\nf.close()\n"
              + tries("open('nope', 'r')", "missing") +
              "f = open('d', 'r')\ntry:\n    f.write('x')\nexcept IOError:\n    print('read only')\n")
    m = run_script(tmp_path, script)
    assert m.trace_lines == ["'line1\\012'", "6", "['line2\\012', 'line3\\012']", "'liNE1\\012'", "missing IOError", "read only"]


def test_ref3_open_files_are_closed_by_a_reboot(tmp_path: Path) -> None:
    m = run_script(tmp_path, "import MOD\nf = open('d', 'w')\nwhile 1:\n    MOD.sleep(10)\n")
    assert len(m.flash.open_files) == 1
    m.reboot()
    assert len(m.flash.open_files) <= 1  # the new run reopened it
    m.run(1)
    assert len(m.flash.open_files) == 1 and m.flash.open_files[0].closed == 0


# ------------------------------------------------------------------ power cuts
SEQUENCE = (
    "f = open('cfg.tmp', 'w')\nf.write('alpha')\nf.write('beta-')\nf.write('gamma\\n')\nf.close()\n"
    "rename('cfg.tmp', 'cfg.txt')\n"
    "g = open('log.txt', 'a')\ng.write('done\\n')\ng.close()\n"
    "print('finished')\n"
)
STREAM = b"alphabeta-gamma\n" + b"done\n"  # 16 + 5 bytes


@pytest.mark.parametrize("cut", range(len(STREAM) + 1))
def test_issue3_6_power_cut_at_every_byte_keeps_exactly_what_came_before(tmp_path: Path, cut: int) -> None:
    # ISSUE-3 item 6 / REFERENCE §11 J: a cut at any byte of any write: what was written before
    # the cut stays, nothing after does.
    m = Module(tmp_path)
    m.power_restore_ms = None  # stays off: the state is exactly what the cut left
    m.flash.write("cfg.txt", b"old\n")
    m.flash.write("main.py", SEQUENCE.encode())
    m.nvm["escript"] = "main.py"
    m.power_on()
    m.flash.arm_power_cut(cut)
    m.run(2)
    names = set(m.flash.names())
    if cut < 16:
        assert not m.power and m.script_state == "killed"
        assert m.flash.read("cfg.tmp") == STREAM[:cut]
        assert m.flash.read("cfg.txt") == b"old\n"  # the rename never happened
        assert "log.txt" not in names
    elif cut < len(STREAM):
        assert not m.power and m.script_state == "killed"
        assert "cfg.tmp" not in names and m.flash.read("cfg.txt") == STREAM[:16]
        assert m.flash.read("log.txt") == STREAM[16:cut]
    else:
        assert m.power and m.script_state == "ended" and m.trace_lines == ["finished"]
        assert m.flash.read("log.txt") == b"done\n"
    assert m.flash.bytes_written == cut


def test_issue3_6_power_cut_then_reboot_sees_the_partial_file(tmp_path: Path) -> None:
    # The power comes back (after module.power_restore_ms) and the script starts again; it finds
    # the file as the cut left it.
    script = ("try:\n    print('found %s' % open('state', 'r').read())\nexcept IOError:\n    print('no state')\n"
              "f = open('state', 'w')\nf.write('0123456789')\nf.close()\nprint('wrote')\n")
    m = Module(tmp_path)
    m.flash.write("main.py", script.encode())
    m.nvm["escript"] = "main.py"
    m.power_on()
    m.flash.arm_power_cut(4)
    m.run(3)
    assert m.boot_reasons == ["power on", "power on"]
    assert m.trace_lines == ["no state", "found 0123", "wrote"]
    assert m.flash.read("state") == b"0123456789"
    assert m.flash.power_cut_armed() is None


def test_issue3_6_cut_armed_before_power_on_survives_the_boot(tmp_path: Path) -> None:
    m = Module(tmp_path)
    m.power_restore_ms = None
    m.flash.write("main.py", b"f = open('x', 'w')\nf.write('abcdef')\nf.close()\n")
    m.nvm["escript"] = "main.py"
    m.flash.arm_power_cut(2)
    m.power_on()
    m.run(1)
    assert m.flash.read("x") == b"ab" and not m.power


def test_issue3_6_killed_script_catching_powercut_runs_nothing_more(tmp_path: Path) -> None:
    script = ("try:\n    f = open('x', 'w')\n    f.write('abcdef')\nexcept:\n    g = open('after', 'w')\n"
              "    g.write('escaped')\n")
    m = Module(tmp_path)
    m.power_restore_ms = None
    m.flash.write("main.py", script.encode())
    m.nvm["escript"] = "main.py"
    m.power_on()
    m.flash.arm_power_cut(3)
    m.run(1)
    assert m.flash.read("x") == b"abc"
    assert "after" not in m.flash.names()
