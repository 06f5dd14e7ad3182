"""Running the on-module script like the module does (REFERENCE §1, §4.3, ES13 §5).

The main script and every module it imports come from the emulated flash. They run under
Python 3 with a namespace shaped like Telit's: only the built-ins that ``dialect.md`` allows,
plus the flash built-ins ``open unlink rename flashflush``; ``import`` finds the Telit modules
(MDM MDM2 SER SER2 MOD GPIO), ``sys``, ``md5``, ``marshal`` and flash files, and nothing else
(``import os`` raises ImportError, as on the module).

An uncaught exception ends the script; its traceback goes to the trace port (the ``print``
output, ASC1). Only a reboot or ``AT#EXECSCR`` runs it again.

A ``.pyo`` on the flash cannot run under Python 3; the emulator runs the ``.py`` source with
the same stem from ``module.source_dirs`` (normally the repository root) instead.
"""
from __future__ import annotations

import builtins
import hashlib
import marshal
import sys
import threading
import traceback
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import telit

if TYPE_CHECKING:  # pragma: no cover
    from .module import Module

ALLOWED_BUILTINS = (
    "abs callable chr divmod getattr hasattr hash id int isinstance len list max min ord range "
    "repr setattr str tuple type"
).split()

EXCEPTIONS = (
    "Exception ArithmeticError AssertionError AttributeError EOFError EnvironmentError "
    "ImportError IndexError IOError KeyError KeyboardInterrupt LookupError MemoryError "
    "NameError OSError OverflowError RuntimeError SyntaxError SystemExit TypeError ValueError "
    "ZeroDivisionError"
).split()

TELIT_MODULES = ("MDM", "MDM2", "SER", "SER2", "MOD", "GPIO")


class Md5:
    """The module's md5 object (ES13 §5.2.34): update, digest, copy; no hexdigest."""

    def __init__(self, data: str = "") -> None:
        self._h = hashlib.md5()
        if data:
            self.update(data)

    def update(self, data: str) -> None:
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


class TraceWriter:
    def __init__(self, module: "Module") -> None:
        self.m = module
        self.buf = ""

    def write(self, s: str) -> None:
        self.buf += str(s)
        while "\n" in self.buf:
            line, self.buf = self.buf.split("\n", 1)
            self.m.trace(line)


