"""A small, conservative type inference: what kind of value an expression is known to hold.

A name has a kind only when every binding of it in its scope is an expression of that kind
(``names = ('a', 'b')``, ``parts = line.split(',')``, ``d = {}``...). ``self.x`` inside a
class has a kind when every ``self.x = ...`` in the class's methods agrees. Anything else is
unknown (None), and rules that need a kind treat unknown as "cannot prove it is fine".
"""
from __future__ import annotations

import ast

from .scopes import ScopeInfo, Value

# Kinds: "list" "tuple" "str" "dict" "set" "int" "bool" "long" "none" "view" (keys/values/items)
# "range" "module" "function" "class" and "instance:<ClassName>".
Kind = str | None

_STR_RESULT_METHODS = frozenset(
    "capitalize join lower lstrip replace rstrip strip swapcase translate upper".split()
)
_INT_RESULT_METHODS = frozenset("count find index rfind rindex".split())
_BOOL_RESULT_METHODS = frozenset("startswith endswith".split())
_BUILTIN_RESULT = {
    "list": "list", "tuple": "tuple", "str": "str", "repr": "str", "chr": "str", "hex": "str",
    "oct": "str", "int": "int", "len": "int", "ord": "int", "abs": "int", "hash": "int",
    "id": "int", "range": "range", "dict": "dict", "set": "set", "callable": "bool",
    "hasattr": "bool", "isinstance": "bool", "bool": "bool",
}


# Internal: "this value is being evaluated already" (x = x + [1] reaches x again). It adds no
# constraint: x's kind comes from its other bindings. Never returned by Kinds.of().
_CYCLE = "<cycle>"


