"""python -m tools.pyo15: compile dialect files to 1.5.2 .pyo files, or list them.

    python -m tools.pyo15 [FILE ...] [-o DIR] [--dis] [--no-dialect-check]

FILE.py is checked with the dialect checker, compiled and written to
DIR/FILE.pyo (DIR defaults to build/ at the repository root); with no FILE,
every on-module file at the repository root is compiled.  --dis prints a
disassembly of each produced file; a FILE.pyo argument is only disassembled.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .api import compile_to_bytes
from .disasm import listing
from .errors import CompileError, DialectError
from .pyo import read_pyo


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from tools.paths import BUILD

    p = argparse.ArgumentParser(
        prog="python -m tools.pyo15",
        description="Compile dialect source to CPython 1.5.2 bytecode (.pyo, as python -O).")
    p.add_argument("files", nargs="*", type=Path,
                   help="FILE.py to compile, or FILE.pyo to disassemble "
                        "(default: every *.py at the repository root)")
    p.add_argument("-o", "--out-dir", type=Path, default=BUILD,
                   help="where NAME.pyo is written (default: build/)")
    p.add_argument("--dis", action="store_true",
                   help="print a disassembly of each produced (or given) .pyo")
    p.add_argument("--no-dialect-check", action="store_true",
                   help="compile without running the dialect checker first "
                        "(for test programs that are deliberately outside the dialect)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    from tools.paths import on_module_files

    args = parse_args(argv)
    files: list[Path] = args.files or on_module_files()
    if not files:
        print("no files to compile", file=sys.stderr)
        return 1
    failed = 0
    for path in files:
        try:
            if path.suffix == ".pyo":
                _, code = read_pyo(path.read_bytes())
                print("# listing of %s" % path.name)
                sys.stdout.write(listing(code))
                continue
            blob = compile_to_bytes(path, check_dialect=not args.no_dialect_check)
        except (CompileError, DialectError) as exc:
            print(exc, file=sys.stderr)
            failed += 1
            continue
        except (OSError, ValueError) as exc:
            print("%s: %s" % (path, exc), file=sys.stderr)
            failed += 1
            continue
        args.out_dir.mkdir(parents=True, exist_ok=True)
        out = args.out_dir / (path.stem + ".pyo")
        out.write_bytes(blob)
        print("wrote %s (%d bytes)" % (out, len(blob)))
        if args.dis:
            _, code = read_pyo(blob)
            sys.stdout.write(listing(code))
    return 1 if failed else 0
