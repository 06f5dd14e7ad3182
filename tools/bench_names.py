"""Benchmark: the module's names table, what the gateway's files intern in CPython 1.5.2+.

    .venv/bin/python -m tools.bench_names            # static count and the real interpreter's
    .venv/bin/python -m tools.bench_names --static   # static count only

ES13 §7.1 ("around 500" names at each start-up) is 1.5.2's table of interned strings, at most
682 entries (``tools/emulator/names_table.py`` says why and what is in it before the script).
For every set of modules one boot can load, this prints:

* **static**: each file compiled by our 1.5.2 compiler (``tools/pyo15``, exact code objects);
  what 1.5.2 interns (names, varnames, string constants of letters, digits and ``_``; for the
  main script its file name), per module (all it interns; the new ones in load order) and in
  total beyond the baseline;
* **measured**: the same files compiled to ``.pyo`` and imported, in load order, by the real
  1.5.2+ built with ``--count-interned`` (``tools/py152.py``), after stand-ins for the Telit
  built-ins that intern exactly their documented names (ES13 §3); ``sys.interned()`` after
  each import. The harness itself uses only names already in the table;
* **literal**: every distinct identifier and string constant, whatever its characters (the
  literal reading of ES13 §7.1: "strings delimited by " " or ' '"), the worst case.

Static and measured agree module by module (tests/test_names.py). Where the two runs differ
in what they load, the counts do not: the harness's main code is ``-c`` (its file name
``<string>`` stands for ``gateway.py``), gateway.py's code object is loaded with marshal (its
names, not its run), and the stand-ins are ``.pyo`` files (so ``__file__`` is in the measured
baseline as in the static one).

The gateway's target: at most 420 of its own at the worst moment of any boot
(``names_table.GATEWAY_TARGET``), so about 60 of the 682 stay free for what a running script
interns.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from tools.emulator import names_table as nt
from tools.paths import on_module_files
from tools.pyo15.codeobj import Code15
from tools.pyo15.compiler import compile_source

MAIN = "gateway.py"


def names_of(code: Code15) -> tuple[set[bytes], set[bytes]]:
    """(identifiers, string constants) of a code object and every nested one."""
    idents: set[bytes] = set()
    strings: set[bytes] = set()
    for _, co in code.walk():
        idents.update(co.names)
        idents.update(co.varnames)
        strings.update(c for c in co.consts if isinstance(c, bytes))
    return idents, strings


def sources() -> dict[str, bytes]:
    return {p.stem: p.read_bytes() for p in on_module_files()}


def boot_sets(src: dict[str, bytes] | None = None) -> dict[str, list[str]]:
    """Every set of modules one boot can load, each in load order (an importer after what
    it imports): 'start-up' (gateway.py, gwboot.py, what gwloop imports: the 'boot' files
    of a release, tools/release.py) and 'start-up + <lazy>' for what loads later on demand
    (gwboot.need: updater.py)."""
    from tools.release import load_order

    src = sources() if src is None else src
    text = {k: v.decode("latin-1") for k, v in src.items()}
    boot, lazy = load_order({k: v for k, v in text.items() if k not in ("gateway", "gwboot")})
    start = ["gateway", "gwboot"] + [m for m in boot if m not in ("gateway", "gwboot")]
    out = {"start-up": start}
    if lazy:
        out["start-up + " + " + ".join(lazy)] = start + list(lazy)
    return out


def interned(name: str, src: bytes) -> frozenset[str]:
    """What loading module ``name`` interns (the main script compiles from source)."""
    if name + ".py" == MAIN:
        return nt.interned_by_source(src, MAIN, from_source=True)
    return nt.interned_by_source(src, name + ".py") | {name}  # sys.modules[name] (import.c)


def static_count(order: list[str], src: dict[str, bytes]) -> tuple[int, list[tuple[str, int, int]]]:
    """-> (own names after the whole set, [(module, names it interns, new in load order)])."""
    table = nt.NamesTable(MAIN, limit=10 ** 6)
    rows = []
    for name in order:
        got = interned(name, src[name])
        rows.append((name, len(got), table.add(got, name)))
    return table.own(), rows


def literal_count(order: list[str], src: dict[str, bytes]) -> int:
    """Every distinct identifier and string constant of the set (the literal reading)."""
    every: set[bytes] = set()
    for name in order:
        i, s = names_of(compile_source(src[name], name + ".py"))
        every |= i | s
    return len(every)


def _standin_source(mod: str) -> bytes:
    # A stand-in that interns exactly what the C module registers: its functions as names
    # bound at module level (co_names), nothing else (constants 0 and None). MOD's also
    # carries Telit's extra __builtin__ functions (ES13 §6.1).
    names = list(nt.BUILTIN_MODULES[mod]) + (list(nt.TELIT_BUILTINS) if mod == "MOD" else [])
    return (" = ".join(names) + " = 0\n").encode()


HARNESS = """import sys
import marshal
print sys.interned()
for id in sys.argv[1:]:
    if id[-4:] == '.pyo':
        marshal.loads(open(id).read()[8:])
    else:
        __import__(id)
    print sys.interned()
