"""Running the on-module script like the module does (REFERENCE §1, §4.3, ES13 §5).

The main script and every module it imports come from the emulated flash. They run under
Python 3 with a namespace shaped like Telit's: only the built-ins that ``dialect.md`` allows,
plus the flash built-ins ``open unlink rename flashflush``; ``import`` finds the Telit modules
(MDM MDM2 SER SER2 MOD GPIO), ``sys``, ``md5``, ``marshal`` and flash files, and nothing else
(``import os`` raises ImportError, as on the module).

Where Python 3 and 1.5.2 disagree on a built-in the script may call, the script gets 1.5.2's
behaviour when that is cheap to give: ``int``, ``str``, ``list`` and ``tuple`` are plain
functions (so ``isinstance(x, int)`` raises TypeError, as in 1.5.2 where they are not types),
``int()`` takes exactly one argument and refuses values outside 32 bits, ``chr()`` refuses
values above 255, ``repr()``/``str()`` of strings and containers use 1.5.2's octal escapes, ``marshal`` writes
1.5.2's format, ``/`` between integers is 1.5.2's floor division, and a float or complex literal
anywhere in a file makes its import fail with ``RemovedFeatureError`` (Telit removed floating
point: REFERENCE §1.1, "treat any float literal as fatal").

An uncaught exception ends the script; its traceback goes to the trace port (the ``print``
output, ASC1) in 1.5.2's format ("Traceback (innermost last):", ``in ?`` for module level).
Only a reboot or ``AT#EXECSCR`` runs it again.

A ``.pyo`` on the flash cannot run under Python 3; the emulator runs the ``.py`` source with
the same stem from ``module.source_dirs`` (normally the repository root) instead.

Module CPU time: a trace function charges ``module.line_cost_us`` per executed line of script
code (so ``while 1: pass`` advances module time and the watchdog still fires) and checks at
every line that the script is still alive (a killed script never runs another line).
"""
from __future__ import annotations

import ast
import builtins
import contextlib
import dataclasses
import hashlib
import re
import struct
import sys
import threading
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from . import names_table, telit

if TYPE_CHECKING:  # pragma: no cover
    from .module import Module

ALLOWED_BUILTINS = (
    "abs callable chr divmod getattr hasattr hash id int isinstance len list max min ord range "
    "repr setattr str tuple type"
).split()

EXCEPTIONS = (
    "Exception ArithmeticError AssertionError AttributeError EOFError EnvironmentError "
    "ImportError IndexError IOError KeyError KeyboardInterrupt LookupError MemoryError "
    "NameError OSError OverflowError RuntimeError SyntaxError SystemError SystemExit TypeError "
    "ValueError ZeroDivisionError"
).split()

TELIT_MODULES = ("MDM", "MDM2", "SER", "SER2", "MOD", "GPIO")
INT_MIN, INT_MAX = -2147483648, 2147483647


# ---------------------------------------------------------------- 1.5.2 built-ins
def repr152(v: Any) -> str:
    """``repr`` as CPython 1.5.2 prints it for the types a script handles (stringobject.c
    string_repr: single quotes unless the string holds ' and no ", backslash and the quote
    escaped, every byte below 0x20 or from 0x7F up as a 3-digit octal escape)."""
    if isinstance(v, str):
        quote = '"' if ("'" in v and '"' not in v) else "'"
        out = [quote]
        for ch in v:
            c = ord(ch)
            if ch == quote or ch == "\\":
                out.append("\\" + ch)
            elif c < 0x20 or c >= 0x7F:
                out.append("\\%03o" % (c & 0xFF))
            else:
                out.append(ch)
        out.append(quote)
        return "".join(out)
    if isinstance(v, bool):  # not a 1.5.2 type; comparisons give ints there
        return "1" if v else "0"
    if isinstance(v, list):
        return "[" + ", ".join(repr152(x) for x in v) + "]"
    if isinstance(v, tuple):
        if len(v) == 1:
            return "(" + repr152(v[0]) + ",)"
        return "(" + ", ".join(repr152(x) for x in v) + ")"
    if isinstance(v, dict):
        return "{" + ", ".join(repr152(k) + ": " + repr152(x) for k, x in v.items()) + "}"
    return builtins.repr(v)


