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


class SyntaxRules(Context):
    def _AugAssign(self, node: ast.AugAssign) -> None:
        target = ast.unparse(node.target)
        op = _OPERATORS.get(type(node.op), "?")
        self.report(node, "aug-assign", f"augmented assignment `{op}=` arrived in 2.0",
                    f"{target} = {target} {op} ...")
        if isinstance(node.op, (ast.Div, ast.FloorDiv)):
            self.report_division(node)

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

    def _AnnAssign(self, node: ast.AnnAssign) -> None:
        self.report(node.annotation, "annotation", "annotations are Python 3 only", "a # comment")

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
        self.report_keyword_name(node, node.name)
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
            self.report_keyword_name(a, a.arg)
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
        self.report_keyword_name(node, node.name)
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

    def _keyword(self, node: ast.keyword) -> None:
        self.report_keyword_name(node, node.arg)

    def _alias(self, node: ast.alias) -> None:
        self.report_keyword_name(node, node.asname or node.name)

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
            text = (f"module `{name}` is not available on the module (only sys md5 marshal imp MDM MDM2 SER "
                    "SER2 MOD GPIO and the project's own modules)")
        top = name.lstrip(".").split(".")[0]
        instead = _IMPORT_INSTEAD.get(top, f"import {top}, with {top}.py beside this file" if top else
                                      "import NAME of a module beside this file")
        self.report(node, "import", text, instead)

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
            self.report(node.cause, "raise-from", "raise ... from ... is Python 3 only", "raise E")
        exc = node.exc
        if exc is None or self.builtin(exc, *EXCEPTIONS):
            return
        if isinstance(exc, ast.Call) and self.builtin(exc.func, *EXCEPTIONS):
            self._raise_call(exc)
            return
        if isinstance(exc, ast.Name):
            # err = ValueError('text') ... raise err: the call is the violation
            values = self.info.values(exc) or [None]
            if all(isinstance(v, ast.Call) and self.builtin(v.func, *EXCEPTIONS) for v in values):
                for v in values:
                    self._raise_call(v)  # type: ignore[arg-type]
                return
            if all(self.builtin(v, *EXCEPTIONS) for v in values):
                return  # err = IOError ... raise err
        self.report(exc, "raise-class",
                    "raise only built-in exceptions: on the module exceptions are strings unless "
                    "exceptions.pyo is uploaded, and Python 3 raises only BaseException subclasses",
                    "an error return value, or raise ValueError (the bare name)")

    def _raise_call(self, call: ast.Call) -> None:
        name = call.func.id  # type: ignore[attr-defined]
        self.report(call, "raise-call",
                    f"calling the built-in exception `{name}`: on the module built-in exceptions are "
                    "strings (ES13 5.2.27), so the call is `TypeError: call of non-function`",
                    f"raise {name} (the bare name), the reason kept in a variable")

    @staticmethod
    def _one_argument(call: ast.Call) -> bool:
        return len(call.args) <= 1 and not call.keywords and not any(isinstance(a, ast.Starred) for a in call.args)

    def _Assert(self, node: ast.Assert) -> None:
        if _always_false(node.test):
            self.report(node, "assert", "an assert that always fails: it raises in Python 3 and vanishes in .pyo",
                        "raise ValueError (the bare name)")
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
            if tok.string in ("(", "[", "{"):
                depth += 1
            elif tok.string in (")", "]", "}"):
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
