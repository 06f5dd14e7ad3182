"""Checker for the on-module dialect (shared/dialect.md): Telit Python 1.5.2+ intersected with 3.11.

Usage: ``python -m tools.dialect [FILES...]`` (default: every *.py at the repository root).
Prints one line per violation, ``path:line:col: rule-id message (write X instead)``, and exits
with status 1 when any is found, 0 otherwise.
"""
from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    col: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.rule} {self.message}"


def check_source(source: str, path: str = "<string>") -> list[Violation]:
    try:
        ast.parse(source)
    except SyntaxError as e:
        return [Violation(path, e.lineno or 1, e.offset or 1, "syntax", f"Python 3 cannot parse this: {e.msg}")]
    return []


def check_file(path: str | Path) -> list[Violation]:
    p = Path(path)
    return check_source(p.read_text(encoding="utf-8"), str(path))


def main(argv: list[str] | None = None) -> int:
    from tools.paths import on_module_files

    args = sys.argv[1:] if argv is None else argv
    files = [Path(a) for a in args] or on_module_files()
    found = [v for f in files for v in check_file(f)]
    for v in found:
        print(v)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
