"""A compiler from dialect source to CPython 1.5.2 bytecode (.pyo, as with -O).

    from tools.pyo15 import compile_file, compile_source

``compile_source(text, "NAME.py")`` gives the module code object;
``compile_file(path, out_dir, check_dialect=True)`` checks the dialect,
compiles and writes ``out_dir/NAME.pyo``.  See docs/compiler.md.
"""
from __future__ import annotations

from .api import compile_file, compile_to_bytes, dialect_violations
from .codeobj import Code15
from .compiler import compile_source
from .errors import CompileError, DialectError
from .pyo import MAGIC, pyo_bytes, read_pyo

__all__ = [
    "Code15",
    "CompileError",
    "DialectError",
    "MAGIC",
    "compile_file",
    "compile_source",
    "compile_to_bytes",
    "dialect_violations",
    "pyo_bytes",
    "read_pyo",
]
