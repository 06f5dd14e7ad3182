"""The token pass: what Python 3's ``ast`` no longer shows (literal spelling, escapes, ``<>``...).

It runs on every source, also on one that Python 3 cannot parse, and stops quietly where
``tokenize`` gives up (the syntax error is reported by the caller).
"""
from __future__ import annotations

import io
import tokenize
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field

from .findings import Finding, finding
from .tables import INT_MAX, MAX_STRING

Pos = tuple[int, int]  # (line, 0-based character column), as tokenize reports it

_SKIP = {tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT}
_HEX = "0123456789abcdefABCDEF"
_OCT = "01234567"


@dataclass
class Tokens:
    """The tokens of a source (as far as tokenize gets), searchable by position."""

    items: list[tokenize.TokenInfo] = field(default_factory=list)
    starts: list[Pos] = field(default_factory=list)

    @classmethod
    def scan(cls, source: str) -> Tokens:
        toks = cls()
        for tok in _generate(source):
            toks.items.append(tok)
            toks.starts.append(tok.start)
        return toks

    def index_at(self, pos: Pos) -> int | None:
        i = bisect_left(self.starts, pos)
        return i if i < len(self.starts) and self.starts[i] == pos else None

    def next_significant(self, i: int) -> int | None:
        """Index of the first token after ``i`` that is not a comment or line break."""
        for j in range(i + 1, len(self.items)):
            if self.items[j].type not in _SKIP:
                return j
        return None

    def between(self, start: Pos, end: Pos) -> list[tokenize.TokenInfo]:
        lo = bisect_left(self.starts, start)
        hi = bisect_left(self.starts, end)
        return self.items[lo:hi]


def _generate(source: str) -> Iterator[tokenize.TokenInfo]:
    gen = tokenize.generate_tokens(io.StringIO(source).readline)
    try:
        yield from gen
    except (tokenize.TokenError, SyntaxError, ValueError):
        return


def lexical_findings(source: str, toks: Tokens) -> list[Finding]:
    out: list[Finding] = []
    out.extend(_non_ascii(source))
    items = toks.items
    statement_start = True
    in_from_import = False
    backticks: dict[int, int] = {}  # line -> backticks seen on it (report each pair once)
    for i, tok in enumerate(items):
        nxt = items[i + 1] if i + 1 < len(items) else None
        adjacent = nxt is not None and nxt.start == tok.end
        if tok.type == tokenize.NUMBER:
            out.extend(_number(tok, nxt if adjacent else None))
        elif tok.type == tokenize.STRING:
            out.extend(_string(tok))
        elif tok.type == tokenize.OP and tok.string == "<" and adjacent and nxt.string == ">":
            out.append(_at(tok.start, "ne-diamond", "`<>` is not Python 3", "!="))
        elif tok.type == tokenize.ERRORTOKEN and tok.string == "`":
            seen = backticks.get(tok.start[0], 0)
            backticks[tok.start[0]] = seen + 1
            if seen % 2 == 0:
                out.append(_at(tok.start, "backtick", "backticks are not Python 3", "repr(x)"))
        # `from x import (a, b)`: parentheses arrived in 2.4.
        if tok.type == tokenize.NAME and tok.string == "from" and statement_start:
            in_from_import = True
        elif in_from_import and tok.type == tokenize.NAME and tok.string == "import":
            if nxt is not None and nxt.type == tokenize.OP and nxt.string == "(":
                out.append(_at(nxt.start, "import-parens",
                               "parentheses around imported names are not 1.5.2",
                               "one `from x import a, b` line, or several"))
            in_from_import = False
        statement_start = tok.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT) or (
            tok.type == tokenize.OP and tok.string == ";") or (
            tok.type in (tokenize.NL, tokenize.COMMENT) and statement_start)
        if statement_start:
            in_from_import = False
    return out


def _at(pos: Pos, rule: str, text: str, instead: str | None = None) -> Finding:
    return finding(pos[0], pos[1] + 1, rule, text, instead)


def _non_ascii(source: str) -> Iterator[Finding]:
    for n, line in enumerate(source.split("\n"), 1):  # not splitlines(): \f is no line break
        for c, ch in enumerate(line):
            if ord(ch) > 127:
                yield finding(n, c + 1, "non-ascii",
                              f"non-ASCII character {ch!r}: 1.5.2 reads bytes, Python 3 reads UTF-8",
                              "an octal escape such as '\\351' or chr(233)")
                break


