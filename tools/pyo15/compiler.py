"""Python 3 ast of dialect source -> CPython 1.5.2 code objects (as with -O).

This is a transcription of CPython 1.5.2's Python/compile.c onto Python 3's
ast.  1.5.2 compiles a concrete parse tree in a single pass and its output
depends on details of that pass, so the structure here follows compile.c
function by function (the C names are given in the docstrings):

* one pass emits *_NAME instructions; for functions and lambdas a second pass
  (optimize) turns them into *_FAST / *_GLOBAL, which is why co_names also
  lists local variables;
* constants and names are entered in order of first use and shared by value
  and type (com_add); code objects compare equal when their code, constants
  and names are equal, whatever their names or line numbers;
* the stack depth is the running sum of explicit com_push / com_pop calls,
  including 1.5.2's accounting quirks (3 extra entries for try/finally, one
  entry left over after every class statement);
* the line table records a line wherever 1.5.2 would have emitted
  SET_LINENO: each simple statement line, each compound statement, loop
  heads, elif tests, except clauses, the suite of finally, and call
  arguments that start on a new line;
* forward jumps are chained through their own argument bytes and patched
  later (com_addfwref / com_backpatch), with 16-bit wrap-around.

What ast does not keep is taken from the tokens (see source.py).
"""
from __future__ import annotations

import ast
import warnings
from typing import Iterator, NoReturn

from . import opcodes as op
from .codeobj import Code15, Const, same_const
from .errors import CompileError
from .linetable import LineTable
from .literals import LiteralError, parse_number, parse_string
from .source import SourceText, decode_source

CO_MAXBLOCKS = 20  # Include/compile.h of 1.5.2
MANGLE_LEN = 256

OP_DELETE, OP_ASSIGN, OP_APPLY = 0, 1, 2

_BINOPS: dict[type, int] = {
    ast.Add: op.BINARY_ADD,
    ast.Sub: op.BINARY_SUBTRACT,
    ast.Mult: op.BINARY_MULTIPLY,
    ast.Div: op.BINARY_DIVIDE,
    ast.Mod: op.BINARY_MODULO,
    ast.Pow: op.BINARY_POWER,
    ast.LShift: op.BINARY_LSHIFT,
    ast.RShift: op.BINARY_RSHIFT,
    ast.BitAnd: op.BINARY_AND,
    ast.BitOr: op.BINARY_OR,
    ast.BitXor: op.BINARY_XOR,
}
_UNARYOPS: dict[type, int] = {
    ast.UAdd: op.UNARY_POSITIVE,
    ast.USub: op.UNARY_NEGATIVE,
    ast.Invert: op.UNARY_INVERT,
    ast.Not: op.UNARY_NOT,
}
_CMPOPS: dict[type, int] = {
    ast.Lt: op.CMP_LT,
    ast.LtE: op.CMP_LE,
    ast.Eq: op.CMP_EQ,
    ast.NotEq: op.CMP_NE,
    ast.Gt: op.CMP_GT,
    ast.GtE: op.CMP_GE,
    ast.In: op.CMP_IN,
    ast.NotIn: op.CMP_NOT_IN,
    ast.Is: op.CMP_IS,
    ast.IsNot: op.CMP_IS_NOT,
}
_COMPOUND = (ast.If, ast.While, ast.For, ast.Try, ast.FunctionDef, ast.ClassDef,
             ast.With, ast.AsyncFor, ast.AsyncWith, ast.AsyncFunctionDef, ast.Match)
if hasattr(ast, "TryStar"):
    _COMPOUND = _COMPOUND + (ast.TryStar,)

# Python 3 constructs that 1.5.2 has no syntax for, with what to write instead.
_UNSUPPORTED_STMT: dict[type, str] = {
    ast.AugAssign: "augmented assignment is not Python 1.5.2: write x = x + 1",
    ast.AnnAssign: "annotations are not Python 1.5.2",
    ast.With: "'with' is not Python 1.5.2: use try/finally",
    ast.AsyncWith: "'async with' is not Python 1.5.2",
    ast.AsyncFor: "'async for' is not Python 1.5.2",
    ast.AsyncFunctionDef: "'async def' is not Python 1.5.2",
    ast.Nonlocal: "'nonlocal' is not Python 1.5.2: pass values as default arguments",
    ast.Match: "'match' is not Python 1.5.2: use if/elif",
}
_UNSUPPORTED_EXPR: dict[type, str] = {
    ast.ListComp: "list comprehensions are not Python 1.5.2: use a for loop",
    ast.SetComp: "set comprehensions are not Python 1.5.2",
    ast.DictComp: "dict comprehensions are not Python 1.5.2",
    ast.GeneratorExp: "generator expressions are not Python 1.5.2",
    ast.IfExp: "conditional expressions are not Python 1.5.2: use if/else",
    ast.Set: "set displays are not Python 1.5.2",
    ast.JoinedStr: "f-strings are not Python 1.5.2: use '%' formatting",
    ast.FormattedValue: "f-strings are not Python 1.5.2",
    ast.NamedExpr: "':=' is not Python 1.5.2",
    ast.Await: "'await' is not Python 1.5.2",
    ast.Yield: "'yield' is not Python 1.5.2",
    ast.YieldFrom: "'yield from' is not Python 1.5.2",
    ast.Starred: "star expressions are not Python 1.5.2",
}
_TYPE_NAMES: dict[type, str] = {ast.FloorDiv: "//", ast.MatMult: "@"}


