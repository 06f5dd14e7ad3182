"""Load an on-module file under Python 3 the way the module would see it.

A small stand-in for the real emulator (tools/emulator), enough for unit tests of the
pure logic modules:

* a fresh module namespace whose ``__builtins__`` holds ONLY the dialect's built-ins
  (dialect.md "Built-ins"), the exception names, ``None`` and a restricted ``__import__``;
* the module's flash built-ins ``open unlink rename flashflush`` backed by an in-memory
  :class:`Flash` that can cut the power after N bytes written (REFERENCE.md §3, §1.4);
* an ``md5`` stand-in with ``new/md5``, ``update``, ``digest``, ``copy`` and no
  ``hexdigest`` (REFERENCE.md §1.4, ES13 §5.2.34).

Usage::

    flash = Flash()
    cs = load('config_store', flash=flash)
    atc = load('atc', modules={'MOD': fake_mod})
"""
from __future__ import annotations

import builtins
import marshal
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The module's namespace is the emulator's (tools/emulator/script.py): one list of built-ins,
# exceptions and Telit modules, one md5 stand-in.
from tools.emulator.script import ALLOWED_BUILTINS, EXCEPTIONS, TELIT_MODULES  # noqa: E402
from tools.emulator.script import make_md5 as md5_module  # noqa: E402


class PowerCut(BaseException):
    """The power is gone: raised by the write that hits the cut and by every later flash
    operation until reboot().  A BaseException (as in tools/emulator/flash.py), so the
    script's own ``except IOError:`` / ``except:`` cannot "survive" a power cut."""


class Flash:
    """In-memory flat file system of the module (REFERENCE.md §3).

    ``cut_after(n)`` arms a power cut: the next n bytes written reach the flash, the
    byte after them does not, and from then on every flash operation raises
    :class:`PowerCut` until :meth:`reboot` (the same model as tools/emulator/flash.py
    ``arm_power_cut``). Each written byte is durable at once (the
    worst case for the caller: whatever was written before the cut stays).
    """

    NAME_MAX = 16
    OPEN_MAX = 16

    def __init__(self, files: dict[str, str] | None = None) -> None:
        self.files: dict[str, str] = dict(files or {})
        self.budget: int | None = None
        self.dead = False
        self.written = 0          # bytes written since creation (all files)
        self.open_count = 0
        self.flushes = 0

    # -- test controls -------------------------------------------------------------
    def cut_after(self, n: int) -> None:
        self.budget = n

    def reboot(self) -> None:
        self.budget = None
        self.dead = False
        self.open_count = 0

    # -- the module's built-ins ------------------------------------------------------
    def _alive(self) -> None:
        if self.dead:
            raise PowerCut("power is off")

    def _name(self, name: object) -> str:
        if type(name) is not str or not name or len(name) > self.NAME_MAX or "/" in name:
            raise IOError("bad file name %r" % (name,))
        return name

    def open(self, name, mode="r"):
        self._alive()
        name = self._name(name)
        if mode not in ("r", "rb", "w", "wb", "a", "ab"):
            raise IOError("unsupported mode %r" % (mode,))
        if self.open_count >= self.OPEN_MAX:
            raise IOError("too many open files")
        if mode[0] == "r":
            if name not in self.files:
                raise IOError("No such file: %s" % name)
            handle = _Reader(self, self.files[name])
        else:
            if mode[0] == "w":
                self.files[name] = ""          # open(name, 'w') rewrites (no truncate())
            else:
                self.files.setdefault(name, "")
            handle = _Writer(self, name)
        self.open_count += 1
        return handle

    def unlink(self, name):
        self._alive()
        name = self._name(name)
        if name not in self.files:
            raise IOError("No such file: %s" % name)
        del self.files[name]

    def rename(self, old, new):
        self._alive()
        old = self._name(old)
        new = self._name(new)
        if old not in self.files:
            raise IOError("No such file: %s" % old)
        self.files[new] = self.files.pop(old)   # silently overwrites (REFERENCE §1.4)

    def flashflush(self):
        self._alive()
        self.flushes += 1

    def _write(self, name: str, data: str) -> None:
        self._alive()
        if type(data) is not str:
            raise TypeError("flash data must be str")
        if self.budget is not None and len(data) > self.budget:
            self.files[name] = self.files.get(name, "") + data[: self.budget]
            self.written += self.budget
            self.budget = 0
            self.dead = True
            raise PowerCut("power cut while writing %s" % name)
        self.files[name] = self.files.get(name, "") + data
        self.written += len(data)
        if self.budget is not None:
            self.budget -= len(data)


