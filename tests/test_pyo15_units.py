"""Unit tests of the 1.5.2 compiler's parts: marshal, line table, literals,
code generation details taken from 1.5.2's compile.c, errors, the CLI."""
from __future__ import annotations

import marshal
import struct
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.pyo15 import (MAGIC, CompileError, DialectError, compile_source, compile_to_bytes,
                         pyo_bytes, read_pyo)
from tools.pyo15 import marshal15
from tools.pyo15.codeobj import Code15, same_const
from tools.pyo15.disasm import instructions, listing
from tools.pyo15.linetable import LineTable, decode
from tools.pyo15.literals import LiteralError, parse_number, parse_string
from tools.pyo15.opcodes import OPNAME, OPCODES

# ---------------------------------------------------------------- marshal

int32 = st.integers(min_value=-(2 ** 31), max_value=2 ** 31 - 1)
values = st.recursive(
    st.none() | int32 | st.binary(max_size=300),
    lambda inner: st.lists(inner, max_size=6).map(tuple),
    max_leaves=40,
)


@given(int32)
def test_marshal_int_is_i_and_four_little_endian_bytes(x: int) -> None:
    assert marshal15.dumps(x) == b"i" + struct.pack("<i", x)


def test_marshal_negative_ints() -> None:
    assert marshal15.dumps(-1) == b"i\xff\xff\xff\xff"
    assert marshal15.dumps(-(2 ** 31)) == b"i\x00\x00\x00\x80"
    assert marshal15.dumps(2 ** 31 - 1) == b"i\xff\xff\xff\x7f"


@pytest.mark.parametrize("x", [2 ** 31, -(2 ** 31) - 1, 2 ** 40])
def test_marshal_refuses_ints_beyond_32_bits(x: int) -> None:
    with pytest.raises(marshal15.MarshalError):
        marshal15.dumps(x)


def test_marshal_string_with_every_byte_value() -> None:
    s = bytes(range(256))
    data = marshal15.dumps(s)
    assert data == b"s" + struct.pack("<i", 256) + s
    assert marshal15.loads(data) == s


def test_marshal_nested_tuples() -> None:
    v = (1, (b"a", (None, (), (-5,))), b"")
    data = marshal15.dumps(v)
    assert data == (b"(" + struct.pack("<i", 3) + b"i\x01\x00\x00\x00"
                    + b"(" + struct.pack("<i", 2) + b"s\x01\x00\x00\x00a"
                    + b"(" + struct.pack("<i", 3) + b"N" + b"(\x00\x00\x00\x00"
                    + b"(\x01\x00\x00\x00i\xfb\xff\xff\xff"
                    + b"s\x00\x00\x00\x00")
    assert marshal15.loads(data) == v


@settings(max_examples=200)
@given(values)
def test_marshal_matches_python3_marshal_version_0(v: object) -> None:
    # Python 3's marshal format 0 writes these types exactly as 1.5.2 did.
    assert marshal15.dumps(v) == marshal.dumps(v, 0)
    assert marshal15.loads(marshal15.dumps(v)) == v


def test_marshal_code_object_round_trip() -> None:
    inner = Code15(1, 1, 1, 3, b"|\x00\x00S", (None,), (b"x",), (b"x",),
                   b"f.py", b"<lambda>", 3, b"")
    co = Code15(0, 0, 1, 0, b"d\x00\x00S", (inner, 7, b"s", None), (), (), b"f.py",
                b"?", 1, b"\x03\x01")
    data = marshal15.dumps(co)
    assert data[:1] == b"c" and data[1:9] == b"\x00\x00\x00\x00\x01\x00\x00\x00"
    back = marshal15.loads(data)
    assert isinstance(back, Code15)
    assert marshal15.dumps(back) == data


def test_marshal_rejects_other_types() -> None:
    for v in (1.5, "text", [1], True):
        with pytest.raises(marshal15.MarshalError):
            marshal15.dumps(v)


def test_pyo_header() -> None:
    co = compile_source("x = 1\n", "m.py")
    data = pyo_bytes(co, 0x01020304)
    assert data[:4] == bytes.fromhex("994e0d0a") == MAGIC
    assert data[4:8] == b"\x04\x03\x02\x01"
    mtime, back = read_pyo(data)
    assert mtime == 0x01020304 and marshal15.dumps(back) == data[8:]
    with pytest.raises(ValueError):
        read_pyo(b"\x00\x00\x00\x00" + data[4:])

# ---------------------------------------------------------------- line table


