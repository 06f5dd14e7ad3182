"""Rules for semantics that differ: built-ins, methods, membership, formats, silent traps."""
from __future__ import annotations

import ast
from collections.abc import Iterator

from .context import Context
from .formats import Conversion, conversions
from .scopes import Scope
from .tables import (
    ALLOWED_BUILTINS, BAD_DICT_METHODS, BAD_FILE_METHODS, BUILTIN_ARITY, KEYWORD_METHODS,
    CONTEXT_BUILTINS, EXCEPTIONS, FORMAT_CONVERSIONS, KNOWN_BUILTINS, MODULE_DUNDERS,
    STR_ONLY_METHODS, SYS_ATTRS, TELIT_MODULES, TYPE_FUNCTIONS, VERDICT_BUILTINS,
)

_BUILTIN_INSTEAD = {
    "zip": "an index loop", "enumerate": "an index loop over range(len(x))",
    "sorted": "l = list(x); l.sort()", "reversed": "l = list(x); l.reverse()",
    "sum": "a loop", "any": "a loop", "all": "a loop", "map": "list(map(f, x)) or a loop",
    "filter": "list(filter(f, x)) or a loop", "apply": "a direct call f(a, b)",
    "reduce": "a loop", "xrange": "range()", "long": "int()", "unicode": "str()",
    "cmp": "explicit < and > comparisons", "set": "a dict or a list", "frozenset": "a tuple",
    "hex": "'%x' % n (n >= 0)", "oct": "'%o'-free code: a loop over digits",
    "object": "a classic class (no base class)", "super": "Base.method(self, ...)",
    "dict": "{} and d[k] = v", "eval": "explicit code", "iter": "an index loop",
    "next": "an index loop", "bytes": "str", "bytearray": "a list of ints",
    "print": "print(one_expression)", "input": "SER.read()", "raw_input": "SER.read()",
    "sys": "import sys",
}


_STR_METHOD_INSTEAD = {
    "isdigit": "'0' <= c <= '9' per character", "isalpha": "a comparison per character",
    "isspace": "c in (' ', '\\t', '\\r', '\\n')", "zfill": "'%05d' % n", "ljust": "'%-10s' % s",
    "rjust": "'%10s' % s", "center": "explicit padding", "format": "'%s' % x",
    "encode": "the str itself (data is str)", "decode": "the str itself (data is str)",
    "splitlines": "s.split('\\n')", "rsplit": "s.split() and indexing",
    "partition": "find() and slices", "rpartition": "rfind() and slices",
    "title": "capitalize() per word", "expandtabs": "replace('\\t', '        ')",
}