class _Reader:
    def __init__(self, flash: Flash, data: str) -> None:
        self._flash = flash
        self._data = data
        self._pos = 0
        self._open = True

    def read(self, n=-1):
        self._flash._alive()
        if not self._open:
            raise ValueError("I/O operation on closed file")
        if n is None or n < 0:
            n = len(self._data) - self._pos
        out = self._data[self._pos : self._pos + n]
        self._pos += len(out)
        return out

    def readline(self):
        self._flash._alive()
        i = self._data.find("\n", self._pos)
        end = len(self._data) if i < 0 else i + 1
        out = self._data[self._pos : end]
        self._pos = end
        return out

    def close(self):
        if self._open:
            self._open = False
            self._flash.open_count -= 1


class _Writer:
    def __init__(self, flash: Flash, name: str) -> None:
        self._flash = flash
        self._name = name
        self._open = True

    def write(self, data):
        if not self._open:
            raise ValueError("I/O operation on closed file")
        self._flash._write(self._name, data)

    def flush(self):
        self._flash._alive()

    def close(self):
        if self._open:
            self._open = False
            self._flash.open_count -= 1


def _int(x):
    # int() takes one argument in the dialect (no base).
    return int(x)


class Loader:
    """One 'boot' of the module: shared flash, fake Telit modules, loaded files."""

    def __init__(self, flash: Flash | None = None, modules: dict | None = None,
                 root: Path = ROOT) -> None:
        self.flash = flash if flash is not None else Flash()
        self.modules = dict(modules or {})
        self.root = root
        self.loaded: dict[str, types.ModuleType] = {}
        self.trace: list[str] = []
        self._md5 = md5_module()

    def builtins(self) -> dict:
        b = {name: getattr(builtins, name) for name in ALLOWED_BUILTINS}
        b["int"] = _int
        for name in EXCEPTIONS:
            b[name] = getattr(builtins, name)
        b["None"] = None
        b["__import__"] = self._import
        b["__build_class__"] = builtins.__build_class__   # `class` statements in Python 3
        b["print"] = self._print
        b["open"] = self.flash.open
        b["unlink"] = self.flash.unlink
        b["rename"] = self.flash.rename
        b["flashflush"] = self.flash.flashflush
        return b

    def _print(self, x):
        self.trace.append(x if type(x) is str else repr(x))

    def _import(self, name, globals=None, locals=None, fromlist=(), level=0):
        if level != 0 or "." in name:
            raise ImportError("no packages on the module: %s" % name)
        if name == "md5":
            return self._md5
        if name == "sys":
            return sys
        if name == "marshal":
            return marshal
        if name in TELIT_MODULES:
            if name not in self.modules:
                raise ImportError("test did not provide %s" % name)
            return self.modules[name]
        return self.load(name)

    def load(self, name: str) -> types.ModuleType:
        if name in self.loaded:
            return self.loaded[name]
        path = self.root / (name + ".py")
        if not path.is_file():
            raise ImportError("No module named %s (not an on-module file)" % name)
        mod = types.ModuleType(name)
        mod.__file__ = str(path)
        mod.__dict__["__builtins__"] = self.builtins()
        self.loaded[name] = mod
        try:
            code = compile(path.read_text(encoding="latin-1"), str(path), "exec")
            exec(code, mod.__dict__)
        except BaseException:
            del self.loaded[name]
            raise
        return mod


def load(name: str, flash: Flash | None = None, modules: dict | None = None):
    """Load on-module file NAME.py (and what it imports) in a fresh restricted namespace."""
    return Loader(flash=flash, modules=modules).load(name)
