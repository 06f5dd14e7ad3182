"""The emulator's counters for the benchmarks: built-in calls by name, script lines and the CPU
time charged for them (tools/emulator/cost.py), the import log, and the 1.5.2 RAM estimate
(tools/emulator/footprint.py). Every figure is checked against a script whose exact cost is
known; nothing here is timed."""
from __future__ import annotations

from pathlib import Path

from tools.emulator import Module
from tools.emulator import footprint as fpm
from tools.emulator.cost import CALL_COST_MS, LINE_COST_US


def boot(tmp: Path, script: str, run: float = 5, **files: str) -> Module:
    m = Module(tmp)
    m.flash.write("main.py", script.encode("latin-1"))
    for name, text in files.items():
        m.flash.write(name + ".py", text.encode("latin-1"))
    m.nvm["escript"] = "main.py"
    m.power_on()
    m.run(run)
    return m


def test_calls_are_counted_by_name_and_charged(tmp_path: Path) -> None:
    m = boot(tmp_path, "import MDM\nimport MOD\nMDM.send('AT\\r', 5)\nMDM.receive(10)\n"
             "n = 0\nwhile n < 3:\n    MOD.secCounter()\n    n = n + 1\n")
    assert m.script_state == "ended"
    r = m.meter.snapshot()
    assert r.calls == {"import": 2, "MDM.send": 1, "MDM.receive": 1, "MOD.secCounter": 3}
    assert r.n_calls == 7
    assert r.call_ms == 7 * CALL_COST_MS
    # 5 lines before the loop, 4 loop tests (3 true, 1 false), 2 lines per pass
    assert r.lines == 5 + 4 + 3 * 2
    assert r.line_us == r.lines * LINE_COST_US
    assert r.cpu_ms == r.call_ms + r.line_us / 1000.0


def test_a_reading_minus_an_earlier_one_is_what_happened_between(tmp_path: Path) -> None:
    m = boot(tmp_path, "import MOD\nMOD.sleep(20)\nwhile 1:\n    MOD.sleep(10)\n    MOD.secCounter()\n",
             run=2.5)
    a = m.meter.snapshot()
    m.run(10)
    d = m.meter.snapshot() - a
    assert d.calls == {"MOD.sleep": 10, "MOD.secCounter": 10}
    assert d.lines == 30  # while, sleep, secCounter per pass
    assert d.call_ms == 20 * CALL_COST_MS


def test_cost_constants_are_the_modules_and_can_be_changed(tmp_path: Path) -> None:
    m = Module(tmp_path)
    assert (m.call_cost_ms, m.line_cost_us) == (CALL_COST_MS, LINE_COST_US)
    m.call_cost_ms, m.line_cost_us = 3, 200
    m.flash.write("main.py", b"import MOD\nMOD.secCounter()\nx = 1\n")
    m.nvm["escript"] = "main.py"
    m.power_on()
    m.run(1)
    r = m.meter.snapshot()
    assert (r.call_ms, r.line_us, r.lines) == (6, 600, 3)


def test_flash_builtins_are_counted(tmp_path: Path) -> None:
    m = boot(tmp_path, "f = open('a.txt', 'w')\nf.write('x')\nf.close()\nrename('a.txt', 'b.txt')\n"
             "unlink('b.txt')\n")
    assert m.script_state == "ended"
    assert m.meter.calls == {"open": 1, "rename": 1, "unlink": 1}


def test_import_log_has_every_flash_module_with_its_time_and_lines(tmp_path: Path) -> None:
    m = boot(tmp_path, "import helper\nimport MOD\n", helper="import MOD\nMOD.sleep(5)\nx = 1\ny = 2\n")
    recs = m.script_run.imports  # type: ignore[attr-defined]
    assert [(r.name, r.filename, r.lines) for r in recs] == [("helper", "helper.py", 4)]
    assert recs[0].end_ms - recs[0].start_ms >= 500  # the sleep inside the import


def test_footprint_formulas_follow_152_layouts() -> None:
    assert fpm.str_size(0) == fpm.str_size(1) == 0  # shared
    assert fpm.str_size(2) == 32 and fpm.str_size(1000) == 1024
    assert fpm.tuple_size(0) == 0 and fpm.tuple_size(3) == 24
    assert fpm.list_size(0) == (16, 0) and fpm.list_size(25) == (16, 120)
    assert fpm.list_size(501) == (16, 2400)
    assert [fpm.dict_table(n) for n in (0, 1, 3, 4, 6, 7)] == [0, 4, 4, 8, 8, 16]
    assert fpm.frame_size(2, 3) == 336


def test_footprint_of_a_script_counts_its_globals_and_locals(tmp_path: Path) -> None:
    script = ("import MOD\n"
              "big = 'x' * 1000\n"
              "nums = range(1000, 1025)\n"
              "def f(n):\n"
              "    local = 'y' * n\n"
              "    MOD.sleep(100)\n"
              "    return local\n"
              "f(3000)\n")
    m = boot(tmp_path, script, run=2)
    fp = fpm.estimate(m)
    assert fp.frames == 2  # the module level and f
    assert fp.largest == (fpm.str_size(3000), "main.py:f.local")
    assert fp.by_kind["int"] >= 25 * 12
    assert fp.by_kind["str"] >= fpm.str_size(1000) + fpm.str_size(3000)
    assert fp.by_kind["frame"] > 0 and fp.total == sum(fp.by_kind.values())
    m.run(20)  # f returned: its local is gone
    after = fpm.estimate(m)
    assert after.frames == 0 and after.largest[1] != "main.py:f.local"


def test_footprint_counts_imported_modules_and_their_code(tmp_path: Path) -> None:
    m = boot(tmp_path, "import helper\nimport MOD\nMOD.sleep(100)\n",
             run=2, helper="table = {'a': 1, 'b': 2}\ndef g(x):\n    return x + 1\n")
    fp = fpm.estimate(m)
    assert fp.by_module["helper"] > 0
    assert fp.by_kind["code"] == 56  # g's code object; helper's top-level code is freed
    assert fp.by_kind["function"] == 32  # 28 rounded to 8


def test_script_function_calls_are_counted_by_module_and_name(tmp_path: Path) -> None:
    m = boot(tmp_path, "import helper\nn = 0\nwhile n < 4:\n    helper.twice(n)\n    n = n + 1\n",
             helper="def once(x):\n    return x\n\n\ndef twice(x):\n    return once(x) + once(x)\n")
    assert m.script_state == "ended"
    assert m.meter.entered["helper.twice"] == 4
    assert m.meter.entered["helper.once"] == 8
