"""What every AST rule needs: the tree, its scopes, kinds, parents, and a way to report."""
from __future__ import annotations

import ast

from .findings import Finding, finding
from .kinds import Kind, Kinds
from .lexical import Tokens
from .project import Project
from .scopes import Scope, ScopeInfo, analyse


class Context:
    def __init__(self, tree: ast.Module, source: str, toks: Tokens, project: Project) -> None:
        self.tree = tree
        self.toks = toks
        self.lines = source.split("\n")
        self.own_modules = project.modules
        self.info: ScopeInfo = analyse(tree)
        self.kinds = Kinds(self.info)
        self.nodes: list[ast.AST] = [tree]  # every node, parents before children
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in self.nodes:  # grows while it is read: one pass over the tree
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
                self.nodes.append(child)
        self.classes = {node.name: node for node in self.nodes if isinstance(node, ast.ClassDef)}
        self.own_methods = {
            item.name
            for cls in self.classes.values()
            for item in cls.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
        } | project.methods
        self.found: list[Finding] = []

    def report(self, node: ast.AST, rule: str, text: str, instead: str | None = None) -> None:
        line = getattr(node, "lineno", 1) or 1
        byte_col = getattr(node, "col_offset", 0) or 0
        self.found.append(finding(line, self.char_col(line, byte_col) + 1, rule, text, instead))

    def char_col(self, line: int, byte_col: int) -> int:
        if not 1 <= line <= len(self.lines):
            return byte_col
        text = self.lines[line - 1]
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", "ignore"))

    # -- questions about a node ------------------------------------------------------------

    def scope(self, node: ast.AST) -> Scope:
        return self.info.scope_of.get(node, self.info.module)

    def kind(self, node: ast.AST | None) -> Kind:
        return self.kinds.of(node)

    def builtin(self, node: ast.AST, *names: str) -> bool:
        """True when ``node`` is a read of one of ``names`` that finds the built-in."""
        return (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
                and (not names or node.id in names) and self.info.is_builtin(node))

    def is_module(self, node: ast.AST, *names: str) -> bool:
        """True for a name bound by ``import NAME`` (optionally one of ``names``)."""
        if not isinstance(node, ast.Name) or (names and node.id not in names):
            return False
        return self.kind(node) == "module"

    def builtin_call(self, node: ast.AST, *names: str) -> bool:
        return isinstance(node, ast.Call) and self.builtin(node.func, *names)

    def sole_argument_of(self, node: ast.AST, *names: str) -> bool:
        """True when ``node`` is the only argument of a call of one of the built-ins ``names``."""
        p = self.parents.get(node)
        return (isinstance(p, ast.Call) and self.builtin(p.func, *names)
                and len(p.args) == 1 and p.args[0] is node and not p.keywords)

    def joined(self, node: ast.AST) -> bool:
        p = self.parents.get(node)
        return (isinstance(p, ast.Call) and isinstance(p.func, ast.Attribute) and p.func.attr == "join"
                and node in p.args)

    def iterated(self, node: ast.AST) -> bool:
        p = self.parents.get(node)
        return isinstance(p, (ast.For, ast.AsyncFor, ast.comprehension)) and p.iter is node

    def in_operand(self, node: ast.AST) -> bool:
        p = self.parents.get(node)
        if not isinstance(p, ast.Compare):
            return False
        return any(c is node and isinstance(op, (ast.In, ast.NotIn)) for op, c in zip(p.ops, p.comparators))

    def in_module_body(self, node: ast.AST) -> bool:
        return self.scope(node).kind == "module"

    # -- reports shared by several rules -----------------------------------------------

    def report_keyword_name(self, node: ast.AST, name: str | None) -> None:
        if name in ("print", "exec"):
            self.report(node, "keyword-name", f"`{name}` is a keyword in 1.5.2", "another name")

    def report_division(self, node: ast.BinOp | ast.AugAssign) -> None:
        if isinstance(node.op, ast.FloorDiv):
            self.report(node, "division", "`//` arrived in 2.2", "divmod(a, b)[0]")
        else:
            self.report(node, "division", "`/` divides ints in 1.5.2 and makes a float in Python 3",
                        "divmod(a, b)[0], or >> for powers of two")