def str152(v: Any = "") -> str:
    """``str``: a function (not a type) in 1.5.2; containers print with 1.5.2's repr."""
    if isinstance(v, (list, tuple, dict, bool)):
        return repr152(v)
    return builtins.str(v)


def int152(*args: Any) -> int:
    """``int(x)``: exactly one argument in 1.5.2 (no base); the result must fit in 32 bits."""
    if len(args) != 1:
        raise TypeError("int() takes exactly 1 argument (%d given)" % len(args))
    x = args[0]
    if isinstance(x, str):
        s = x.strip()
        if not re.fullmatch(r"[+-]?[0-9]+", s):
            raise ValueError("invalid literal for int(): %s" % x)
        v = builtins.int(s)
        if not INT_MIN <= v <= INT_MAX:
            raise ValueError("int() literal too large: %s" % x)
        return v
    if isinstance(x, float):  # pragma: no cover - floats cannot exist in the dialect
        raise TypeError("RemovedFeatureError: float")
    v = builtins.int(x)
    if not INT_MIN <= v <= INT_MAX:
        raise OverflowError("long int too long to convert")
    return v


def chr152(i: Any) -> str:
    if not isinstance(i, int):
        raise TypeError("an integer is required")
    if not 0 <= i <= 255:
        raise ValueError("chr() arg not in range(256)")
    return builtins.chr(i)


def list152(seq: Any) -> list[Any]:
    return builtins.list(seq)


def tuple152(seq: Any) -> tuple[Any, ...]:
    return builtins.tuple(seq)


for _f, _n in ((str152, "str"), (int152, "int"), (chr152, "chr"), (list152, "list"),
               (tuple152, "tuple"), (repr152, "repr")):
    _f.__name__ = _n


class RemovedFeatureError(Exception):
    """Telit's exception for a removed feature (floats, complex numbers): REFERENCE §1.1."""


def div152(a: Any, b: Any) -> Any:
    """``a / b`` as in 1.5.2: integers divide with floor (Python 3's ``//``)."""
    if isinstance(a, int) and isinstance(b, int):
        return a // b
    return a / b


class _Dialect152(ast.NodeTransformer):
    """Source rewrite for the 1.5.2 meaning: ``a / b`` -> ``__div152__(a, b)``; float and complex
    literals are refused."""

    def __init__(self, filename: str) -> None:
        self.filename = filename

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Div):
            call = ast.Call(func=ast.Name(id="__div152__", ctx=ast.Load()), args=[node.left, node.right], keywords=[])
            return ast.copy_location(call, node)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, (float, complex)):
            raise RemovedFeatureError("%s line %d: %s literal (%r)" % (
                self.filename, node.lineno, "FloatType" if isinstance(node.value, float) else "ComplexType", node.value))
        return node


def compile152(source: str, filename: str) -> Any:
    tree = ast.parse(source, filename, "exec")
    tree = ast.fix_missing_locations(_Dialect152(filename).visit(tree))
    return compile(tree, filename, "exec", dont_inherit=True)


# ------------------------------------------------------------------- md5, marshal
class Md5:
    """The module's md5 object (ES13 §5.2.34): update, digest, copy; no hexdigest."""

    def __init__(self, data: str = "") -> None:
        self._h = hashlib.md5()
        if data:
            self.update(data)

    def update(self, data: str) -> None:
        if not isinstance(data, str):
            raise TypeError("update() argument must be a string")
        self._h.update(data.encode("latin-1"))

    def digest(self) -> str:
        return self._h.digest().decode("latin-1")

    def copy(self) -> "Md5":
        c = Md5()
        c._h = self._h.copy()
        return c


def make_md5() -> types.ModuleType:
    mod = types.ModuleType("md5")
    mod.new = Md5  # type: ignore[attr-defined]
    mod.md5 = Md5  # type: ignore[attr-defined]
    return mod


