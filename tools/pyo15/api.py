"""Compiling files: the dialect gate, then the compiler, then the .pyo file."""
from __future__ import annotations

from pathlib import Path

from .compiler import compile_source
from .errors import DialectError
from .pyo import pyo_bytes, source_mtime


def dialect_violations(path: Path) -> list[str]:
    """Run the project's dialect checker (tools/dialect.py) on one file.

    The checker is imported here, when it is needed; if it cannot be imported
    the compile fails instead of silently skipping the check.
    """
    try:
        from tools.dialect import check_file
    except ImportError as exc:
        raise DialectError(["%s: dialect checker not available (tools/dialect.py: %s); "
                            "refusing to compile without the dialect check" % (path, exc)]) from None
    try:
        return [str(v) for v in check_file(path)]
    except UnicodeDecodeError as exc:
        return ["%s:1:1: the dialect checker cannot read the file: %s" % (path, exc)]


def compile_to_bytes(path: Path, *, check_dialect: bool) -> bytes:
    """The .pyo file contents for the source file at path.

    check_dialect has no default on purpose: skipping the dialect gate must be
    asked for explicitly (the golden corpus does, because p17 uses the string
    module on purpose).
    """
    data = path.read_bytes()
    if check_dialect:
        problems = dialect_violations(path)
        if problems:
            raise DialectError(problems)
    code = compile_source(data, path.name)
    return pyo_bytes(code, source_mtime(path))


def compile_file(path: Path, out_dir: Path, *, check_dialect: bool) -> Path:
    """Compile path to out_dir/NAME.pyo and return the written path."""
    blob = compile_to_bytes(path, check_dialect=check_dialect)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / (path.stem + ".pyo")
    out.write_bytes(blob)
    return out