def pairs(t: LineTable) -> list[tuple[int, int]]:
    raw = t.lnotab()
    return [(raw[i], raw[i + 1]) for i in range(0, len(raw), 2)]


def test_lnotab_first_line_sets_firstlineno_without_entry() -> None:
    t = LineTable()
    t.set_lineno(0, 0)  # a module starts at "line 0"
    t.set_lineno(0, 12)
    t.set_lineno(9, 24)
    assert t.firstlineno == 12
    assert pairs(t) == [(9, 12)]


def test_lnotab_line_gap_above_255_is_split() -> None:
    t = LineTable()
    t.set_lineno(0, 69)
    t.set_lineno(9, 375)  # +306 lines
    assert pairs(t) == [(9, 255), (0, 51)]


def test_lnotab_address_jump_above_255_is_split() -> None:
    t = LineTable()
    t.set_lineno(0, 64)
    t.set_lineno(60, 65)
    t.set_lineno(366, 66)  # +306 bytes
    assert pairs(t) == [(60, 1), (255, 1), (51, 0)]


def test_lnotab_both_above_255_are_cut_together() -> None:
    t = LineTable()
    t.set_lineno(0, 1)
    t.set_lineno(600, 701)
    assert pairs(t) == [(255, 255), (255, 255), (90, 190)]


def test_lnotab_negative_line_step_is_a_wrapped_byte() -> None:
    t = LineTable()
    t.set_lineno(0, 40)
    t.set_lineno(6, 41)
    t.set_lineno(15, 42)
    t.set_lineno(18, 43)
    t.set_lineno(27, 41)  # a for statement whose sequence spans lines
    assert pairs(t)[-1] == (9, 254)


def test_lnotab_no_entry_without_progress() -> None:
    t = LineTable()
    t.set_lineno(0, 5)
    t.set_lineno(0, 5)
    t.set_lineno(0, 3)  # backwards with no code in between: nothing written
    t.set_lineno(4, 3)
    assert pairs(t) == [(4, 0)]
    t.set_lineno(4, 6)
    assert pairs(t) == [(4, 0), (0, 3)]


@given(st.lists(st.tuples(st.integers(0, 700), st.integers(0, 700)), min_size=1, max_size=30))
def test_lnotab_decodes_back_to_every_recorded_point(steps: list[tuple[int, int]]) -> None:
    """With lines that never go backwards the table is exact at each recorded point."""
    t = LineTable()
    addr, line = 0, 1
    t.set_lineno(addr, line)
    expected = []
    for da, dl in steps:
        addr, line = addr + da, line + dl
        t.set_lineno(addr, line)
        if da or dl:
            expected.append((addr, line))
    raw = t.lnotab()
    table = pairs(t)
    assert all(p != (0, 0) for p in table)
    decoded = decode(raw, 1)
    assert set(expected) <= set(decoded)
    assert decoded[-1:] == expected[-1:]


@given(st.integers(1, 255), st.integers(-127, -1))
def test_lnotab_negative_step_is_one_wrapped_pair(da: int, dl: int) -> None:
    t = LineTable()
    t.set_lineno(0, 500)
    t.set_lineno(da, 500 + dl)
    assert pairs(t) == [(da, dl & 0xFF)]


# ---------------------------------------------------------------- literals


@pytest.mark.parametrize("text,value", [
    ("0", 0), ("7", 7), ("2147483647", 2147483647), ("0x7fffffff", 2147483647),
    ("0x80000000", -2147483648), ("0xffffffff", -1), ("0XFF", 255), ("0xA", 10),
    ("017", 15), ("00", 0),
])
def test_parse_number(text: str, value: int) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["2147483648", "0x100000000", "1.5", "1e3", "2j", "10L",
                                  "1_000", "0o17", "0b1"])
def test_parse_number_refuses(text: str) -> None:
    with pytest.raises(LiteralError):
        parse_number(text)


@pytest.mark.parametrize("token,value", [
    (r"'a\tb'", b"a\tb"),
    (r"'\n\r\\\'\"'", b"\n\r\\'\""),
    (r"'\a\b\f\v'", b"\x07\x08\x0c\x0b"),
    (r"'\032\0\101\1234'", b"\x1a\x00A" + b"S4"),
    (r"'\777'", b"\xff"),
    (r"'\q\N{x}\u1234'", b"\\q\\N{x}\\u1234"),
    (r"'\x41BC'", b"\xbc"),  # 1.5.2's \x takes every following hex digit
    (r"r'\n\t'", b"\\n\\t"),
    ("'''a\n'b'\n'''", b"a\n'b'\n"),
    ('"""x"""', b"x"),
    ("'a\\\nb'", b"ab"),
    ("'\xe9'", b"\xe9"),
])
def test_parse_string(token: str, value: bytes) -> None:
    assert parse_string(token) == value


