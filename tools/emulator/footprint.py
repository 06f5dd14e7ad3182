"""How much RAM the running script would hold on the module: an estimate with the object sizes
of 32-bit CPython 1.5.2 (REFERENCE §3: 1.2 MB of RAM for the engine, 16 KB per variable).

The script runs under Python 3 here, so its objects are measured by walking what it holds and
pricing each object as 1.5.2 would lay it out on a 32-bit CPU (4-byte pointers, ints and
longs). Sizes are the C structures of 1.5.2's ``Include/*object.h``; every allocation is
rounded up to 8 bytes (malloc granularity), allocator headers are not counted.

| object | 1.5.2 layout | bytes |
|---|---|---|
| int | ``PyObject_HEAD`` + ``long ob_ival``; -1..99 are preallocated and shared | 12 (0 when small) |
| long | ``PyObject_VAR_HEAD`` + 15-bit digits (2 bytes each) | 12 + 2 per digit |
| string | ``PyObject_VAR_HEAD``, ``ob_shash``, ``ob_sinterned`` (``CACHE_HASH`` and ``INTERN_STRINGS`` are on in 1.5.2), ``ob_sval[len+1]``; '' and one-character strings are shared | 24 + len |
| tuple | ``PyObject_VAR_HEAD`` + one pointer per item; () is shared | 12 + 4 n |
| list | ``PyObject_VAR_HEAD`` + ``ob_item``; the item array grows in steps of 10 (100 from 500 on, ``roundupsize``) | 16, + 4 x roundup(n) |
| dict | head, ``ma_fill ma_used ma_size ma_poly``, ``ma_table``; a table of 12-byte entries (hash, key, value), a power of two from 4, doubled when 2/3 full | 28, + 12 x table size |
| function | head + code, globals, name, defaults, doc | 28 |
| code | head, 4 ints, code, consts, names, varnames, filename, name, firstlineno, lnotab | 56 + its strings and tuples |
| frame | head, 11 pointers, 4 ints, ``f_blockstack[CO_MAXBLOCKS=20]`` of 12 bytes, nlocals, stacksize, ``f_localsplus[nlocals + stacksize]`` | 316 + 4 x (nlocals + stacksize) |
| module | head + ``md_dict`` | 12 + its dict |
| built-in function (``MDM.send`` ...) | head + ``m_ml`` + ``m_self`` | 16 |

Strings that look like identifiers (only letters, digits and ``_``) are interned by 1.5.2 (the
names in code objects, dictionary keys, constants made of name characters: ``PyCode_New``), so
each such value is counted once; other objects once per object.

What is counted (``estimate(module)``): every flash module the script imported (its module
object, its dictionary and everything reachable from it), the code objects of its functions
(compiled with our 1.5.2 compiler, ``tools/pyo15``: exact ``co_code``, constants, names and line
tables; a module's own top-level code is freed after the import), the built-in modules it
imported, and the frames of the call stack at that moment with their local variables. Not
counted: the interpreter itself (its built-in functions and types, the ``sys`` module, the
strings it interns for them), the C buffers of open files and of the built-in modules (the
4096-byte MDM/SER buffers are the firmware's), and garbage not yet freed (1.5.2 frees by
reference counting, at once; a cycle would never be freed and is not seen here either).

The "largest variable" is the largest single allocation (a string's characters, a list's item
array, a dict's table), with the name that holds it: what the 16 KB per-variable limit is
about (4 000 list items x 4 bytes, about 16 000 string characters, REFERENCE §3).
"""
from __future__ import annotations

import functools
import sys
import types
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .module import Module

PTR = 4
HEAD = 8  # ob_refcnt, ob_type
VAR_HEAD = 12  # + ob_size
INT_SIZE = 12
STR_HEAD = 24  # VAR_HEAD + ob_shash + ob_sinterned, ob_sval[1] (+ 3 padding)
TUPLE_HEAD = 12
LIST_HEAD = 16
DICT_HEAD = 28
DICT_ENTRY = 12
FUNC_SIZE = 28
CODE_SIZE = 56
FRAME_HEAD = 316  # without f_localsplus
MODULE_SIZE = 12
CFUNC_SIZE = 16
SMALL_INTS = range(-1, 100)  # NSMALLNEGINTS 1, NSMALLPOSINTS 100 (intobject.c)
OTHER_SIZE = 32  # an object of a type not listed (a file object, an md5 object ...)
NAME_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def alloc(n: int) -> int:
    """One malloc'd block of ``n`` bytes: rounded up to 8."""
    return (n + 7) & ~7


def str_size(n: int) -> int:
    return 0 if n <= 1 else alloc(STR_HEAD + n)


def tuple_size(n: int) -> int:
    return 0 if n == 0 else alloc(TUPLE_HEAD + PTR * n)


