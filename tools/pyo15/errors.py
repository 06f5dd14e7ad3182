"""Errors reported by the 1.5.2 compiler, with file:line:col positions."""
from __future__ import annotations


class CompileError(Exception):
    """A construct 1.5.2 cannot compile (or this compiler refuses to)."""

    def __init__(self, filename: str, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.filename = filename
        self.line = line
        self.col = col
        self.message = message

    def __str__(self) -> str:
        return "%s:%d:%d: %s" % (self.filename, self.line, self.col, self.message)


class DialectError(Exception):
    """The dialect checker refused the file; str() lists every violation."""

    def __init__(self, violations: list[str]) -> None:
        super().__init__("\n".join(violations))
        self.violations = violations
