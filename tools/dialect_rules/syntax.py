"""Rules for syntax that is out (dialect.md "Syntax that is out") and for the statements."""
from __future__ import annotations

import ast

from .context import Context
from .findings import finding
from .tables import (
    ALLOWED_MODULES, EXCEPTIONS, MAX_DISPLAY, MUTATING_METHODS, SPECIAL_METHODS, TYPE_FUNCTIONS,
)

_IMPORT_INSTEAD = {
    "string": "string methods ('a,b'.split(','))", "time": "MOD.secCounter() and MOD.sleep()",
    "os": "the module's open/unlink/rename built-ins", "socket": "AT#SD/#SL through MDM",
    "struct": "chr()/ord() arithmetic", "re": "find() and slices", "math": "integer arithmetic",
    "binascii": "own hex/base64 code", "__future__": "nothing (print(one_expression) works in both)",
}


class AstChecker:
    def __init__(self, tree: ast.Module, source: str, toks: Tokens, own_modules: frozenset[str]) -> None:
        self.tree = tree
        self.toks = toks
        self.lines = source.split("\n")
        self.own_modules = own_modules
        self.info: ScopeInfo = analyse(tree)
        self.kinds = Kinds(self.info)
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        self.own_methods = {
            item.name
            for cls in ast.walk(tree) if isinstance(cls, ast.ClassDef)
            for item in cls.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        self.found: list[Finding] = []

    # -- reporting -------------------------------------------------------------------------

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

    # -- driver ----------------------------------------------------------------------------

    def run(self) -> list[Finding]:
        for node in ast.walk(self.tree):
            method = getattr(self, "_" + type(node).__name__, None)
            if method is not None:
                method(node)
        self._nested_scopes()
        self._structure(self.tree.body, None, False)
        Folder(self.info, self.report).run(self.tree)
        return self.found

    # -- helpers ---------------------------------------------------------------------------

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
        return isinstance(p, (ast.For, ast.AsyncFor)) and p.iter is node

    def in_operand(self, node: ast.AST) -> bool:
        p = self.parents.get(node)
        if not isinstance(p, ast.Compare):
            return False
        return any(c is node and isinstance(op, (ast.In, ast.NotIn)) for op, c in zip(p.ops, p.comparators))

    def in_module_body(self, node: ast.AST) -> bool:
        return self.scope(node).kind == "module"

    # -- syntax that is out ----------------------------------------------------------------

    def _AugAssign(self, node: ast.AugAssign) -> None:
        target = ast.unparse(node.target)
        op = _OPERATORS.get(type(node.op), "?")
        self.report(node, "aug-assign", f"augmented assignment `{op}=` arrived in 2.0",
                    f"{target} = {target} {op} ...")
        if isinstance(node.op, (ast.Div, ast.FloorDiv)):
            self._division(node)

    def _ListComp(self, node: ast.AST) -> None:
        what = {"ListComp": "list comprehension", "SetComp": "set comprehension",
                "DictComp": "dict comprehension", "GeneratorExp": "generator expression"}
        self.report(node, "comprehension", f"{what[type(node).__name__]}: not in 1.5.2",
                    "an explicit for loop")

    _SetComp = _DictComp = _GeneratorExp = _ListComp

    def _Yield(self, node: ast.AST) -> None:
        self.report(node, "yield", "generators (yield) arrived in 2.2", "a function that builds a list")

    _YieldFrom = _Yield

    def _With(self, node: ast.AST) -> None:
        self.report(node, "with", "the with statement arrived in 2.5", "try/finally")

    def _IfExp(self, node: ast.IfExp) -> None:
        self.report(node, "if-expr", "conditional expressions arrived in 2.5", "an if statement")

    def _decorators(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        for d in node.decorator_list:
            self.report(d, "decorator", "decorators arrived in 2.4", "f = deco(f) after the def")

    def _async(self, node: ast.AST) -> None:
        self.report(node, "async", "async/await is Python 3 only", "plain functions and loops")

    _AsyncWith = _AsyncFor = _Await = _async

    def _Match(self, node: ast.AST) -> None:
        self.report(node, "match", "the match statement is Python 3.10+", "if/elif")

    def _NamedExpr(self, node: ast.AST) -> None:
        self.report(node, "walrus", "assignment expressions (:=) are Python 3.8+",
                    "an assignment statement before the test")

    def _Starred(self, node: ast.Starred) -> None:
        parent = self.parents.get(node)
        if isinstance(node.ctx, ast.Store):
            self.report(node, "star-target", "starred assignment targets are Python 3 only",
                        "indexing and slices")
        elif isinstance(parent, ast.Call):
            self.report(node, "star-call", "f(*args) calls arrived in 2.0",
                        "a call with the arguments spelled out")
        else:
            self.report(node, "star-display", "unpacking with * inside a display is Python 3 only",
                        "a loop, or + of lists")

    def _Nonlocal(self, node: ast.AST) -> None:
        self.report(node, "nonlocal", "nonlocal is Python 3 only (1.5.2 has no nested scopes)",
                    "a module global or an attribute")

    def _Set(self, node: ast.Set) -> None:
        self.report(node, "set-display", "set displays {a, b} are not in 1.5.2", "a dict or a tuple")
        self._display_size(node, node.elts)

    def _List(self, node: ast.List) -> None:
        self._display_size(node, node.elts)

    def _Tuple(self, node: ast.Tuple) -> None:
        self._display_size(node, node.elts)

    def _display_size(self, node: ast.AST, elts: list[ast.expr]) -> None:
        if len(elts) > MAX_DISPLAY:
            self.report(node, "literal-size",
                        f"a display of {len(elts)} elements: the module's limit is {MAX_DISPLAY}",
                        "smaller lists")

    def _Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values):
            if key is None:
                self.report(value, "star-display", "** inside a dict display is Python 3 only",
                            "d.update(other)")
            elif _has_call(key) and _has_call(value):
                self.report(key, "dict-eval-order",
                            "1.5.2 evaluates this value before its key, Python 3 the key first",
                            "d = {} and d[key] = value with the calls made beforehand")

    def _Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, bool):
            self.report(node, "bool-name", f"`{node.value}` is not in 1.5.2", "1" if node.value else "0")
        elif node.value is Ellipsis:
            self.report(node, "ellipsis", "`...` is not an expression in 1.5.2", "None or pass")

    def _Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            parent = self.parents.get(node)
            body = getattr(parent, "body", None)
            if isinstance(body, list) and body and body[0] is node and isinstance(
                    parent, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                text = "docstring: the module's Python has no docstrings"
            else:
                text = "a bare string statement (a docstring in disguise): dropped by 1.5.2"
            self.report(node, "docstring", text, "# comments")

    # -- definitions -----------------------------------------------------------------------

    def _FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if isinstance(node, ast.AsyncFunctionDef):
            self._async(node)
        self._decorators(node)
        if node.returns is not None:
            self.report(node.returns, "annotation", "annotations are Python 3 only", "a # comment")
        self._keyword_name(node, node.name)
        self._params(node.args)
        parent = self.parents.get(node)
        if isinstance(parent, ast.ClassDef) and node.name in SPECIAL_METHODS:
            self.report(node, "special-method",
                        f"`{node.name}` means something else (or nothing) in one of the two interpreters",
                        "an ordinary method name, called explicitly")

    _AsyncFunctionDef = _FunctionDef

    def _Lambda(self, node: ast.Lambda) -> None:
        self._params(node.args)

    def _params(self, args: ast.arguments) -> None:
        for a in args.posonlyargs:
            self.report(a, "posonly-arg", "positional-only parameters (/) are Python 3.8+",
                        "plain parameters")
        for a in args.kwonlyargs:
            self.report(a, "kwonly-arg", "keyword-only parameters are Python 3 only",
                        "plain parameters with defaults")
        every = args.posonlyargs + args.args + args.kwonlyargs + [a for a in (args.vararg, args.kwarg) if a]
        for a in every:
            if a.annotation is not None:
                self.report(a.annotation, "annotation", "annotations are Python 3 only", "a # comment")
            if a.arg.startswith("__"):
                self.report(a, "dunder-param",
                            f"parameter `{a.arg}`: 1.5.2 mangles its uses inside a class but not the parameter",
                            a.arg.lstrip("_") or "a plain name")
            self._keyword_name(a, a.arg)
        self._star_trailing_comma(args)

    def _star_trailing_comma(self, args: ast.arguments) -> None:
        params = args.posonlyargs + args.args + args.kwonlyargs + [a for a in (args.vararg, args.kwarg) if a]
        if not params:
            return
        last = max(params, key=lambda a: (a.lineno, a.col_offset))
        if last is not args.vararg and last is not args.kwarg:
            return
        i = self.toks.index_at((last.lineno, self.char_col(last.lineno, last.col_offset)))
        if i is None:
            return
        j = self.toks.next_significant(i)
        if j is not None and self.toks.items[j].string == ",":
            tok = self.toks.items[j]
            self.found.append(finding(tok.start[0], tok.start[1] + 1, "trailing-comma",
                                      "a comma after *args or **kw is a syntax error in 1.5.2",
                                      "no comma after the last parameter"))

    def _ClassDef(self, node: ast.ClassDef) -> None:
        self._decorators(node)
        self._keyword_name(node, node.name)
        for kw in node.keywords:
            self.report(kw, "class-keyword", "keywords in a class statement are Python 3 only",
                        "a classic class")
        if len(node.bases) > 1:
            self.report(node.bases[1], "multi-inherit",
                        "multiple inheritance: 1.5.2 searches depth-first, Python 3 uses the C3 order",
                        "single inheritance")
        for base in node.bases:
            if self.builtin(base) and base.id in EXCEPTIONS:  # type: ignore[attr-defined]
                self.report(base, "exception-class",
                            "a class derived from a built-in exception: on the module those are strings "
                            "unless exceptions.pyo is uploaded",
                            "a built-in exception with a string argument, or an error value")
            elif self.builtin(base, *TYPE_FUNCTIONS):
                self.report(base, "type-name", f"`{base.id}` is a function, not a class, in 1.5.2",  # type: ignore[attr-defined]
                            "a classic class that holds the value")
        if not node.bases and not node.keywords:
            self._empty_class_parens(node)
        for item in node.body:
            if isinstance(item, ast.Assign):
                for t in item.targets:
                    if isinstance(t, ast.Name) and t.id in SPECIAL_METHODS:
                        self.report(t, "special-method", f"`{t.id}` means something only in Python 3",
                                    "a classic class without it")

    def _empty_class_parens(self, node: ast.ClassDef) -> None:
        i = self.toks.index_at((node.lineno, self.char_col(node.lineno, node.col_offset)))
        if i is None or i + 2 >= len(self.toks.items):
            return
        tok = self.toks.items[i + 2]
        if self.toks.items[i].string == "class" and tok.string == "(":
            self.found.append(finding(tok.start[0], tok.start[1] + 1, "class-empty-parens",
                                      "`class C():` is a syntax error in 1.5.2", f"class {node.name}:"))

    def _keyword_name(self, node: ast.AST, name: str | None) -> None:
        if name in ("print", "exec"):
            self.report(node, "keyword-name", f"`{name}` is a keyword in 1.5.2", "another name")

    def _keyword(self, node: ast.keyword) -> None:
        self._keyword_name(node, node.arg)

    def _alias(self, node: ast.alias) -> None:
        self._keyword_name(node, node.asname or node.name)

    # -- statements ------------------------------------------------------------------------

    def _Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.report(node, "import-as", f"`import {alias.name} as {alias.asname}` arrived in 2.0",
                            f"import {alias.name}")
            self._module(node, alias.name)

    def _ImportFrom(self, node: ast.ImportFrom) -> None:
        name = "." * node.level + (node.module or "")
        for alias in node.names:
            if alias.asname:
                self.report(node, "import-as", f"`from {name} import {alias.name} as {alias.asname}` arrived in 2.0",
                            f"from {name} import {alias.name}")
            if alias.name == "*" and not self.in_module_body(node):
                self.report(node, "import-star", "`from x import *` inside a function: Python 3 refuses it",
                            "a module-level import")
        self._module(node, name)

    def _module(self, node: ast.AST, name: str) -> None:
        if name in ALLOWED_MODULES or name in self.own_modules:
            return
        if name.startswith("."):
            text = f"relative import `{name}`: the module's file system is flat"
        elif "." in name:
            text = f"`{name}`: the module's file system is flat, there are no packages"
        else:
            text = (f"module `{name}` is not available on the module (only sys md5 marshal MDM MDM2 SER "
                    "SER2 MOD GPIO and the project's own modules)")
        self.report(node, "import", text, _IMPORT_INSTEAD.get(name.split(".")[0]))

    def _Try(self, node: ast.Try | ast.TryStar) -> None:
        if isinstance(node, ast.TryStar):
            self.report(node, "except-star", "except* is Python 3.11+", "except")
        if node.handlers and node.finalbody:
            self.report(node, "try-except-finally", "try/except/finally in one statement arrived in 2.5",
                        "a try/except nested inside a try/finally")
        for h in node.handlers:
            if h.name:
                self.report(h, "except-bind", f"`except ... as {h.name}` has no form common to 1.5.2 and 3",
                            "except E: and sys.exc_info()")
            if h.type is not None and not self._builtin_exceptions(h.type):
                self.report(h.type, "except-class",
                            "catch only built-in exceptions: own classes cannot be raised in the dialect",
                            "except ValueError: (or another built-in exception)")

    _TryStar = _Try

    def _builtin_exceptions(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Tuple):
            return all(self._builtin_exceptions(e) for e in node.elts)
        return self.builtin(node, *EXCEPTIONS)

    def _Raise(self, node: ast.Raise) -> None:
        if node.cause is not None:
            self.report(node.cause, "raise-from", "raise ... from ... is Python 3 only", "raise E('text')")
        exc = node.exc
        if exc is None or self.builtin(exc, *EXCEPTIONS):
            return
        if isinstance(exc, ast.Call) and self.builtin(exc.func, *EXCEPTIONS):
            if not self._one_argument(exc):
                self.report(exc, "raise-class", "raise a built-in exception with at most one argument",
                            f"raise {exc.func.id}('text')")  # type: ignore[attr-defined]
            return
        if isinstance(exc, ast.Name):
            # err = ValueError('text') ... raise err
            values = self.info.values(exc) or [None]
            if all(isinstance(v, ast.Call) and self.builtin(v.func, *EXCEPTIONS) and self._one_argument(v)
                   for v in values):
                return
        self.report(exc, "raise-class",
                    "raise only built-in exceptions: on the module exceptions are strings unless "
                    "exceptions.pyo is uploaded, and Python 3 raises only BaseException subclasses",
                    "an error return value, or raise ValueError('text')")

    @staticmethod
    def _one_argument(call: ast.Call) -> bool:
        return len(call.args) <= 1 and not call.keywords and not any(isinstance(a, ast.Starred) for a in call.args)

    def _Assert(self, node: ast.Assert) -> None:
        if _always_false(node.test):
            self.report(node, "assert", "an assert that always fails: it raises in Python 3 and vanishes in .pyo",
                        "raise ValueError('text')")
            return
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr in MUTATING_METHODS:
                self.report(sub, "assert", "a call with side effects inside assert: it vanishes in .pyo",
                            "the call before the assert")
                return

    def _For(self, node: ast.For) -> None:
        if self.kind(node.iter) == "dict":
            self.report(node.iter, "dict-iter", "1.5.2 cannot iterate over a dict",
                        "for k in list(d.keys()):")

    # -- expressions -----------------------------------------------------------------------

    def _BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, (ast.Div, ast.FloorDiv)):
            self._division(node)
        elif isinstance(node.op, ast.MatMult):
            self.report(node, "matmul", "the @ operator is Python 3 only", "a function call")
        elif isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
            self._format(node, node.left.value, node.right)

    def _division(self, node: ast.BinOp | ast.AugAssign) -> None:
        if isinstance(node.op, ast.FloorDiv):
            self.report(node, "division", "`//` arrived in 2.2", "divmod(a, b)[0]")
        else:
            self.report(node, "division", "`/` divides ints in 1.5.2 and makes a float in Python 3",
                        "divmod(a, b)[0], or >> for powers of two")

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
        cats = []
        for side in (left, right):
            if isinstance(side, ast.Constant) and side.value is None:
                cats.append("None")
            else:
                cats.append(_CATEGORY.get(self.kind(side) or "", None))
        if "None" in cats or (None not in cats and cats[0] != cats[1]):
            self.report(right, "mixed-compare",
                        f"ordering a {cats[0] or 'value'} against a {cats[1] or 'value'}: "
                        "1.5.2 orders anything, Python 3 raises TypeError",
                        "a comparison of values of one type")

    def _identity(self, left: ast.expr, right: ast.expr) -> None:
        def literal(e: ast.expr) -> bool:
            return (isinstance(e, ast.Constant) and e.value is not None) or isinstance(
                e, (ast.List, ast.Tuple, ast.Dict, ast.Set, ast.JoinedStr))

        def none(e: ast.expr) -> bool:
            return isinstance(e, ast.Constant) and e.value is None

        if (literal(left) or literal(right)) and not (none(left) or none(right)):
            self.report(right, "is-literal", "`is` against a literal depends on how each interpreter shares objects",
                        "==")

    def _Subscript(self, node: ast.Subscript) -> None:
        s = node.slice
        if isinstance(s, ast.Slice):
            if s.step is not None or self._two_colons(s):
                self.report(s, "step-slice", "a slice with a step is a TypeError on 1.5.2 sequences",
                            "a loop")
        elif isinstance(s, ast.Tuple) and any(isinstance(e, ast.Slice) for e in s.elts):
            self.report(s, "ext-slice", "extended slices are a TypeError on 1.5.2 sequences", "a loop")

    def _two_colons(self, s: ast.Slice) -> bool:
        if s.end_lineno is None or s.end_col_offset is None:
            return False
        start = (s.lineno, self.char_col(s.lineno, s.col_offset))
        end = (s.end_lineno, self.char_col(s.end_lineno, s.end_col_offset))
        depth = colons = 0
        for tok in self.toks.between(start, end):
            if tok.string in "([{" and tok.string:
                depth += 1
            elif tok.string in ")]}" and tok.string:
                depth -= 1
            elif tok.string == ":" and depth == 0:
                colons += 1
        return colons >= 2

    def _Attribute(self, node: ast.Attribute) -> None:
        self._keyword_name(node, node.attr)
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
            self._keyword_name(node, node.id)
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
                    want = str(lo) if lo == hi else f"{lo} to {hi}"
                    text, instead = f"`{name}()` takes {want} arguments in 1.5.2, here {n}", None
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
        if node.keywords and attr in BUILTIN_METHODS and attr != "sort":
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
        if cls is None or not node.args:
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
                    f"{cls.name}.{func.attr}() called on something that is not a {cls.name}: "
                    "1.5.2 checks the class of self", f"a function outside the class, or a {cls.name} instance")

    def _subclass(self, name: str, base: str, depth: int = 0) -> bool:
        if name == base:
            return True
        if depth > 20:
            return False
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ClassDef) and node.name == name:
                return any(isinstance(b, ast.Name) and self._subclass(b.id, base, depth + 1) for b in node.bases)
        return False

    # -- scopes and structure --------------------------------------------------------------

    def _nested_scopes(self) -> None:
        seen: set[tuple[int, str]] = set()
        for node, owner in self.info.nested_reads():
            inner = self.scope(node)
            key = (id(inner), node.id)
            if key in seen:
                continue
            seen.add(key)
            self.report(node, "nested-scope",
                        f"`{node.id}` is a local of the enclosing function `{owner.name}`: 1.5.2 has no nested "
                        "scopes and looks it up as a global",
                        f"a default argument ({node.id}={node.id}) or a module global")

    def _structure(self, body: Iterable[ast.stmt], block: str | None, in_handler: bool) -> None:
        """``continue`` placement (1.5.2 compiler) and sys.exc_info() outside a handler."""
        for s in body:
            match s:
                case ast.FunctionDef() | ast.AsyncFunctionDef():
                    self._expressions(s.decorator_list + s.args.defaults, in_handler)
                    self._structure(s.body, None, False)
                case ast.ClassDef():
                    self._expressions(s.decorator_list + s.bases, in_handler)
                    self._structure(s.body, None, False)
                case ast.For() | ast.AsyncFor():
                    self._expressions([s.iter], in_handler)
                    self._structure(s.body, "loop", in_handler)
                    self._structure(s.orelse, block, in_handler)
                case ast.While():
                    self._expressions([s.test], in_handler)
                    self._structure(s.body, "loop", in_handler)
                    self._structure(s.orelse, block, in_handler)
                case ast.If():
                    self._expressions([s.test], in_handler)
                    self._structure(s.body, block, in_handler)
                    self._structure(s.orelse, block, in_handler)
                case ast.With() | ast.AsyncWith():
                    self._expressions([i.context_expr for i in s.items], in_handler)
                    self._structure(s.body, "try", in_handler)
                case ast.Try() | ast.TryStar():
                    self._structure(s.body, "try", in_handler)
                    for h in s.handlers:
                        self._structure(h.body, "try" if s.finalbody else block, True)
                    self._structure(s.orelse, block, in_handler)
                    self._structure(s.finalbody, "finally", in_handler)
                case ast.Match():
                    self._expressions([s.subject], in_handler)
                    for case in s.cases:
                        self._structure(case.body, block, in_handler)
                case ast.Continue():
                    if block in ("try", "finally"):
                        where = "a try body" if block == "try" else "a finally clause"
                        self.report(s, "continue-in-try", f"`continue` directly inside {where}: "
                                    "1.5.2 refuses to compile it", "a flag tested after the try, or restructure")
                case _:
                    self._expressions([s], in_handler)

    def _expressions(self, nodes: list[ast.AST], in_handler: bool) -> None:
        stack: list[tuple[ast.AST, bool]] = [(n, in_handler) for n in nodes]
        while stack:
            node, handled = stack.pop()
            if isinstance(node, ast.Call) and not handled and self._is_exc_info(node.func):
                self.report(node, "exc-info", "sys.exc_info() outside an except handler: 1.5.2 keeps the last "
                            "exception, Python 3 clears it", "read it inside the handler and pass the values on")
            inner = handled and not isinstance(node, ast.Lambda)
            stack.extend((c, inner) for c in ast.iter_child_nodes(node))

    def _is_exc_info(self, func: ast.expr) -> bool:
        if isinstance(func, ast.Attribute):
            return func.attr == "exc_info" and self.is_module(func.value, "sys")
        if isinstance(func, ast.Name):
            values = self.info.values(func)
            return bool(values) and any(
                isinstance(v, ast.ImportFrom) and v.module == "sys" for v in values)  # type: ignore[union-attr]
        return False