def list_items(n: int) -> int:
    """1.5.2 listobject.c roundupsize: the item array's length for n items."""
    step = 10 if n < 500 else 100
    return (n + step - 1) // step * step


def list_size(n: int) -> tuple[int, int]:
    """(list object, item array) bytes."""
    return alloc(LIST_HEAD), alloc(PTR * list_items(n))


def dict_table(n: int) -> int:
    """Table slots of a 1.5.2 dict after ``n`` insertions of new keys (dictobject.c: the
    first insertion makes 4 slots; before an insertion with fill*3 >= size*2 the table becomes
    the smallest power of two from 4 above used*2)."""
    size = fill = 0
    for _ in range(n):
        if fill * 3 >= size * 2:
            minused = fill * 2
            size = 4
            while size <= minused:
                size <<= 1
        fill += 1
    return size


def dict_size(n: int) -> tuple[int, int]:
    """(dict object, table) bytes."""
    t = dict_table(n)
    return alloc(DICT_HEAD), alloc(DICT_ENTRY * t) if t else 0


def frame_size(nlocals: int, stacksize: int) -> int:
    return alloc(FRAME_HEAD + PTR * (nlocals + stacksize))


def is_name(b: bytes) -> bool:
    return len(b) > 1 and all(c in NAME_CHARS for c in b)


@dataclass
class Footprint:
    """An estimate of what the script holds (bytes, 32-bit CPython 1.5.2)."""

    total: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)  # int, str, tuple, list, dict, ...
    by_module: dict[str, int] = field(default_factory=dict)  # flash module, "frames", "builtin"
    largest: tuple[int, str] = (0, "")  # (bytes of the largest single allocation, who holds it)
    objects: int = 0
    frames: int = 0  # script frames on the call stack

    def add(self, kind: str, where: str, n: int, holder: str) -> None:
        if n <= 0:
            return
        self.total += n
        self.by_kind[kind] = self.by_kind.get(kind, 0) + n
        self.by_module[where] = self.by_module.get(where, 0) + n
        if n > self.largest[0]:
            self.largest = (n, holder)


@functools.lru_cache(maxsize=64)
def _compiled(source: str, filename: str) -> Any:
    from tools.pyo15.compiler import compile_source

    return compile_source(source.encode("latin-1"), filename)


