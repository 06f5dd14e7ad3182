"""tools/compile_pyo.sh: dialect check, compile, module limits, table of sizes."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tools.paths import ROOT, on_module_files
from tools.pyo15 import MAGIC
from tools.pyo15 import compile_source
from tools.pyo15.build import MAX_NAME_CHARS, MAX_PYO_BYTES, build_one
from tools.pyo15.verify import problems

SCRIPT = ROOT / "tools" / "compile_pyo.sh"


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_script_is_executable_posix_sh() -> None:
    assert SCRIPT.stat().st_mode & 0o111
    assert SCRIPT.read_text().startswith("#!/bin/sh\n")
    subprocess.run(["sh", "-n", str(SCRIPT)], check=True)


def test_good_file_compiles_and_table_is_printed(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text("def f(a):\n    return a + 1\nx = f(1)\n")
    (tmp_path / "abcdefghijkl.py").write_text("y = 2\n")  # 16-character .pyo name: allowed
    out = tmp_path / "out"
    r = run("good.py", "abcdefghijkl.py", "-o", out, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    data = (out / "good.pyo").read_bytes()
    assert data[:4] == MAGIC
    assert (out / "abcdefghijkl.pyo").exists()
    assert re.search(r"good\.py\s+\d+\s+good\.pyo\s+%d\s+ok" % len(data), r.stdout), r.stdout
    assert "total: 2 file(s)" in r.stdout


def test_too_long_name_is_refused(tmp_path: Path) -> None:
    (tmp_path / "abcdefghijklm.py").write_text("x = 1\n")  # abcdefghijklm.pyo: 17 characters
    out = tmp_path / "out"
    out.mkdir()
    (out / "abcdefghijklm.pyo").write_bytes(b"stale")
    r = run("abcdefghijklm.py", "-o", out, cwd=tmp_path)
    assert r.returncode != 0
    assert "abcdefghijklm.pyo is 17 characters" in r.stderr
    assert "at most %d" % MAX_NAME_CHARS in r.stderr
    assert "REFUSED" in r.stdout
    assert not (out / "abcdefghijklm.pyo").exists(), "a stale build must not survive a refusal"


def test_pyo_of_16_kb_or_more_is_refused(tmp_path: Path) -> None:
    lines = ["s%d = '%s'\n" % (i, chr(65 + i % 26) * 1000) for i in range(20)]
    (tmp_path / "huge.py").write_text("".join(lines))
    out = tmp_path / "out"
    r = run("huge.py", "-o", out, cwd=tmp_path)
    assert r.returncode != 0
    assert re.search(r"huge\.pyo would be \d+ bytes; a module file must be under %d bytes"
                     % MAX_PYO_BYTES, r.stderr), r.stderr
    assert not (out / "huge.pyo").exists()


def test_dialect_violation_is_refused_with_position(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text("x = 1\n")
    (tmp_path / "bad.py").write_text("x = 1\nx += 1\n")
    out = tmp_path / "out"
    r = run("good.py", "bad.py", "-o", out, cwd=tmp_path)
    assert r.returncode != 0
    assert re.search(r"bad\.py:2:\d+: ", r.stderr), r.stderr
    assert not (out / "bad.pyo").exists()
    assert (out / "good.pyo").exists()  # the other files are still built and listed
    assert "1 refused" in r.stdout


def test_missing_file_is_reported(tmp_path: Path) -> None:
    r = run("nothere.py", "-o", tmp_path / "out", cwd=tmp_path)
    assert r.returncode != 0
    assert "nothere.py" in r.stderr


ON_MODULE = on_module_files()


def test_on_module_files_present(capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        if ON_MODULE:
            print("\ncompile_pyo: checking %d on-module file(s): %s"
                  % (len(ON_MODULE), ", ".join(p.name for p in ON_MODULE)))
        else:
            print("\ncompile_pyo: no on-module files at the repository root yet; "
                  "nothing to check")


@pytest.mark.parametrize("path", ON_MODULE, ids=[p.name for p in ON_MODULE])
def test_on_module_file_compiles_within_limits(path: Path, tmp_path: Path) -> None:
    res = build_one(path, tmp_path)
    assert res.ok, "\n".join(res.problems)
    assert res.pyo_size is not None and res.pyo_size < MAX_PYO_BYTES
    assert len(res.out_name) <= MAX_NAME_CHARS
    assert problems(compile_source(path.read_bytes(), path.name)) == []