class SemanticRules(Context):
    def _For(self, node: ast.For) -> None:
        if self.kind(node.iter) == "dict":
            self.report(node.iter, "dict-iter", "1.5.2 cannot iterate over a dict",
                        "for k in list(d.keys()):")

    def _BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, (ast.Div, ast.FloorDiv)):
            self.report_division(node)
        elif isinstance(node.op, ast.MatMult):
            self.report(node, "matmul", "the @ operator is Python 3 only", "a function call")
        elif isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
            self._format(node, node.left.value, node.right)

    def _format(self, node: ast.BinOp, fmt: str, right: ast.expr) -> None:
        convs = conversions(fmt)
        for c in convs:
            if c.conv not in FORMAT_CONVERSIONS:
                shown = "%" + c.conv if c.conv else "a lone %"
                instead = "%d of scaled integers" if c.conv and c.conv in "fFeEgG" else "%s, %d, %x or %c"
                self.report(node.left, "format", f"`{shown}` in a format: not the same (or not there) in both",
                            instead)
        items = _format_items(convs, right)
        for conv, item in items:
            if conv in "xXo" and _negative_constant(item):
                self.report(item, "format-negative",
                            f"`%{conv}` of a negative number prints differently in 1.5.2 and 3",
                            "a non-negative value")
            elif conv == "s":
                self._text_of(item, "'%s' %")

    def _Compare(self, node: ast.Compare) -> None:
        left = node.left
        for op, right in zip(node.ops, node.comparators):
            if isinstance(op, (ast.In, ast.NotIn)):
                self._membership(left, right)
            elif isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)):
                self._ordering(left, right)
            elif isinstance(op, (ast.Is, ast.IsNot)):
                self._identity(left, right)
            for side in (left, right):
                if self.builtin(side, *TYPE_FUNCTIONS):
                    self.report(side, "type-name",
                                f"`{side.id}` is a function, not a type, in 1.5.2: the comparison differs",  # type: ignore[attr-defined]
                                "type(x) == type(0) / type('')")
            left = right

    def _membership(self, left: ast.expr, right: ast.expr) -> None:
        k = self.kind(right)
        if k in ("list", "tuple", "view", "range"):
            return
        if k == "str" and isinstance(left, ast.Constant) and isinstance(left.value, str) and len(left.value) == 1:
            return
        if k == "dict":
            self.report(right, "in-operand", "`k in d` on a dict is not 1.5.2", "d.get(k) is None")
        elif k == "str":
            self.report(right, "in-operand",
                        "`in` on a string needs a one-character left side in 1.5.2", "s.find(x) != -1")
        else:
            self.report(right, "in-operand",
                        "the right side of `in` is not known to be a tuple or list",
                        "a tuple or list (or a name bound only to one), s.find(x) != -1 for strings, "
                        "d.get(k) for dicts")

    def _ordering(self, left: ast.expr, right: ast.expr) -> None:
        cats = [_CATEGORY.get(self.kind(side) or "") for side in (left, right)]
        if "None" in cats or (None not in cats and cats[0] != cats[1]):
            self.report(right, "mixed-compare",
                        f"ordering a {cats[0] or 'value'} against a {cats[1] or 'value'}: "
                        "1.5.2 orders anything, Python 3 raises TypeError",
                        "a comparison of values of one type")

    def _identity(self, left: ast.expr, right: ast.expr) -> None:
        def literal(e: ast.expr) -> bool:
            if isinstance(e, ast.Constant):  # None, True, False and ... are singletons in Python 3
                return not (e.value is None or e.value is Ellipsis or isinstance(e.value, bool))
            return isinstance(e, (ast.List, ast.Tuple, ast.Dict, ast.Set, ast.JoinedStr))

        def none(e: ast.expr) -> bool:
            return isinstance(e, ast.Constant) and e.value is None

        if (literal(left) or literal(right)) and not (none(left) or none(right)):
            self.report(right, "is-literal", "`is` against a literal depends on how each interpreter shares objects",
                        "==")

    def _Attribute(self, node: ast.Attribute) -> None:
        self.report_keyword_name(node, node.attr)
        if node.attr == "__doc__":
            self.report(node, "docstring", "`__doc__`: the module's Python has no docstrings", "# comments")
        base = node.value
        if self.builtin(base, *TYPE_FUNCTIONS):
            self.report(node, "type-name", f"`{base.id}` is a function, not a type, in 1.5.2: "  # type: ignore[attr-defined]
                        f"`{base.id}.{node.attr}` does not exist there",  # type: ignore[attr-defined]
                        f"the method on the value (s.{node.attr}(...))")
        elif self.is_module(base, "sys") and node.attr not in SYS_ATTRS:
            self.report(node, "module-attr", f"`sys.{node.attr}` is not in both 1.5.2 and Python 3",
                        "sys.argv, sys.exc_info(), sys.exit() ...")
        elif node.attr == "hexdigest" and not self.is_module(base) and node.attr not in self.own_methods:
            self.report(node, "module-attr", "md5 objects on the module have no hexdigest()",
                        "digest() and an own hex conversion")
        elif node.attr in BAD_FILE_METHODS and node.attr not in self.own_methods and not self.is_module(base):
            self.report(node, "file-method", f"`{node.attr}()`: the module's files have none",
                        "rewriting the file under a new name and rename()")

    def _Name(self, node: ast.Name) -> None:
        if not isinstance(node.ctx, ast.Load):
            self.report_keyword_name(node, node.id)
            return
        if node.id == "__doc__":
            self.report(node, "docstring", "`__doc__`: the module's Python has no docstrings", "# comments")
            return
        if not self.info.is_builtin(node):
            return
        name = node.id
        parent = self.parents.get(node)
        called = isinstance(parent, ast.Call) and parent.func is node
        if name == "__debug__":
            self.report(node, "debug", "`__debug__` is false in .pyo files and true in Python 3: "
                        "its branch vanishes on the module", "code that runs in both")
        elif name == "bool":
            self.report(node, "bool-name", "`bool` is not in 1.5.2", "x != 0, or 1 and 0")
        elif name in ("float", "round", "complex"):
            self.report(node, "float", f"`{name}()`: the module has no floats (RemovedFeatureError)",
                        "integers; divmod()")
        elif name == "print":
            if not called:
                self.report(node, "print", "`print` as a value: a statement in 1.5.2, a function in 3",
                            "print(one_expression)")
        elif name == "exec":
            if not called:
                self.report(node, "exec", "`exec` as a value: a statement in 1.5.2, a function in 3",
                            "explicit code")
        elif name in CONTEXT_BUILTINS:
            if not (called and (self.sole_argument_of(parent, "list", "tuple") or self.joined(parent))):
                self.report(node, "builtin", f"`{name}()` gives a list in 1.5.2 and an iterator in Python 3",
                            _BUILTIN_INSTEAD[name])
        elif name in ALLOWED_BUILTINS or name in EXCEPTIONS or name in VERDICT_BUILTINS or name in MODULE_DUNDERS:
            return
        elif name in KNOWN_BUILTINS:
            self.report(node, "builtin", f"built-in `{name}` is not in both 1.5.2 and Python 3 (or not on the module)",
                        _BUILTIN_INSTEAD.get(name, "one of the dialect's built-ins"))

    def _Call(self, node: ast.Call) -> None:
        for kw in node.keywords:
            if kw.arg is None:
                self.report(kw.value, "star-call", "f(**kw) calls arrived in 2.0",
                            "a call with the arguments spelled out")
        func = node.func
        if isinstance(func, ast.Name) and self.info.is_builtin(func):
            self._builtin_call(node, func.id)
        elif isinstance(func, ast.Attribute):
            self._method_call(node, func)
            self._unbound_method(node, func)

    def _builtin_call(self, node: ast.Call, name: str) -> None:
        starred = any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords)
        parent = self.parents.get(node)
        if name == "print":
            if not (isinstance(parent, ast.Expr) and len(node.args) == 1 and not node.keywords and not starred):
                self.report(node, "print", "only print(one_expression) as a statement means the same in 1.5.2 and 3",
                            "print(a_single_string), e.g. print('%s %d' % (a, b))")
            else:
                self._text_of(node.args[0], "print()")
            return
        if name == "exec":
            if not (isinstance(parent, ast.Expr) and self.in_module_body(node)
                    and len(node.args) == 1 and not node.keywords and not starred):
                self.report(node, "exec", "exec() only means the same as 1.5.2's exec statement at module "
                            "level with one argument", "explicit code")
            return
        if node.keywords and name in KNOWN_BUILTINS and not starred:
            self.report(node.keywords[0], "keyword-arg",
                        f"keyword arguments to `{name}()`: 1.5.2's built-ins take none", "positional arguments")
        arity = BUILTIN_ARITY.get(name)
        if arity and not starred:
            lo, hi = arity
            n = len(node.args) + len(node.keywords)
            if not lo <= n <= hi:
                if name == "int":
                    text, instead = "int() takes exactly one argument in 1.5.2 (no base)", "an own hex parser"
                else:
                    want = _count(lo) if lo == hi else f"{lo} to {hi} arguments"
                    text, instead = f"`{name}()` takes {want} in 1.5.2, here {n}", f"a call with {want}"
                self.report(node, "builtin-args", text, instead)
        if name == "isinstance" and len(node.args) == 2:
            t = node.args[1]
            for e in (t.elts if isinstance(t, ast.Tuple) else [t]):
                if self.builtin(e, *TYPE_FUNCTIONS):
                    self.report(e, "type-name", f"isinstance(x, {e.id}): `{e.id}` is a function in 1.5.2",  # type: ignore[attr-defined]
                                "type(x) == type(0) / type('')")
        elif name in ("str", "repr") and len(node.args) == 1:
            arg = node.args[0]
            self._text_of(arg, f"{name}()")
            if name == "repr" and isinstance(arg, ast.Constant) and isinstance(arg.value, str) and any(
                    ord(ch) < 32 or ord(ch) > 126 for ch in arg.value):
                self.report(node, "repr-text", "repr() of a string with control characters: octal escapes "
                            "in 1.5.2, \\n/\\x.. in Python 3", "the string itself, or '%d' of ord(c)")
        elif name == "range":
            if not (self.iterated(node) or self.sole_argument_of(node, "list", "tuple", "len") or self.in_operand(node)):
                self.report(node, "range-use", "range() is a list in 1.5.2 and a range object in Python 3",
                            "for i in range(n):, or list(range(n))")
        elif name == "chr" and len(node.args) == 1:
            a = node.args[0]
            if isinstance(a, ast.Constant) and isinstance(a.value, int) and not 0 <= a.value <= 255:
                self.report(node, "chr-range", "chr() covers 0-255 on the module", "a value in 0-255")
        elif name in ("list", "tuple") and len(node.args) == 1:
            a = node.args[0]
            if self.kind(a) == "dict":
                self.report(a, "dict-iter", "1.5.2 cannot make a list of a dict", "list(d.keys())")
            elif self._is_view_call(a):
                self._dict_order(node)

    def _text_of(self, item: ast.expr, where: str) -> None:
        """``item`` becomes text: bools, longs and exceptions read differently in 1.5.2 and 3."""
        k = self.kind(item)
        if k == "bool":
            self.report(item, "bool-text", f"{where} of a truth value: '1'/'0' in 1.5.2, 'True'/'False' in 3",
                        "'%d' % (test), or an if choosing between two strings")
        elif k == "long":
            self.report(item, "long-text", f"{where} of a long (MOD.secCounter()): 1.5.2 appends 'L'",
                        "'%d' % n")
        elif isinstance(item, ast.Call) and self.builtin(item.func, *EXCEPTIONS):
            self.report(item, "exc-text", f"{where} of an exception object: the text differs between 1.5.2 and 3",
                        "a message built from strings and '%d'")

    # -- methods ---------------------------------------------------------------------------

    def _method_call(self, node: ast.Call, func: ast.Attribute) -> None:
        attr = func.attr
        receiver = func.value
        if self.is_module(receiver):
            if node.keywords and isinstance(receiver, ast.Name) and receiver.id in TELIT_MODULES:
                self.report(node.keywords[0], "keyword-arg",
                            f"keyword arguments to {receiver.id}.{attr}(): built-in functions take none",
                            "positional arguments")
            return
        if attr in self.own_methods:
            return
        rk = self.kind(receiver)
        if attr in STR_ONLY_METHODS:
            self.report(func, "str-method", f"`.{attr}()` is not among the module's string methods",
                        _STR_METHOD_INSTEAD.get(attr, "a loop over the characters"))
        elif attr in ("strip", "lstrip", "rstrip") and (node.args or node.keywords):
            self.report(func, "strip-arg", f"`{attr}()` takes no argument on the module",
                        "a loop, or replace()")
        elif attr == "split" and _limit_zero(node, 1, "maxsplit"):
            self.report(node, "limit-zero", "split(sep, 0) means no limit in 1.5.2+ and no split in Python 3",
                        "split(sep) or a positive limit")
        elif attr == "replace" and _limit_zero(node, 2, "count"):
            self.report(node, "limit-zero", "replace(a, b, 0) replaces all in 1.5.2+ and nothing in Python 3",
                        "replace(a, b)")
        elif attr in BAD_DICT_METHODS:
            instead = "d.get(k) is None" if attr == "has_key" else "get() and item assignment"
            self.report(func, "dict-method", f"`.{attr}()` is not in both 1.5.2 and Python 3", instead)
        elif attr == "pop" and (rk == "dict" or len(node.args) >= 2):
            self.report(func, "dict-method", "dict.pop() arrived in 2.3", "v = d[k] and del d[k]")
        elif attr == "sort" and (node.args or node.keywords):
            self.report(func, "sort-arg", "sort() takes no arguments in the dialect "
                        "(1.5.2 takes a cmp function, Python 3 only key=/reverse=)",
                        "sort() of a list of one type")
        elif attr in ("copy", "clear") and rk == "list":
            self.report(func, "list-method", f"list.{attr}() is Python 3 only",
                        "l[:]" if attr == "copy" else "del l[:]")
        elif attr in ("keys", "values", "items") and not node.args and not node.keywords:
            self._view_use(node)
        if node.keywords and attr in KEYWORD_METHODS:
            self.report(node.keywords[0], "keyword-arg",
                        f"keyword arguments to .{attr}(): 1.5.2's methods take none", "positional arguments")

    def _is_view_call(self, node: ast.AST) -> bool:
        return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("keys", "values", "items") and not node.args and not node.keywords
                and node.func.attr not in self.own_methods and not self.is_module(node.func.value))

    def _view_use(self, node: ast.Call) -> None:
        if self.iterated(node) or self.in_operand(node) or self.sole_argument_of(node, "list", "tuple", "len"):
            return
        if self.joined(node):
            self.report(node, "dict-order", "joining dict keys/values: the order differs between 1.5.2 and 3",
                        "k = list(d.keys()); k.sort(); sep.join(k)")
            return
        self.report(node, "dict-view", "keys()/values()/items() are lists in 1.5.2 and views in Python 3",
                    "list(d.keys()) before sorting or indexing")

    def _dict_order(self, call: ast.Call) -> None:
        """list(d.keys()) must be sorted before its order can matter."""
        parent = self.parents.get(call)
        if self.iterated(call) or self.sole_argument_of(call, "len", "max", "min") or self.in_operand(call):
            return
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
            if self._sorted_later(parent.targets[0].id, self.scope(call)):
                return
        self.report(call, "dict-order", "a list of dict keys/values in dict order: 1.5.2 and 3 order dicts differently",
                    "k = list(d.keys()); k.sort()")

    def _sorted_later(self, name: str, scope: Scope) -> bool:
        for sub in _walk_scope(scope.node):
            if (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "sort"
                    and isinstance(sub.func.value, ast.Name) and sub.func.value.id == name):
                return True
        return False

    def _unbound_method(self, node: ast.Call, func: ast.Attribute) -> None:
        cls = self.kinds.class_def(func.value)
        if cls is None or not node.args or not self._defines_method(cls, func.attr):
            return
        k = self.kind(node.args[0])
        if k is None or k == "instance:" + cls.name:
            return
        if k.startswith("instance:"):
            other = k.split(":", 1)[1]
            if self._subclass(other, cls.name):
                return
        elif k not in _CATEGORY:
            return
        self.report(node.args[0], "unbound-method",
                    f"{cls.name}.{func.attr}() called on something that is not an instance of {cls.name}: "
                    "1.5.2 checks the class of self", f"a function outside the class, or an instance of {cls.name}")

    def _subclass(self, name: str, base: str, depth: int = 0) -> bool:
        if name == base:
            return True
        cls = self.classes.get(name)
        if cls is None or depth > 20:
            return False
        return any(isinstance(b, ast.Name) and self._subclass(b.id, base, depth + 1) for b in cls.bases)

    def _defines_method(self, cls: ast.ClassDef, attr: str, depth: int = 0) -> bool:
        """True when the class (or a base class of this file) has a def named ``attr``."""
        if any(isinstance(item, ast.FunctionDef) and item.name == attr and not item.decorator_list for item in cls.body):
            return True
        for b in cls.bases:
            base = self.classes.get(b.id) if isinstance(b, ast.Name) else None
            if base is not None and depth < 20 and self._defines_method(base, attr, depth + 1):
                return True
        return False


