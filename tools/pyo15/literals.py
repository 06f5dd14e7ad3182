"""Number and string literals read the way CPython 1.5.2 reads them.

parsenumber and parsestr in 1.5.2's Python/compile.c: strings are bytes,
escapes are 1.5.2's (no \\u, \\N; \\x eats every following hex digit),
integers are 32-bit C longs (hex and octal literals up to 0xffffffff wrap to
negative values; larger literals are an error).
"""
from __future__ import annotations

INT_MAX = 2 ** 31 - 1
ULONG_MAX = 2 ** 32 - 1


class LiteralError(ValueError):
    pass


def parse_number(text: str) -> int:
    """The int a 1.5.2 NUMBER token denotes; LiteralError for anything else."""
    if not text:
        raise LiteralError("empty number")
    if "_" in text:
        raise LiteralError("'_' in a number literal is not Python 1.5.2 syntax")
    last = text[-1]
    if last in "lL":
        raise LiteralError("long integer literals are not supported on the module")
    if last in "jJ" or any(ch in text for ch in ".eE") and not text[:2].lower() == "0x":
        raise LiteralError("float and complex literals are not supported on the module")
    low = text.lower()
    if low.startswith(("0o", "0b")):
        raise LiteralError("%s: 0o/0b literals are not Python 1.5.2 syntax" % text)
    if text[0] == "0":
        # strtoul(s, &end, 0): hex with 0x, octal with a leading 0
        if low.startswith("0x"):
            digits, base = text[2:], 16
        else:
            digits, base = text, 8
        try:
            value = int(digits, base) if digits else 0
        except ValueError:
            raise LiteralError("%s is not a 1.5.2 integer literal" % text) from None
        if value > ULONG_MAX:
            raise LiteralError("integer literal too large")
        return value - 2 ** 32 if value > INT_MAX else value
    try:
        value = int(text, 10)
    except ValueError:
        raise LiteralError("%s is not a 1.5.2 integer literal" % text) from None
    if value > INT_MAX:
        raise LiteralError("integer literal too large")
    return value


_SIMPLE_ESCAPES = {
    "\\": 0x5C, "'": 0x27, '"': 0x22, "b": 0x08, "f": 0x0C, "t": 0x09,
    "n": 0x0A, "r": 0x0D, "v": 0x0B, "a": 0x07,
}
_OCT = "01234567"
_HEX = "0123456789abcdefABCDEF"


def parse_string(token: str) -> bytes:
    """The value of one STRING token (1.5.2's parsestr).

    The token text is the source as latin-1 characters, one per source byte.
    """
    first = token[:1]
    quote_at = 0
    if first.isalpha() or first == "_":
        if first not in "rR" or len(token) < 2 or token[1] not in "'\"":
            raise LiteralError("string prefix of %s is not Python 1.5.2 syntax"
                               % token[:12])
        quote_at = 1
    quote = token[quote_at]
    if quote not in "'\"":
        raise LiteralError("not a string literal: %r" % token)
    s = token[quote_at + 1:]
    if not s or s[-1] != quote:
        raise LiteralError("unterminated string literal")
    s = s[:-1]
    if len(s) >= 4 and s[0] == quote and s[1] == quote:
        s = s[2:]
        if s[-2:] != quote * 2:
            raise LiteralError("bad triple-quoted string")
        s = s[:-2]
    raw = first != quote
    if raw or "\\" not in s:
        return s.encode("latin-1")
    out = bytearray()
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if ch != "\\":
            out.append(ord(ch))
            i += 1
            continue
        i += 1
        if i >= n:  # cannot happen for a valid token
            out.append(0x5C)
            break
        ch = s[i]
        i += 1
        if ch == "\n":
            continue
        if ch in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[ch])
        elif ch in _OCT:
            c = ord(ch) - 48
            if i < n and s[i] in _OCT:
                c = (c << 3) + ord(s[i]) - 48
                i += 1
                if i < n and s[i] in _OCT:
                    c = (c << 3) + ord(s[i]) - 48
                    i += 1
            out.append(c & 0xFF)
        elif ch == "x" and i < n and s[i] in _HEX:
            j = i
            while j < n and s[j] in _HEX:
                j += 1
            out.append(int(s[i:j], 16) & 0xFF)
            i = j
        else:
            out.append(0x5C)
            out.append(ord(ch))
    return bytes(out)
