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


class Kinds:
    def __init__(self, info: ScopeInfo) -> None:
        self.info = info
        self._busy: set[int] = set()
        self._cache: dict[int, Kind] = {}
        self._cycles = 0  # how often a cycle cut an evaluation short (such results are not cached)

    def of(self, node: ast.AST | None) -> Kind:
        if node is None:
            return None
        key = id(node)
        if key in self._cache:
            return self._cache[key]
        if key in self._busy:  # x = x + [1]: a cycle tells nothing
            self._cycles += 1
            return None
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
                kinds = {self.of(v) for v in values}
                return kinds.pop() if len(kinds) == 1 else None
            case ast.BinOp(left=left, op=op, right=right):
                return self._binop(left, op, right)
            case ast.UnaryOp(operand=operand):
                k = self.of(operand)
                return k if k in ("int", "long") else None
            case ast.Subscript(value=value, slice=ast.Slice()):
                k = self.of(value)
                return k if k in ("list", "tuple", "str") else None
            case ast.Call():
                return self._call(node)
            case ast.Name():
                return self._name(node)
            case ast.Attribute(value=ast.Name() as base, attr=attr):
                return self._self_attribute(base, attr)
        return None

    def _binop(self, left: ast.expr, op: ast.operator, right: ast.expr) -> Kind:
        lk, rk = self.of(left), self.of(right)
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
        if "long" in (lk, rk) and not isinstance(op, (ast.Mod,)):
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
                k = self.of(func.value)
                return k if k in ("dict", "list") else None
        return None

    def _name(self, node: ast.Name) -> Kind:
        values = self.info.values(node)
        return None if values is None else self._agree(values)

    def _agree(self, values: list[Value]) -> Kind:
        kinds = set()
        for v in values:
            if v is None:
                return None
            if isinstance(v, (ast.Import,)):
                kinds.add("module")
            elif isinstance(v, ast.ImportFrom):
                return None
            elif isinstance(v, (ast.FunctionDef, ast.AsyncFunctionDef)):
                kinds.add("function")
            elif isinstance(v, ast.ClassDef):
                kinds.add("class")
            else:
                kinds.add(self.of(v))
            if len(kinds) > 1 or None in kinds:
                return None
        return kinds.pop() if kinds else None

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
        return self._agree(values) if values else None

    def class_def(self, node: ast.expr) -> ast.ClassDef | None:
        """The class statement a name refers to, if it is one class of this file."""
        if not isinstance(node, ast.Name):
            return None
        values = self.info.values(node)
        if values and len(values) == 1 and isinstance(values[0], ast.ClassDef):
            return values[0]
        return None