@pytest.mark.parametrize("token", ["u'x'", "b'x'", "f'x'", "rb'x'"])
def test_parse_string_refuses_new_prefixes(token: str) -> None:
    with pytest.raises(LiteralError):
        parse_string(token)

# ---------------------------------------------------------------- code generation


def ops(co: Code15) -> list[tuple[str, int | None]]:
    return [(OPNAME[i.opcode], i.arg) for i in instructions(co.code)]


def names_of(co: Code15) -> list[str]:
    return [n.decode() for n in co.names]


RET_NONE = [("LOAD_CONST", 0), ("RETURN_VALUE", None)]


def test_opcode_table_matches_xdis() -> None:
    xdis15 = pytest.importorskip("xdis.opcodes.opcode_15")
    for name, num in OPCODES.items():
        if name in ("SLICE", "STORE_SLICE", "DELETE_SLICE"):
            assert xdis15.opmap[name + "_0"] == num
        else:
            assert xdis15.opmap[name] == num, name


def test_empty_module() -> None:
    co = compile_source("# nothing\n\n", "e.py")
    assert ops(co) == RET_NONE
    assert co.consts == (None,) and co.firstlineno == 0 and co.lnotab == b""
    assert co.name == b"?" and co.filename == b"e.py"


def test_no_constant_folding_and_none_is_a_name() -> None:
    co = compile_source("x = -5\ny = x is None\n", "m.py")
    assert ops(co)[:3] == [("LOAD_CONST", 0), ("UNARY_NEGATIVE", None), ("STORE_NAME", 0)]
    assert ("LOAD_NAME", 1) in ops(co) and names_of(co) == ["x", "None", "y"]
    assert co.consts == (5, None)


def test_constant_false_if_is_dropped_but_parenthesized_is_not() -> None:
    assert ops(compile_source("if 0:\n    x = 1\n", "m.py")) == RET_NONE
    assert ops(compile_source("if '':\n    x = 1\nif __debug__:\n    y = 2\n", "m.py")) == RET_NONE
    co = compile_source("if (0):\n    x = 1\n", "m.py")
    assert ops(co)[:2] == [("LOAD_CONST", 0), ("JUMP_IF_FALSE", 10)]
    # while 0 is kept
    assert ("SETUP_LOOP", 18) in ops(compile_source("while 0:\n    x = 1\n", "m.py"))


def test_assert_is_removed_but_its_line_is_recorded() -> None:
    co = compile_source("x = 1\nassert x\ny = 2\n", "m.py")
    assert [o for o, _ in ops(co)].count("STORE_NAME") == 2
    assert co.lnotab == bytes([6, 1, 0, 1])


def test_string_statements_and_module_docstring() -> None:
    co = compile_source("'doc'\nx = 1\n'dropped'\n('kept')\n", "m.py")
    assert ops(co) == [("LOAD_CONST", 0), ("STORE_NAME", 0), ("LOAD_CONST", 1),
                       ("STORE_NAME", 1), ("LOAD_CONST", 2), ("POP_TOP", None),
                       ("LOAD_CONST", 3), ("RETURN_VALUE", None)]
    assert co.consts == (b"doc", 1, b"kept", None)
    assert names_of(co) == ["__doc__", "x"]


def test_function_docstring_takes_the_none_slot() -> None:
    co = compile_source("def f():\n    'doc'\n    return 1\n", "m.py")
    f = co.consts[0]
    assert isinstance(f, Code15) and f.consts == (b"doc", 1, None)


def test_semicolon_statements_share_one_line_entry() -> None:
    co = compile_source("a = 1; b = 2\nc = 3\n", "m.py")
    assert co.firstlineno == 1 and co.lnotab == bytes([12, 1])


def test_print_is_the_print_statement() -> None:
    assert ops(compile_source("print(x)\n", "m.py"))[:3] == [
        ("LOAD_NAME", 0), ("PRINT_ITEM", None), ("PRINT_NEWLINE", None)]
    assert ops(compile_source("print(1, 2)\n", "m.py"))[2] == ("BUILD_TUPLE", 2)


