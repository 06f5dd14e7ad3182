"""Benchmark: the names the on-module files load, against Telit's "about 500" (REFERENCE §3:
"names loaded at start-up (variables, modules, methods, strings…) about 500; Telit advises
reusing names across files").

    .venv/bin/python -m tools.bench_names

Compiles every on-module file with our 1.5.2 compiler and counts, per module and in total,
the distinct identifiers in co_names and co_varnames of all code objects, and the distinct
string constants, for the files that load at start-up (gateway.py, gwboot.py and what gwloop
imports) and for all of them (updater.py loads only when an update starts). A figure to
watch, not a pass/fail test: the limit is Telit's estimate.
"""
from __future__ import annotations

from tools.paths import on_module_files
from tools.pyo15.codeobj import Code15
from tools.pyo15.compiler import compile_source


def names_of(code: Code15) -> tuple[set[bytes], set[bytes]]:
    idents: set[bytes] = set()
    strings: set[bytes] = set()
    for _, co in code.walk():
        idents.update(co.names)
        idents.update(co.varnames)
        strings.update(c for c in co.consts if isinstance(c, bytes))
    return idents, strings


def startup_modules() -> set[str]:
    """The files that load at start-up: gateway.py, gwboot.py and what gwloop needs (the
    'boot' files of a release, tools/release.py); the rest (updater.py) loads on demand."""
    from tools.release import load_order

    sources = {p.stem: p.read_text(encoding="latin-1") for p in on_module_files()}
    boot, _ = load_order(sources)
    return set(boot) | {"gateway", "gwboot"}


def main() -> None:
    all_idents: set[bytes] = set()
    all_strings: set[bytes] = set()
    start_idents: set[bytes] = set()
    start_strings: set[bytes] = set()
    startup = startup_modules()
    print("%-18s %7s %8s" % ("module", "names", "strings"))
    for path in on_module_files():
        idents, strings = names_of(compile_source(path.read_bytes(), path.name))
        all_idents |= idents
        all_strings |= strings
        if path.stem in startup:
            start_idents |= idents
            start_strings |= strings
        print("%-18s %7d %8d%s" % (path.name, len(idents), len(strings),
                                   "" if path.stem in startup else "  (loads on demand)"))
    print("%-18s %7d %8d" % ("distinct, start-up", len(start_idents), len(start_strings)))
    print("%-18s %7d %8d" % ("distinct, all", len(all_idents), len(all_strings)))
    print("Telit's estimate of what loads at start-up: about 500 names (REFERENCE §3)")


if __name__ == "__main__":
    main()
