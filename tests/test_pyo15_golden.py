"""Issue 6: our 1.5.2 compiler against the golden corpus made by real CPython 1.5.2 -O.

Every program in ../shared/golden/pyo15/ must compile to a .pyo that is byte
for byte the golden one after the 8-byte header (bytes 4-7 are the source
mtime).  On a mismatch the test prints a unified diff of the two xdis
listings (made the way golden/tools/dis15.py makes the .dis files).
"""
from __future__ import annotations

import difflib
import importlib.util
import io
from pathlib import Path

import pytest

from tools.paths import shared_dir
from tools.pyo15 import MAGIC, compile_source, pyo_bytes, read_pyo
from tools.pyo15 import marshal15
from tools.pyo15.disasm import instructions
from tools.pyo15.verify import problems

_SHARED = shared_dir()
_CORPUS = _SHARED / "golden" / "pyo15" if _SHARED else None


def _programs() -> list[str]:
    if _CORPUS is None or not (_CORPUS / "INDEX.tsv").is_file():
        return []
    rows = (_CORPUS / "INDEX.tsv").read_text().splitlines()[1:]
    return [r.split("\t")[0][:-3] for r in rows if r.strip()]


PROGRAMS = _programs()


def _ours(name: str) -> bytes:
    src = (_CORPUS / (name + ".py")).read_bytes()  # type: ignore[operator]
    return pyo_bytes(compile_source(src, name + ".py"), 0)


def _golden(name: str) -> bytes:
    return (_CORPUS / (name + ".pyo")).read_bytes()  # type: ignore[operator]


def _xdis_listing(shared: Path, pyo_path: Path) -> str:
    """The listing golden/tools/dis15.py prints (imported from ../shared at test time)."""
    spec = importlib.util.spec_from_file_location(
        "dis15", shared / "golden" / "tools" / "dis15.py")
    assert spec and spec.loader
    dis15 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dis15)
    version, _ts, _magic, co = dis15.load_module(str(pyo_path))[:4]
    out = io.StringIO()
    dis15.dump(co, dis15.get_opcode_module(version), co.co_name, out)
    return out.getvalue()


def _mismatch_report(shared: Path, name: str, ours: bytes, golden: bytes, tmp: Path) -> str:
    a = tmp / ("ours_" + name + ".pyo")
    b = tmp / ("golden_" + name + ".pyo")
    a.write_bytes(ours)
    b.write_bytes(golden)
    try:
        left = _xdis_listing(shared, a).splitlines()
    except Exception as exc:  # our file may not even load
        left = ["<xdis could not read our file: %r>" % exc]
    right = _xdis_listing(shared, b).splitlines()
    diff = difflib.unified_diff(right, left, "golden " + name + ".pyo", "ours " + name + ".pyo",
                                lineterm="", n=4)
    first = next((i for i, (x, y) in enumerate(zip(ours[8:], golden[8:])) if x != y),
                 min(len(ours), len(golden)) - 8)
    return ("%s: ours %d bytes, golden %d bytes, first difference at file offset %d\n%s"
            % (name, len(ours), len(golden), first + 8, "\n".join(diff)))


@pytest.mark.parametrize("name", PROGRAMS or [pytest.param("none", marks=pytest.mark.skip(
    reason="../shared/golden/pyo15 not available"))])
def test_golden_program_is_byte_identical(shared: Path, name: str, tmp_path: Path) -> None:
    ours = _ours(name)
    golden = _golden(name)
    assert golden[:4] == MAGIC
    if ours[8:] != golden[8:]:
        pytest.fail(_mismatch_report(shared, name, ours, golden, tmp_path), pytrace=False)


