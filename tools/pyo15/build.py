"""Build every on-module file into build/*.pyo within the module's limits.

    python -m tools.pyo15.build [FILE.py ...] [-o DIR]

(tools/compile_pyo.sh runs this.)  For each file: the dialect check, the
compile, then the module's limits - the name NAME.pyo is at most 16
characters and the .pyo is under 16 KB (16384 bytes).  A refused file is not
written, and a stale build/NAME.pyo from an earlier build is removed so it
cannot be flashed by mistake.  Prints a table of files, sizes and totals;
exits 1 on any problem.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .api import compile_to_bytes
from .errors import CompileError, DialectError

MAX_NAME_CHARS = 16  # file names on the module, extension included
MAX_PYO_BYTES = 16 * 1024  # a compiled module must stay below 16 KB


@dataclass
class Result:
    source: Path
    out_name: str
    source_size: int
    pyo_size: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def name_problem(source: Path) -> str | None:
    out_name = source.stem + ".pyo"
    if len(out_name) > MAX_NAME_CHARS:
        return ("%s: output name %s is %d characters; the module allows at most %d "
                "(keep the source name at %d characters or fewer before .py)"
                % (source, out_name, len(out_name), MAX_NAME_CHARS, MAX_NAME_CHARS - 4))
    return None


def size_problem(source: Path, out_name: str, size: int) -> str | None:
    if size >= MAX_PYO_BYTES:
        return ("%s: %s would be %d bytes; a module file must be under %d bytes (16 KB): "
                "split the module" % (source, out_name, size, MAX_PYO_BYTES))
    return None


def build_one(source: Path, out_dir: Path) -> Result:
    out_name = source.stem + ".pyo"
    res = Result(source, out_name, source.stat().st_size if source.exists() else 0)
    out = out_dir / out_name
    problem = name_problem(source)
    if problem is None:
        try:
            blob = compile_to_bytes(source, check_dialect=True)
        except DialectError as exc:
            res.problems.extend(exc.violations)
        except CompileError as exc:
            res.problems.append(str(exc))
        except OSError as exc:
            res.problems.append("%s: %s" % (source, exc))
        else:
            res.pyo_size = len(blob)
            problem = size_problem(source, out_name, len(blob))
            if problem is None:
                out_dir.mkdir(parents=True, exist_ok=True)
                out.write_bytes(blob)
    if problem is not None:
        res.problems.append(problem)
    if not res.ok and out.exists():
        out.unlink()  # never leave an old build of a refused file behind
    return res


def table(results: list[Result]) -> str:
    rows = [("file", "source bytes", ".pyo", ".pyo bytes", "status")]
    for r in results:
        rows.append((r.source.name, str(r.source_size), r.out_name,
                     "-" if r.pyo_size is None else str(r.pyo_size),
                     "ok" if r.ok else "REFUSED"))
    good = [r for r in results if r.ok]
    rows.append(("total: %d file(s)" % len(results),
                 str(sum(r.source_size for r in results)),
                 "%d built" % len(good),
                 str(sum(r.pyo_size or 0 for r in good)),
                 "ok" if len(good) == len(results) else "%d refused" % (len(results) - len(good))))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = []
    for k, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [row[i].rjust(widths[i]) for i in (1,)] + \
                [row[2].ljust(widths[2]), row[3].rjust(widths[3]), row[4]]
        lines.append("  ".join(cells).rstrip())
        if k == 0 or k == len(rows) - 2:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from tools.paths import BUILD, on_module_files

    p = argparse.ArgumentParser(prog="compile_pyo.sh",
                                description="Check, compile and size-check on-module files.")
    p.add_argument("files", nargs="*", type=Path,
                   help="dialect files (default: every *.py at the repository root)")
    p.add_argument("-o", "--out-dir", type=Path, default=BUILD)
    args = p.parse_args(argv)
    files: list[Path] = args.files or on_module_files()
    if not files:
        print("compile_pyo: no on-module files to compile (no *.py at the repository root)")
        return 0
    results = [build_one(f, args.out_dir) for f in files]
    for r in results:
        for line in r.problems:
            print(line, file=sys.stderr)
    print(table(results))
    print("output directory: %s" % args.out_dir)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
