"""The .pyo file: magic, source mtime, marshalled module code object."""
from __future__ import annotations

import struct
from pathlib import Path

from . import marshal15
from .codeobj import Code15

MAGIC = bytes((0x99, 0x4E, 0x0D, 0x0A))  # 20121: CPython 1.5, 1.5.1, 1.5.2
HEADER_SIZE = 8


def pyo_bytes(code: Code15, mtime: int) -> bytes:
    return MAGIC + struct.pack("<I", mtime & 0xFFFFFFFF) + marshal15.dumps(code)


def read_pyo(data: bytes) -> tuple[int, Code15]:
    """(mtime, module code object) of a 1.5 .pyo/.pyc file."""
    if data[:4] != MAGIC:
        raise ValueError("not a Python 1.5 .pyo file (magic %s)" % data[:4].hex(" "))
    if len(data) < HEADER_SIZE:
        raise ValueError("truncated .pyo header")
    mtime = struct.unpack("<I", data[4:8])[0]
    code = marshal15.loads(data[HEADER_SIZE:])
    if not isinstance(code, Code15):
        raise ValueError("a .pyo file must hold a code object")
    return mtime, code


def source_mtime(path: Path) -> int:
    return int(path.stat().st_mtime) & 0xFFFFFFFF
