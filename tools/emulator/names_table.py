"""The module's names table: what CPython 1.5.2+ interns, its limit and its baseline.

The one place that names the limit and the baseline, with their sources; ``tools/bench_names.py``
counts with it and the emulator's script runner (``tools/emulator/script.py``) enforces it.

Why a table at all (ES13 §7.1, p. 113: "at each startup the Python task loads a list of:
variable names, module names, methods names, strings ... around 500"; REFERENCE §3):
1.5.2 keeps every *interned* string in one global dict that never shrinks
(``Objects/stringobject.c`` ``PyString_InternInPlace``). Interned are:

* every name in ``co_names`` and ``co_varnames`` of every code object, and every string
  constant made only of letters, digits and ``_`` (``Python/compile.c`` ``PyCode_New``,
  "Intern selected string constants"; the empty string too). That runs when a ``.pyo`` is
  loaded (``marshal.c`` builds code objects with ``PyCode_New``) as when a ``.py`` compiles;
* the file name and ``co_name`` of code compiled from source (``compile.c`` ``jcompile``,
  ``PyString_InternFromString``): on the module only the main script (``gateway.py`` and
  its module code's ``'?'``), every other file is a ``.pyo``;
* every key set with ``PyDict_SetItemString`` (``Objects/dictobject.c``): the functions a C
  module registers (``Py_InitModule``), module names in ``sys.modules``, ``__file__``.

A string with a space, a dot or ending in ``\\r`` is not interned (Telit's own exception).

**Limit: 682** entries. A 1.5.2 dict grows when ``fill*3 >= size*2`` (``dictobject.c``
``PyDict_SetItem``): 1 024 slots (12 KB) hold 682 names; the next size, 2 048 slots, is 24 KB,
past the module's 16 KB per variable (REFERENCE §3). ES13 §7.1's table gives "worst
condition 682". The interpreter then fails the allocation: ``MemoryError``.

**Baseline:** what is in the table before the gateway's first name:

* ``INTERPRETER``: the 158 strings the real 1.5.2+ (``../shared/cpython152``, ``-S -X``)
  interns of its own (``__builtin__``'s functions and exceptions, ``sys``, the ``signal``
  module's constants ...), found one by one on the ``--count-interned`` build (``sys.interned()``
  unchanged by ``intern(s)``); it includes ``interned``, the count build's own function;
* the main script compiled from source: ``'?'`` and its file name (``gateway.py``), so that
  ``python -S -X -c 'import sys; print sys.interned()'`` reads **160** (with ``<string>``);
* ``__file__``, which the first module loaded from a file adds (``import.c``);
* ``BUILTIN_MODULES``: every module name and function name the C built-ins register: Telit's
  modules with their documented functions (ES13 §3.2-3.9; REFERENCE §2), ``md5``, ``marshal``,
  ``imp`` as the 1.5.2+ source registers them (ES13 §5.2.29, §5.2.30, §5.2.34 list the
  documented subset), and Telit's extra built-ins ``unlink rename flashflush`` (ES13 §6.1).
  All are counted whether or not a script imports them (the module may register them at
  start; ES13 §7.1 counts "modules names, methods names"): the conservative reading.
  ``IIC.new``/``SPI.new`` return objects whose methods (``init``, ``readwrite`` ...) are
  looked up in C tables (``Py_FindMethod``), never interned.
"""
from __future__ import annotations

import hashlib
import re
import types
from typing import Iterable

LIMIT = 682  # ES13 §7.1 table ("worst condition 682"); dictobject.c: 1 024 slots hold 682
GATEWAY_TARGET = 420  # the gateway's own names at the worst moment of any boot: ~60 kept free

