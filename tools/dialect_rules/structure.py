"""Rules about where a statement sits: nested scopes, ``continue`` in try, exc_info() in a handler."""
from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

from .context import Context

# The block a statement is compiled in, as 1.5.2's compiler sees it: None (no loop), "loop",
# "try" (a try body, or a handler of a try that also has finally) or "finally".
Block = str | None


@dataclass(frozen=True)
class _ExcUse:
    """A call that reads sys.exc_info(), directly or through a module-level helper function."""

    call: ast.Call
    owner: ast.AST | None  # the module-level function it is in, None elsewhere
    helper: ast.FunctionDef | None  # the helper it calls; None for sys.exc_info() itself


class StructureRules(Context):
    def check_structure(self) -> None:
        self._nested_scopes()
        self._exc_uses: list[_ExcUse] = []
        self._structure(self.tree.body, None, False, None)
        self._report_exc_uses()

    def _nested_scopes(self) -> None:
        seen: set[tuple[int, str]] = set()
        for node, owner in self.info.nested_reads():
            key = (id(self.scope(node)), node.id)
            if key in seen:  # report each name once per inner function
                continue
            seen.add(key)
            self.report(node, "nested-scope",
                        f"`{node.id}` is a local of the enclosing function `{owner.name}`: 1.5.2 has no nested "
                        "scopes and looks it up as a global",
                        f"a default argument ({node.id}={node.id}) or a module global")

    def _structure(self, body: Iterable[ast.stmt], block: Block, handled: bool, owner: ast.AST | None) -> None:
        for s in body:
            match s:
                case ast.FunctionDef() | ast.AsyncFunctionDef():
                    self._expressions(s.decorator_list + s.args.defaults, handled, owner)
                    inner = s if self.in_module_body(s) else None
                    self._structure(s.body, None, False, inner)
                case ast.ClassDef():
                    self._expressions(s.decorator_list + s.bases, handled, owner)
                    self._structure(s.body, None, False, None)
                case ast.For() | ast.AsyncFor():
                    self._expressions([s.iter], handled, owner)
                    self._structure(s.body, "loop", handled, owner)
                    self._structure(s.orelse, block, handled, owner)
                case ast.While():
                    self._expressions([s.test], handled, owner)
                    self._structure(s.body, "loop", handled, owner)
                    self._structure(s.orelse, block, handled, owner)
                case ast.If():
                    self._expressions([s.test], handled, owner)
                    self._structure(s.body, block, handled, owner)
                    self._structure(s.orelse, block, handled, owner)
                case ast.With() | ast.AsyncWith():
                    self._expressions([i.context_expr for i in s.items], handled, owner)
                    self._structure(s.body, "try", handled, owner)
                case ast.Try() | ast.TryStar():
                    self._structure(s.body, "try", handled, owner)
                    for h in s.handlers:
                        # 1.5.2 compiles handlers outside the try's block, but inside an
                        # enclosing finally's block when the statement has both.
                        self._structure(h.body, "try" if s.finalbody else block, True, owner)
                    self._structure(s.orelse, block, handled, owner)
                    self._structure(s.finalbody, "finally", handled, owner)
                case ast.Match():
                    self._expressions([s.subject], handled, owner)
                    for case in s.cases:
                        self._structure(case.body, block, handled, owner)
                case ast.Continue():
                    if block in ("try", "finally"):
                        where = "a try body" if block == "try" else "a finally clause"
                        self.report(s, "continue-in-try", f"`continue` directly inside {where}: "
                                    "1.5.2 refuses to compile it", "a flag tested after the try, or restructure")
                case _:
                    self._expressions([s], handled, owner)

    def _expressions(self, nodes: list[ast.AST], handled: bool, owner: ast.AST | None) -> None:
        """Record exc_info() reads (and helper calls) made outside an except handler."""
        stack = list(nodes)
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Lambda):  # runs later, who knows where
                continue
            if isinstance(node, ast.Call) and not handled:
                if self._is_exc_info(node.func):
                    self._exc_uses.append(_ExcUse(node, owner, None))
                else:
                    helper = self._module_function(node.func)
                    if helper is not None:
                        self._exc_uses.append(_ExcUse(node, owner, helper))
            stack.extend(ast.iter_child_nodes(node))

    def _report_exc_uses(self) -> None:
        """A module-level function that reads exc_info() outside a handler is a helper: what
        matters is that every call of it (in this file) is inside a handler."""
        helpers: set[ast.AST] = set()
        changed = True
        while changed:
            changed = False
            for use in self._exc_uses:
                reads = use.helper is None or use.helper in helpers
                if reads and use.owner is not None and use.owner not in helpers:
                    helpers.add(use.owner)
                    changed = True
        for use in self._exc_uses:
            if use.owner is not None:
                continue
            if use.helper is None:
                self.report(use.call, "exc-info", "sys.exc_info() outside an except handler: 1.5.2 keeps the "
                            "last exception, Python 3 clears it", "t, v = sys.exc_info()[:2] inside the handler")
            elif use.helper in helpers:
                self.report(use.call, "exc-info", f"{use.helper.name}() reads sys.exc_info() and is called outside "
                            "an except handler: 1.5.2 keeps the last exception, Python 3 clears it",
                            "the call inside the handler")

    def _is_exc_info(self, func: ast.expr) -> bool:
        if isinstance(func, ast.Attribute):
            return func.attr == "exc_info" and self.is_module(func.value, "sys")
        if isinstance(func, ast.Name) and func.id == "exc_info":
            values = self.info.values(func) or []
            return any(isinstance(v, ast.ImportFrom) and v.module == "sys" for v in values)
        return False

    def _module_function(self, func: ast.expr) -> ast.FunctionDef | None:
        if not isinstance(func, ast.Name):
            return None
        values = self.info.values(func)
        if values and len(values) == 1 and isinstance(values[0], ast.FunctionDef) and self.in_module_body(values[0]):
            return values[0]
        return None