class ScriptRun:
    """One run of the script: its modules, its built-ins, its thread."""

    def __init__(self, module: "Module", main: str, generation: int) -> None:
        self.m = module
        self.main = main
        self.gen = generation
        self.api = telit.Api(module, generation)
        self.modules: dict[str, types.ModuleType] = {}
        self.code_files: set[str] = set()
        self.stdout = TraceWriter(module)
        self.builtins = self._make_builtins()
        self.cpu_us = 0

    # ------------------------------------------------------------- namespace
    def _make_builtins(self) -> dict[str, Any]:
        b: dict[str, Any] = {name: getattr(builtins, name) for name in ALLOWED_BUILTINS}
        for name in EXCEPTIONS:
            b[name] = getattr(builtins, name)
        flash = self.m.flash
        b["open"] = flash.builtin_open
        b["unlink"] = flash.builtin_unlink
        b["rename"] = flash.builtin_rename
        b["flashflush"] = flash.builtin_flashflush
        b["__import__"] = self._import
        b["__build_class__"] = builtins.__build_class__
        b["__name__"] = "__builtin__"
        b["print"] = self._print
        return b

    def _print(self, *args: Any, **kw: Any) -> None:
        # The dialect allows exactly print(one_expression): same output in 1.5.2 and 3.
        if len(args) != 1 or kw:
            raise TypeError("print takes exactly one argument in the dialect")
        self.stdout.write(str(args[0]) + "\n")

    def _sys(self) -> types.ModuleType:
        s = types.ModuleType("sys")
        s.exc_info = sys.exc_info  # type: ignore[attr-defined]
        s.exit = sys.exit  # type: ignore[attr-defined]
        s.maxint = 2147483647  # type: ignore[attr-defined]
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
            return self._sys()
        if name == "md5":
            return make_md5()
        if name == "marshal":
            m = types.ModuleType("marshal")
            for fn in ("dumps", "loads", "dump", "load"):
                setattr(m, fn, getattr(marshal, fn))
            return m
        return None

    def _import(self, name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> types.ModuleType:
        self.m.kernel.check_alive(self.gen)
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
            mod = types.ModuleType(name)
            self.modules[name] = mod
            try:
                self._exec(source[0], source[1], mod.__dict__)
            except BaseException:
                del self.modules[name]
                raise
            return mod
        self.modules[name] = mod
        return mod

    def _find_source(self, stem: str) -> tuple[str, str] | None:
        """(filename, source) of an importable flash module ``stem``."""
        flash = self.m.flash
        if flash.exists(stem + ".py"):
            return stem + ".py", flash.read(stem + ".py").decode("latin-1")
        if flash.exists(stem + ".pyo"):
            return self._source_of_pyo(stem + ".pyo")
        return None

    def _source_of_pyo(self, name: str) -> tuple[str, str] | None:
        stem = name[:-4]
        for d in self.m.source_dirs:
            p = Path(d) / (stem + ".py")
            if p.is_file():
                return stem + ".py", p.read_bytes().decode("latin-1")
        return None

    def _exec(self, filename: str, source: str, ns: dict[str, Any]) -> None:
        # Text scripts use CR LF line endings on the module (ATR10 #WSCRIPT).
        source = source.replace("\r\n", "\n").replace("\r", "\n")
        code = compile(source, filename, "exec", dont_inherit=True)
        self.code_files.add(filename)
        ns["__builtins__"] = self.builtins
        ns.setdefault("__name__", filename[:-3] if filename.endswith(".py") else filename)
        exec(code, ns)

    # ---------------------------------------------------------------- tracing
    def _tracer(self, frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename in self.code_files:
            return self._line_tracer
        return None

    def _line_tracer(self, frame: Any, event: str, arg: Any) -> Any:
        k = self.m.kernel
        if k.generation != self.gen:
            k.freeze()
        if event == "line":
            self.cpu_us += self.m.line_cost_us
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
            if k.generation != self.gen:
                k.freeze()
            found = self._main_source()
            if found is None:
                state, err = "crashed", "script not found: %s" % self.main
                self.m.trace(err)
            else:
                sys.settrace(self._tracer)
                try:
                    ns: dict[str, Any] = {"__name__": "__main__"}
                    self._exec(found[0], found[1], ns)
                finally:
                    sys.settrace(None)
        except SystemExit:
            state = "ended"
        except BaseException:  # the script's uncaught exception ends it (ES13 §5.2.27)
            if k.generation != self.gen:
                k.freeze()
            et, ev, tb = sys.exc_info()
            state = "crashed"
            err = self._format_tb(et, ev, tb)
            self.m.trace(err)
        finally:
            with k.lock:
                if k.generation == self.gen:
                    self.m.script_state = state
                    self.m.script_error = err
            k.script_finished()

    def _main_source(self) -> tuple[str, str] | None:
        name = self.main
        if name.endswith(".pyo"):
            return self._source_of_pyo(name) if self.m.flash.exists(name) else None
        if self.m.flash.exists(name):
            return name, self.m.flash.read(name).decode("latin-1")
        return None

    def _format_tb(self, et: Any, ev: Any, tb: Any) -> str:
        # 1.5.2's format: "Traceback (innermost last):", frames of script files only.
        lines = ["Traceback (innermost last):"]
        for fs in traceback.extract_tb(tb):
            if fs.filename in self.code_files:
                name = "?" if fs.name == "<module>" else fs.name
                lines.append('  File "%s", line %d, in %s' % (fs.filename, fs.lineno, name))
        msg = str(ev)
        lines.append("%s: %s" % (et.__name__, msg) if msg else et.__name__)
        return "\n".join(lines)


def start_script_thread(module: "Module", main: str, generation: int) -> threading.Thread:
    run = ScriptRun(module, main, generation)
    t = threading.Thread(target=run.run, name="script-%d" % generation, daemon=True)
    module.kernel.attach_script(t)
    module.script_run = run  # type: ignore[attr-defined]
    t.start()
    return t