def test_identical_code_objects_are_shared() -> None:
    # 1.5.2's code_compare ignores names and line numbers
    co = compile_source("def a():\n    pass\ndef b():\n    pass\n", "m.py")
    assert ops(co) == [("LOAD_CONST", 0), ("MAKE_FUNCTION", 0), ("STORE_NAME", 0),
                       ("LOAD_CONST", 0), ("MAKE_FUNCTION", 0), ("STORE_NAME", 1),
                       ("LOAD_CONST", 1), ("RETURN_VALUE", None)]
    assert isinstance(co.consts[0], Code15) and co.consts[0].name == b"a"


def test_class_statement_leaves_one_stack_entry() -> None:
    co = compile_source("class A:\n    x = 1\nclass B(A):\n    y = 2\n", "m.py")
    assert co.stacksize == 4
    body = co.consts[1]
    assert isinstance(body, Code15) and body.flags == 2
    assert ops(body) == [("LOAD_CONST", 1), ("STORE_NAME", 0), ("LOAD_LOCALS", None),
                         ("RETURN_VALUE", None)]


def test_locals_are_fast_and_also_listed_in_names() -> None:
    co = compile_source("def f(a, b=2, *c, **d):\n    e = a\n    global g\n    g = e\n"
                        "    return h\n", "m.py")
    f = co.consts[0]
    assert isinstance(f, Code15)
    assert f.argcount == 2 and f.flags == 0x0F and f.nlocals == 5
    assert [v.decode() for v in f.varnames] == ["a", "b", "c", "d", "e"]
    assert names_of(f) == ["a", "e", "g", "h"]
    assert ops(f)[:6] == [("LOAD_FAST", 0), ("STORE_FAST", 4), ("LOAD_FAST", 4),
                          ("STORE_GLOBAL", 2), ("LOAD_GLOBAL", 3), ("RETURN_VALUE", None)]
    # the code object enters co_consts before its default value
    assert co.consts[1] == 2


def test_private_names_are_mangled_in_a_class() -> None:
    co = compile_source("class C:\n    def f(self):\n        self.__x = 1\n"
                        "        return __y, __z__\n", "m.py")
    f = co.consts[1].consts[1]  # type: ignore[union-attr]
    assert names_of(f) == ["self", "_C__x", "_C__y", "__z__"]


def test_call_arguments_on_new_lines_get_line_entries() -> None:
    co = compile_source("f(1,\n  2,\n  c=\n  3)\n", "m.py")
    assert co.lnotab == bytes([6, 1, 3, 1])


def test_finally_line_comes_from_the_tokens() -> None:
    src = "try:\n    x = 1\n\n# comment\nfinally:   # here\n    y = 2\n"
    co = compile_source(src, "m.py")
    # SETUP_FINALLY(3) x=1(6) POP_BLOCK(1) LOAD_CONST(3) -> 'finally:' line 5 at 13
    assert decode(co.lnotab, co.firstlineno) == [(3, 2), (13, 5), (13, 6)]


def test_for_loop_layout() -> None:
    co = compile_source("for i in x:\n    pass\n", "m.py")
    # SETUP_LOOP 0, LOAD_NAME 3, LOAD_CONST 6, FOR_LOOP 9 (loop head), STORE_NAME 12,
    # JUMP_ABSOLUTE 15, POP_BLOCK 18
    assert ops(co) == [("SETUP_LOOP", 16), ("LOAD_NAME", 0), ("LOAD_CONST", 0),
                       ("FOR_LOOP", 6), ("STORE_NAME", 1), ("JUMP_ABSOLUTE", 9),
                       ("POP_BLOCK", None), ("LOAD_CONST", 1), ("RETURN_VALUE", None)]
    assert co.stacksize == 3 and co.lnotab == bytes([9, 0, 6, 1])


def test_dict_display_evaluates_value_before_key() -> None:
    co = compile_source("d = {'k': v}\n", "m.py")
    assert ops(co)[:6] == [("BUILD_MAP", 0), ("DUP_TOP", None), ("LOAD_NAME", 0),
                           ("ROT_TWO", None), ("LOAD_CONST", 0), ("STORE_SUBSCR", None)]


def test_slices_and_subscripts() -> None:
    got = [o for o, _ in ops(compile_source("a[:]; a[1:]; a[:2]; a[1:2]; a[1, 2]; a[::2]\n"
                                            "a[:] = b; del a[1:2]\n", "m.py"))]
    for name in ("SLICE+0", "SLICE+1", "SLICE+2", "SLICE+3", "BUILD_TUPLE", "BUILD_SLICE",
                 "STORE_SLICE+0", "DELETE_SLICE+3"):
        assert name in got