# The real 1.5.2+'s own interned strings (-S -X, before any script code), measured on
# ../shared/cpython152 built with --count-interned (tools/py152.py); 'interned' is that
# build's sys.interned itself (one more than on the module: the conservative side).
INTERPRETER: frozenset[str] = frozenset("""
ArithmeticError AssertionError AttributeError EOFError Ellipsis EnvironmentError Exception
FloatingPointError IOError ImportError IndexError KeyError KeyboardInterrupt LookupError
MemoryError NSIG NameError None NotImplementedError OSError OverflowError RuntimeError
SIGABRT SIGALRM SIGBUS SIGCHLD SIGCLD SIGCONT SIGFPE SIGHUP SIGILL SIGINT SIGIO SIGIOT SIGKILL
SIGPIPE SIGPOLL SIGPROF SIGPWR SIGQUIT SIGSEGV SIGSTOP SIGSYS SIGTERM SIGTRAP SIGTSTP SIGTTIN
SIGTTOU SIGURG SIGUSR1 SIGUSR2 SIGVTALRM SIGWINCH SIGXCPU SIGXFSZ SIG_DFL SIG_IGN StandardError
SyntaxError SystemError SystemExit TypeError UnboundLocalError UnicodeError ValueError
ZeroDivisionError __builtin__ __builtins__ __debug__ __doc__ __import__ __main__ __name__
__path__ __stderr__ __stdin__ __stdout__ abs alarm apply argv buffer builtin_module_names
callable chr cmp coerce compile complex copyright default_int_handler delattr dir divmod eval
exc_info exec_prefix execfile executable exit filter float getattr getrefcount getsignal
globals hasattr hash hex hexversion id input int intern interned isinstance issubclass len
list locals long map max maxint min modules oct open ord path pause platform pow prefix range
raw_input reduce reload repr round setattr setcheckinterval setprofile settrace signal slice
stderr stdin stdout str sys tuple type unichr unicode vars version xrange
""".split())

# What compiling the main script from source adds (compile.c jcompile): its module code's
# co_name and its file name.
MAIN_SCRIPT_EXTRA = ("?",)
# What the first module loaded from a file adds (import.c PyImport_ExecCodeModuleEx sets
# __file__ with PyDict_SetItemString): in every boot, so counted with the baseline.
IMPORT_EXTRA = ("__file__",)

_SER = ("send receive read sendbyte receivebyte readbyte set_speed").split()
_MDM = ("send receive read sendbyte receivebyte readbyte getDCD getCTS getDSR getRI setRTS "
        "setDTR").split()

# module -> the names its C code registers (module name first).
BUILTIN_MODULES: dict[str, tuple[str, ...]] = {
    "MDM": tuple(_MDM),  # ES13 §3.2
    "MDM2": tuple(_MDM),  # ES13 §3.3
    "SER": tuple(_SER + "setDCD setCTS setDSR setRI getRTS getDTR".split()),  # ES13 §3.4
    "SER2": tuple(_SER),  # ES13 §3.5
    "GPIO": tuple("setIOvalue getIOvalue setIOdir getIOdir getADC setDAC setVAUX getAXE "
                  "setSLED getCBC".split()),  # ES13 §3.6
    "MOD": tuple("secCounter sleep watchdogEnable watchdogReset watchdogDisable powerSaving "
                 "powerSavingExitCause encBase64".split()),  # ES13 §3.7
    "IIC": ("new",),  # ES13 §3.8 (the object's methods are not interned)
    "SPI": ("new",),  # ES13 §3.9
    # 1.5.2+ Modules/md5module.c, marshal.c, Python/import.c (ES13 §5.2.34, §5.2.29, §5.2.30)
    "md5": ("new", "md5", "MD5Type"),
    "marshal": ("dump", "dumps", "load", "loads"),
    "imp": tuple("C_BUILTIN C_EXTENSION PKG_DIRECTORY PY_CODERESOURCE PY_COMPILED PY_FROZEN "
                 "PY_RESOURCE PY_SOURCE SEARCH_ERROR find_module get_frozen_object get_magic "
                 "get_suffixes init_builtin init_frozen is_builtin is_frozen load_compiled "
                 "load_dynamic load_module load_package load_source new_module".split()),
}
TELIT_BUILTINS = ("unlink", "rename", "flashflush")  # ES13 §6.1: extra __builtin__ functions
STANDIN_MODULES = ("MDM", "MDM2", "SER", "SER2", "GPIO", "MOD", "IIC", "SPI")  # Telit's own


def builtin_names() -> set[str]:
    """Every name the C built-ins add to the table (module names and their functions)."""
    out: set[str] = set(TELIT_BUILTINS)
    for mod, names in BUILTIN_MODULES.items():
        out.add(mod)
        out.update(names)
    return out - INTERPRETER