def _m_dump(v: Any, out: bytearray) -> None:
    """CPython 1.5.2 marshal.c w_object for the data types a script has."""
    if v is None:
        out += b"N"
    elif isinstance(v, bool):
        out += b"i" + struct.pack("<i", int(v))
    elif isinstance(v, int):
        if INT_MIN <= v <= INT_MAX:
            out += b"i" + struct.pack("<i", v)
        else:  # a long: 15-bit digits, the count negative for a negative number
            digits, a = [], abs(v)
            while a:
                digits.append(a & 0x7FFF)
                a >>= 15
            out += b"l" + struct.pack("<i", len(digits) if v > 0 else -len(digits))
            for d in digits:
                out += struct.pack("<H", d)
    elif isinstance(v, str):
        data = v.encode("latin-1")
        out += b"s" + struct.pack("<i", len(data)) + data
    elif isinstance(v, tuple):
        out += b"(" + struct.pack("<i", len(v))
        for x in v:
            _m_dump(x, out)
    elif isinstance(v, list):
        out += b"[" + struct.pack("<i", len(v))
        for x in v:
            _m_dump(x, out)
    elif isinstance(v, dict):
        out += b"{"
        for k, x in v.items():
            _m_dump(k, out)
            _m_dump(x, out)
        out += b"0"
    else:
        raise ValueError("unmarshallable object")


def _m_load(data: bytes, pos: int) -> tuple[Any, int]:
    def need(n: int) -> None:
        if pos + n > len(data):
            raise EOFError("EOF read where object expected")

    need(1)
    t = data[pos:pos + 1]
    pos += 1
    if t == b"N":
        return None, pos
    if t == b"i":
        need(4)
        return struct.unpack_from("<i", data, pos)[0], pos + 4
    if t == b"l":
        need(4)
        n = struct.unpack_from("<i", data, pos)[0]
        pos += 4
        need(2 * abs(n))
        v = 0
        for i in range(abs(n)):
            v |= struct.unpack_from("<H", data, pos + 2 * i)[0] << (15 * i)
        return (v if n >= 0 else -v), pos + 2 * abs(n)
    if t == b"s":
        need(4)
        n = struct.unpack_from("<i", data, pos)[0]
        pos += 4
        need(n)
        return data[pos:pos + n].decode("latin-1"), pos + n
    if t in (b"(", b"["):
        need(4)
        n = struct.unpack_from("<i", data, pos)[0]
        pos += 4
        items = []
        for _ in range(n):
            x, pos = _m_load(data, pos)
            items.append(x)
        return (tuple(items) if t == b"(" else items), pos
    if t == b"{":
        d: dict[Any, Any] = {}
        while True:
            need(1)
            if data[pos:pos + 1] == b"0":
                return d, pos + 1
            k, pos = _m_load(data, pos)
            x, pos = _m_load(data, pos)
            d[k] = x
    raise ValueError("bad marshal data")


def make_marshal() -> types.ModuleType:
    """``marshal`` with 1.5.2's data format (ES13 §5.2.29: dump, load, dumps, loads), on str."""
    mod = types.ModuleType("marshal")

    def dumps(v: Any) -> str:
        out = bytearray()
        _m_dump(v, out)
        return bytes(out).decode("latin-1")

    def loads(s: Any) -> Any:
        if not isinstance(s, str):
            raise TypeError("loads() argument must be a string")
        return _m_load(s.encode("latin-1"), 0)[0]

    def dump(v: Any, f: Any) -> None:
        f.write(dumps(v))

    def load(f: Any) -> Any:
        start = f.tell()
        data = f.read().encode("latin-1")
        v, end = _m_load(data, 0)
        f.seek(start + end)
        return v

    for fn in (dumps, loads, dump, load):
        setattr(mod, fn.__name__, fn)
    return mod


# ------------------------------------------------------------------------ trace port
class TraceWriter:
    """``sys.stdout``/``sys.stderr`` of the script: the trace port (ASC1)."""

    def __init__(self, module: "Module") -> None:
        self.m = module

    def write(self, s: str) -> None:
        with self.m.kernel.lock:
            self.m.trace_write(str(s))

    def flush(self) -> None:
        pass


# 1.5.2's texts for the commonest built-in errors (Python 3 words them differently).
_NAME_RE = re.compile(r"^name '([^']*)' is not defined$")
_ATTR_RE = re.compile(r"has no attribute '([^']*)'$")


