"""Source text with its tokens: what Python 3's ast does not keep.

The 1.5.2 compiler works on a parse tree, and a few of its outputs depend on
tokens that ast drops: whether an expression was written in parentheses
(``if (0):`` is compiled, ``if 0:`` is not), the line of the token that starts
a call argument, the line of a ``finally:`` keyword, ``;`` between simple
statements, ``elif`` against ``else: if``, and the text of literals.
"""
from __future__ import annotations

import ast
import bisect
import io
import tokenize
from dataclasses import dataclass

_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT,
         tokenize.ENCODING, tokenize.ENDMARKER}


@dataclass(frozen=True)
class Tok:
    type: int
    string: str
    line: int
    col: int
    end_line: int
    end_col: int

    @property
    def start(self) -> tuple[int, int]:
        return (self.line, self.col)


def decode_source(data: bytes) -> str:
    """Source bytes as text, one character per byte (latin-1), newlines as \\n.

    1.5.2 strings are bytes: decoding as latin-1 keeps every byte of a
    literal as it is.
    """
    return data.decode("latin-1").replace("\r\n", "\n")


class SourceText:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        toks: list[Tok] = []
        for t in tokenize.generate_tokens(io.StringIO(text).readline):
            if t.type in _SKIP:
                continue
            toks.append(Tok(t.type, t.string, t.start[0], t.start[1], t.end[0], t.end[1]))
        self.tokens = toks
        self._starts = [t.start for t in toks]

    # -- positions ---------------------------------------------------------
    def char_col(self, line: int, byte_col: int) -> int:
        """ast gives UTF-8 byte offsets; tokenize gives characters."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))

    def start_of(self, node: ast.AST) -> tuple[int, int]:
        line = node.lineno  # type: ignore[attr-defined]
        return (line, self.char_col(line, node.col_offset))  # type: ignore[attr-defined]

    def end_of(self, node: ast.AST) -> tuple[int, int]:
        line = node.end_lineno  # type: ignore[attr-defined]
        return (line, self.char_col(line, node.end_col_offset))  # type: ignore[attr-defined]

    def index_at(self, pos: tuple[int, int]) -> int:
        """Index of the first token starting at or after pos."""
        return bisect.bisect_left(self._starts, pos)

    def first_token(self, node: ast.AST) -> int:
        return self.index_at(self.start_of(node))

    def last_token(self, node: ast.AST) -> int:
        """Index of the last token that ends at or before the node's end."""
        return self.index_at(self.end_of(node)) - 1

    def tok(self, i: int) -> Tok | None:
        return self.tokens[i] if 0 <= i < len(self.tokens) else None

    def is_op(self, i: int, op: str) -> bool:
        t = self.tok(i)
        return t is not None and t.type == tokenize.OP and t.string == op

    def is_name(self, i: int, name: str) -> bool:
        t = self.tok(i)
        return t is not None and t.type == tokenize.NAME and t.string == name

    def tokens_of(self, node: ast.AST) -> list[Tok]:
        return self.tokens[self.first_token(node):self.last_token(node) + 1]

    # -- questions the compiler asks -----------------------------------------
    def follows_semicolon(self, stmt: ast.stmt) -> bool:
        """True when stmt is not the first small statement of its line."""
        return self.is_op(self.first_token(stmt) - 1, ";")

    def starts_with_string(self, node: ast.AST) -> bool:
        t = self.tok(self.first_token(node))
        return t is not None and t.type == tokenize.STRING

    def is_keyword_at(self, node: ast.AST, keyword: str) -> bool:
        return self.is_name(self.first_token(node), keyword)

    def line_after_first_token(self, node: ast.AST) -> int:
        """Line of the second token of node (the test after an 'elif')."""
        t = self.tok(self.first_token(node) + 1)
        assert t is not None
        return t.line

    def line_after_comma(self, prev: ast.AST) -> int:
        """Line of the token after the first ',' that follows prev.

        That token starts the next call argument (possibly with a '(').
        """
        i = self.index_at(self.end_of(prev))
        while i < len(self.tokens) and not self.is_op(i, ","):
            i += 1
        t = self.tok(i + 1)
        return t.line if t is not None else prev.end_lineno  # type: ignore[attr-defined]

    def line_after_keyword_colon(self, keyword: str, before: ast.AST) -> int:
        """Line of the token after 'keyword :' that precedes the node `before`.

        Used for 'finally:': 1.5.2 records the line of the suite, whose first
        token is the NEWLINE at the end of the 'finally:' line (or the first
        token of a statement on the same line).
        """
        i = self.first_token(before) - 1
        while i >= 0 and not self.is_name(i, keyword):
            i -= 1
        j = i + 1
        while j < len(self.tokens) and not self.is_op(j, ":"):
            j += 1
        t = self.tok(j + 1)
        assert t is not None
        return t.line

    def is_single_token(self, node: ast.AST) -> bool:
        """The node is exactly one token, not wrapped in parentheses."""
        i = self.first_token(node)
        return (self.last_token(node) == i
                and not self.is_op(i - 1, "(")
                and not self.is_op(i + 1, ")"))

    def string_tokens(self, node: ast.AST) -> list[str]:
        return [t.string for t in self.tokens_of(node) if t.type == tokenize.STRING]

    def number_token(self, node: ast.AST) -> str:
        t = self.tok(self.first_token(node))
        assert t is not None
        return t.string

    def slice_has_step_colon(self, node: ast.Slice) -> bool:
        """a[i:j:] has a (missing) step; ast cannot tell it from a[i:j]."""
        depth = 0
        colons = 0
        for t in self.tokens_of(node):
            if t.type == tokenize.OP:
                if t.string in "([{":
                    depth += 1
                elif t.string in ")]}":
                    depth -= 1
                elif t.string == ":" and depth == 0:
                    colons += 1
        return colons >= 2

    def has_empty_parens_after_name(self, node: ast.ClassDef) -> bool:
        """class C(): - a syntax error in 1.5.2."""
        i = self.first_token(node)  # 'class'
        return self.is_op(i + 2, "(") and self.is_op(i + 3, ")")

    def has_parens_after_name(self, node: ast.ClassDef) -> bool:
        return self.is_op(self.first_token(node) + 2, "(")

    def call_has_trailing_comma(self, call: ast.Call) -> bool:
        last = self.last_token(call)  # ')'
        return self.is_op(last - 1, ",")
