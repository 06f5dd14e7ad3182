"""The rules that need Python 3's ``ast``, run over one parsed module."""
from __future__ import annotations

from .findings import Finding
from .numbers import Folder
from .semantics import SemanticRules
from .structure import StructureRules
from .syntax import SyntaxRules


class AstChecker(SyntaxRules, SemanticRules, StructureRules):
    """Visits every node once; a method named ``_<NodeType>`` checks nodes of that type."""

    def run(self) -> list[Finding]:
        for node in self.nodes:
            method = getattr(self, "_" + type(node).__name__, None)
            if method is not None:
                method(node)
        self.check_structure()
        Folder(self.info, self.report).run(self.nodes)
        return self.found
