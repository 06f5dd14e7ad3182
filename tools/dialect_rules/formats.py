"""Parsing %-format strings: which conversions a literal uses, in order."""
from __future__ import annotations

import re
from dataclasses import dataclass

_SPEC = re.compile(r"%(?:\((?P<key>[^)]*)\))?(?P<flags>[-+ #0]*)(?P<width>\*|\d+)?"
                   r"(?:\.(?P<prec>\*|\d+))?[hlL]?(?P<conv>.?)", re.S)


@dataclass(frozen=True)
class Conversion:
    offset: int  # index of the % in the string
    key: str | None  # %(key)s
    conv: str  # the conversion letter ('' when the string ends after %)
    stars: int  # how many '*' widths/precisions take an argument first


def conversions(fmt: str) -> list[Conversion]:
    out = []
    i = 0
    while True:
        i = fmt.find("%", i)
        if i < 0:
            return out
        m = _SPEC.match(fmt, i)
        if m is None:  # cannot happen: the pattern matches any '%'
            return out
        stars = (m.group("width") == "*") + (m.group("prec") == "*")
        out.append(Conversion(i, m.group("key"), m.group("conv"), stars))
        i = m.end() if m.end() > i else i + 1