class Kinds:
    def __init__(self, info: ScopeInfo) -> None:
        self.info = info
        self._busy: set[int] = set()
        self._cache: dict[int, Kind] = {}
        self._cycles = 0  # how often a cycle cut an evaluation short (such results are not cached)
        # The same for the binding lists of names and self attributes, keyed by id(list).
        self._busy_lists: set[int] = set()
        self._list_cache: dict[int, Kind] = {}

    def of(self, node: ast.AST | None) -> Kind:
        kind = self._kind(node)
        return None if kind == _CYCLE else kind

    def _kind(self, node: ast.AST | None) -> Kind:
        if node is None:
            return None
        key = id(node)
        if key in self._cache:
            return self._cache[key]
        if key in self._busy:
            self._cycles += 1
            return _CYCLE
        self._busy.add(key)
        cycles = self._cycles
        try:
            kind = self._of(node)
        finally:
            self._busy.discard(key)
        if self._cycles == cycles:
            self._cache[key] = kind
        return kind

    def _of(self, node: ast.AST) -> Kind:
        match node:
            case ast.List() | ast.ListComp():
                return "list"
            case ast.Tuple():
                return "tuple"
            case ast.Dict() | ast.DictComp():
                return "dict"
            case ast.Set() | ast.SetComp():
                return "set"
            case ast.JoinedStr():
                return "str"
            case ast.Constant(value=None):
                return "none"
            case ast.Constant(value=bool()):
                return "bool"
            case ast.Constant(value=str()):
                return "str"
            case ast.Constant(value=int()):
                return "int"
            case ast.Compare() | ast.UnaryOp(op=ast.Not()):
                return "bool"
            case ast.BoolOp(values=values):
                return self._same([self._kind(v) for v in values])
            case ast.BinOp(left=left, op=op, right=right):
                return self._binop(left, op, right)
            case ast.UnaryOp(operand=operand):
                k = self._kind(operand)
                return k if k in ("int", "long", _CYCLE) else None
            case ast.Subscript(value=value, slice=ast.Slice()):
                k = self._kind(value)
                return k if k in ("list", "tuple", "str", _CYCLE) else None
            case ast.Call():
                return self._call(node)
            case ast.Name():
                return self._name(node)
            case ast.Attribute(value=ast.Name() as base, attr=attr):
                return self._self_attribute(base, attr)
        return None

    @staticmethod
    def _same(kinds: list[Kind]) -> Kind:
        """The one kind all of ``kinds`` agree on (cycles aside), else None."""
        known = {k for k in kinds if k != _CYCLE}
        if not known:
            return _CYCLE if kinds else None
        return known.pop() if len(known) == 1 else None

    def _binop(self, left: ast.expr, op: ast.operator, right: ast.expr) -> Kind:
        lk, rk = self._kind(left), self._kind(right)
        if lk == _CYCLE:
            lk = rk
        if rk == _CYCLE:
            rk = lk
        if lk == rk == _CYCLE:
            return _CYCLE
        if isinstance(op, ast.Mod) and lk == "str":
            return "str"
        if isinstance(op, ast.Add) and lk == rk and lk in ("list", "tuple", "str", "int"):
            return lk
        if isinstance(op, ast.Mult):
            if {lk, rk} == {"int"}:
                return "int"
            for seq, n in ((lk, rk), (rk, lk)):
                if seq in ("list", "tuple", "str") and n == "int":
                    return seq
        if "long" in (lk, rk) and not isinstance(op, ast.Mod):
            return "long"
        if lk == rk == "int" and not isinstance(op, (ast.Div, ast.Pow)):
            return "int"
        return None

    def _call(self, node: ast.Call) -> Kind:
        func = node.func
        if isinstance(func, ast.Name):
            if self.info.is_builtin(func):
                return _BUILTIN_RESULT.get(func.id)
            values = self.info.values(func)
            if values and len(values) == 1 and isinstance(values[0], ast.ClassDef):
                return "instance:" + values[0].name
            return None
        if isinstance(func, ast.Attribute):
            attr = func.attr
            if isinstance(func.value, ast.Name) and func.value.id == "MOD" and attr == "secCounter":
                if self.of(func.value) == "module":
                    return "long"
            if attr in ("split", "rsplit", "splitlines"):
                return "list"
            if attr in ("keys", "values", "items") and not node.args:
                return "view"
            if attr in _STR_RESULT_METHODS:
                return "str"
            if attr in _INT_RESULT_METHODS:
                return "int"
            if attr in _BOOL_RESULT_METHODS:
                return "bool"
            if attr == "copy":
                k = self._kind(func.value)
                return k if k in ("dict", "list", _CYCLE) else None
        return None

    def _name(self, node: ast.Name) -> Kind:
        values = self.info.values(node)
        return None if values is None else self._bindings(values)

    def _bindings(self, values: list[Value]) -> Kind:
        """The kind all bindings of one name (or self attribute) agree on.

        A binding that leads back to the same name (n = n + 1) adds no constraint. The result is
        cached once no other name is being evaluated, so each name costs one pass."""
        key = id(values)
        if key in self._list_cache:
            return self._list_cache[key]
        if key in self._busy_lists:
            self._cycles += 1
            return _CYCLE
        self._busy_lists.add(key)
        cycles = self._cycles
        try:
            kind = self._agree(values)
        finally:
            self._busy_lists.discard(key)
        if self._cycles == cycles or not self._busy_lists:
            self._list_cache[key] = kind
        return kind

    def _agree(self, values: list[Value]) -> Kind:
        kinds: list[Kind] = []
        for v in values:
            if v is None or isinstance(v, ast.ImportFrom):
                return None
            if isinstance(v, ast.Import):
                kinds.append("module")
            elif isinstance(v, (ast.FunctionDef, ast.AsyncFunctionDef)):
                kinds.append("function")
            elif isinstance(v, ast.ClassDef):
                kinds.append("class")
            else:
                kinds.append(self._kind(v))
            if kinds[-1] is None:
                return None
        return self._same(kinds)

    def _self_attribute(self, base: ast.Name, attr: str) -> Kind:
        scope = self.info.scope_of.get(base)
        if scope is None:
            return None
        cls = scope.enclosing_class()
        if cls is None or not scope.node.args.args:  # type: ignore[attr-defined]
            return None
        if base.id != scope.node.args.args[0].arg:  # type: ignore[attr-defined]
            return None
        values = self.info.self_attrs.get((cls, attr))
        return self._bindings(values) if values else None

    def class_def(self, node: ast.expr) -> ast.ClassDef | None:
        """The class statement a name refers to, if it is one class of this file."""
        if not isinstance(node, ast.Name):
            return None
        values = self.info.values(node)
        if values and len(values) == 1 and isinstance(values[0], ast.ClassDef):
            return values[0]
        return None