def _mangle(private: str, name: str) -> str | None:
    """com_mangle: __name inside class C becomes _C__name."""
    nlen = len(name)
    if nlen + 2 >= MANGLE_LEN:
        return None  # don't mangle __extremely_long_names
    if name.endswith("__"):
        return None  # don't mangle __whatever__
    p = private.lstrip("_")
    if not p:
        return None  # don't mangle if the class is just underscores
    plen = len(p)
    if plen + nlen >= MANGLE_LEN:
        plen = MANGLE_LEN - nlen - 2
    return "_" + p[:plen] + name


class Unit:
    """struct compiling: the state for one code object being compiled."""

    def __init__(self, comp: "Compiler", name: str, private: str | None) -> None:
        self.comp = comp
        self.name = name
        self.private = private
        self.code = bytearray()
        self.consts: list[Const] = []
        self.names: list[str] = []
        self.globals: set[str] = set()
        self.locals: dict[str, int] = {}
        self.varnames: list[str] = []
        self.argcount = 0
        self.flags = 0
        self.infunction = False
        self.loops = 0
        self.begin = 0
        self.blocks: list[int] = []
        self.stacklevel = 0
        self.maxstacklevel = 0
        self.lines = LineTable()

    # -- errors ---------------------------------------------------------------
    def error(self, message: str) -> NoReturn:
        self.comp.error(None, message)

    # -- stack accounting (com_push / com_pop) ------------------------------
    def push(self, n: int) -> None:
        self.stacklevel += n
        if self.stacklevel > self.maxstacklevel:
            self.maxstacklevel = self.stacklevel

    def pop(self, n: int) -> None:
        if self.stacklevel < n:
            self.stacklevel = 0  # 1.5.2 prints "underflow!" and carries on
        else:
            self.stacklevel -= n

    # -- block stack --------------------------------------------------------
    def block_push(self, kind: int) -> None:
        if len(self.blocks) >= CO_MAXBLOCKS:
            self.error("SystemError: too many statically nested blocks")
        self.blocks.append(kind)

    def block_pop(self, kind: int) -> None:
        got = self.blocks.pop() if self.blocks else None
        assert got == kind, "bad block pop"

    # -- emitting code --------------------------------------------------------
    @property
    def nexti(self) -> int:
        return len(self.code)

    def addbyte(self, byte: int) -> None:
        if not 0 <= byte <= 255:
            self.error("SystemError: com_addbyte: byte out of range "
                       "(an argument above 65535: too many constants, names or locals, "
                       "or a code object above 64 KB)")
        self.code.append(byte)

    def addint(self, x: int) -> None:
        self.addbyte(x & 0xFF)
        self.addbyte(x >> 8)

    def addoparg(self, opcode: int, arg: int) -> None:
        self.addbyte(opcode)
        self.addint(arg)

    def set_lineno(self, lineno: int) -> None:
        """SET_LINENO under -O: only the line table is updated."""
        self.lines.set_lineno(self.nexti, lineno)

    def addfwref(self, opcode: int, anchor: int) -> int:
        """A forward jump, chained to the previous one through its argument."""
        self.addbyte(opcode)
        here = self.nexti
        self.addint(0 if anchor == 0 else here - anchor)
        return here

    def backpatch(self, anchor: int) -> None:
        code = self.code
        target = self.nexti
        while True:
            prev = code[anchor] + (code[anchor + 1] << 8)
            dist = target - (anchor + 2)
            code[anchor] = dist & 0xFF
            code[anchor + 1] = (dist >> 8) & 0xFF  # unsigned char: truncated
            if not prev:
                break
            anchor -= prev

    # -- constants and names --------------------------------------------------
    def addconst(self, v: Const) -> int:
        for i in range(len(self.consts) - 1, -1, -1):
            if same_const(self.consts[i], v):
                return i
        self.consts.append(v)
        return len(self.consts) - 1

    def addname(self, name: str) -> int:
        for i in range(len(self.names) - 1, -1, -1):
            if self.names[i] == name:
                return i
        self.names.append(name)
        return len(self.names) - 1

    def mangled(self, name: str) -> str:
        if name.startswith("__") and self.private is not None:
            m = _mangle(self.private, name)
            if m is not None:
                return m
        return name

    def addopnamestr(self, opcode: int, name: str) -> None:
        name = self.mangled(name)
        i = self.addname(name)
        if opcode in (op.LOAD_NAME, op.STORE_NAME, op.DELETE_NAME) and name in self.globals:
            opcode = {op.LOAD_NAME: op.LOAD_GLOBAL,
                      op.STORE_NAME: op.STORE_GLOBAL,
                      op.DELETE_NAME: op.DELETE_GLOBAL}[opcode]
        self.addoparg(opcode, i)

    def load_const(self, v: Const) -> None:
        self.addoparg(op.LOAD_CONST, self.addconst(v))
        self.push(1)

    def newlocal(self, name: str) -> int:
        i = len(self.varnames)
        self.locals[name] = i
        self.varnames.append(name)
        return i

    def addlocal(self, name: str) -> int:
        if name in self.locals:
            return self.locals[name]
        return self.newlocal(name)

    # -- finishing --------------------------------------------------------------
    def optimize(self) -> None:
        """Turn *_NAME into *_FAST for locals and LOAD_NAME into LOAD_GLOBAL."""
        self.flags |= op.CO_OPTIMIZED
        code = self.code
        for pos, opcode, arg in _instructions(code):
            if opcode in (op.STORE_NAME, op.DELETE_NAME, op.IMPORT_FROM):
                self.addlocal(self.names[arg])
            elif opcode == op.EXEC_STMT:
                self.flags &= ~op.CO_OPTIMIZED
        if "*" in self.locals:
            self.flags &= ~op.CO_OPTIMIZED
        fast = {op.LOAD_NAME: op.LOAD_FAST, op.STORE_NAME: op.STORE_FAST,
                op.DELETE_NAME: op.DELETE_FAST}
        for pos, opcode, arg in _instructions(code):
            if opcode not in fast:
                continue
            name = self.names[arg]
            i = self.locals.get(name)
            if i is None:
                if opcode == op.LOAD_NAME and self.flags & op.CO_OPTIMIZED:
                    code[pos] = op.LOAD_GLOBAL
                continue
            code[pos] = fast[opcode]
            code[pos + 1] = i & 0xFF
            code[pos + 2] = (i >> 8) & 0xFF

    def finish(self) -> Code15:
        enc = self.comp.encode_name
        return Code15(
            argcount=self.argcount,
            nlocals=len(self.varnames),
            stacksize=self.maxstacklevel,
            flags=self.flags,
            code=bytes(self.code),
            consts=tuple(self.consts),
            names=tuple(enc(n) for n in self.names),
            varnames=tuple(enc(n) for n in self.varnames),
            filename=self.comp.filename.encode("latin-1", "replace"),
            name=enc(self.name),
            firstlineno=self.lines.firstlineno,
            lnotab=self.lines.lnotab(),
        )


