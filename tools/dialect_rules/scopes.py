"""Scope analysis: which scope every node runs in, what each scope binds, and to what.

1.5.2 has no nested scopes: a name that a function does not bind is looked up in the module
and then in the built-ins, never in an enclosing function. Python 3 resolves it in the
enclosing function first. The ``nested-scope`` rule needs to know, for every name a function,
lambda or class body reads, where Python 3 finds it.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

# What a name is bound to: the assigned expression, the def/class/import statement that binds
# it, or None when the value cannot be seen (a parameter, a loop variable, an unpacking...).
Value = ast.AST | None
ScopeKind = Literal["module", "function", "class"]
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


@dataclass(eq=False)
class Scope:
    node: ast.AST
    kind: ScopeKind
    parent: Scope | None
    name: str
    bindings: dict[str, list[Value]] = field(default_factory=lambda: defaultdict(list))
    declared_global: set[str] = field(default_factory=set)
    declared_nonlocal: set[str] = field(default_factory=set)

    def binds(self, name: str) -> bool:
        return name in self.bindings and name not in self.declared_global and name not in self.declared_nonlocal

    def enclosing_class(self) -> Scope | None:
        """The class whose method this function is (its direct parent), if any."""
        return self.parent if self.kind == "function" and self.parent and self.parent.kind == "class" else None


@dataclass
class ScopeInfo:
    module: Scope
    scope_of: dict[ast.AST, Scope]
    # (class scope, attribute) -> values assigned to self.attribute in the class's methods
    self_attrs: dict[tuple[Scope, str], list[Value]]
    # names each scope reads: (Name node, scope)
    reads: list[tuple[ast.Name, Scope]]

    def resolve(self, name: str, scope: Scope) -> Scope | None:
        """The scope where Python 3 finds ``name`` read in ``scope``; None: a built-in or unknown."""
        if scope.kind != "module" and name in scope.declared_global:
            return self.module if name in self.module.bindings else None
        if scope.binds(name):
            return scope
        p = scope.parent
        while p is not None:
            if p.kind == "function" and p.binds(name):
                return p
            if p.kind == "module":
                return p if name in p.bindings else None
            p = p.parent
        return None

    def is_builtin(self, node: ast.Name) -> bool:
        """True when this read of a name finds nothing in the file (a built-in or undefined)."""
        scope = self.scope_of.get(node, self.module)
        return self.resolve(node.id, scope) is None

    def values(self, node: ast.Name) -> list[Value] | None:
        """Everything the name read here may be bound to, or None if it is not bound in the file."""
        scope = self.scope_of.get(node, self.module)
        owner = self.resolve(node.id, scope)
        return None if owner is None else owner.bindings[node.id]

    def nested_reads(self) -> list[tuple[ast.Name, Scope]]:
        """Reads that Python 3 resolves in an enclosing function (and 1.5.2 in the module)."""
        out = []
        for node, scope in self.reads:
            if scope.kind == "module":
                continue
            owner = self.resolve(node.id, scope)
            if owner is not None and owner is not scope and owner.kind == "function":
                out.append((node, owner))
        return out


def analyse(tree: ast.Module) -> ScopeInfo:
    builder = _Builder(tree)
    builder.run()
    return ScopeInfo(builder.module, builder.scope_of, builder.self_attrs, builder.reads)


_Declared = dict[ast.AST, tuple[set[str], set[str]]]


def _declarations(tree: ast.Module) -> _Declared:
    """Names each scope (module, def, class) declares global and nonlocal.

    Those are statements, so only statement bodies need to be read."""
    out: _Declared = {}

    def visit(body: list[ast.stmt], key: ast.AST) -> None:
        declared_global, declared_nonlocal = out.setdefault(key, (set(), set()))
        for s in body:
            if isinstance(s, ast.Global):
                declared_global.update(s.names)
            elif isinstance(s, ast.Nonlocal):
                declared_nonlocal.update(s.names)
            elif isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                visit(s.body, s)
            else:
                for field in ("body", "orelse", "finalbody"):
                    visit(getattr(s, field, None) or [], key)
                for part in getattr(s, "handlers", None) or getattr(s, "cases", None) or []:
                    visit(part.body, key)

    visit(tree.body, tree)
    return out


class _Builder(ast.NodeVisitor):
    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.module = Scope(tree, "module", None, "<module>")
        self.scope = self.module
        self.scope_of: dict[ast.AST, Scope] = {}
        self.self_attrs: dict[tuple[Scope, str], list[Value]] = defaultdict(list)
        self.reads: list[tuple[ast.Name, Scope]] = []
        self.self_name: dict[Scope, str] = {}
        self.declared = _declarations(tree)

    def run(self) -> None:
        self.scope_of[self.tree] = self.module
        for stmt in self.tree.body:
            self.visit(stmt)

    # -- helpers -------------------------------------------------------------------------

    def bind(self, name: str, value: Value) -> None:
        scope = self.scope
        if scope.kind != "module" and name in scope.declared_global:
            scope = self.module
        scope.bindings[name].append(value)

    def visit(self, node: ast.AST) -> None:
        self.scope_of[node] = self.scope
        super().visit(node)

    def visit_all(self, nodes: list[ast.AST] | list[ast.expr] | list[ast.stmt]) -> None:
        for n in nodes:
            self.visit(n)

    def bind_target(self, target: ast.AST, value: Value) -> None:
        """Bind an assignment target; only a plain name keeps the assigned value."""
        self.scope_of[target] = self.scope
        if isinstance(target, ast.Name):
            self.bind(target.id, value)
            return
        if isinstance(target, ast.Attribute):
            self._self_attribute(target, value)
            self.visit(target.value)
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self.bind_target(elt, None)
            return
        if isinstance(target, ast.Starred):
            self.bind_target(target.value, None)
            return
        self.visit(target)

    def _self_attribute(self, target: ast.Attribute, value: Value) -> None:
        cls = self.scope.enclosing_class()
        if cls is None:
            return
        base = target.value
        if isinstance(base, ast.Name) and base.id == self.self_name.get(self.scope):
            self.self_attrs[(cls, target.attr)].append(value)

    def enter(self, node: ast.AST, kind: ScopeKind, name: str) -> Scope:
        scope = Scope(node, kind, self.scope, name)
        scope.declared_global, scope.declared_nonlocal = self.declared.get(node, (set(), set()))
        return scope

    def bind_params(self, args: ast.arguments) -> None:
        self.scope_of[args] = self.scope
        params = args.posonlyargs + args.args + args.kwonlyargs
        for extra in (args.vararg, args.kwarg):
            if extra is not None:
                params.append(extra)
        for a in params:
            self.scope_of[a] = self.scope
            self.bind(a.arg, None)
        positional = args.posonlyargs + args.args
        if positional:
            self.self_name[self.scope] = positional[0].arg

    # -- scopes --------------------------------------------------------------------------

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.visit_all(node.decorator_list)
        self._outer_argument_parts(node.args)
        if node.returns is not None:
            self.visit(node.returns)
        self.bind(node.name, node)
        outer = self.scope
        self.scope = self.enter(node, "function", node.name)
        self.bind_params(node.args)
        self.visit_all(node.body)
        self.scope = outer

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def _outer_argument_parts(self, args: ast.arguments) -> None:
        """Defaults and annotations run in the enclosing scope."""
        self.visit_all([d for d in args.defaults + args.kw_defaults if d is not None])
        for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
            if a is not None and a.annotation is not None:
                self.visit(a.annotation)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._outer_argument_parts(node.args)
        outer = self.scope
        self.scope = Scope(node, "function", outer, "<lambda>")
        self.bind_params(node.args)
        self.visit(node.body)
        self.scope = outer

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.visit_all(node.decorator_list)
        self.visit_all(node.bases)
        self.visit_all(node.keywords)
        self.bind(node.name, node)
        outer = self.scope
        self.scope = self.enter(node, "class", node.name)
        self.visit_all(node.body)
        self.scope = outer

    # -- bindings ------------------------------------------------------------------------

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for t in node.targets:
            self.bind_target(t, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.annotation)
        self.bind_target(node.target, node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self.scope_of[node.target] = self.scope
            self.bind(node.target.id, None)
        else:
            self.bind_target(node.target, None)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.bind_target(node.target, None)
        self.visit_all(node.body)
        self.visit_all(node.orelse)

    visit_AsyncFor = visit_For

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self.visit(node.iter)
        self.bind_target(node.target, None)
        self.visit_all(node.ifs)

    def visit_withitem(self, node: ast.withitem) -> None:
        self.visit(node.context_expr)
        if node.optional_vars is not None:
            self.bind_target(node.optional_vars, None)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self.bind_target(node.target, None)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.scope_of[alias] = self.scope
            self.bind(alias.asname or alias.name.split(".")[0], node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            self.scope_of[alias] = self.scope
            if alias.name != "*":
                self.bind(alias.asname or alias.name, node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.bind(node.name, None)
        self.visit_all(node.body)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.reads.append((node, self.scope))
        else:
            self.bind(node.id, None)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.name:
            self.bind(node.name, None)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.bind(node.name, None)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            self.bind(node.rest, None)
        self.generic_visit(node)

    def generic_visit(self, node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            self.visit(child)