def _number(tok: tokenize.TokenInfo, glued: tokenize.TokenInfo | None) -> Iterator[Finding]:
    s = tok.string
    low = s.lower()
    if glued is not None and glued.type == tokenize.NAME and glued.string in ("l", "L"):
        yield _at(tok.start, "long-literal", f"`{s}{glued.string}` (long literal) is not Python 3",
                  f"`{s}` (keep it inside 32 bits)")
        return
    if glued is not None and glued.type == tokenize.NUMBER and s.strip("0") == "" and glued.string[:1].isdigit():
        yield _at(tok.start, "octal", f"`{s}{glued.string}` is octal in 1.5.2 and an error in Python 3",
                  "the decimal or hex value")
        return
    if "_" in s:
        yield _at(tok.start, "underscore-literal", f"`{s}`: underscores in numbers are Python 3 only",
                  f"`{s.replace('_', '')}`")
    digits = s.replace("_", "")
    if low.endswith("j"):
        yield _at(tok.start, "complex", f"complex literal `{s}`: the module has no complex numbers",
                  "integers")
    elif low.startswith("0o"):
        yield _at(tok.start, "octal", f"`{s}`: 0o literals arrived in 2.6", "the decimal or hex value")
    elif low.startswith("0b"):
        yield _at(tok.start, "binary", f"`{s}`: 0b literals arrived in 2.6", "the decimal or hex value")
    elif low.startswith("0x"):
        if int(digits, 16) > INT_MAX:
            yield _at(tok.start, "int-range",
                      f"`{s}` does not fit in a signed 32-bit int (1.5.2 wraps it negative)",
                      "a value up to 0x7fffffff")
    elif "." in s or "e" in low:
        yield _at(tok.start, "float", f"float literal `{s}`: the module has no floats",
                  "scaled integers")
    elif digits.isdigit() and int(digits) > INT_MAX:
        yield _at(tok.start, "int-range",
                  f"`{s}` does not fit in a signed 32-bit int (2147483647 is the largest literal)",
                  "a smaller value, or -2147483647 - 1")


def _string(tok: tokenize.TokenInfo) -> Iterator[Finding]:
    s = tok.string
    q = min((s.find(c) for c in "'\"" if c in s), default=-1)
    if q < 0:
        return
    prefix = s[:q].lower()
    for letter, what in (("u", "u''"), ("b", "b''"), ("f", "f''")):
        if letter in prefix:
            yield _at(tok.start, "string-prefix", f"{what} strings are not in both", "a plain '' string")
    quote = s[q:q + 3] if s[q:q + 3] in ('"""', "'''") else s[q]
    body_start = q + len(quote)
    body = s[body_start:len(s) - len(quote)]
    if len(body) > MAX_STRING:
        yield _at(tok.start, "literal-size",
                  f"string literal of {len(body)} characters: the module's limit is {MAX_STRING}",
                  "several shorter strings")
    if "r" in prefix:
        return
    i = 0
    while i < len(body):
        if body[i] != "\\":
            i += 1
            continue
        esc = body[i + 1:i + 2]
        pos = _offset_pos(tok, s, body_start + i)
        if esc == "x":
            n = 0
            while i + 2 + n < len(body) and body[i + 2 + n] in _HEX:
                n += 1
            if n != 2:
                yield _at(pos, "hex-escape",
                          f"`\\x` followed by {n} hex digits: 1.5.2 takes them all, Python 3 exactly two",
                          "an octal escape like '\\015', or chr(13)")
            i += 2 + n
        elif esc in ("u", "U", "N") and "b" not in prefix:
            yield _at(pos, "unicode-escape",
                      f"`\\{esc}` is a Unicode escape in Python 3 and two plain characters in 1.5.2",
                      "an octal escape")
            i += 2
        elif esc and esc in _OCT:
            n = 1
            while n < 3 and i + 1 + n < len(body) and body[i + 1 + n] in _OCT:
                n += 1
            if int(body[i + 1:i + 1 + n], 8) > 0o377:
                yield _at(pos, "octal-escape",
                          f"`\\{body[i + 1:i + 1 + n]}` is above \\377: 1.5.2 keeps 8 bits, Python 3 does not",
                          "a value up to \\377")
            i += 1 + n
        else:
            i += 2


def _offset_pos(tok: tokenize.TokenInfo, text: str, offset: int) -> Pos:
    """Source position of character ``offset`` inside a (possibly multi-line) token."""
    before = text[:offset]
    newlines = before.count("\n")
    if newlines == 0:
        return (tok.start[0], tok.start[1] + offset)
    return (tok.start[0] + newlines, offset - before.rfind("\n") - 1)