"""


def measured(order: list[str], src: dict[str, bytes], exe: Path) -> tuple[int, int, list[int]]:
    """On the real 1.5.2+ (count build): (table after the stand-ins, after the whole set,
    the count after each module of ``order``). The main script's code is loaded with
    marshal (its names, without running it); its file name stands as '<string>'."""
    from tools.pyo15.pyo import pyo_bytes

    with tempfile.TemporaryDirectory() as d:
        for mod in nt.STANDIN_MODULES:
            code = compile_source(_standin_source(mod), mod + ".py")
            Path(d, mod + ".pyo").write_bytes(pyo_bytes(code, 0))
        args = list(nt.STANDIN_MODULES) + ["md5", "marshal", "imp"]
        for name in order:
            code = compile_source(src[name], name + ".py")
            Path(d, name + ".pyo").write_bytes(pyo_bytes(code, 0))
            args.append(name + ".pyo" if name + ".py" == MAIN else name)
        r = subprocess.run([str(exe), "-S", "-X", "-O", "-c", HARNESS] + args, cwd=d,
                           capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("the real 1.5.2+ failed: " + (r.stderr or r.stdout)[-600:])
    counts = [int(x) for x in r.stdout.split()]
    n_base = 1 + len(nt.STANDIN_MODULES) + 3
    return counts[n_base - 1], counts[-1], counts[n_base:]


def report(real: bool = True) -> dict[str, dict[str, int]]:
    src = sources()
    exe = None
    if real:
        from tools.py152 import interpreter, why_not

        exe = interpreter(count=True)
        if exe is None:
            print("real 1.5.2+ not available (%s): static count only" % why_not())
    base = len(nt.baseline(MAIN))
    print("names table: limit %d (ES13 7.1); baseline %d = the interpreter's %d + the main "
          "script's 2 + __file__ + the C built-ins' %d (tools/emulator/names_table.py)"
          % (nt.LIMIT, base, len(nt.INTERPRETER), len(nt.builtin_names())))
    print("gateway's target: at most %d of its own in any boot (%d left free)\n"
          % (nt.GATEWAY_TARGET, nt.LIMIT - base - nt.GATEWAY_TARGET))
    out: dict[str, dict[str, int]] = {}
    for label, order in boot_sets(src).items():
        own, rows = static_count(order, src)
        per = None
        fig = {"static": own, "literal": literal_count(order, src)}
        if exe is not None:
            mbase, mend, per = measured(order, src, exe)
            fig["measured"] = mend - mbase
            fig["measured_baseline"] = mbase
        print("boot: %s" % label)
        print("  %-18s %8s %6s %9s" % ("module", "interns", "new", "measured"))
        prev = fig.get("measured_baseline", 0)
        for i, (name, n, new) in enumerate(rows):
            m = ""
            if per is not None:
                m = "%d" % (per[i] - prev)
                prev = per[i]
            print("  %-18s %8d %6d %9s" % (name + ".py", n, new, m))
        line = "  own interned names: static %d" % own
        if "measured" in fig:
            line += ", measured %d (table %d of %d after the stand-ins' %d)" % (
                fig["measured"], mend, nt.LIMIT, mbase)
        line += "; literal reading %d; target <= %d: %s" % (
            fig["literal"], nt.GATEWAY_TARGET,
            "ok" if max(own, fig.get("measured", 0)) <= nt.GATEWAY_TARGET else "OVER")
        print(line + "\n")
        out[label] = fig
    return out


def startup_modules() -> set[str]:
    """The files that load at start-up (the 'start-up' boot set)."""
    return set(boot_sets()["start-up"])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--static", action="store_true", help="no real-interpreter measurement")
    a = p.parse_args(argv)
    figs = report(real=not a.static)
    worst = max(max(f["static"], f.get("measured", 0)) for f in figs.values())
    return 0 if worst <= nt.GATEWAY_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
