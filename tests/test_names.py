"""The module's names table (ES13 §7.1; tools/emulator/names_table.py): what 1.5.2 interns,
counted statically and on the real 1.5.2+ (--count-interned), enforced by the emulator, and
the gateway's guard (at most 420 names of its own in any boot)."""
from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

from tools import bench_names
from tools.emulator import Module
from tools.emulator import names_table as nt


def test_the_interpreters_own_table_is_what_names_table_lists(py152count: Path) -> None:
    # the real 1.5.2+ reads 160 with a -c script ('?' and '<string>' from compiling it), and
    # every string INTERPRETER lists is in its table before any script name: intern() of a
    # fresh copy adds nothing
    probe = ("import sys\nn = sys.interned()\nfor id in sys.argv[1:]:\n    intern(id)\n"
             "print n, sys.interned()\n")
    r = subprocess.run([str(py152count), "-S", "-X", "-c", probe] + sorted(nt.INTERPRETER),
                       capture_output=True, text=True, timeout=30)
    before, after = map(int, r.stdout.split())
    assert before == after
    r = subprocess.run([str(py152count), "-S", "-X", "-c", "import sys; print sys.interned()"],
                       capture_output=True, text=True, timeout=30)
    assert int(r.stdout) == 160 == len(nt.INTERPRETER) + len(nt.MAIN_SCRIPT_EXTRA) + 1


def test_static_count_is_the_real_interpreters(py152count: Path) -> None:
    # every boot set: the stand-ins leave the static baseline, and each module adds exactly
    # what the static count says (module by module, in load order)
    src = bench_names.sources()
    for label, order in bench_names.boot_sets(src).items():
        own, rows = bench_names.static_count(order, src)
        base, end, per = bench_names.measured(order, src, py152count)
        assert base == len(nt.baseline(bench_names.MAIN)), label
        assert end - base == own, label
        prev = base
        for (name, _, new), count in zip(rows, per):
            assert count - prev == new, (label, name)
            prev = count


def test_interned_by_source_follows_compile_c() -> None:
    src = b"import MOD\nx = 'abc_1'\ny = 'a b'\nz = 'ok\\r'\ndef f(arg, two):\n    return arg.upper\n"
    got = nt.interned_by_source(src, "m.py")
    assert got == {"MOD", "x", "abc_1", "y", "z", "f", "arg", "two", "upper"}
    assert nt.interned_by_source(src, "m.py", from_source=True) == got | {"m.py", "?"}


def run(tmp: Path, files: dict[str, str], limit: int | None = nt.LIMIT) -> Module:
    m = Module(tmp)
    m.names_limit = limit
    for name, text in files.items():
        m.flash.write(name, text.encode())
    m.nvm["escript"] = "main.py"
    m.power_on()
    m.run(5)
    return m


def names_module(n: int) -> str:
    return "".join("v%03d = %d\n" % (i, i) for i in range(n))


def test_an_import_past_682_raises_memory_error(tmp_path: Path) -> None:
    # main.py interns 'big' and 'ok' ('?' and its file name are in the baseline): a module
    # of 682 - baseline - 2 names fills the table exactly; one name more does not fit
    base = len(nt.baseline("main.py"))
    room = nt.LIMIT - base - 2
    main = "import big\nprint('ok')\n"
    m = run(tmp_path / "a", {"main.py": main, "big.py": names_module(room)})
    assert m.trace_lines == ["ok"]
    assert len(m.script_run.names) == nt.LIMIT
    m = run(tmp_path / "b", {"main.py": main, "big.py": names_module(room + 1)})
    assert m.script_state == "crashed"
    assert m.trace_lines[-1].startswith("MemoryError: names table full: big needs")
    assert "ok" not in m.trace_lines
    assert "big" not in m.script_run.modules  # the import failed as a whole


def test_the_script_can_catch_it_and_the_count_goes_on_without_a_limit(tmp_path: Path) -> None:
    main = "try:\n    import big\nexcept MemoryError:\n    print('full')\nprint('after')\n"
    m = run(tmp_path / "a", {"main.py": main, "big.py": names_module(500)})
    assert m.trace_lines == ["full", "after"]
    m = run(tmp_path / "b", {"main.py": main, "big.py": names_module(500)}, limit=None)
    assert m.trace_lines == ["after"]
    assert m.script_run.names.own() == 500 + 3  # v000 ... v499; big, full, after


def own_names() -> dict[str, int]:
    src = bench_names.sources()
    return {label: bench_names.static_count(order, src)[0]
            for label, order in bench_names.boot_sets(src).items()}


def test_the_gateway_start_up_fits_420_names() -> None:
    # the guard: the start-up's own interned names (static = the real 1.5.2+,
    # test_static_count_is_the_real_interpreters) stay within the target
    own = own_names()["start-up"]
    assert own <= nt.GATEWAY_TARGET, "start-up: %d interned names of its own" % own


def test_the_gateway_fits_420_names_in_every_boot() -> None:
    for label, own in own_names().items():
        assert own <= nt.GATEWAY_TARGET, "%s: %d interned names of its own" % (label, own)