def test_hex_literals_wrap_to_32_bits() -> None:
    assert compile_source("x = 0xffffffff\n", "m.py").consts[0] == -1


@pytest.mark.parametrize("src,line,col,words", [
    ("x = 1\nx += 1\n", 2, 1, "augmented assignment"),
    ("for i in x:\n    try:\n        continue\n    except:\n        pass\n", 3, 9, "continue"),
    ("class C():\n    pass\n", 1, 1, "empty parentheses"),
    ("x = 2147483648\n", 1, 5, "too large"),
    ("x = [i for i in y]\n", 1, 5, "comprehension"),
    ("import os as o\n", 1, 1, "import ... as"),
    ("f(*a)\n", 1, 3, "*args"),
    ("try:\n    pass\nexcept:\n    pass\nfinally:\n    pass\n", 1, 1, "try/except/finally"),
    ("x = 1.5\n", 1, 5, "float"),
    ("x = print\n", 1, 5, "statement"),
    ("def f(:\n", 1, 7, "SyntaxError"),
    ("return 1\n", 1, 1, "outside function"),
])
def test_compile_errors_have_positions(src: str, line: int, col: int, words: str) -> None:
    with pytest.raises(CompileError) as info:
        compile_source(src, "bad.py")
    e = info.value
    assert (e.filename, e.line, e.col) == ("bad.py", line, col)
    assert words in e.message
    assert str(e).startswith("bad.py:%d:%d: " % (line, col))


def test_non_ascii_string_literal_is_refused() -> None:
    with pytest.raises(CompileError) as info:
        compile_source("# caf\xc3\xa9 in a comment is fine\nx = 'caf\xc3\xa9'\n".encode("latin-1"),
                       "m.py")
    assert (info.value.line, info.value.col) == (2, 5)
    assert "octal" in info.value.message
    assert compile_source(b"x = 'caf\\351'\n", "m.py").consts[0] == b"caf\xe9"


def test_same_const_follows_type_and_value() -> None:
    assert same_const(1, 1) and not same_const(1, b"1") and not same_const(0, None)
    assert same_const(b"a", b"a") and not same_const(1, True)

# ---------------------------------------------------------------- files, dialect gate, CLI


def test_compile_to_bytes_needs_the_dialect_checker(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "ok.py"
    src.write_text("x = 1\n")
    monkeypatch.setitem(sys.modules, "tools.dialect", None)  # import fails
    with pytest.raises(DialectError) as info:
        compile_to_bytes(src, check_dialect=True)
    assert "dialect checker not available" in str(info.value)
    assert compile_to_bytes(src, check_dialect=False)[:4] == MAGIC


def test_compile_to_bytes_refuses_dialect_violations(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    fake = types.ModuleType("tools.dialect")
    fake.check_file = lambda p: ["%s:1:1: fake-rule not allowed" % p]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tools.dialect", fake)
    src = tmp_path / "v.py"
    src.write_text("x = 1\n")
    with pytest.raises(DialectError) as info:
        compile_to_bytes(src, check_dialect=True)
    assert info.value.violations == ["%s:1:1: fake-rule not allowed" % src]


def test_compile_to_bytes_uses_source_mtime(tmp_path: Path) -> None:
    import os

    src = tmp_path / "t.py"
    src.write_text("x = 1\n")
    os.utime(src, (1_000_000_000, 1_000_000_000))
    assert compile_to_bytes(src, check_dialect=False)[4:8] == (1_000_000_000).to_bytes(4, "little")


def test_cli_compiles_and_disassembles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tools.pyo15.cli import main

    src = tmp_path / "hello.py"
    src.write_text("def f(a):\n    return a + 1\nx = f(1)\n")
    out = tmp_path / "out"
    assert main([str(src), "-o", str(out), "--dis", "--no-dialect-check"]) == 0
    text = capsys.readouterr().out
    assert (out / "hello.pyo").read_bytes()[:4] == MAGIC
    assert "BINARY_ADD" in text and "code object ?/f" in text
    assert main([str(out / "hello.pyo")]) == 0
    assert "LOAD_FAST" in capsys.readouterr().out
    bad = tmp_path / "bad.py"
    bad.write_text("x += 1\n")
    assert main([str(bad), "-o", str(out), "--no-dialect-check"]) == 1
    assert "bad.py:1:1:" in capsys.readouterr().err


def test_listing_is_stable() -> None:
    co = compile_source("x = 1\n", "m.py")
    assert listing(co) == listing(marshal15.loads(marshal15.dumps(co)))  # type: ignore[arg-type]
