"""Constant folding with 32-bit eyes: integer arithmetic whose value is known before run time.

1.5.2 ints are C longs of the 32-bit module: a result outside -2**31 ... 2**31-1 raises
OverflowError (or, for ``<<``, silently wraps), where Python 3 just grows the number. Values
flow through names that are bound exactly once to a constant expression.
"""
from __future__ import annotations

import ast
from collections.abc import Callable, Iterable

from .scopes import ScopeInfo
from .tables import INT_MAX, INT_MIN

Report = Callable[[ast.AST, str, str, str | None], None]


_OPERATION = {
    ast.Add: "addition", ast.Sub: "subtraction", ast.Mult: "multiplication", ast.Mod: "remainder",
    ast.LShift: "shift", ast.RShift: "shift", ast.BitAnd: "and", ast.BitOr: "or", ast.BitXor: "xor",
    ast.Pow: "power",
}


def _fits(v: int) -> bool:
    return INT_MIN <= v <= INT_MAX


class Folder:
    """Folds every integer expression of a tree once, reporting where a value leaves 32 bits."""

    def __init__(self, info: ScopeInfo, report: Report) -> None:
        self.info = info
        self.report = report
        self.values: dict[int, int | None] = {}
        self._busy: set[int] = set()

    def run(self, nodes: Iterable[ast.AST]) -> None:
        for node in nodes:
            if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call, ast.Name)):
                self.value(node)

    def value(self, node: ast.AST) -> int | None:
        key = id(node)
        if key in self.values:
            return self.values[key]
        if key in self._busy:
            return None
        self._busy.add(key)
        try:
            v = self._fold(node)
        finally:
            self._busy.discard(key)
        self.values[key] = v
        return v

    def _fold(self, node: ast.AST) -> int | None:
        match node:
            case ast.Constant(value=bool()):
                return None
            case ast.Constant(value=int() as v):
                return v if _fits(v) else None  # the literal itself is reported by the token pass
            case ast.UnaryOp(op=op, operand=operand):
                return self._unary(node, op, self.value(operand))
            case ast.BinOp(left=left, op=op, right=right):
                return self._binary(node, op, self.value(left), self.value(right), right)
            case ast.Call(func=ast.Name(id="int") as func, args=[ast.Constant(value=str() as s)], keywords=[]):
                return self._int_of_string(node, func, s)
            case ast.Name():
                return self._name(node)
        return None

    def _unary(self, node: ast.AST, op: ast.unaryop, v: int | None) -> int | None:
        if v is None:
            return None
        if isinstance(op, ast.USub):
            return self._check(node, -v, "negation")
        if isinstance(op, ast.UAdd):
            return v
        if isinstance(op, ast.Invert):
            return ~v
        return None

    def _binary(self, node: ast.AST, op: ast.operator, a: int | None, b: int | None, right: ast.expr) -> int | None:
        if isinstance(op, ast.Pow) and b is not None and b < 0:
            self.report(node, "negative-power",
                        "an int to a negative power: ValueError in 1.5.2, a float in Python 3",
                        "integer arithmetic on scaled values")
            return None
        if isinstance(op, ast.LShift) and b is not None and b >= 31 and a != 0:
            self.report(node, "int-overflow",
                        f"shifting left by {b} leaves 31 bits: 1.5.2 wraps or drops the bits, Python 3 grows",
                        "shifts that keep the value inside 31 bits")
            return None
        if a is None or b is None:
            return None
        try:
            if isinstance(op, ast.Add):
                v = a + b
            elif isinstance(op, ast.Sub):
                v = a - b
            elif isinstance(op, ast.Mult):
                v = a * b
            elif isinstance(op, ast.Mod):
                v = a % b
            elif isinstance(op, ast.LShift):
                v = a << b
            elif isinstance(op, ast.RShift):
                v = a >> b
            elif isinstance(op, ast.BitAnd):
                v = a & b
            elif isinstance(op, ast.BitOr):
                v = a | b
            elif isinstance(op, ast.BitXor):
                v = a ^ b
            elif isinstance(op, ast.Pow):
                if abs(a) > 1 and b > 64:
                    return self._check(node, INT_MAX + 1, "power")
                v = a**b
            else:
                return None
        except (ZeroDivisionError, ValueError):
            return None
        return self._check(node, v, _OPERATION.get(type(op), "operation"))

    def _check(self, node: ast.AST, v: int, what: str) -> int | None:
        if _fits(v):
            return v
        shown = str(v) if abs(v) < 10**12 else "a value"
        self.report(node, "int-overflow",
                    f"this {what} gives {shown}, outside 32 bits: 1.5.2 raises OverflowError or wraps",
                    "arithmetic that stays inside -2147483648 ... 2147483647")
        return None

    def _int_of_string(self, node: ast.AST, func: ast.Name, s: str) -> int | None:
        if not self.info.is_builtin(func):
            return None
        try:
            v = int(s.strip())
        except ValueError:
            return None
        if _fits(v):
            return v
        self.report(node, "int-range",
                    f"int({s!r}) does not fit in 32 bits: ValueError in 1.5.2", "a smaller value")
        return None

    def _name(self, node: ast.Name) -> int | None:
        values = self.info.values(node)
        if not values or len(values) != 1 or values[0] is None:
            return None
        value = values[0]
        if not isinstance(value, ast.expr):
            return None
        return self.value(value)

