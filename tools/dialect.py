"""Checker for the on-module dialect: Telit Python 1.5.2+ intersected with Python 3.11.

The rules are those of ``shared/dialect.md``; docs/dialect-checker.md lists every rule id.

Usage: ``python -m tools.dialect [FILES...]`` (default: every *.py at the repository root).
Prints one line per violation, ``path:line:col: rule-id message (write X instead)``, and
exits with status 1 when any is found, 0 when none is, 2 when a file cannot be read.
Lines and columns are 1-based.
"""
from __future__ import annotations

import argparse
import ast
import functools
import sys
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tools.dialect_rules import Finding, Project, check, module_name_findings


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    col: int
    rule: str
    message: str  # ends with "(write X instead)" where a replacement exists

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.rule} {self.message}"


def check_source(source: str, path: str = "<string>", *, module_dir: str | Path | None = None) -> list[Violation]:
    """Every violation in ``source``. The *.py files in ``module_dir`` are its own modules."""
    project = _project(Path(module_dir)) if module_dir is not None else Project()
    return _violations(path, check(source, project))


def check_file(path: str | Path) -> list[Violation]:
    """Every violation in a file, including its name (NAME.pyo must fit in 16 characters).

    The *.py files in the same folder are the project's own modules: importing them is
    allowed, and the methods their classes define are not taken for built-in methods.
    """
    p = Path(path)
    source, decode_findings = _read(p)
    found = check(source, _project(p.parent)) + module_name_findings(p.stem) + decode_findings
    return _violations(str(path), sorted(found))


def _violations(path: str, found: Iterable[Finding]) -> list[Violation]:
    return [Violation(path, f.line, f.col, f.rule, f.message) for f in found]


def _project(folder: Path) -> Project:
    if not folder.is_dir():
        return Project()
    modules, methods = set(), set()
    for p in folder.glob("*.py"):
        try:
            stat = p.stat()
        except OSError:
            continue
        modules.add(p.stem)
        methods.update(_class_methods(p, stat.st_mtime_ns, stat.st_size))
    return Project(frozenset(modules), frozenset(methods))


@functools.lru_cache(maxsize=256)
def _class_methods(path: Path, mtime_ns: int, size: int) -> frozenset[str]:
    """Names of the methods the classes of a file define (cached while the file is unchanged)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return frozenset()
    return frozenset(
        item.name
        for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
        for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
    )


def _read(path: Path) -> tuple[str, list[Finding]]:
    data = path.read_bytes()
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        return data.decode("latin-1"), [Finding(line, 1, "syntax", "the file is not UTF-8: Python 3 cannot read it")]


def main(argv: list[str] | None = None) -> int:
    from tools.paths import on_module_files

    parser = argparse.ArgumentParser(prog="python -m tools.dialect", description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path,
                        help="files or folders to check (default: the on-module *.py files at the repository root)")
    args = parser.parse_args(argv)
    files: list[Path] = []
    for f in args.files or [_shown(p) for p in on_module_files()]:
        files.extend(sorted(f.glob("*.py")) if f.is_dir() else [f])
    found: list[Violation] = []
    for f in files:
        try:
            found.extend(check_file(f))
        except OSError as e:
            print(f"{f}: cannot read: {e.strerror or e}", file=sys.stderr)
            return 2
    for v in found:
        print(v)
    return 1 if found else 0


def _shown(path: Path) -> Path:
    """The path relative to the working directory when it is below it (shorter messages)."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


if __name__ == "__main__":
    sys.exit(main())
