"""The CPython 1.5.2 code object as plain data, and 1.5.2's notion of equality.

Constants are 1.5.2 values: ``int`` (32-bit), ``bytes`` (1.5.2 strings), ``None``
and nested :class:`Code15` objects.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

Const = Union[int, bytes, None, "Code15"]


@dataclass(eq=False)
class Code15:
    argcount: int
    nlocals: int
    stacksize: int
    flags: int
    code: bytes
    consts: tuple[Const, ...]
    names: tuple[bytes, ...]
    varnames: tuple[bytes, ...]
    filename: bytes
    name: bytes
    firstlineno: int
    lnotab: bytes = field(default=b"")

    def walk(self) -> list[tuple[str, "Code15"]]:
        """This code object and every nested one, depth-first in co_consts order."""
        out: list[tuple[str, Code15]] = []

        def visit(co: Code15, path: str) -> None:
            out.append((path, co))
            for c in co.consts:
                if isinstance(c, Code15):
                    visit(c, path + "/" + c.name.decode("latin-1"))

        visit(self, self.name.decode("latin-1"))
        return out


def same_const(a: Const, b: Const) -> bool:
    """1.5.2's com_add test: same type and PyObject_Compare(a, b) == 0.

    For code objects this is 1.5.2's code_compare, which (through a bug) never
    looks at argcount, nlocals or flags and also ignores the name, file name,
    first line and line table: two code objects with the same co_code, co_consts,
    co_names and co_varnames are equal, so the compiler shares them.
    """
    if type(a) is not type(b):
        return False
    if isinstance(a, Code15):
        assert isinstance(b, Code15)
        return (a.code == b.code
                and len(a.consts) == len(b.consts)
                and all(same_const(x, y) for x, y in zip(a.consts, b.consts))
                and a.names == b.names
                and a.varnames == b.varnames)
    return a == b
