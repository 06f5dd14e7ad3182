"""co_lnotab as CPython 1.5.2 builds it (com_set_lineno in Python/compile.c).

Under -O no SET_LINENO instruction is emitted, but every place that would
have emitted one still records a line here.  Each entry is a pair of bytes
(address increment, line increment); increments above 255 are split into
several pairs (address and line are cut at the same time, so a pair can be
(255, 255)), a line that goes backwards is stored as the wrapped byte
(-2 becomes 254) and a pair is only written when the address or the line
increases.
"""
from __future__ import annotations


class LineTable:
    def __init__(self) -> None:
        self.firstlineno = 0
        self.lineno = 0
        self._last_addr = 0
        self._last_line = 0
        self._table = bytearray()

    def set_lineno(self, addr: int, lineno: int) -> None:
        self.lineno = lineno
        if self.firstlineno == 0:
            self.firstlineno = self._last_line = lineno
            return
        incr_addr = addr - self._last_addr
        incr_line = lineno - self._last_line
        while incr_addr > 0 or incr_line > 0:
            trunc_addr = min(incr_addr, 255)
            trunc_line = min(incr_line, 255)
            self._table.append(trunc_addr & 0xFF)
            self._table.append(trunc_line & 0xFF)
            incr_addr -= trunc_addr
            incr_line -= trunc_line
        self._last_addr = addr
        self._last_line = lineno

    def lnotab(self) -> bytes:
        return bytes(self._table)


def decode(lnotab: bytes, firstlineno: int) -> list[tuple[int, int]]:
    """(address, line) after each pair, adding both bytes as unsigned numbers.

    Exact for tables whose lines never go backwards; a backwards step shows
    up as a jump of (256 - n) lines.  See disasm.line_starts for a reading
    that undoes the wrap-around where it can.
    """
    out: list[tuple[int, int]] = []
    addr, line = 0, firstlineno
    for i in range(0, len(lnotab) - 1, 2):
        addr += lnotab[i]
        line += lnotab[i + 1]
        out.append((addr, line))
    return out