def _instructions(code: bytearray) -> Iterator[tuple[int, int, int]]:
    """(offset, opcode, oparg) for each instruction, as 1.5.2's optimize reads them."""
    i, n = 0, len(code)
    while i < n:
        opcode = code[i]
        if opcode == op.STOP_CODE:
            break
        if opcode >= op.HAVE_ARGUMENT:
            yield i, opcode, code[i + 1] | (code[i + 2] << 8)
            i += 3
        else:
            yield i, opcode, 0
            i += 1


class Compiler:
    def __init__(self, src: SourceText, filename: str) -> None:
        self.src = src
        self.filename = filename
        self._where: ast.AST | None = None

    # -- errors -----------------------------------------------------------------
    def error(self, node: ast.AST | None, message: str) -> NoReturn:
        node = node if node is not None else self._where
        line = getattr(node, "lineno", 0) or 0
        col = getattr(node, "col_offset", -1)
        if line and col is not None and col >= 0:
            col = self.src.char_col(line, col) + 1
        else:
            col = 1
        raise CompileError(self.filename, line, col, message)

    def encode_name(self, name: str) -> bytes:
        try:
            return name.encode("ascii")
        except UnicodeEncodeError:
            self.error(None, "non-ASCII name %r is not Python 1.5.2" % name)

    # -- code objects -------------------------------------------------------------
    def module(self, tree: ast.Module) -> Code15:
        """compile_node(file_input): a module code object named '?'."""
        u = Unit(self, "?", None)
        u.set_lineno(0)  # the file_input node has line 0
        doc = self.docstring(tree.body)
        if doc is not None:
            u.load_const(doc)
            u.addopnamestr(op.STORE_NAME, "__doc__")
            u.pop(1)
        self.stmts(u, tree.body)
        u.load_const(None)
        u.addbyte(op.RETURN_VALUE)
        u.pop(1)
        return u.finish()

    def function(self, node: ast.FunctionDef, private: str | None) -> Code15:
        """compile_funcdef."""
        u = Unit(self, node.name, private)
        u.set_lineno(node.lineno)
        doc = self.docstring(node.body)
        u.addconst(doc)  # the docstring slot: None when there is none
        self.arglist(u, node.args, node)
        u.infunction = True
        self.stmts(u, node.body)
        u.infunction = False
        u.load_const(None)
        u.addbyte(op.RETURN_VALUE)
        u.pop(1)
        u.optimize()
        u.flags |= op.CO_NEWLOCALS
        return u.finish()

    def lambda_(self, node: ast.Lambda, private: str | None) -> Code15:
        """compile_lambdef."""
        u = Unit(self, "<lambda>", private)
        u.set_lineno(node.lineno)
        u.addconst(None)
        self.arglist(u, node.args, node)
        self.expr(u, node.body)
        u.addbyte(op.RETURN_VALUE)
        u.pop(1)
        u.optimize()
        u.flags |= op.CO_NEWLOCALS
        return u.finish()

    def class_body(self, node: ast.ClassDef) -> Code15:
        """compile_classdef."""
        u = Unit(self, node.name, node.name)
        u.set_lineno(node.lineno)
        doc = self.docstring(node.body)
        if doc is not None:
            u.load_const(doc)
            u.addopnamestr(op.STORE_NAME, "__doc__")
            u.pop(1)
        else:
            u.addconst(None)
        self.stmts(u, node.body)
        u.addbyte(op.LOAD_LOCALS)
        u.push(1)
        u.addbyte(op.RETURN_VALUE)
        u.pop(1)
        u.flags |= op.CO_NEWLOCALS
        return u.finish()

    def docstring(self, body: list[ast.stmt]) -> bytes | None:
        """get_docstring: a first statement that is only a string literal."""
        if body and self.is_string_statement(body[0]):
            assert isinstance(body[0], ast.Expr)
            return self.string_value(body[0].value)
        return None

    def is_string_statement(self, s: ast.stmt) -> bool:
        return (isinstance(s, ast.Expr)
                and isinstance(s.value, ast.Constant)
                and isinstance(s.value.value, str)
                and self.src.starts_with_string(s))

    def arglist(self, u: Unit, args: ast.arguments, where: ast.AST) -> None:
        """com_arglist: parameters become the first locals (never mangled)."""
        if args.posonlyargs or args.kwonlyargs:
            self.error(where, "positional-only and keyword-only parameters are not Python 1.5.2")
        for a in args.args:
            if a.annotation is not None:
                self.error(a, "annotations are not Python 1.5.2")
            u.newlocal(a.arg)
            u.argcount += 1
        if args.vararg is not None:
            u.flags |= op.CO_VARARGS
            u.newlocal(args.vararg.arg)
        if args.kwarg is not None:
            u.flags |= op.CO_VARKEYWORDS
            u.newlocal(args.kwarg.arg)

    def argdefs(self, u: Unit, args: ast.arguments) -> int:
        """com_argdefs: push the default values, left to right."""
        for d in args.defaults:
            self.expr(u, d)
        return len(args.defaults)

    # -- statements ---------------------------------------------------------------
    def stmts(self, u: Unit, body: list[ast.stmt]) -> None:
        for s in body:
            self.stmt(u, s)

    def stmt(self, u: Unit, s: ast.stmt) -> None:
        self._where = s
        if isinstance(s, _COMPOUND):
            u.set_lineno(s.lineno)  # compound_stmt
        elif not self.src.follows_semicolon(s):
            u.set_lineno(s.lineno)  # simple_stmt: once per line of ';'-separated statements
        method = getattr(self, "stmt_" + type(s).__name__, None)
        if method is None:
            self.error(s, _UNSUPPORTED_STMT.get(
                type(s), "%s statements are not supported" % type(s).__name__))
        method(u, s)

    def stmt_Pass(self, u: Unit, s: ast.Pass) -> None:
        pass

    def stmt_Expr(self, u: Unit, s: ast.Expr) -> None:
        v = s.value
        if (isinstance(v, ast.Call) and isinstance(v.func, ast.Name)
                and v.func.id == "print"):
            self.print_stmt(u, v)
            return
        if self.is_string_statement(s):
            return  # a string statement is dropped (it would be a docstring)
        self.expr(u, v)
        u.addbyte(op.POP_TOP)
        u.pop(1)

    def print_stmt(self, u: Unit, call: ast.Call) -> None:
        """print(x) in the dialect is 1.5.2's print statement 'print (x)'."""
        if call.keywords:
            self.error(call, "print with keyword arguments is not Python 1.5.2")
        for a in call.args:
            if isinstance(a, ast.Starred):
                self.error(a, "print(*args) is not Python 1.5.2")
        if len(call.args) == 1 and not self.src.call_has_trailing_comma(call):
            self.expr(u, call.args[0])
        else:  # 'print (a, b)' and 'print ()' print a tuple in 1.5.2
            self.build_sequence(u, call.args, op.BUILD_TUPLE)
        u.addbyte(op.PRINT_ITEM)
        u.pop(1)
        u.addbyte(op.PRINT_NEWLINE)

    def stmt_Assign(self, u: Unit, s: ast.Assign) -> None:
        """com_expr_stmt: value once, DUP_TOP for all targets but the last."""
        self.expr(u, s.value)
        last = len(s.targets) - 1
        for i, t in enumerate(s.targets):
            if i < last:
                u.addbyte(op.DUP_TOP)
                u.push(1)
            self.assign(u, t, OP_ASSIGN)

    def stmt_Delete(self, u: Unit, s: ast.Delete) -> None:
        for t in s.targets:
            self.assign(u, t, OP_DELETE)

    def stmt_Assert(self, u: Unit, s: ast.Assert) -> None:
        pass  # removed under -O

    def stmt_Break(self, u: Unit, s: ast.Break) -> None:
        if u.loops == 0:
            self.error(s, "SyntaxError: 'break' outside loop")
        u.addbyte(op.BREAK_LOOP)

    def stmt_Continue(self, u: Unit, s: ast.Continue) -> None:
        if u.blocks and u.blocks[-1] == op.SETUP_LOOP:
            u.addoparg(op.JUMP_ABSOLUTE, u.begin)
        else:
            self.error(s, "SyntaxError: 'continue' not properly in loop "
                          "(1.5.2 refuses continue directly inside try or finally)")

    def stmt_Return(self, u: Unit, s: ast.Return) -> None:
        if not u.infunction:
            self.error(s, "SyntaxError: 'return' outside function")
        if s.value is None:
            u.load_const(None)
        else:
            self.expr(u, s.value)
        u.addbyte(op.RETURN_VALUE)
        u.pop(1)

    def stmt_Raise(self, u: Unit, s: ast.Raise) -> None:
        if s.cause is not None:
            self.error(s, "'raise ... from' is not Python 1.5.2")
        n = 0
        if s.exc is not None:
            self.expr(u, s.exc)
            n = 1
        u.addoparg(op.RAISE_VARARGS, n)
        u.pop(n)

    def stmt_Import(self, u: Unit, s: ast.Import) -> None:
        for alias in s.names:
            if alias.asname is not None:
                self.error(s, "'import ... as' is not Python 1.5.2: use plain import")
            u.addopnamestr(op.IMPORT_NAME, alias.name)
            u.push(1)
            u.addopnamestr(op.STORE_NAME, alias.name.split(".")[0])
            u.pop(1)

    def stmt_ImportFrom(self, u: Unit, s: ast.ImportFrom) -> None:
        if s.level or s.module is None:
            self.error(s, "relative imports are not Python 1.5.2")
        u.addopnamestr(op.IMPORT_NAME, s.module)
        u.push(1)
        for alias in s.names:
            if alias.asname is not None:
                self.error(s, "'from ... import ... as' is not Python 1.5.2")
            u.addopnamestr(op.IMPORT_FROM, alias.name)
        u.addbyte(op.POP_TOP)
        u.pop(1)

    def stmt_Global(self, u: Unit, s: ast.Global) -> None:
        for name in s.names:
            name = u.mangled(name)
            if name in u.locals:
                self.error(s, "SyntaxError: name is local and global")
            u.globals.add(name)

    def stmt_If(self, u: Unit, s: ast.If) -> None:
        """com_if_stmt over the whole if/elif/else chain."""
        branches: list[ast.If] = [s]
        node = s
        while (len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If)
               and self.src.is_keyword_at(node.orelse[0], "elif")):
            node = node.orelse[0]
            branches.append(node)
        else_body = node.orelse
        anchor = 0
        for i, br in enumerate(branches):
            if self.is_constant_false(br.test):
                continue
            if i > 0:
                self._where = br
                u.set_lineno(self.src.line_after_first_token(br))  # the test after 'elif'
            self.expr(u, br.test)
            a = u.addfwref(op.JUMP_IF_FALSE, 0)
            u.addbyte(op.POP_TOP)
            u.pop(1)
            self.stmts(u, br.body)
            anchor = u.addfwref(op.JUMP_FORWARD, anchor)
            u.backpatch(a)
            u.addbyte(op.POP_TOP)  # the jump arrives with the test value
        if else_body:
            self.stmts(u, else_body)
        if anchor:
            u.backpatch(anchor)

    def is_constant_false(self, test: ast.expr) -> bool:
        """is_constant_false: a lone 0, '' or __debug__ (under -O), unparenthesized."""
        if not self.src.is_single_token(test):
            return False
        if isinstance(test, ast.Name):
            return test.id == "__debug__"
        if isinstance(test, ast.Constant) and not isinstance(test.value, bool):
            if isinstance(test.value, int):
                try:
                    return parse_number(self.src.number_token(test)) == 0
                except LiteralError:
                    return False
            if isinstance(test.value, str):
                toks = self.src.string_tokens(test)
                try:
                    return len(toks) == 1 and parse_string(toks[0]) == b""
                except LiteralError:
                    return False
        return False

    def stmt_While(self, u: Unit, s: ast.While) -> None:
        break_anchor = u.addfwref(op.SETUP_LOOP, 0)
        u.block_push(op.SETUP_LOOP)
        save_begin = u.begin
        u.begin = u.nexti
        u.set_lineno(s.lineno)
        self.expr(u, s.test)
        anchor = u.addfwref(op.JUMP_IF_FALSE, 0)
        u.addbyte(op.POP_TOP)
        u.pop(1)
        u.loops += 1
        self.stmts(u, s.body)
        u.loops -= 1
        u.addoparg(op.JUMP_ABSOLUTE, u.begin)
        u.begin = save_begin
        u.backpatch(anchor)
        u.addbyte(op.POP_TOP)  # the exit jump arrives with the test value
        u.addbyte(op.POP_BLOCK)
        u.block_pop(op.SETUP_LOOP)
        if s.orelse:
            self.stmts(u, s.orelse)
        u.backpatch(break_anchor)

    def stmt_For(self, u: Unit, s: ast.For) -> None:
        break_anchor = u.addfwref(op.SETUP_LOOP, 0)
        u.block_push(op.SETUP_LOOP)
        save_begin = u.begin
        self.expr(u, s.iter)
        u.load_const(0)  # the loop index
        u.begin = u.nexti
        u.set_lineno(s.lineno)
        anchor = u.addfwref(op.FOR_LOOP, 0)
        u.push(1)
        self.assign(u, s.target, OP_ASSIGN)
        u.loops += 1
        self.stmts(u, s.body)
        u.loops -= 1
        u.addoparg(op.JUMP_ABSOLUTE, u.begin)
        u.begin = save_begin
        u.backpatch(anchor)
        u.pop(2)  # FOR_LOOP has popped the sequence and the index
        u.addbyte(op.POP_BLOCK)
        u.block_pop(op.SETUP_LOOP)
        if s.orelse:
            self.stmts(u, s.orelse)
        u.backpatch(break_anchor)

    def stmt_Try(self, u: Unit, s: ast.Try) -> None:
        if s.handlers and s.finalbody:
            self.error(s, "try/except/finally in one statement is not Python 1.5.2: "
                          "nest a try/except inside a try/finally")
        if s.finalbody:
            self.try_finally(u, s)
        else:
            self.try_except(u, s)

    def try_except(self, u: Unit, s: ast.Try) -> None:
        except_anchor = u.addfwref(op.SETUP_EXCEPT, 0)
        u.block_push(op.SETUP_EXCEPT)
        self.stmts(u, s.body)
        u.addbyte(op.POP_BLOCK)
        u.block_pop(op.SETUP_EXCEPT)
        else_anchor = u.addfwref(op.JUMP_FORWARD, 0)
        end_anchor = 0
        u.backpatch(except_anchor)
        for h in s.handlers:
            self._where = h
            if except_anchor == 0:
                self.error(h, "SyntaxError: default 'except:' must be last")
            except_anchor = 0
            u.push(3)  # tb, val, exc pushed by the exception
            u.set_lineno(h.lineno)
            if h.type is not None:
                u.addbyte(op.DUP_TOP)
                u.push(1)
                self.expr(u, h.type)
                u.addoparg(op.COMPARE_OP, op.CMP_EXC_MATCH)
                u.pop(1)
                except_anchor = u.addfwref(op.JUMP_IF_FALSE, except_anchor)
                u.addbyte(op.POP_TOP)
                u.pop(1)
            u.addbyte(op.POP_TOP)
            u.pop(1)
            if h.name is not None:
                self.error(h, "'except E as name' is not Python 1.5.2: use sys.exc_info()")
            u.addbyte(op.POP_TOP)
            u.pop(1)
            u.addbyte(op.POP_TOP)
            u.pop(1)
            self.stmts(u, h.body)
            end_anchor = u.addfwref(op.JUMP_FORWARD, end_anchor)
            if except_anchor:
                u.backpatch(except_anchor)
                u.addbyte(op.POP_TOP)
        u.addbyte(op.END_FINALLY)
        u.backpatch(else_anchor)
        if s.orelse:
            self.stmts(u, s.orelse)
        if end_anchor:
            u.backpatch(end_anchor)

    def try_finally(self, u: Unit, s: ast.Try) -> None:
        finally_anchor = u.addfwref(op.SETUP_FINALLY, 0)
        u.block_push(op.SETUP_FINALLY)
        self.stmts(u, s.body)
        u.addbyte(op.POP_BLOCK)
        u.block_pop(op.SETUP_FINALLY)
        u.block_push(op.END_FINALLY)
        u.addoparg(op.LOAD_CONST, u.addconst(None))
        # the finally clause can be entered with up to three entries
        u.push(3)
        u.backpatch(finally_anchor)
        u.set_lineno(self.src.line_after_keyword_colon("finally", s.finalbody[0]))
        self.stmts(u, s.finalbody)
        u.addbyte(op.END_FINALLY)
        u.block_pop(op.END_FINALLY)
        u.pop(3)

    def stmt_FunctionDef(self, u: Unit, s: ast.FunctionDef) -> None:
        if s.decorator_list:
            self.error(s, "decorators are not Python 1.5.2")
        if s.returns is not None:
            self.error(s, "annotations are not Python 1.5.2")
        code = self.function(s, u.private)
        self._where = s
        i = u.addconst(code)
        ndefs = self.argdefs(u, s.args)
        u.addoparg(op.LOAD_CONST, i)
        u.push(1)
        u.addoparg(op.MAKE_FUNCTION, ndefs)
        u.pop(ndefs)
        u.addopnamestr(op.STORE_NAME, s.name)
        u.pop(1)

    def stmt_ClassDef(self, u: Unit, s: ast.ClassDef) -> None:
        if s.decorator_list:
            self.error(s, "decorators are not Python 1.5.2")
        if s.keywords:
            self.error(s, "class keyword arguments are not Python 1.5.2")
        if self.src.has_empty_parens_after_name(s):
            self.error(s, "SyntaxError: 'class %s():' with empty parentheses is not "
                          "Python 1.5.2: write 'class %s:'" % (s.name, s.name))
        u.load_const(s.name.encode("latin-1"))
        if self.src.has_parens_after_name(s):
            self.build_sequence(u, s.bases, op.BUILD_TUPLE)
        else:
            u.addoparg(op.BUILD_TUPLE, 0)
            u.push(1)
        code = self.class_body(s)
        self._where = s
        u.load_const(code)
        u.addoparg(op.MAKE_FUNCTION, 0)
        u.addoparg(op.CALL_FUNCTION, 0)
        u.addbyte(op.BUILD_CLASS)
        u.pop(2)
        u.addopnamestr(op.STORE_NAME, s.name)  # 1.5.2 does not pop here

    # -- assignment targets (com_assign) ----------------------------------------------
    def assign(self, u: Unit, t: ast.expr, assigning: int) -> None:
        self._where = t
        if isinstance(t, ast.Name):
            u.addopnamestr(op.STORE_NAME if assigning else op.DELETE_NAME, t.id)
            if assigning:
                u.pop(1)
        elif isinstance(t, (ast.Tuple, ast.List)):
            if not t.elts:
                self.error(t, "SyntaxError: can't assign to %s"
                           % ("()" if isinstance(t, ast.Tuple) else "[]"))
            if assigning:
                n = len(t.elts)
                u.addoparg(op.UNPACK_TUPLE if isinstance(t, ast.Tuple) else op.UNPACK_LIST, n)
                u.push(n - 1)
            for e in t.elts:
                self.assign(u, e, assigning)
        elif isinstance(t, ast.Attribute):
            self.expr(u, t.value)
            u.addopnamestr(op.STORE_ATTR if assigning else op.DELETE_ATTR, t.attr)
            u.pop(2 if assigning else 1)
        elif isinstance(t, ast.Subscript):
            self.expr(u, t.value)
            self.subscript(u, t, assigning)
        elif isinstance(t, ast.Starred):
            self.error(t, "star targets are not Python 1.5.2")
        else:
            self.error(t, "SyntaxError: can't assign to this expression")

    # -- expressions ------------------------------------------------------------------
    def expr(self, u: Unit, e: ast.expr) -> None:
        method = getattr(self, "expr_" + type(e).__name__, None)
        if method is None:
            name = _UNSUPPORTED_EXPR.get(type(e), "%s is not supported" % type(e).__name__)
            self.error(e, name)
        method(u, e)

    def expr_Constant(self, u: Unit, e: ast.Constant) -> None:
        v = e.value
        if v is None or isinstance(v, bool):
            # None (and True/False) are plain names in 1.5.2
            u.addopnamestr(op.LOAD_NAME, repr(v))
            u.push(1)
        elif isinstance(v, int):
            u.load_const(self.int_value(e))
        elif isinstance(v, str):
            u.load_const(self.string_value(e))
        elif isinstance(v, float) or isinstance(v, complex):
            self.error(e, "float and complex literals are not supported on the module")
        elif isinstance(v, bytes):
            self.error(e, "b'' literals are not Python 1.5.2")
        else:
            self.error(e, "%r is not Python 1.5.2" % (v,))

    def int_value(self, e: ast.Constant) -> int:
        try:
            return parse_number(self.src.number_token(e))
        except LiteralError as exc:
            self.error(e, str(exc))

    def string_value(self, e: ast.expr) -> bytes:
        tokens = self.src.string_tokens(e)
        if not all(t.isascii() for t in tokens):
            # 1.5.2 would keep the raw bytes, Python 3 reads the file as UTF-8
            # text: the same literal would mean different strings.
            self.error(e, "non-ASCII character in a string literal: the module sees the "
                          "file's bytes, Python 3 sees text; write octal escapes "
                          "such as '\\351'")
        try:
            return b"".join(parse_string(t) for t in tokens)
        except LiteralError as exc:
            self.error(e, str(exc))

    def expr_Name(self, u: Unit, e: ast.Name) -> None:
        if e.id == "print":
            self.error(e, "print is a statement in Python 1.5.2: use it only as a whole "
                          "statement, print(x)")
        if e.id == "exec":
            self.error(e, "exec is a statement in Python 1.5.2 and not in the dialect")
        u.addopnamestr(op.LOAD_NAME, e.id)
        u.push(1)

    def expr_Attribute(self, u: Unit, e: ast.Attribute) -> None:
        self.expr(u, e.value)
        u.addopnamestr(op.LOAD_ATTR, e.attr)

    def expr_Subscript(self, u: Unit, e: ast.Subscript) -> None:
        self.expr(u, e.value)
        self.subscript(u, e, OP_APPLY)

    def subscript(self, u: Unit, e: ast.Subscript, assigning: int) -> None:
        """com_subscriptlist (the object is already on the stack)."""
        sl = e.slice
        if (isinstance(sl, ast.Slice) and sl.step is None
                and not self.src.slice_has_step_colon(sl)):
            # a simple slice a[i:j]: SLICE+n / STORE_SLICE+n / DELETE_SLICE+n
            base = {OP_APPLY: op.SLICE, OP_ASSIGN: op.STORE_SLICE,
                    OP_DELETE: op.DELETE_SLICE}[assigning]
            if sl.lower is None and sl.upper is None:
                u.addbyte(base)
            elif sl.upper is None:
                assert sl.lower is not None
                self.expr(u, sl.lower)
                u.addbyte(base + 1)
                u.pop(1)
            elif sl.lower is None:
                self.expr(u, sl.upper)
                u.addbyte(base + 2)
                u.pop(1)
            else:
                self.expr(u, sl.lower)
                self.expr(u, sl.upper)
                u.addbyte(base + 3)
                u.pop(2)
            if assigning == OP_ASSIGN:
                u.pop(2)
            elif assigning == OP_DELETE:
                u.pop(1)
            return
        if isinstance(sl, ast.Tuple) and any(isinstance(x, ast.Slice) for x in sl.elts):
            for x in sl.elts:
                self.subscript_item(u, x)
            u.addoparg(op.BUILD_TUPLE, len(sl.elts))
            u.pop(len(sl.elts) - 1)
        else:
            self.subscript_item(u, sl)
        if assigning == OP_APPLY:
            u.addbyte(op.BINARY_SUBSCR)
            u.pop(1)
        elif assigning == OP_ASSIGN:
            u.addbyte(op.STORE_SUBSCR)
            u.pop(3)
        else:
            u.addbyte(op.DELETE_SUBSCR)
            u.pop(2)

    def subscript_item(self, u: Unit, x: ast.expr) -> None:
        if isinstance(x, ast.Slice):
            self.sliceobj(u, x)
        elif isinstance(x, ast.Constant) and x.value is Ellipsis:
            self.error(x, "Ellipsis is not supported")
        else:
            self.expr(u, x)

    def sliceobj(self, u: Unit, sl: ast.Slice) -> None:
        """com_sliceobj: BUILD_SLICE for extended slices."""
        ns = 2
        if sl.lower is None:
            u.load_const(None)
        else:
            self.expr(u, sl.lower)
        if sl.upper is None:
            u.load_const(None)
        else:
            self.expr(u, sl.upper)
        if sl.step is not None or self.src.slice_has_step_colon(sl):
            ns = 3
            if sl.step is None:
                u.load_const(None)
            else:
                self.expr(u, sl.step)
        u.addoparg(op.BUILD_SLICE, ns)
        u.pop(1 + (ns == 3))

    def expr_Call(self, u: Unit, e: ast.Call) -> None:
        self.expr(u, e.func)
        self.call_args(u, e)

    def call_args(self, u: Unit, e: ast.Call) -> None:
        """com_call_function, with 1.5.2's line numbers for arguments."""
        items: list[ast.expr | ast.keyword] = [*e.args, *e.keywords]
        if not items:
            u.addoparg(op.CALL_FUNCTION, 0)
            return
        items.sort(key=lambda n: self.src.start_of(n))
        lineno = self.arglist_line(e)
        na = nk = 0
        seen: set[str] = set()
        for k, item in enumerate(items):
            if isinstance(item, ast.Starred) or (isinstance(item, ast.keyword) and item.arg is None):
                self.error(item, "f(*args) and f(**kw) calls are not Python 1.5.2")
            if k > 0:
                line = self.src.line_after_comma(items[k - 1])
                if line != lineno:
                    lineno = line
                    u.set_lineno(line)
            if isinstance(item, ast.keyword):
                assert item.arg is not None
                if item.arg in seen:
                    self.error(item, "SyntaxError: duplicate keyword argument")
                seen.add(item.arg)
                u.load_const(item.arg.encode("latin-1"))
                self.expr(u, item.value)
                nk += 1
            else:
                if nk:
                    self.error(item, "SyntaxError: non-keyword arg after keyword arg")
                self.expr(u, item)
                na += 1
        if na > 255 or nk > 255:
            self.error(e, "SyntaxError: more than 255 arguments")
        u.addoparg(op.CALL_FUNCTION, na | (nk << 8))
        u.pop(na + 2 * nk)

    def arglist_line(self, e: ast.Call) -> int:
        """Line of the first token after the call's '(' (the arglist node)."""
        i = self.src.index_at(self.src.end_of(e.func))
        while not self.src.is_op(i, "("):
            i += 1
        t = self.src.tok(i + 1)
        assert t is not None
        return t.line

    def build_sequence(self, u: Unit, elts: list[ast.expr], opcode: int) -> None:
        for x in elts:
            self.expr(u, x)
        n = len(elts)
        u.addoparg(opcode, n)
        if n:
            u.pop(n - 1)
        else:
            u.push(1)

    def expr_Tuple(self, u: Unit, e: ast.Tuple) -> None:
        self.build_sequence(u, e.elts, op.BUILD_TUPLE)

    def expr_List(self, u: Unit, e: ast.List) -> None:
        self.build_sequence(u, e.elts, op.BUILD_LIST)

    def expr_Dict(self, u: Unit, e: ast.Dict) -> None:
        """com_dictmaker: the value is evaluated before its key."""
        u.addoparg(op.BUILD_MAP, 0)
        u.push(1)
        for k, v in zip(e.keys, e.values):
            if k is None:
                self.error(v, "{**d} is not Python 1.5.2")
            u.addbyte(op.DUP_TOP)
            u.push(1)
            self.expr(u, v)
            u.addbyte(op.ROT_TWO)
            self.expr(u, k)
            u.addbyte(op.STORE_SUBSCR)
            u.pop(3)

    def expr_BinOp(self, u: Unit, e: ast.BinOp) -> None:
        opcode = _BINOPS.get(type(e.op))
        if opcode is None:
            self.error(e, "the %s operator is not Python 1.5.2"
                       % _TYPE_NAMES.get(type(e.op), type(e.op).__name__))
        self.expr(u, e.left)
        self.expr(u, e.right)
        u.addbyte(opcode)
        u.pop(1)

    def expr_UnaryOp(self, u: Unit, e: ast.UnaryOp) -> None:
        self.expr(u, e.operand)
        u.addbyte(_UNARYOPS[type(e.op)])

    def expr_BoolOp(self, u: Unit, e: ast.BoolOp) -> None:
        jump = op.JUMP_IF_TRUE if isinstance(e.op, ast.Or) else op.JUMP_IF_FALSE
        anchor = 0
        last = len(e.values) - 1
        for i, v in enumerate(e.values):
            self.expr(u, v)
            if i == last:
                break
            anchor = u.addfwref(jump, anchor)
            u.addbyte(op.POP_TOP)
            u.pop(1)
        if anchor:
            u.backpatch(anchor)

    def expr_Compare(self, u: Unit, e: ast.Compare) -> None:
        """com_comparison: chains keep the middle operand with DUP_TOP/ROT_THREE."""
        self.expr(u, e.left)
        anchor = 0
        last = len(e.ops) - 1
        for i, (cmp, right) in enumerate(zip(e.ops, e.comparators)):
            self.expr(u, right)
            if i < last:
                u.addbyte(op.DUP_TOP)
                u.push(1)
                u.addbyte(op.ROT_THREE)
            u.addoparg(op.COMPARE_OP, _CMPOPS[type(cmp)])
            u.pop(1)
            if i < last:
                anchor = u.addfwref(op.JUMP_IF_FALSE, anchor)
                u.addbyte(op.POP_TOP)
                u.pop(1)
        if anchor:
            anchor2 = u.addfwref(op.JUMP_FORWARD, 0)
            u.backpatch(anchor)
            u.addbyte(op.ROT_TWO)
            u.addbyte(op.POP_TOP)
            u.backpatch(anchor2)

    def expr_Lambda(self, u: Unit, e: ast.Lambda) -> None:
        ndefs = self.argdefs(u, e.args)
        code = self.lambda_(e, u.private)
        u.load_const(code)
        u.addoparg(op.MAKE_FUNCTION, ndefs)
        u.pop(ndefs)


def compile_source(source: bytes | str, filename: str) -> Code15:
    """Compile dialect source to the module code object CPython 1.5.2 -O makes.

    filename becomes co_filename exactly as given.  Raises CompileError.
    """
    text = decode_source(source) if isinstance(source, bytes) else source.replace("\r\n", "\n")
    try:
        with warnings.catch_warnings():
            # e.g. "invalid escape sequence": 1.5.2's meaning is what counts here
            warnings.simplefilter("ignore", (DeprecationWarning, SyntaxWarning))
            tree = ast.parse(text, filename)
    except SyntaxError as exc:
        raise CompileError(filename, exc.lineno or 0, exc.offset or 1,
                           "SyntaxError: %s" % exc.msg) from None
    return Compiler(SourceText(text), filename).module(tree)