def baseline(main_script: str = "gateway.py") -> set[str]:
    """The table before the first name of the script's own code."""
    return set(INTERPRETER) | set(MAIN_SCRIPT_EXTRA) | {main_script} | set(IMPORT_EXTRA) | builtin_names()


_NAME_CHARS = re.compile(r"[0-9A-Za-z_]*\Z")


def interned_by_code(code: object, from_source: bool = False) -> set[str]:
    """The strings 1.5.2 interns for a code object and every nested one: names, varnames,
    constants made only of letters, digits and ``_`` (compile.c PyCode_New); with
    ``from_source`` also each code's file name and co_name (compile.c jcompile). ``code`` is
    a ``tools.pyo15`` ``Code15`` (exact) or a Python 3 code object (approximate: see
    ``interned_by_source``)."""
    out: set[str] = set()
    todo = [code]
    while todo:
        co = todo.pop()
        if isinstance(co, types.CodeType):
            names: Iterable[object] = co.co_names + co.co_varnames
            consts: Iterable[object] = co.co_consts
            fname, cname = co.co_filename, co.co_name
        else:
            names = co.names + co.varnames  # type: ignore[attr-defined]
            consts = co.consts  # type: ignore[attr-defined]
            fname, cname = co.filename, co.name  # type: ignore[attr-defined]
        for n in names:
            out.add(n.decode("latin-1") if isinstance(n, bytes) else str(n))
        for c in consts:
            if isinstance(c, (bytes, str)):
                s = c.decode("latin-1") if isinstance(c, bytes) else c
                if _NAME_CHARS.match(s):
                    out.add(s)
            elif isinstance(c, tuple):
                todo.extend(c)
            elif not isinstance(c, (int, float, complex, type(None), type(...))):
                todo.append(c)
        if from_source:
            for s in (fname, cname):
                out.add(s.decode("latin-1") if isinstance(s, bytes) else s)
    return out


_cache: dict[tuple[str, bool], frozenset[str]] = {}


def interned_by_source(source: str | bytes, filename: str, from_source: bool = False) -> frozenset[str]:
    """What loading this file interns: its code compiled by our 1.5.2 compiler
    (``tools/pyo15``, byte-identical to 1.5.2's, so exactly 1.5.2's names and constants).
    Cached by content. A file our compiler refuses is counted from Python 3's code object
    (nearly the same names; ``print`` and class helpers are extra)."""
    raw = source.encode("latin-1") if isinstance(source, str) else source
    key = (hashlib.md5(raw + filename.encode("latin-1", "replace")).hexdigest(), from_source)
    hit = _cache.get(key)
    if hit is not None:
        return hit
    try:
        from tools.pyo15.compiler import compile_source

        code: object = compile_source(raw, filename)
    except Exception:  # noqa: BLE001 - not in the dialect: the Python 3 approximation
        code = compile(raw.decode("latin-1").replace("\r\n", "\n"), filename, "exec", dont_inherit=True)
    got = frozenset(interned_by_code(code, from_source))
    _cache[key] = got
    return got


class NamesTable:
    """The interned-strings table of one run of the script, as 1.5.2 keeps it: it starts at
    the baseline and only grows; ``add`` raises ``MemoryError`` (the module's) when it would
    pass ``limit``."""

    def __init__(self, main_script: str = "gateway.py", limit: int = LIMIT) -> None:
        self.limit = limit
        self.names: set[str] = baseline(main_script)
        self.base = len(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def own(self) -> int:
        """Names the script added beyond the baseline."""
        return len(self.names) - self.base

    def add(self, names: Iterable[str], what: str = "") -> int:
        """Intern ``names``; -> how many were new. MemoryError past the limit (nothing is
        added then: the import fails as a whole)."""
        new = set(names) - self.names
        if len(self.names) + len(new) > self.limit:
            raise MemoryError(
                "names table full: %s needs %d more interned names, %d of %d in use (ES13 7.1)"
                % (what or "the script", len(new), len(self.names), self.limit))
        self.names |= new
        return len(new)
