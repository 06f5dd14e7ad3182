"""Identity and heartbeat texts, written as in the gateway's SMS commands (issue 9):
``%HH`` is the byte with hex value HH (``%0D%0A`` CR LF, ``%25`` a percent sign, ``%20`` a
space); ``%IMEI``, ``%CCID`` and ``%ID`` stand for the unit's IMEI, SIM CCID and name,
``%KEY`` for its secret (docs/fleet.md, "Who gets in").

The named escapes are tried before ``%HH`` (``%CCID`` is not the byte 0xCC followed by "ID");
write ``%CC%49D`` for that byte sequence.  Any other ``%`` is an error.
"""
from __future__ import annotations

NAMED = ("IMEI", "CCID", "ID", "KEY")
HEX = "0123456789abcdefABCDEF"


class EscapeError(ValueError):
    """A bad escape; ``column`` is the 0-based offset of its ``%`` in the text."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.column = column


def expand(text: str, values: dict[str, str]) -> bytes:
    """The bytes ``text`` stands for.  ``values`` maps IMEI / CCID / ID to the unit's own;
    a named escape without a value is an error.  Characters other than escapes must be
    latin-1 (one byte each, as an SMS text reaches the gateway)."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c != "%":
            if ord(c) > 255:
                raise EscapeError("character %r is not a single byte; write it as %%HH" % c, i)
            out.append(ord(c))
            i += 1
            continue
        name = next((n for n in NAMED if text.startswith(n, i + 1)), None)
        if name is not None:
            value = values.get(name)
            if not value:
                raise EscapeError("%%%s needs the unit's %s (key %s)" % (name, name.lower(), name.lower()), i)
            out += value.encode("latin-1")
            i += 1 + len(name)
            continue
        hh = text[i + 1:i + 3]
        if len(hh) == 2 and hh[0] in HEX and hh[1] in HEX:
            out.append(int(hh, 16))
            i += 3
            continue
        raise EscapeError("bad escape %r: use %%HH (two hex digits), %%IMEI, %%CCID, %%ID or %%KEY; "
                          "a percent sign is %%25" % text[i:i + 3], i)
    return bytes(out)


def show(data: bytes) -> str:
    """Bytes back in the same notation (printable ASCII as is, the rest %HH)."""
    return "".join(chr(b) if 0x21 <= b < 0x7F and b != 0x25 else "%%%02X" % b for b in data)
