"""The dialect checker as a tool: command line, output format, file rules, the on-module gate,
speed and robustness."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.dialect import Violation, check_file, check_source, main
from tools.paths import ROOT, on_module_files, shared_dir


def test_violation_format() -> None:
    v = Violation("gw.py", 3, 7, "aug-assign", "augmented assignment `+=` arrived in 2.0 (write x = x + ... instead)")
    assert str(v) == "gw.py:3:7: aug-assign augmented assignment `+=` arrived in 2.0 (write x = x + ... instead)"


def test_check_source_reports_path_line_col_rule_message() -> None:
    [v] = check_source("x = 1\nx += 1\n", "gw.py")
    assert (v.path, v.line, v.col, v.rule) == ("gw.py", 2, 1, "aug-assign")
    assert str(v) == "gw.py:2:1: aug-assign augmented assignment `+=` arrived in 2.0 (write x = x + ... instead)"


def test_syntax_error_is_a_violation() -> None:
    [v] = check_source("def f(:\n", "bad.py")
    assert v.rule == "syntax" and v.line == 1
    assert str(v).startswith("bad.py:1:")


def test_columns_count_characters_not_bytes() -> None:
    found = check_source("x = 'é' + '\\x0dA'\n")
    assert [(v.rule, v.col) for v in found] == [("non-ascii", 6), ("hex-escape", 12)]


def test_cli_clean_file_exits_0_and_prints_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "clean.py"
    f.write_text("x = 1\nx = x + 1\nprint('%d' % x)\n")
    assert main([str(f)]) == 0
    assert capsys.readouterr().out == ""


def test_cli_violations_exit_1_with_exact_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bad.py"
    f.write_text("x = 1\nx += 1\ny = 7 / 2\n")
    assert main([str(f)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{f}:2:1: aug-assign augmented assignment `+=` arrived in 2.0 (write x = x + ... instead)",
        f"{f}:3:5: division `/` divides ints in 1.5.2 and makes a float in Python 3 "
        "(write divmod(a, b)[0], or >> for powers of two instead)",
    ]


def test_cli_folder_argument_checks_its_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.py").write_text("x = True\n")
    (tmp_path / "b.py").write_text("import a\n")
    assert main([str(tmp_path)]) == 1
    assert capsys.readouterr().out.splitlines() == [f"{tmp_path / 'a.py'}:1:5: bool-name `True` is not in 1.5.2 (write 1 instead)"]


def test_cli_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "missing.py")]) == 2
    assert "missing.py" in capsys.readouterr().err


def test_python_dash_m_entry_point(tmp_path: Path) -> None:
    f = tmp_path / "bad.py"
    f.write_text("x = 1 <> 2\n")
    run = subprocess.run([sys.executable, "-m", "tools.dialect", str(f)], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 1
    assert f"{f}:1:7: ne-diamond `<>` is not Python 3 (write != instead)" in run.stdout.splitlines()


def test_module_name_rule(tmp_path: Path) -> None:
    ok = tmp_path / "sms_commands.py"  # sms_commands.pyo: 16 characters
    ok.write_text("x = 1\n")
    assert check_file(ok) == []
    long = tmp_path / "configuration.py"  # configuration.pyo: 17 characters
    long.write_text("x = 1\n")
    [v] = check_file(long)
    assert (v.line, v.col, v.rule) == (1, 1, "module-name")
    assert "configuration.pyo has 17 characters" in v.message
    # check_source knows no file name: no module-name rule there.
    assert check_source("x = 1\n", "configuration.py") == []


def test_check_file_allows_importing_sibling_modules(tmp_path: Path) -> None:
    (tmp_path / "helper.py").write_text("def f():\n    return 1\n")
    main_file = tmp_path / "gw.py"
    main_file.write_text("import helper\nimport os\nx = helper.f()\n")
    assert [(v.line, v.rule) for v in check_file(main_file)] == [(2, "import")]


def test_methods_of_sibling_modules_are_not_taken_for_string_methods(tmp_path: Path) -> None:
    (tmp_path / "frame.py").write_text("class Frame:\n    def encode(self):\n        return ''\n")
    gw = tmp_path / "gw.py"
    gw.write_text("import frame\nf = frame.Frame()\nx = f.encode()\ny = 'a'.zfill(3)\n")
    assert [(v.line, v.rule) for v in check_file(gw)] == [(4, "str-method")]
    assert [(v.line, v.rule) for v in check_source(gw.read_text())] == [(1, "import"), (3, "str-method"), (4, "str-method")]


def test_non_utf8_file_is_a_violation(tmp_path: Path) -> None:
    f = tmp_path / "latin.py"
    f.write_bytes(b"x = 1\ny = '\xe9'\n")
    rules = [(v.line, v.rule) for v in check_file(f)]
    assert (2, "syntax") in rules and (2, "non-ascii") in rules


def test_on_module_files_are_in_the_dialect() -> None:
    # The gate for the on-module files at the repository root (none yet is fine).
    found = [str(v) for path in on_module_files() for v in check_file(path)]
    assert found == [], "\n".join(found)


_PIECES = st.sampled_from([
    "x", "y", " = ", " + ", " / ", " in ", " is ", "(", ")", "[", "]", "{", "}", ":", ",", ".", "*", "**",
    "\n", "    ", "\t", "def ", "class ", "lambda ", "return ", "for ", "while ", "try:", "except", "finally:",
    "import ", "from ", "global ", "print", "exec", "'a'", '"""b"""', "'\\x0d1'", "0777", "10L", "1.5",
    "2147483648", "0x80000000", "`", "<>", "#", "\\\n", "if ", "else", "yield", "with ", "@", "->", "%",
    "sys.exc_info()", ".keys()", "d", "{}", "[]", "continue", "break", "nonlocal ", "async ", "é", ";",
])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_random_text_never_crashes(text: str) -> None:
    found = check_source(text)
    assert all(isinstance(v, Violation) for v in found)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=60).map("".join))
def test_random_python_like_text_never_crashes(text: str) -> None:
    found = check_source(text)
    assert all(isinstance(v, Violation) and v.line >= 1 and v.col >= 1 for v in found)
