"""Build a release for the remote update (docs/update.md) from the repository.

    python -m tools.release --version 1.3 -o release/1.3 [--src DIR]

Compiles every on-module file (the ``*.py`` at the root of ``--src``, default the repository)
except the start-up pair that an update never replaces (``gateway.py``, ``gwboot.py``), with
the dialect check and the module's limits (``tools/pyo15/build.py``), into ``OUT/NAME.pyo``,
and writes ``OUT/manifest.txt``:

    gwrel1
    version=1.3
    file=<module> <size> <md5 hex> <boot|lazy>      one line per file, in load order

``boot`` files are the modules ``gwloop`` needs at start-up (its module-level imports, and
theirs), each after the modules it imports, so ``gwboot.py`` can load them one by one with
``imp.load_module``; ``lazy`` ones (``updater``) load only when used (``gwboot.need``). A copy of
each source goes to ``OUT/src/`` (not part of the release: the emulator runs a ``.pyo`` from
its source, ``module.add_pyo_source``). Serve ``OUT`` with any HTTP server and send
``<password> update http://<host>:<port>/manifest.txt``.
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from tools.paths import ROOT
from tools.pyo15.build import build_one

FIXED = ("gateway.py", "gwboot.py")  # the start-up pair: replaced only with the uploader
VERSION_RE = re.compile(r"[0-9A-Za-z._-]{1,12}")
MAX_FILES = 40  # what updater.py accepts in a manifest
MAGIC_LINE = "gwrel1"


class ReleaseError(Exception):
    pass


@dataclass
class Entry:
    module: str
    size: int
    md5: str
    when: str  # boot | lazy


def module_imports(source: str) -> list[str]:
    """The modules a file imports at module level (the ones that run when it loads)."""
    out = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
    return out


def load_order(sources: dict[str, str]) -> tuple[list[str], list[str]]:
    """(boot modules in load order, lazy modules) of the release."""
    deps = {name: [d for d in module_imports(src) if d in sources] for name, src in sources.items()}
    if "gwloop" not in deps:
        raise ReleaseError("no gwloop.py: nothing to start")
    order: list[str] = []
    busy: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        if name in busy:
            raise ReleaseError("import cycle: %s" % " -> ".join(busy[busy.index(name):] + [name]))
        busy.append(name)
        for d in deps[name]:
            visit(d)
        busy.pop()
        order.append(name)

    visit("gwloop")
    lazy = sorted(n for n in sources if n not in order)
    return order, lazy


def build_release(version: str, out: Path, src: Path = ROOT) -> list[Entry]:
    if not VERSION_RE.fullmatch(version):
        raise ReleaseError("version must be 1-12 of letters, digits, . _ -")
    files = sorted(p for p in src.glob("*.py") if p.is_file() and p.name not in FIXED)
    sources = {p.stem: p.read_text(encoding="latin-1") for p in files}
    if "gwupd" not in sources or "gwboot.tick(" not in sources["gwupd"] \
            or "gwupd" not in module_imports(sources.get("gwloop", "")):
        raise ReleaseError("gwloop.py must import gwupd.py, which calls gwboot.tick(): "
                           "a version without that hook could never be confirmed")
    boot, lazy = load_order(sources)
    if len(boot) + len(lazy) > MAX_FILES:
        raise ReleaseError("%d files: an update takes at most %d" % (len(boot) + len(lazy), MAX_FILES))
    if out.exists():
        if any(out.iterdir()) and not (out / "manifest.txt").is_file():
            raise ReleaseError("%s is not empty and holds no release: not overwritten" % out)
        shutil.rmtree(out)
    (out / "src").mkdir(parents=True)
    entries = []
    problems = []
    for name in boot + lazy:
        path = src / (name + ".py")
        res = build_one(path, out)
        if not res.ok:
            problems.extend(res.problems)
            continue
        blob = (out / res.out_name).read_bytes()
        shutil.copyfile(path, out / "src" / path.name)
        entries.append(Entry(name, len(blob), hashlib.md5(blob).hexdigest(),
                             "boot" if name in boot else "lazy"))
    if problems:
        raise ReleaseError("\n".join(problems))
    lines = [MAGIC_LINE, "version=" + version]
    lines += ["file=%s %d %s %s" % (e.module, e.size, e.md5, e.when) for e in entries]
    (out / "manifest.txt").write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    return entries


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.release", description=__doc__.split("\n\n")[0])
    ap.add_argument("--version", required=True, help="the version name, e.g. 1.3")
    ap.add_argument("-o", "--out", type=Path, required=True,
                    help="the release folder (an earlier release there is replaced)")
    ap.add_argument("--src", type=Path, default=ROOT, help="where the on-module *.py are")
    a = ap.parse_args(argv)
    try:
        entries = build_release(a.version, a.out, a.src)
    except ReleaseError as exc:
        print("release: %s" % exc, file=sys.stderr)
        return 1
    print("%-14s %7s  %-32s %s" % ("module", "bytes", "md5", "loads"))
    for e in entries:
        print("%-14s %7d  %s %s" % (e.module, e.size, e.md5, e.when))
    print("%-14s %7d  %d files, version %s, in %s" % ("total", sum(e.size for e in entries),
                                                     len(entries), a.version, a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