class _Walker:
    def __init__(self, fp: Footprint) -> None:
        self.fp = fp
        self.seen: set[int] = set()
        self.names: set[bytes] = set()  # interned string values already counted
        self.keep: list[Any] = []  # objects whose id() is in seen stay alive meanwhile

    def string(self, b: bytes, where: str, holder: str) -> None:
        if is_name(b):
            if b in self.names:
                return
            self.names.add(b)
        self.fp.objects += 1
        self.fp.add("str", where, str_size(len(b)), holder)

    def value(self, v: Any, where: str, holder: str) -> None:
        if v is None or isinstance(v, bool):
            return
        if isinstance(v, str):
            b = v.encode("latin-1", "replace")
            if is_name(b):
                self.string(b, where, holder)
                return
        if id(v) in self.seen:
            return
        self.seen.add(id(v))
        self.keep.append(v)
        fp = self.fp
        if isinstance(v, int):
            if v not in SMALL_INTS:
                fp.objects += 1
                if -2**31 <= v < 2**31:
                    fp.add("int", where, INT_SIZE, holder)
                else:
                    digits = max(1, (abs(v).bit_length() + 14) // 15)
                    fp.add("long", where, alloc(VAR_HEAD + 2 * digits), holder)
        elif isinstance(v, str):
            self.string(v.encode("latin-1", "replace"), where, holder)
        elif isinstance(v, tuple):
            fp.objects += 1
            fp.add("tuple", where, tuple_size(len(v)), holder)
            for i, x in enumerate(v):
                self.value(x, where, "%s[%d]" % (holder, i))
        elif isinstance(v, (list, range)):  # range() is a list in 1.5.2
            fp.objects += 1
            head, items = list_size(len(v))
            fp.add("list", where, head, holder)
            fp.add("list", where, items, holder)
            for i, x in enumerate(list(v)):
                self.value(x, where, "%s[%d]" % (holder, i))
        elif isinstance(v, dict):
            self.dict(v, where, holder)
        elif callable(v) and getattr(v, "__module__", None) == "tools.emulator.telit":
            fp.objects += 1
            fp.add("builtin", where, alloc(CFUNC_SIZE), holder)
        elif isinstance(v, types.FunctionType):
            fp.objects += 1
            fp.add("function", where, alloc(FUNC_SIZE), holder)
            if v.__defaults__:
                self.value(v.__defaults__, where, holder + ".defaults")
        elif isinstance(v, types.ModuleType):
            pass  # an imported module: counted on its own (estimate() walks every module)
        else:
            fp.objects += 1
            fp.add("other", where, OTHER_SIZE, holder)

    def dict(self, d: dict[Any, Any], where: str, holder: str, skip: tuple[str, ...] = ()) -> None:
        fp = self.fp
        fp.objects += 1
        items = [(k, x) for k, x in list(d.items()) if k not in skip]
        head, table = dict_size(len(items))
        fp.add("dict", where, head, holder)
        fp.add("dict", where, table, holder)
        for k, x in items:
            name = "%s.%s" % (holder, k) if isinstance(k, str) else "%s[%r]" % (holder, k)
            self.value(k, where, name)
            self.value(x, where, name)

    def code(self, co: Any, where: str) -> None:
        """A 1.5.2 code object (tools.pyo15 Code15) and what only it holds."""
        from tools.pyo15.codeobj import Code15

        fp = self.fp
        holder = "%s:%s" % (where, co.name.decode("latin-1"))
        fp.objects += 1
        fp.add("code", where, alloc(CODE_SIZE), holder)
        self.string(co.code, where, holder + ".co_code")
        self.string(co.lnotab, where, holder + ".co_lnotab")
        self.string(co.filename, where, holder)
        self.string(co.name, where, holder)
        for tup in (co.consts, co.names, co.varnames):
            fp.add("tuple", where, tuple_size(len(tup)), holder)
        for b in co.names + co.varnames:
            self.string(b, where, holder)
        for c in co.consts:
            if isinstance(c, Code15):
                self.code(c, where)
            elif isinstance(c, bytes):
                self.string(c, where, holder + ".co_consts")
            elif isinstance(c, int) and not isinstance(c, bool) and c not in SMALL_INTS:
                fp.add("int", where, INT_SIZE, holder + ".co_consts")


def _flash_code(run: Any, filename: str) -> Any | None:
    """The 1.5.2 code object of a flash module's source (None if there is no source)."""
    lines = run.sources.get(filename)
    if lines is not None:
        source = "\n".join(lines)
    else:
        source = None
        for d in run.m.source_dirs:
            p = d / filename
            if p.is_file():
                source = p.read_bytes().decode("latin-1")
                break
        if source is None:
            return None
    return _compiled(source, filename)


def _code_index(root: Any) -> dict[tuple[bytes, int], Any]:
    return {(co.name, co.firstlineno): co for _, co in root.walk()}


def estimate(module: "Module") -> Footprint:
    """The RAM the running script holds now (see the module docstring). Call it from the
    driving thread (between ``run`` calls: the script thread is then waiting)."""
    fp = Footprint()
    run = getattr(module, "script_run", None)
    if run is None:
        return fp
    w = _Walker(fp)
    codes: dict[str, dict[tuple[bytes, int], Any]] = {}
    for name, mod in list(run.modules.items()):
        d = mod.__dict__
        spec_file = None
        for rec in run.imports:
            if rec.name == name:
                spec_file = rec.filename
        fp.add("module", name, alloc(MODULE_SIZE), name)
        if spec_file is None:  # a built-in module (MDM, SER, sys ...)
            if name == "sys":
                continue  # the interpreter's own
            w.dict({k: v for k, v in d.items() if not k.startswith("__")}, "builtin", name)
            continue
        w.dict(d, name, name, skip=("__builtins__",))
        root = _flash_code(run, spec_file)
        if root is not None:
            codes[spec_file] = _code_index(root)
            for c in root.consts:  # the functions' code; the top-level code is freed
                if hasattr(c, "walk"):
                    w.code(c, name)
    main = run.main
    # The call stack of the script thread, innermost last.
    thread = getattr(module, "script_thread", None)
    frame = sys._current_frames().get(thread.ident) if thread is not None and thread.ident else None
    stack = []
    while frame is not None:
        if frame.f_code.co_filename in run.code_files:
            stack.append(frame)
        frame = frame.f_back
    for f in reversed(stack):
        fn = f.f_code.co_filename
        index = codes.get(fn)
        if index is None:
            root = _flash_code(run, fn)
            index = codes[fn] = _code_index(root) if root is not None else {}
        name = f.f_code.co_name
        co = index.get((b"?" if name == "<module>" else name.encode("latin-1"), f.f_code.co_firstlineno))
        nlocals = co.nlocals if co is not None else f.f_code.co_nlocals
        stacksize = co.stacksize if co is not None else f.f_code.co_stacksize
        fp.frames += 1
        fp.add("frame", "frames", frame_size(nlocals, stacksize), "%s:%s" % (fn, name))
        if name == "<module>":
            if fn == main or fn.endswith(main):
                w.dict(f.f_globals, main, main, skip=("__builtins__",))
            continue
        for k, v in list(f.f_locals.items()):
            w.value(v, "frames", "%s:%s.%s" % (fn, name, k))
    return fp
