"""tools/release.py: a release folder from the repository (docs/update.md)."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from tools.paths import ROOT
from tools.release import ReleaseError, build_release, main, module_imports


def test_release_of_the_repository(tmp_path: Path, capsys) -> None:
    out = tmp_path / "rel"
    assert main(["--version", "1.3", "-o", str(out)]) == 0
    assert "total" in capsys.readouterr().out
    lines = (out / "manifest.txt").read_text().split("\n")
    assert lines[:2] == ["gwrel1", "version=1.3"] and lines[-1] == ""
    entries = [line[5:].split(" ") for line in lines[2:-1]]
    names = [e[0] for e in entries]
    expected = sorted(p.stem for p in ROOT.glob("*.py") if p.name not in ("gateway.py", "gwboot.py"))
    assert sorted(names) == expected
    for name, size, md5, when in entries:
        blob = (out / (name + ".pyo")).read_bytes()
        assert int(size) == len(blob) < 16384 and md5 == hashlib.md5(blob).hexdigest()
        assert (out / "src" / (name + ".py")).read_bytes() == (ROOT / (name + ".py")).read_bytes()
        # a boot module comes after every module it imports at load time
        if when == "boot":
            src = (ROOT / (name + ".py")).read_text(encoding="latin-1")
            for dep in module_imports(src):
                if dep in names and dep != "gwboot":
                    assert names.index(dep) < names.index(name), (name, dep)
    when = dict((e[0], e[3]) for e in entries)
    assert when["updater"] == "lazy" and when["gwupd"] == "boot"
    boot = [n for n in names if when[n] == "boot"]
    assert boot[-1] == "gwloop" and names[:len(boot)] == boot     # boot files first, gwloop last


def copy_src(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir(parents=True)
    for p in ROOT.glob("*.py"):
        shutil.copyfile(p, src / p.name)
    return src


def test_release_refuses_a_version_without_the_health_hook(tmp_path: Path) -> None:
    src = copy_src(tmp_path)
    (src / "gwloop.py").write_text((src / "gwloop.py").read_text().replace("import gwupd\n", ""))
    with pytest.raises(ReleaseError, match="could never be confirmed"):
        build_release("1.4", tmp_path / "out", src)


def test_release_refuses_cycles_bad_versions_and_bad_code(tmp_path: Path) -> None:
    src = copy_src(tmp_path)
    with pytest.raises(ReleaseError, match="version must be"):
        build_release("1.4 beta", tmp_path / "out", src)
    with pytest.raises(ReleaseError, match="holds no release"):
        build_release("1.4", src, src)                  # never empties a folder of sources
    (src / "gwstate.py").write_text("import gwloop\n" + (src / "gwstate.py").read_text())
    with pytest.raises(ReleaseError, match="import cycle"):
        build_release("1.4", tmp_path / "out", src)
    src = copy_src(tmp_path / "b")
    (src / "firewall.py").write_text((src / "firewall.py").read_text() + "\nx += 1\n")
    with pytest.raises(ReleaseError, match="firewall.py"):
        build_release("1.4", tmp_path / "out2", src)
