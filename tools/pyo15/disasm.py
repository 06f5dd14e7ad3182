"""A readable listing of CPython 1.5.2 code objects (no third-party packages).

For every code object - the module first, then nested ones depth-first in
co_consts order - the header fields, the tables, the raw line table and one
line per instruction.  Two listings can be compared with diff.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import opcodes as op
from .codeobj import Code15

_FLAGS = ((op.CO_OPTIMIZED, "OPTIMIZED"), (op.CO_NEWLOCALS, "NEWLOCALS"),
          (op.CO_VARARGS, "VARARGS"), (op.CO_VARKEYWORDS, "VARKEYWORDS"))


@dataclass(frozen=True)
class Instr:
    offset: int
    opcode: int
    arg: int | None

    @property
    def name(self) -> str:
        return op.OPNAME.get(self.opcode, "<%d>" % self.opcode)

    @property
    def size(self) -> int:
        return 1 if self.arg is None else 3


def instructions(code: bytes) -> list[Instr]:
    out: list[Instr] = []
    i = 0
    while i < len(code):
        opcode = code[i]
        if opcode >= op.HAVE_ARGUMENT:
            arg = code[i + 1] | (code[i + 2] << 8) if i + 2 < len(code) else 0
            out.append(Instr(i, opcode, arg))
            i += 3
        else:
            out.append(Instr(i, opcode, None))
            i += 1
    return out


def const_repr(c: object) -> str:
    if isinstance(c, Code15):
        return "<code object %s, line %d>" % (c.name.decode("latin-1"), c.firstlineno)
    if isinstance(c, bytes):
        return repr(c.decode("latin-1"))
    return repr(c)


def flag_text(flags: int) -> str:
    names = [n for bit, n in _FLAGS if flags & bit]
    rest = flags & ~0xF
    if rest:
        names.append("0x%x" % rest)
    return "0x%04x (%s)" % (flags, " | ".join(names) or "-")


def arg_text(co: Code15, ins: Instr) -> str:
    a = ins.arg
    assert a is not None
    o = ins.opcode
    try:
        if o in op.HASCONST:
            return const_repr(co.consts[a])
        if o in op.HASNAME:
            return co.names[a].decode("latin-1")
        if o in op.HASLOCAL:
            return co.varnames[a].decode("latin-1")
    except IndexError:
        return "?? out of range"
    if o in op.HASCOMPARE:
        return op.CMP_OP[a] if a < len(op.CMP_OP) else "??"
    if o in op.JREL:
        return "to %d" % (ins.offset + 3 + a)
    if o in op.JABS:
        return "to %d" % a
    if o == op.CALL_FUNCTION:
        return "%d positional, %d keyword" % (a & 0xFF, a >> 8)
    return ""


def line_starts(co: Code15) -> dict[int, int]:
    """Offset -> source line where a line-table entry starts (last one wins).

    1.5.2 stores a backwards line step as a wrapped byte (254 for -2) but
    also writes big forward steps as bytes up to 255.  A line byte >= 128 is
    read as negative unless the next pair continues it (address increment
    0), which is how 1.5.2 splits steps above 255.  A single forward step of
    128..255 lines with code right after it is therefore shown too low.
    """
    raw = co.lnotab
    starts = {0: co.firstlineno}
    addr, line = 0, co.firstlineno
    n = len(raw) // 2
    for k in range(n):
        da, dl = raw[2 * k], raw[2 * k + 1]
        split = k + 1 < n and raw[2 * k + 2] == 0
        addr += da
        line += dl - 256 if dl >= 128 and not split else dl
        starts[addr] = line
    return starts


def listing(co: Code15) -> str:
    out: list[str] = []
    for path, c in co.walk():
        out.extend(_dump(c, path))
    return "\n".join(out) + "\n"


def _dump(co: Code15, path: str) -> list[str]:
    w: list[str] = []
    w.append("")
    w.append("# ---- code object %s ----" % path)
    w.append("# co_name:        %s" % co.name.decode("latin-1"))
    w.append("# co_filename:    %s" % co.filename.decode("latin-1"))
    w.append("# co_firstlineno: %d" % co.firstlineno)
    w.append("# co_argcount:    %d" % co.argcount)
    w.append("# co_nlocals:     %d" % co.nlocals)
    w.append("# co_stacksize:   %d" % co.stacksize)
    w.append("# co_flags:       %s" % flag_text(co.flags))
    w.append("# co_code:        %d bytes" % len(co.code))
    w.append("# co_consts (%d):" % len(co.consts))
    w.extend("#   %3d: %s" % (i, const_repr(c)) for i, c in enumerate(co.consts))
    w.append("# co_names (%d):" % len(co.names))
    w.extend("#   %3d: %s" % (i, n.decode("latin-1")) for i, n in enumerate(co.names))
    w.append("# co_varnames (%d):" % len(co.varnames))
    w.extend("#   %3d: %s" % (i, n.decode("latin-1")) for i, n in enumerate(co.varnames))
    raw = co.lnotab
    pairs = [(raw[i], raw[i + 1]) for i in range(0, len(raw) - 1, 2)]
    w.append("# co_lnotab (%d pairs of addr_incr,line_incr):" % len(pairs))
    for i in range(0, len(pairs), 8):
        w.append("#   " + " ".join("%d,%d" % p for p in pairs[i:i + 8]))
    w.append("#")
    w.append("# line offset  bytes     instruction")
    instrs = instructions(co.code)
    targets = {ins.offset + 3 + ins.arg for ins in instrs
               if ins.opcode in op.JREL and ins.arg is not None}
    targets |= {ins.arg for ins in instrs if ins.opcode in op.JABS and ins.arg is not None}
    starts = line_starts(co)
    for ins in instrs:
        line = starts.get(ins.offset)
        line_txt = "%5d" % line if line is not None else "     "
        raw_txt = " ".join("%02x" % b for b in co.code[ins.offset:ins.offset + ins.size])
        mark = ">>" if ins.offset in targets else "  "
        if ins.arg is None:
            txt = ins.name
        else:
            txt = "%-20s %5d" % (ins.name, ins.arg)
            a = arg_text(co, ins)
            if a:
                txt += "  (" + a + ")"
        w.append("%s %s %5d  %-8s  %s" % (line_txt, mark, ins.offset, raw_txt, txt))
    return w
