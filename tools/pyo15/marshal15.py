"""The marshal format of CPython 1.5.2, for the types a .pyo file uses.

``c`` code object, ``s`` string, ``i`` 32-bit int, ``(`` tuple, ``N`` None.
"""
from __future__ import annotations

import struct

from .codeobj import Code15

INT_MIN = -(2 ** 31)
INT_MAX = 2 ** 31 - 1


class MarshalError(ValueError):
    pass


def _short(x: int) -> bytes:
    # w_short writes the low 16 bits
    return bytes((x & 0xFF, (x >> 8) & 0xFF))


def _long(x: int) -> bytes:
    return struct.pack("<i", x)


def dumps(value: object) -> bytes:
    out = bytearray()
    _dump(value, out)
    return bytes(out)


def _dump(v: object, out: bytearray) -> None:
    if v is None:
        out += b"N"
    elif isinstance(v, bool):
        raise MarshalError("bool has no 1.5.2 marshal form")
    elif isinstance(v, int):
        if not INT_MIN <= v <= INT_MAX:
            raise MarshalError("int %d does not fit in 32 bits" % v)
        out += b"i" + _long(v)
    elif isinstance(v, (bytes, bytearray)):
        out += b"s" + _long(len(v)) + bytes(v)
    elif isinstance(v, tuple):
        out += b"(" + _long(len(v))
        for item in v:
            _dump(item, out)
    elif isinstance(v, Code15):
        out += b"c"
        out += _short(v.argcount) + _short(v.nlocals) + _short(v.stacksize) + _short(v.flags)
        _dump(v.code, out)
        _dump(tuple(v.consts), out)
        _dump(tuple(v.names), out)
        _dump(tuple(v.varnames), out)
        _dump(v.filename, out)
        _dump(v.name, out)
        out += _short(v.firstlineno)
        _dump(v.lnotab, out)
    else:
        raise MarshalError("cannot marshal %r for 1.5.2" % type(v).__name__)


def loads(data: bytes) -> object:
    value, end = load_prefix(data, 0)
    if end != len(data):
        raise MarshalError("%d trailing bytes after marshalled object" % (len(data) - end))
    return value


def load_prefix(data: bytes, pos: int) -> tuple[object, int]:
    """Read one object starting at pos; return it and the position after it."""
    return _Reader(data, pos).read_all()


class _Reader:
    def __init__(self, data: bytes, pos: int) -> None:
        self.data = data
        self.pos = pos

    def read_all(self) -> tuple[object, int]:
        v = self.obj()
        return v, self.pos

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise MarshalError("truncated data at offset %d" % self.pos)
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def short(self) -> int:
        b = self.take(2)
        return b[0] | (b[1] << 8)

    def long(self) -> int:
        return struct.unpack("<i", self.take(4))[0]

    def obj(self) -> object:
        t = self.take(1)
        if t == b"N":
            return None
        if t == b"i":
            return self.long()
        if t == b"s":
            n = self.long()
            return self.take(n)
        if t == b"(":
            n = self.long()
            return tuple(self.obj() for _ in range(n))
        if t == b"c":
            argcount, nlocals, stacksize, flags = (self.short() for _ in range(4))
            code = self._bytes()
            consts = self._tuple()
            names = self._tuple()
            varnames = self._tuple()
            filename = self._bytes()
            name = self._bytes()
            firstlineno = self.short()
            lnotab = self._bytes()
            return Code15(argcount, nlocals, stacksize, flags, code, consts,
                          names, varnames, filename, name, firstlineno, lnotab)
        raise MarshalError("unsupported marshal type %r at offset %d" % (t, self.pos - 1))

    def _bytes(self) -> bytes:
        v = self.obj()
        if not isinstance(v, bytes):
            raise MarshalError("expected a string")
        return v

    def _tuple(self) -> tuple:
        v = self.obj()
        if not isinstance(v, tuple):
            raise MarshalError("expected a tuple")
        return v
