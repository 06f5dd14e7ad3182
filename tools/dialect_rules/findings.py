"""What a rule reports: a position, a rule id and a message, not yet tied to a file."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Finding:
    line: int  # 1-based
    col: int  # 1-based, in characters
    rule: str
    message: str


def finding(line: int, col: int, rule: str, text: str, instead: str | None = None) -> Finding:
    """A finding whose message ends with "(write X instead)" when a replacement exists."""
    message = text if instead is None else f"{text} (write {instead} instead)"
    return Finding(line, col, rule, message)