class SyntaxRules(Context):
    def _AugAssign(self, node: ast.AugAssign) -> None:
        target = ast.unparse(node.target)
        op = _OPERATORS.get(type(node.op), "?")
        self.report(node, "aug-assign", f"augmented assignment `{op}=` arrived in 2.0",
                    f"{target} = {target} {op} ...")
        if isinstance(node.op, (ast.Div, ast.FloorDiv)):
            self._division(node)

    def _division(self, node: ast.BinOp | ast.AugAssign) -> None:
        if isinstance(node.op, ast.FloorDiv):
            self.report(node, "division", "`//` arrived in 2.2", "divmod(a, b)[0]")
        else:
            self.report(node, "division", "`/` divides ints in 1.5.2 and makes a float in Python 3",
                        "divmod(a, b)[0], or >> for powers of two")

    def _ListComp(self, node: ast.AST) -> None:
        what = {"ListComp": "list comprehension", "SetComp": "set comprehension",
                "DictComp": "dict comprehension", "GeneratorExp": "generator expression"}
        self.report(node, "comprehension", f"{what[type(node).__name__]}: not in 1.5.2",
                    "an explicit for loop")

    _SetComp = _DictComp = _GeneratorExp = _ListComp

    def _Yield(self, node: ast.AST) -> None:
        self.report(node, "yield", "generators (yield) arrived in 2.2", "a function that builds a list")

    _YieldFrom = _Yield

    def _With(self, node: ast.AST) -> None:
        self.report(node, "with", "the with statement arrived in 2.5", "try/finally")

    def _IfExp(self, node: ast.IfExp) -> None:
        self.report(node, "if-expr", "conditional expressions arrived in 2.5", "an if statement")

    def _decorators(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        for d in node.decorator_list:
            self.report(d, "decorator", "decorators arrived in 2.4", "f = deco(f) after the def")

    def _async(self, node: ast.AST) -> None:
        self.report(node, "async", "async/await is Python 3 only", "plain functions and loops")

    _AsyncWith = _AsyncFor = _Await = _async

    def _Match(self, node: ast.AST) -> None:
        self.report(node, "match", "the match statement is Python 3.10+", "if/elif")

    def _NamedExpr(self, node: ast.AST) -> None:
        self.report(node, "walrus", "assignment expressions (:=) are Python 3.8+",
                    "an assignment statement before the test")

    def _Starred(self, node: ast.Starred) -> None:
        parent = self.parents.get(node)
        if isinstance(node.ctx, ast.Store):
            self.report(node, "star-target", "starred assignment targets are Python 3 only",
                        "indexing and slices")
        elif isinstance(parent, ast.Call):
            self.report(node, "star-call", "f(*args) calls arrived in 2.0",
                        "a call with the arguments spelled out")
        else:
            self.report(node, "star-display", "unpacking with * inside a display is Python 3 only",
                        "a loop, or + of lists")

    def _Nonlocal(self, node: ast.AST) -> None:
        self.report(node, "nonlocal", "nonlocal is Python 3 only (1.5.2 has no nested scopes)",
                    "a module global or an attribute")

    def _Set(self, node: ast.Set) -> None:
        self.report(node, "set-display", "set displays {a, b} are not in 1.5.2", "a dict or a tuple")
        self._display_size(node, node.elts)

    def _List(self, node: ast.List) -> None:
        self._display_size(node, node.elts)

    def _Tuple(self, node: ast.Tuple) -> None:
        self._display_size(node, node.elts)

    def _display_size(self, node: ast.AST, elts: list[ast.expr]) -> None:
        if len(elts) > MAX_DISPLAY:
            self.report(node, "literal-size",
                        f"a display of {len(elts)} elements: the module's limit is {MAX_DISPLAY}",
                        "smaller lists")

    def _Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values):
            if key is None:
                self.report(value, "star-display", "** inside a dict display is Python 3 only",
                            "d.update(other)")
            elif _has_call(key) and _has_call(value):
                self.report(key, "dict-eval-order",
                            "1.5.2 evaluates this value before its key, Python 3 the key first",
                            "d = {} and d[key] = value with the calls made beforehand")

    def _Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, bool):
            self.report(node, "bool-name", f"`{node.value}` is not in 1.5.2", "1" if node.value else "0")
        elif node.value is Ellipsis:
            self.report(node, "ellipsis", "`...` is not an expression in 1.5.2", "None or pass")

    def _Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            parent = self.parents.get(node)
            body = getattr(parent, "body", None)
            if isinstance(body, list) and body and body[0] is node and isinstance(
                    parent, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                text = "docstring: the module's Python has no docstrings"
            else:
                text = "a bare string statement (a docstring in disguise): dropped by 1.5.2"
            self.report(node, "docstring", text, "# comments")

    # -- definitions -----------------------------------------------------------------------

    def _FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if isinstance(node, ast.AsyncFunctionDef):
            self._async(node)
        self._decorators(node)
        if node.returns is not None:
            self.report(node.returns, "annotation", "annotations are Python 3 only", "a # comment")
        self._keyword_name(node, node.name)
        self._params(node.args)
        parent = self.parents.get(node)
        if isinstance(parent, ast.ClassDef) and node.name in SPECIAL_METHODS:
            self.report(node, "special-method",
                        f"`{node.name}` means something else (or nothing) in one of the two interpreters",
                        "an ordinary method name, called explicitly")

    _AsyncFunctionDef = _FunctionDef

    def _Lambda(self, node: ast.Lambda) -> None:
        self._params(node.args)

    def _params(self, args: ast.arguments) -> None:
        for a in args.posonlyargs:
            self.report(a, "posonly-arg", "positional-only parameters (/) are Python 3.8+",
                        "plain parameters")
        for a in args.kwonlyargs:
            self.report(a, "kwonly-arg", "keyword-only parameters are Python 3 only",
                        "plain parameters with defaults")
        every = args.posonlyargs + args.args + args.kwonlyargs + [a for a in (args.vararg, args.kwarg) if a]
        for a in every:
            if a.annotation is not None:
                self.report(a.annotation, "annotation", "annotations are Python 3 only", "a # comment")
            if a.arg.startswith("__"):
                self.report(a, "dunder-param",
                            f"parameter `{a.arg}`: 1.5.2 mangles its uses inside a class but not the parameter",
                            a.arg.lstrip("_") or "a plain name")
            self._keyword_name(a, a.arg)
        self._star_trailing_comma(args)

    def _star_trailing_comma(self, args: ast.arguments) -> None:
        params = args.posonlyargs + args.args + args.kwonlyargs + [a for a in (args.vararg, args.kwarg) if a]
        if not params:
            return
        last = max(params, key=lambda a: (a.lineno, a.col_offset))
        if last is not args.vararg and last is not args.kwarg:
            return
        i = self.toks.index_at((last.lineno, self.char_col(last.lineno, last.col_offset)))
        if i is None:
            return
        j = self.toks.next_significant(i)
        if j is not None and self.toks.items[j].string == ",":
            tok = self.toks.items[j]
            self.found.append(finding(tok.start[0], tok.start[1] + 1, "trailing-comma",
                                      "a comma after *args or **kw is a syntax error in 1.5.2",
                                      "no comma after the last parameter"))

    def _ClassDef(self, node: ast.ClassDef) -> None:
        self._decorators(node)
        self._keyword_name(node, node.name)
        for kw in node.keywords:
            self.report(kw, "class-keyword", "keywords in a class statement are Python 3 only",
                        "a classic class")
        if len(node.bases) > 1:
            self.report(node.bases[1], "multi-inherit",
                        "multiple inheritance: 1.5.2 searches depth-first, Python 3 uses the C3 order",
                        "single inheritance")
        for base in node.bases:
            if self.builtin(base) and base.id in EXCEPTIONS:  # type: ignore[attr-defined]
                self.report(base, "exception-class",
                            "a class derived from a built-in exception: on the module those are strings "
                            "unless exceptions.pyo is uploaded",
                            "a built-in exception with a string argument, or an error value")
            elif self.builtin(base, *TYPE_FUNCTIONS):
                self.report(base, "type-name", f"`{base.id}` is a function, not a class, in 1.5.2",  # type: ignore[attr-defined]
                            "a classic class that holds the value")
        if not node.bases and not node.keywords:
            self._empty_class_parens(node)
        for item in node.body:
            if isinstance(item, ast.Assign):
                for t in item.targets:
                    if isinstance(t, ast.Name) and t.id in SPECIAL_METHODS:
                        self.report(t, "special-method", f"`{t.id}` means something only in Python 3",
                                    "a classic class without it")

    def _empty_class_parens(self, node: ast.ClassDef) -> None:
        i = self.toks.index_at((node.lineno, self.char_col(node.lineno, node.col_offset)))
        if i is None or i + 2 >= len(self.toks.items):
            return
        tok = self.toks.items[i + 2]
        if self.toks.items[i].string == "class" and tok.string == "(":
            self.found.append(finding(tok.start[0], tok.start[1] + 1, "class-empty-parens",
                                      "`class C():` is a syntax error in 1.5.2", f"class {node.name}:"))

    def _keyword_name(self, node: ast.AST, name: str | None) -> None:
        if name in ("print", "exec"):
            self.report(node, "keyword-name", f"`{name}` is a keyword in 1.5.2", "another name")

    def _keyword(self, node: ast.keyword) -> None:
        self._keyword_name(node, node.arg)

    def _alias(self, node: ast.alias) -> None:
        self._keyword_name(node, node.asname or node.name)

    # -- statements ------------------------------------------------------------------------

    def _Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.report(node, "import-as", f"`import {alias.name} as {alias.asname}` arrived in 2.0",
                            f"import {alias.name}")
            self._module(node, alias.name)

    def _ImportFrom(self, node: ast.ImportFrom) -> None:
        name = "." * node.level + (node.module or "")
        for alias in node.names:
            if alias.asname:
                self.report(node, "import-as", f"`from {name} import {alias.name} as {alias.asname}` arrived in 2.0",
                            f"from {name} import {alias.name}")
            if alias.name == "*" and not self.in_module_body(node):
                self.report(node, "import-star", "`from x import *` inside a function: Python 3 refuses it",
                            "a module-level import")
        self._module(node, name)

    def _module(self, node: ast.AST, name: str) -> None:
        if name in ALLOWED_MODULES or name in self.own_modules:
            return
        if name.startswith("."):
            text = f"relative import `{name}`: the module's file system is flat"
        elif "." in name:
            text = f"`{name}`: the module's file system is flat, there are no packages"
        else:
            text = (f"module `{name}` is not available on the module (only sys md5 marshal MDM MDM2 SER "
                    "SER2 MOD GPIO and the project's own modules)")
        self.report(node, "import", text, _IMPORT_INSTEAD.get(name.split(".")[0]))

    def _Try(self, node: ast.Try | ast.TryStar) -> None:
        if isinstance(node, ast.TryStar):
            self.report(node, "except-star", "except* is Python 3.11+", "except")
        if node.handlers and node.finalbody:
            self.report(node, "try-except-finally", "try/except/finally in one statement arrived in 2.5",
                        "a try/except nested inside a try/finally")
        for h in node.handlers:
            if h.name:
                self.report(h, "except-bind", f"`except ... as {h.name}` has no form common to 1.5.2 and 3",
                            "except E: and sys.exc_info()")
            if h.type is not None and not self._builtin_exceptions(h.type):
                self.report(h.type, "except-class",
                            "catch only built-in exceptions: own classes cannot be raised in the dialect",
                            "except ValueError: (or another built-in exception)")

    _TryStar = _Try

    def _builtin_exceptions(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Tuple):
            return all(self._builtin_exceptions(e) for e in node.elts)
        return self.builtin(node, *EXCEPTIONS)

    def _Raise(self, node: ast.Raise) -> None:
        if node.cause is not None:
            self.report(node.cause, "raise-from", "raise ... from ... is Python 3 only", "raise E('text')")
        exc = node.exc
        if exc is None or self.builtin(exc, *EXCEPTIONS):
            return
        if isinstance(exc, ast.Call) and self.builtin(exc.func, *EXCEPTIONS):
            if not self._one_argument(exc):
                self.report(exc, "raise-class", "raise a built-in exception with at most one argument",
                            f"raise {exc.func.id}('text')")  # type: ignore[attr-defined]
            return
        if isinstance(exc, ast.Name):
            # err = ValueError('text') ... raise err
            values = self.info.values(exc) or [None]
            if all(isinstance(v, ast.Call) and self.builtin(v.func, *EXCEPTIONS) and self._one_argument(v)
                   for v in values):
                return
        self.report(exc, "raise-class",
                    "raise only built-in exceptions: on the module exceptions are strings unless "
                    "exceptions.pyo is uploaded, and Python 3 raises only BaseException subclasses",
                    "an error return value, or raise ValueError('text')")

    @staticmethod
    def _one_argument(call: ast.Call) -> bool:
        return len(call.args) <= 1 and not call.keywords and not any(isinstance(a, ast.Starred) for a in call.args)

    def _Assert(self, node: ast.Assert) -> None:
        if _always_false(node.test):
            self.report(node, "assert", "an assert that always fails: it raises in Python 3 and vanishes in .pyo",
                        "raise ValueError('text')")
            return
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr in MUTATING_METHODS:
                self.report(sub, "assert", "a call with side effects inside assert: it vanishes in .pyo",
                            "the call before the assert")
                return

    def _Subscript(self, node: ast.Subscript) -> None:
        s = node.slice
        if isinstance(s, ast.Slice):
            if s.step is not None or self._two_colons(s):
                self.report(s, "step-slice", "a slice with a step is a TypeError on 1.5.2 sequences",
                            "a loop")
        elif isinstance(s, ast.Tuple) and any(isinstance(e, ast.Slice) for e in s.elts):
            self.report(s, "ext-slice", "extended slices are a TypeError on 1.5.2 sequences", "a loop")

    def _two_colons(self, s: ast.Slice) -> bool:
        if s.end_lineno is None or s.end_col_offset is None:
            return False
        start = (s.lineno, self.char_col(s.lineno, s.col_offset))
        end = (s.end_lineno, self.char_col(s.end_lineno, s.end_col_offset))
        depth = colons = 0
        for tok in self.toks.between(start, end):
            if tok.string in "([{" and tok.string:
                depth += 1
            elif tok.string in ")]}" and tok.string:
                depth -= 1
            elif tok.string == ":" and depth == 0:
                colons += 1
        return colons >= 2


_OPERATORS = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^",
    ast.BitAnd: "&", ast.MatMult: "@",
}


def _always_false(test: ast.expr) -> bool:
    if isinstance(test, ast.Constant):
        return not test.value
    if isinstance(test, (ast.Tuple, ast.List)):
        return not test.elts
    if isinstance(test, ast.Dict):
        return not test.keys
    return False


def _has_call(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Call) for n in ast.walk(node))
