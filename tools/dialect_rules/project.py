"""What the checker knows about the project around the checked source."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Project:
    # The project's own on-module modules (the *.py beside the checked file): importable.
    modules: frozenset[str] = frozenset()
    # Method names defined in their classes: a call of one may be an own method, not a
    # built-in one (x.format() on an object of an own class is not str.format).
    methods: frozenset[str] = frozenset()