def test_golden_summary(shared: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert len(PROGRAMS) == 24, "INDEX.tsv should list the 24 corpus programs"
    same = []
    for name in PROGRAMS:
        try:
            if _ours(name)[8:] == _golden(name)[8:]:
                same.append(name)
        except Exception:
            pass
    missing = [n for n in PROGRAMS if n not in same]
    with capsys.disabled():
        print("\npyo15 golden: %d of %d programs byte-identical%s"
              % (len(same), len(PROGRAMS), (" (differ: %s)" % ", ".join(missing)) if missing else ""))
    assert not missing


@pytest.mark.parametrize("name", PROGRAMS)
def test_marshal_round_trip_of_golden_file(name: str) -> None:
    """Our marshal reader and writer reproduce every golden file exactly."""
    data = _golden(name)
    mtime, code = read_pyo(data)
    assert data[4:8] == mtime.to_bytes(4, "little")
    assert marshal15.dumps(code) == data[8:]


@pytest.mark.parametrize("name", PROGRAMS)
def test_own_disassembler_agrees_with_xdis(shared: Path, name: str) -> None:
    """tools.pyo15.disasm decodes the same instructions as xdis (used by dis15.py)."""
    from xdis.bytecode import Bytecode
    from xdis.load import load_module
    from xdis.op_imports import get_opcode_module

    path = _CORPUS / (name + ".pyo")  # type: ignore[operator]
    version, _ts, _magic, xco = load_module(str(path))[:4]
    opc = get_opcode_module(version)
    _, co = read_pyo(path.read_bytes())

    def pairs(x, c):
        theirs = [(i.offset, i.opcode, i.arg if i.has_arg else None) for i in Bytecode(x, opc)]
        mine = [(i.offset, i.opcode, i.arg) for i in instructions(c.code)]
        return theirs, mine

    stack = [(xco, co)]
    while stack:
        x, c = stack.pop()
        theirs, mine = pairs(x, c)
        assert mine == theirs, c.name
        nested_x = [k for k in x.co_consts if hasattr(k, "co_code")]
        nested_c = [k for k in c.consts if hasattr(k, "code")]
        stack.extend(zip(nested_x, nested_c))


@pytest.mark.parametrize("name", PROGRAMS)
def test_golden_files_pass_structural_checks(name: str) -> None:
    """The checks used on our own output hold for every real 1.5.2 file."""
    assert problems(read_pyo(_golden(name))[1]) == []


# Snippets desktop 1.5.2 compiles but this compiler refuses on purpose (docs/compiler.md).
DELIBERATE_REFUSALS = {
    "d031_exec_paren_module_level.py": "exec",
    "d032_exec_paren_in_function.py": "exec",
    "d084_float_literal.py": "float",
    "d085_complex_literal.py": "float",
}


def _verdicts() -> list[dict[str, str]]:
    if _SHARED is None:
        return []
    path = _SHARED / "golden" / "dialect" / "verdicts.tsv"
    if not path.is_file():
        return []
    lines = path.read_text().splitlines()
    head = lines[0].split("\t")
    return [dict(zip(head, ln.split("\t"))) for ln in lines[1:] if ln.strip()]


VERDICTS = [v for v in _verdicts() if v["valid_python3"] == "yes"]


@pytest.mark.parametrize("row", VERDICTS, ids=[v["file"] for v in VERDICTS])
def test_dialect_snippet_compiles_exactly_when_1_5_2_does(shared: Path,
                                                          row: dict[str, str]) -> None:
    """The 1.5.2 verdicts of golden/dialect: we refuse what 1.5.2 refused."""
    from tools.pyo15 import CompileError

    src = (shared / "golden" / "dialect" / row["file"]).read_bytes()
    try:
        co = compile_source(src, row["file"])
    except CompileError as exc:
        if row["compiles_1_5_2"] == "yes":
            word = DELIBERATE_REFUSALS.get(row["file"])
            assert word is not None and word in str(exc), str(exc)
        return
    assert row["compiles_1_5_2"] == "yes", "1.5.2 said: " + row["compiles_1_5_2"]
    assert problems(co) == []
