"""Structural checks of a 1.5.2 code object (used by the tests).

Every instruction is whole, every jump lands on an instruction inside the
code, and every constant, name and local index is in range - for the code
object and all nested ones.  Returns a list of problems (empty when sound).
"""
from __future__ import annotations

from . import opcodes as op
from .codeobj import Code15
from .disasm import instructions


def problems(co: Code15) -> list[str]:
    out: list[str] = []
    for path, c in co.walk():
        out.extend("%s: %s" % (path, p) for p in _check(c))
    return out


def _check(c: Code15) -> list[str]:
    found: list[str] = []
    instrs = instructions(c.code)
    starts = {i.offset for i in instrs}
    if instrs and instrs[-1].offset + instrs[-1].size != len(c.code):
        found.append("last instruction is cut off")
    if not instrs or instrs[-1].opcode != op.RETURN_VALUE:
        found.append("code does not end with RETURN_VALUE")
    if c.nlocals != len(c.varnames):
        found.append("nlocals %d but %d varnames" % (c.nlocals, len(c.varnames)))
    for i in instrs:
        if i.opcode not in op.OPNAME:
            found.append("%d: unknown opcode %d" % (i.offset, i.opcode))
            continue
        a = i.arg
        if a is None:
            continue
        target = None
        if i.opcode in op.JREL:
            target = i.offset + 3 + a
        elif i.opcode in op.JABS:
            target = a
        if target is not None and target not in starts:
            found.append("%d: %s to %d, not an instruction" % (i.offset, i.name, target))
        for table, ops_, what in ((c.consts, op.HASCONST, "constant"),
                                  (c.names, op.HASNAME, "name"),
                                  (c.varnames, op.HASLOCAL, "local")):
            if i.opcode in ops_ and a >= len(table):
                found.append("%d: %s %d out of range" % (i.offset, what, a))
    return found