def message152(et: type, ev: BaseException) -> str:
    msg = builtins.str(ev)
    if et is ZeroDivisionError:
        return "integer division or modulo"
    if et is NameError or et is UnboundLocalError:
        mt = _NAME_RE.match(msg) or re.match(r"^(?:local variable|cannot access local variable) '([^']*)'", msg)
        return mt.group(1) if mt else msg
    if et is AttributeError:
        mt = _ATTR_RE.search(msg)
        return mt.group(1) if mt else msg
    if et is KeyError and len(ev.args) == 1:
        return str152(ev.args[0])
    return msg


@dataclasses.dataclass
class ImportRecord:
    """One import of a flash module (``ScriptRun.imports``)."""

    name: str  # module name
    filename: str  # the file its code came from (a .pyo runs from its .py source)
    start_ms: int  # module time when the import began
    lines: int  # script lines its module-level code executed (nested imports included)
    end_ms: int | None = None  # when it ended (None: it raised)


class ScriptRun:
    """One run of the script: its modules, its built-ins, its thread."""

    def __init__(self, module: "Module", main: str, generation: int) -> None:
        self.m = module
        self.main = main
        self.gen = generation
        self.api = telit.Api(module, generation)
        self.modules: dict[str, types.ModuleType] = {}
        self.code_files: set[str] = set()
        self.flash_modules: set[str] = set()  # flash files the script's code came from
        self.sources: dict[str, list[str]] = {}  # source lines of flash .py files (tracebacks)
        self.stdout = TraceWriter(module)
        self.sys = self._sys()
        self.builtins = self._make_builtins()
        self.cpu_us = 0
        self.lines = 0  # traced lines executed
        # Every flash module imported, in order: when its import began and ended (module ms;
        # nested imports fall inside), and the script lines its module code ran.
        self.imports: list[ImportRecord] = []
        # The interned-strings table as 1.5.2 keeps it (names_table.py): an import that
        # would take it past 682 raises MemoryError before the module's code runs.
        limit = module.names_limit
        self.names = names_table.NamesTable(main.rsplit("/", 1)[-1], 10 ** 9 if limit is None else limit)

    def _intern(self, filename: str, source: str, name: str | None) -> None:
        """Add what loading this file interns to the table (``name``: the module's name in
        sys.modules; None for the main script, compiled from source). MemoryError past
        the limit, as the module's marshal/compile would raise."""
        old = sys.gettrace()
        sys.settrace(None)  # our compiler's frames are not the script's
        try:
            got = names_table.interned_by_source(source, filename, from_source=name is None)
        finally:
            sys.settrace(old)
        self.names.add(got | {name} if name else got, name or filename)

    # ------------------------------------------------------------- namespace
    @contextlib.contextmanager
    def _flash_guard(self) -> Iterator[None]:
        k = self.m.kernel
        with k.lock:
            k.check_alive(self.gen)
            yield

    def _make_builtins(self) -> dict[str, Any]:
        b: dict[str, Any] = {name: getattr(builtins, name) for name in ALLOWED_BUILTINS}
        b.update(str=str152, int=int152, chr=chr152, list=list152, tuple=tuple152, repr=repr152)
        for name in EXCEPTIONS:
            b[name] = getattr(builtins, name)
        b["RemovedFeatureError"] = RemovedFeatureError
        b["__div152__"] = div152
        flash = self.m.flash
        guard = self._flash_guard
        api = self.api

        calls = self.m.meter.calls

        def open(name: Any, mode: Any = "r", bufsize: Any = -1) -> Any:  # noqa: A001
            calls["open"] += 1
            api.enter()
            return flash.builtin_open(name, mode, bufsize, guard=guard)

        def unlink(name: Any) -> None:
            calls["unlink"] += 1
            api.enter()
            flash.builtin_unlink(name, guard=guard)

        def rename(old: Any, new: Any) -> None:
            calls["rename"] += 1
            api.enter()
            flash.builtin_rename(old, new, guard=guard)

        def flashflush() -> None:
            calls["flashflush"] += 1
            api.enter()
            flash.builtin_flashflush(guard=guard)

        b.update(open=open, unlink=unlink, rename=rename, flashflush=flashflush)
        b["__import__"] = self._import
        b["__build_class__"] = builtins.__build_class__
        b["__name__"] = "__builtin__"
        b["print"] = self._print
        return b

    def _print(self, *args: Any, **kw: Any) -> None:
        # The dialect allows exactly print(one_expression): same output in 1.5.2 and 3. Like
        # 1.5.2's print statement it writes str(x) and "\n" to sys.stdout, which a script may
        # replace (MODEMG boot.py sends it to SER).
        if len(args) != 1 or kw:
            raise TypeError("print takes exactly one argument in the dialect")
        out = self.sys.stdout
        out.write(str152(args[0]))
        out.write("\n")

    def _sys(self) -> types.ModuleType:
        s = types.ModuleType("sys")
        s.exc_info = sys.exc_info  # type: ignore[attr-defined]
        s.exit = sys.exit  # type: ignore[attr-defined]
        s.maxint = INT_MAX  # type: ignore[attr-defined]
        s.version = "1.5.2+ (#0, emulated GC864-PY)"  # type: ignore[attr-defined]
        s.hexversion = 0x010502F0  # type: ignore[attr-defined]
        s.platform = "GC864-PY"  # type: ignore[attr-defined]
        s.argv = [self.main]  # type: ignore[attr-defined]
        s.path = [""]  # type: ignore[attr-defined]
        s.modules = self.modules  # type: ignore[attr-defined]
        s.stdout = self.stdout  # type: ignore[attr-defined]
        s.stderr = self.stdout  # type: ignore[attr-defined]
        s.removed_features = ("ComplexType", "FloatType", "DocStrings")  # type: ignore[attr-defined]
        s.builtin_module_names = ("MDM", "MDM2", "SER", "SER2", "MOD", "GPIO", "marshal", "imp", "sys", "md5")  # type: ignore[attr-defined]
        return s

    def _builtin_module(self, name: str) -> types.ModuleType | None:
        api = self.api
        if name in ("MDM", "MDM2"):
            return telit.make_mdm(api, 1 if name == "MDM" else 2, name)
        if name == "SER":
            self.m.ser_owned_by_script = True  # ES13 §4.2: importing SER takes ASC0
            return telit.make_ser(api)
        if name == "SER2":
            return telit.make_ser2(api)
        if name == "MOD":
            return telit.make_mod(api)
        if name == "GPIO":
            return telit.make_gpio(api)
        if name == "sys":
            return self.sys
        if name == "md5":
            return make_md5()
        if name == "marshal":
            return make_marshal()
        if name == "imp":
            return self._make_imp()
        if name == "binascii" and self.m.features.get("binascii"):
            return telit.make_binascii(api)
        return None

    def _import(self, name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> types.ModuleType:
        self.m.meter.calls["import"] += 1
        self.api.enter()
        if level != 0 or "." in name:
            raise ImportError("No module named %s" % name)
        mod = self.modules.get(name)
        if mod is not None:
            return mod
        mod = self._builtin_module(name)
        if mod is None:
            source = self._find_source(name)
            if source is None:
                raise ImportError("No module named %s" % name)
            self._intern(source[0], source[1], name)
            mod = types.ModuleType(name)
            self.modules[name] = mod
            rec = ImportRecord(name, source[0], self.m.kernel.now(), self.m.meter.lines)
            self.imports.append(rec)
            try:
                self._exec(source[0], source[1], mod.__dict__)
            except BaseException:
                del self.modules[name]
                raise
            rec.end_ms = self.m.kernel.now()
            rec.lines = self.m.meter.lines - rec.lines
            return mod
        self.modules[name] = mod
        return mod

    def _make_imp(self) -> types.ModuleType:
        """``imp`` as ES13 §5.2.30 lists it: find_module, get_magic, get_suffixes, load_module,
        new_module and PY_SOURCE PY_COMPILED C_BUILTIN PY_FROZEN (1.5.2's values).
        ``load_module(name, file, filename, (suffix, mode, type))`` runs the file's code as
        module ``name`` and puts it into ``sys.modules`` under that name, whatever the file is
        called (1.5.2 import.c load_source_module / load_compiled_module). A compiled file must
        start with the 1.5.2 magic; its source comes from ``module.pyo_sources`` (by content)
        or ``source_dirs`` (by stem), as for a plain import."""
        from tools.pyo15.pyo import MAGIC

        mod = types.ModuleType("imp")
        mod.PY_SOURCE, mod.PY_COMPILED, mod.C_BUILTIN, mod.PY_FROZEN = 1, 2, 6, 7  # type: ignore[attr-defined]
        mod.SEARCH_ERROR, mod.C_EXTENSION, mod.PKG_DIRECTORY = 0, 3, 5  # type: ignore[attr-defined]
        run = self

        def get_magic() -> str:
            return MAGIC.decode("latin-1")

        def get_suffixes() -> list[tuple[str, str, int]]:
            return [(".py", "r", 1), (".pyo", "rb", 2)]

        def new_module(name: str) -> types.ModuleType:
            return types.ModuleType(name)

        def find_module(name: str, path: Any = None) -> tuple[Any, str, tuple[str, str, int]]:
            for suffix, mode, kind in ((".py", "r", 1), (".pyo", "rb", 2)):
                fname = name + suffix
                with run._flash_guard():
                    there = run.m.flash.exists(fname)
                if there:
                    return run.builtins["open"](fname, mode), fname, (suffix, mode, kind)
            raise ImportError("No module named %s" % name)

        def load_module(name: str, file: Any, filename: str, description: Any) -> types.ModuleType:
            run.api.enter()
            if not isinstance(name, str) or not isinstance(filename, str) or len(description) != 3:
                raise TypeError("load_module(name, file, filename, (suffix, mode, type))")
            kind = description[2]
            data = file.read()
            if kind == 2:
                raw = data.encode("latin-1")
                if raw[:4] != MAGIC:
                    raise ImportError("Bad magic number in %s" % filename)
                found = run.m.pyo_sources.get(hashlib.md5(raw).hexdigest())
                if found is None:
                    found = run._source_of_pyo(filename)
                if found is None:
                    raise ImportError("no source for %s in the emulator (module.pyo_sources)" % filename)
                src_name, source = found
            elif kind == 1:
                src_name, source = filename, data
                run.sources[filename] = source.replace("\r\n", "\n").split("\n")
            else:
                raise ImportError("load_module: type %r is not emulated" % (kind,))
            run.flash_modules.add(filename)
            run._intern(src_name, source, name)
            mod = run.modules.get(name)
            if mod is None:
                mod = types.ModuleType(name)
                run.modules[name] = mod
            mod.__dict__["__name__"] = name
            # an import like any other for the import log (ScriptRun.imports)
            rec = ImportRecord(name, src_name, run.m.kernel.now(), run.m.meter.lines)
            run.imports.append(rec)
            try:
                run._exec(src_name, source, mod.__dict__)
            except BaseException:
                run.modules.pop(name, None)
                raise
            rec.end_ms = run.m.kernel.now()
            rec.lines = run.m.meter.lines - rec.lines
            return mod

        for fn in (get_magic, get_suffixes, new_module, find_module, load_module):
            setattr(mod, fn.__name__, fn)
        return mod

    def _find_source(self, stem: str) -> tuple[str, str] | None:
        """(filename, source) of an importable flash module ``stem``."""
        flash = self.m.flash
        with self._flash_guard():
            if flash.exists(stem + ".py"):
                self.flash_modules.add(stem + ".py")
                return self._flash_source(stem + ".py")
            if flash.exists(stem + ".pyo"):
                self.flash_modules.add(stem + ".pyo")
                return self._source_of_pyo(stem + ".pyo")
        return None

    def _flash_source(self, name: str) -> tuple[str, str]:
        text = self.m.flash.read(name).decode("latin-1")
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.sources[name] = text.split("\n")
        return name, text

    def _source_of_pyo(self, name: str) -> tuple[str, str] | None:
        found = self.m.pyo_sources.get(hashlib.md5(self.m.flash.read(name)).hexdigest()) \
            if self.m.pyo_sources and self.m.flash.exists(name) else None
        if found is not None:
            return found
        stem = name[:-4]
        for d in self.m.source_dirs:
            p = Path(d) / (stem + ".py")
            if p.is_file():
                return stem + ".py", p.read_bytes().decode("latin-1")
        return None

    def _exec(self, filename: str, source: str, ns: dict[str, Any]) -> None:
        # Text scripts use CR LF line endings on the module (ATR10 #WSCRIPT).
        source = source.replace("\r\n", "\n").replace("\r", "\n")
        self.code_files.add(filename)
        code = compile152(source, filename)
        ns["__builtins__"] = self.builtins
        ns.setdefault("__name__", filename[:-3] if filename.endswith(".py") else filename)
        exec(code, ns)

    # ---------------------------------------------------------------- tracing
    def _tracer(self, frame: Any, event: str, arg: Any) -> Any:
        # Called for every new frame ('call'): script code is traced line by line, and
        # its function calls are counted by name (meter.entered).
        name = frame.f_code.co_filename
        if name in self.code_files:
            self.m.meter.entered[name.rsplit("/", 1)[-1].split(".")[0] + "." +
                                 frame.f_code.co_name] += 1
            return self._line_tracer
        return None

    def _line_tracer(self, frame: Any, event: str, arg: Any) -> Any:
        k = self.m.kernel
        if k.generation != self.gen:
            k.freeze()
        if event == "line":
            self.lines += 1
            cost = self.m.line_cost_us
            self.cpu_us += cost
            meter = self.m.meter
            meter.lines += 1
            meter.line_us += cost
            if self.cpu_us >= 1000:
                ms, self.cpu_us = divmod(self.cpu_us, 1000)
                k.spend(ms, self.gen)
        return self._line_tracer

    # ------------------------------------------------------------------- run
    def run(self) -> None:
        k = self.m.kernel
        k.script_started()
        state, err = "ended", None
        try:
            k.check_alive(self.gen)
            found = self._main_source()
            if found is None:
                state, err = "crashed", "script not found: %s" % self.main
                with k.lock:
                    self.m.trace(err)
            else:
                self._intern(found[0], found[1], None)
                sys.settrace(self._tracer)
                try:
                    ns: dict[str, Any] = {"__name__": "__main__"}
                    self._exec(found[0], found[1], ns)
                finally:
                    sys.settrace(None)
        except SystemExit:
            k.check_alive(self.gen)
            state = "ended"
        except BaseException:  # the script's uncaught exception ends it (ES13 §5.2.27)
            k.check_alive(self.gen)  # a killed script (power cut in a write) just freezes
            et, ev, tb = sys.exc_info()
            state = "crashed"
            err = self._format_tb(et, ev, tb)
            with k.lock:
                k.check_alive(self.gen)
                self.m.trace(err)
        finally:
            with k.lock:
                if k.generation == self.gen:
                    self.m.script_state = state
                    self.m.script_error = err
            k.script_finished()

    def _main_source(self) -> tuple[str, str] | None:
        name = self.main
        with self._flash_guard():
            if not self.m.flash.exists(name):
                return None
            self.flash_modules.add(name)
            if name.endswith(".pyo"):
                return self._source_of_pyo(name)
            return self._flash_source(name)

    def _format_tb(self, et: Any, ev: Any, tb: Any) -> str:
        # CPython 1.5.2 traceback.c/pythonrun.c: "Traceback (innermost last):", one
        # '  File "<file>", line <n>, in <function>' per frame (module level is "?"), then the
        # source line stripped and indented by 4 when the file can be read (only .py sources
        # on the flash here: a module running a .pyo has no source), then "<Error>: <text>".
        # Only the script's own frames are shown.
        lines = ["Traceback (innermost last):"]
        while tb is not None:
            code = tb.tb_frame.f_code
            if code.co_filename in self.code_files:
                name = "?" if code.co_name == "<module>" else code.co_name
                lines.append('  File "%s", line %d, in %s' % (code.co_filename, tb.tb_lineno, name))
                src = self.sources.get(code.co_filename)
                if src is not None and 0 < tb.tb_lineno <= len(src) and src[tb.tb_lineno - 1].strip():
                    lines.append("    " + src[tb.tb_lineno - 1].strip())
            tb = tb.tb_next
        msg = message152(et, ev)
        lines.append("%s: %s" % (et.__name__, msg) if msg else et.__name__)
        return "\n".join(lines)


def start_script_thread(module: "Module", main: str, generation: int) -> threading.Thread:
    run = ScriptRun(module, main, generation)
    t = threading.Thread(target=run.run, name="script-%d" % generation, daemon=True)
    module.kernel.attach_script(t)
    module.script_run = run  # type: ignore[attr-defined]
    t.start()
    return t