_CATEGORY = {"int": "number", "long": "number", "bool": "number", "str": "string", "list": "list",
             "tuple": "tuple", "dict": "dict", "none": "None"}


def _count(n: int) -> str:
    return {0: "no arguments", 1: "one argument"}.get(n, f"{n} arguments")


def _negative_constant(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return isinstance(node.operand, ast.Constant) and isinstance(node.operand.value, int) and node.operand.value > 0
    return isinstance(node, ast.Constant) and isinstance(node.value, int) and node.value < 0


def _limit_zero(node: ast.Call, index: int, keyword: str) -> bool:
    value: ast.expr | None = node.args[index] if len(node.args) > index else None
    for kw in node.keywords:
        if kw.arg == keyword:
            value = kw.value
    return isinstance(value, ast.Constant) and value.value == 0 and not isinstance(value.value, bool)


def _format_items(convs: list[Conversion], right: ast.expr) -> list[tuple[str, ast.expr]]:
    """Pair each conversion of a format with the expression it formats, where that is visible."""
    real = [c for c in convs if c.conv != "%"]
    if any(c.key is not None for c in real):
        if not isinstance(right, ast.Dict):
            return []
        by_key = {k.value: v for k, v in zip(right.keys, right.values)
                  if isinstance(k, ast.Constant) and isinstance(k.value, str)}
        return [(c.conv, by_key[c.key]) for c in real if c.key in by_key]
    values = right.elts if isinstance(right, ast.Tuple) else [right]
    out = []
    i = 0
    for c in real:
        i += c.stars
        if i < len(values):
            out.append((c.conv, values[i]))
        i += 1
    return out


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _walk_scope(node: ast.AST) -> Iterator[ast.AST]:
    """Every node of a scope's own code (not of nested functions or classes)."""
    stack = list(ast.iter_child_nodes(node))
    while stack:
        n = stack.pop()
        yield n
        if not isinstance(n, _SCOPES):
            stack.extend(ast.iter_child_nodes(n))