def test_the_gateway_starts_with_the_table_enforced(tmp_path: Path) -> None:
    # the emulator with the module's limit: every start-up import fits, the gateway gets
    # to listening, and the table holds exactly the baseline and the static count
    from gw_helpers import flash_gateway, start

    m = Module(tmp_path / "flash")
    flash_gateway(m)
    m.names_limit = nt.LIMIT
    try:
        start(m)
        assert m.script_run.names.own() == own_names()["start-up"]
        assert len(m.script_run.names) <= nt.LIMIT
    finally:
        m.close()


def test_the_gateways_own_runs_enforce_the_table(tmp_path: Path) -> None:
    # every boot fits, so the gateway's tests and scripts/run.sh run with the module's
    # limit: a change past 682 fails them at the import, as on a unit
    from gw_helpers import flash_gateway

    m = Module(tmp_path / "flash")
    try:
        flash_gateway(m)
        assert m.names_limit == nt.LIMIT
    finally:
        m.close()
    run_sh = (Path(__file__).resolve().parent.parent / "scripts" / "run.sh").read_text()
    assert "--names-limit" not in run_sh.split("exec ", 1)[1]


def module_list() -> list[str]:
    # README's module list (the bullets after "The compiled modules are layers"), in order
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    part = readme[readme.index("The compiled modules are layers"):]
    part = part[:part.index("\n\n", part.index("\n* "))]
    out: list[str] = []
    for line in part.splitlines():
        out.extend(re.findall(r"`(\w+)\.py`", line))
    return out


def test_modules_are_layers_and_the_readme_lists_them_top_down() -> None:
    # every import statement of an on-module file (at module level or in a function) names
    # a module listed after it in README: no module reaches back up, no import cycle
    from tools.paths import on_module_files

    files = {p.stem: p for p in on_module_files()}
    order = module_list()
    assert sorted(order) == sorted(files), "README's list must name every on-module file once"
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="latin-1"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name in files:
                        assert order.index(a.name) > order.index(name), \
                            "%s imports %s, listed above it" % (name, a.name)


def test_a_child_interpreter_gets_memory_error_at_that_import(tmp_path: Path) -> None:
    # the any-interpreter runner (tools/emulator/remote.py) keeps the same table: the file
    # that passes the limit is answered with MemoryError, raised by the child's import
    import sys

    from tools.emulator.remote import use_interpreter

    m = Module(tmp_path / "flash")
    use_interpreter(m, sys.executable)
    try:
        m.flash.write("big.py", names_module(500).encode())
        m.flash.write("main.py", b"try:\n    import big\nexcept MemoryError:\n    print('full')\n"
                                 b"print('after')\n")
        m.nvm["escript"] = "main.py"
        m.power_on()
        m.run(5)
        assert m.trace_lines == ["full", "after"]
        assert m.script_run.names.own() == 3  # big, full, after: big's names never went in
    finally:
        m.close()


@pytest.mark.parametrize("child", ["python3", "py152"])
def test_a_child_interpreter_counts_imp_load_module_too(tmp_path: Path, child: str,
                                                        request: pytest.FixtureRequest) -> None:
    # gwboot loads an update's modules with imp.load_module (ES13 5.2.30): their names go
    # into the same table as an import's, and past the limit the load is a MemoryError
    import sys

    from tools.emulator.remote import use_interpreter

    m = Module(tmp_path / "flash")
    use_interpreter(m, sys.executable if child == "python3" else str(request.getfixturevalue("py152")),
                    **({} if child == "python3" else {"extra_args": ["-X"]}))
    try:
        m.flash.write("big.py", names_module(500).encode())
        m.flash.write("mid.py", names_module(40).encode())
        m.flash.write("main.py", b"import imp\n"
                                 b"f = open('mid.py', 'r')\n"
                                 b"mid = imp.load_module('mid', f, 'mid.py', ('.py', 'r', imp.PY_SOURCE))\n"
                                 b"f = open('big.py', 'r')\n"
                                 b"try:\n"
                                 b"    big = imp.load_module('big', f, 'big.py', ('.py', 'r', imp.PY_SOURCE))\n"
                                 b"except MemoryError:\n"
                                 b"    print('full')\n"
                                 b"print('after')\n")
        m.nvm["escript"] = "main.py"
        m.power_on()
        m.run(5)
        assert m.trace_lines == ["full", "after"], m.trace_lines
        names = m.script_run.names
        assert {"v000", "v039", "mid"} <= names.names and "v040" not in names.names
    finally:
        m.close()


def test_the_count_build_reports_its_table_after_each_import(tmp_path: Path, py152count: Path) -> None:
    # under the real 1.5.2+ (--count-interned) the child reports sys.interned() after each
    # flash import: a module of 50 new names adds exactly those and its file name (the
    # child compiles the .py: compile.c interns the file name; its name came with main.py)
    from tools.emulator.remote import use_interpreter

    m = Module(tmp_path / "flash")
    use_interpreter(m, str(py152count), extra_args=["-X"])
    try:
        m.flash.write("small.py", b"x = 1\n")
        m.flash.write("big.py", names_module(50).encode())
        m.flash.write("main.py", b"import small\nimport big\nprint('ok')\n")
        m.nvm["escript"] = "main.py"
        m.power_on()
        m.run(5)
        assert m.trace_lines == ["ok"], m.trace_lines
        sizes = m.script_run.interned_sizes
        assert [s[0] for s in sizes] == ["small", "big"]
        assert sizes[1][1] - sizes[0][1] == 50 + 1
    finally:
        m.close()
