"""Running the script under another interpreter, in a child process (issue 4, item 10).

``use_interpreter(module, "/opt/python152/bin/python")`` makes every later script start run
``<interpreter> stubs/_boot.py 127.0.0.1 <port> <main>`` instead of the in-process runner. In
the child, thin stand-ins for MDM, MDM2, SER, SER2, MOD and GPIO (``tools/emulator/stubs/``,
written in the dialect with only what stock CPython 1.5.2 has) forward each call over a
loopback TCP connection; here a script thread executes it through the same ``telit.py``
functions an in-process script uses, so virtual time, buffers, pacing, the watchdog and the
rest all still hold. The flash is served the same way (``open``, ``unlink``, ``rename``,
``flashflush``, imports of flash modules). ``print`` output and the child's stderr (its
traceback when the script dies) go to the trace port. In-process stays the default.

Wire format: see ``stubs/_emu.py`` (a 12-byte header per value: type letter + 11 digits).

Differences from the in-process runner (documented in docs/emulator-cli.md):

* module CPU time: each call costs ``module.call_cost_ms``; between calls, the child's own
  computing time is charged 1:1 in steps of ``idle_ms`` of wall time (there is no line
  tracing in another process). So a run is deterministic only as far as the script calls the
  built-ins faster than ``idle_ms``.
* the built-ins are the child interpreter's own (the point: a real 1.5.2 shows its real
  behaviour); only imports are restricted to the module's (flash, Telit modules, sys,
  marshal, imp, md5).
* a ``.pyo`` on the flash runs as it is when the child's magic number is 1.5.2's (the real
  1.5.2+ of ``tools/py152.py``, run with ``-X`` by the CLI's ``--real``); any other
  interpreter gets the ``.py`` source from ``module.pyo_sources`` (by content) or
  ``module.source_dirs`` (by stem). ``imp.load_module`` in the child is a stand-in over the
  flash (``stubs/_boot.py``), so an update's ``ua00.pyo`` loads under its module name.
"""
from __future__ import annotations

import hashlib
import select
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import names_table, telit
from .flash import FlashFile, PowerCut
from .scriptcmds_io import PYO_MAGIC
from .script import TraceWriter

if TYPE_CHECKING:  # pragma: no cover
    from .module import Module

STUBS = Path(__file__).resolve().parent / "stubs"
HEADER = 12
ACCEPT_TIMEOUT = 30.0  # s of wall time for the child to start and connect


# ------------------------------------------------------------------ wire format
def encode(v: Any) -> bytes:
    if isinstance(v, bool):
        v = int(v)
    if isinstance(v, int):
        return b"i%011d" % v
    if isinstance(v, str):
        v = v.encode("latin-1")
    if isinstance(v, (bytes, bytearray)):
        return b"s%011d" % len(v) + bytes(v)
    if v is None:
        return b"n%011d" % 0
    if isinstance(v, (list, tuple)):
        return b"l%011d" % len(v) + b"".join(encode(x) for x in v)
    raise TypeError("cannot send %s to the child" % type(v).__name__)


def encode_error(exc: BaseException) -> bytes:
    """``Name:errno:message`` (stubs/_emu.py); an IOError with an errno reaches the script
    as (errno, text), as the module's flash errors do (1.5.2 PyErr_SetFromErrno)."""
    name = "IOError" if isinstance(exc, OSError) else type(exc).__name__
    errno = getattr(exc, "errno", None) if isinstance(exc, OSError) else None
    if isinstance(errno, int):
        msg = exc.strerror if isinstance(getattr(exc, "strerror", None), str) else exc.args[-1]
        text = ("%s:%d:%s" % (name, errno, msg)).encode("latin-1", "replace")
    else:
        msg = exc.args[-1] if exc.args else ""
        text = ("%s::%s" % (name, msg)).encode("latin-1", "replace")
    return b"e%011d" % len(text) + text


class Reader:
    """Decodes values from a socket (blocking reads)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def exact(self, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise EOFError
            out += chunk
        return bytes(out)

    def value(self) -> Any:
        h = self.exact(HEADER)
        kind, n = h[:1], int(h[1:])
        if kind == b"i":
            return n
        if kind == b"s":
            return self.exact(n).decode("latin-1")
        if kind == b"n":
            return None
        if kind == b"l":
            return [self.value() for _ in range(n)]
        raise ValueError("bad value from the child: %r" % h)


# ------------------------------------------------------------------------ runner
class RemoteRunner:
    """Extension (``module.remote``): starts scripts in a child interpreter."""

    def __init__(self, module: "Module", interpreter: str, idle_ms: int = 200,
                 extra_args: list[str] | None = None) -> None:
        self.m = module
        self.interpreter = interpreter
        self.idle_ms = idle_ms
        self.extra_args = list(extra_args or [])
        self.runs: list[RemoteScript] = []
        module.remote = self  # type: ignore[attr-defined]
        module.extensions.append(self)
        module.script_starter = self.start

    def start(self, module: "Module", main: str, generation: int) -> threading.Thread:
        run = RemoteScript(self, main, generation)
        self.runs = [r for r in self.runs if r.alive()] + [run]
        t = threading.Thread(target=run.run, name="remote-script-%d" % generation, daemon=True)
        module.kernel.attach_script(t)
        module.script_run = run  # type: ignore[attr-defined]
        t.start()
        return t

    # extension protocol
    def on_boot(self) -> None:
        for run in self.runs:
            run.kill()  # a reboot ends the old script's process

    def links(self) -> list[Any]:
        return []

    def close(self) -> None:
        for run in self.runs:
            run.kill()


def use_interpreter(module: "Module", interpreter: str, **kw: Any) -> RemoteRunner:
    """Run the module's scripts under ``interpreter`` (a path) from now on."""
    return RemoteRunner(module, interpreter, **kw)


class RemoteScript:
    """One script run in a child process (one generation)."""

    def __init__(self, runner: RemoteRunner, main: str, generation: int) -> None:
        self.runner = runner
        self.m = runner.m
        self.k = runner.m.kernel
        self.main = main
        self.gen = generation
        self.api = telit.Api(self.m, generation)
        self.stdout = TraceWriter(self.m)
        self.mods: dict[str, Any] = {}
        self.files: dict[int, FlashFile] = {}
        self._next_handle = 1
        self.code_files: set[str] = set()
        self.flash_modules: set[str] = set()
        self.proc: subprocess.Popen[bytes] | None = None
        self.child_version = ""
        self.child_magic = b""
        self.calls = 0
        self.stderr_lines: list[str] = []
        self._tmp: str | None = None
        self._readers: list[threading.Thread] = []
        # The names table, kept here as in the in-process runner (names_table.py): a file
        # the child asks for ('main', 'load') that would take it past the limit is
        # answered with MemoryError, which the child raises at that import.  Under a
        # count build (sys.interned()) the child reports its real table after each
        # import: (module, size) in interned_sizes.
        limit = self.m.names_limit
        self.names = names_table.NamesTable(main, 10 ** 9 if limit is None else limit)
        self.interned_sizes: list[tuple[str, int]] = []

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        p = self.proc
        if p is not None and p.poll() is None:
            p.kill()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover
                pass

    # ------------------------------------------------------------------- run
    def run(self) -> None:
        k = self.k
        k.script_started()
        state, err = "ended", None
        try:
            k.check_alive(self.gen)
            state, err = self._serve()
        except BaseException as e:  # noqa: BLE001 - the run must end with a state
            self.kill()
            if k.generation != self.gen:
                k.freeze()
            state, err = "crashed", "emulator side: %s: %s" % (type(e).__name__, e)
            with k.lock:
                self.m.trace(err)
        finally:
            self.kill()
            for t in self._readers:
                t.join(timeout=2)
            if self._tmp is not None:
                shutil.rmtree(self._tmp, ignore_errors=True)
            with k.lock:
                if k.generation == self.gen:
                    self.m.script_state = state
                    self.m.script_error = err
            k.script_finished()

    def _spawn(self, port: int) -> None:
        self._tmp = tempfile.mkdtemp(prefix="gc864-child-")
        for f in STUBS.glob("*.py"):
            shutil.copy(f, self._tmp)
        cmd = [self.runner.interpreter, *self.runner.extra_args, str(Path(self._tmp) / "_boot.py"),
               "127.0.0.1", str(port), self.main]
        self.proc = subprocess.Popen(cmd, cwd=self._tmp, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for stream, keep in ((self.proc.stdout, False), (self.proc.stderr, True)):
            t = threading.Thread(target=self._forward, args=(stream, keep), daemon=True)
            t.start()
            self._readers.append(t)

    def _forward(self, stream: Any, keep: bool) -> None:
        """Child output (its stderr: tracebacks) to the trace port, line by line."""
        for raw in iter(stream.readline, b""):
            line = raw.decode("latin-1").rstrip("\r\n")
            if keep:
                self.stderr_lines.append(line)
            with self.k.lock:
                if self.k.generation == self.gen:
                    self.m.trace(line)
        stream.close()

    def _serve(self) -> tuple[str, str | None]:
        lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lst.bind(("127.0.0.1", 0))
        lst.listen(1)
        self._spawn(lst.getsockname()[1])
        conn = self._accept(lst)
        lst.close()
        if conn is None:
            return "crashed", "the child interpreter did not connect"
        reader = Reader(conn)
        idle_s = self.runner.idle_ms / 1000.0
        try:
            while True:
                ready, _, _ = select.select([conn], [], [], idle_s)
                if not ready:
                    # The child computes without calling: charge that as module CPU time.
                    self.k.spend(self.runner.idle_ms, self.gen)
                    continue
                try:
                    name = reader.value()
                    args = reader.value()
                except (EOFError, ConnectionError):
                    break
                conn.sendall(self._dispatch(name, args))
        finally:
            conn.close()
        assert self.proc is not None
        code = self.proc.wait()
        for t in self._readers:
            t.join(timeout=2)
        if code == 0:
            return "ended", None
        tail = [ln for ln in self.stderr_lines if ln.strip()]
        return "crashed", "\n".join(tail) or "child exited with status %d" % code

    def _accept(self, lst: socket.socket) -> socket.socket | None:
        import time

        lst.settimeout(0.1)
        end = time.monotonic() + ACCEPT_TIMEOUT
        while time.monotonic() < end:
            try:
                conn, _ = lst.accept()
                conn.settimeout(None)
                return conn
            except socket.timeout:
                if self.proc is not None and self.proc.poll() is not None:
                    return None
        return None

    # -------------------------------------------------------------- dispatch
    def _dispatch(self, name: str, args: list[Any]) -> bytes:
        self.calls += 1
        try:
            result = self._call(name, args)
        except PowerCut:
            self.kill()
            self.k.freeze()
            raise  # pragma: no cover - freeze never returns
        except Exception as e:  # noqa: BLE001 - an error answer for the child
            self.k.check_alive(self.gen)
            return encode_error(e)
        self.k.check_alive(self.gen)
        return encode(result)

    def _telit(self, modname: str) -> Any:
        mod = self.mods.get(modname)
        if mod is None:
            api = self.api
            if modname in ("MDM", "MDM2"):
                mod = telit.make_mdm(api, 1 if modname == "MDM" else 2, modname)
            elif modname == "SER":
                mod = telit.make_ser(api)
            elif modname == "SER2":
                mod = telit.make_ser2(api)
            elif modname == "MOD":
                mod = telit.make_mod(api)
            elif modname == "GPIO":
                mod = telit.make_gpio(api)
            else:
                raise ImportError("No module named %s" % modname)
            self.mods[modname] = mod
        return mod

    def _call(self, name: str, args: list[Any]) -> Any:
        k, m = self.k, self.m
        modname, _, fn = name.partition(".")
        if modname in ("MDM", "MDM2", "SER", "SER2", "MOD", "GPIO"):
            return getattr(self._telit(modname), fn)(*args)
        self.api.enter()
        with k.lock:
            if name == "hello":
                self.child_version = str(args[0])
                self.child_magic = str(args[1]).encode("latin-1")
                return None
            if name == "import":
                if args[0] == "SER":
                    m.ser_owned_by_script = True  # ES13 §4.2: importing SER takes ASC0
                self._telit(args[0])
                return None
            if name == "trace":
                self.stdout.write(args[0])
                return None
            if name == "main":
                return self._interned(self._load_file(args[0]), None)
            if name == "load":
                return self._interned(self._load_module(args[0]), args[0])
            if name == "count":  # imp.load_module(name, file, filename, ...) of a flash file
                self._interned(self._load_file(args[1]), args[0])
                return None
            if name == "interned":
                self.interned_sizes.append((str(args[0]), int(args[1])))
                return None
            if name == "exists":
                return int(m.flash.exists(args[0]))
            if name == "pyosrc":  # imp.load_module of a .pyo in a child that is not a 1.5.2
                return self._pyo_data(args[0], args[1].encode("latin-1"))
            if name == "magic":
                return PYO_MAGIC.decode("latin-1")
            if name == "open":
                f = m.flash.builtin_open(*args)
                h = self._next_handle
                self._next_handle += 1
                self.files[h] = f
                return h
            if name == "unlink":
                return m.flash.builtin_unlink(*args)
            if name == "rename":
                return m.flash.builtin_rename(*args)
            if name == "flashflush":
                return m.flash.builtin_flashflush()
            if modname == "file":
                f = self.files.get(args[0])
                if f is None:
                    raise ValueError("I/O operation on closed file")
                if fn == "close":
                    del self.files[args[0]]
                return getattr(f, fn)(*args[1:])
        raise ValueError("unknown call %s" % name)

    # ---------------------------------------------------------- flash code
    def _interned(self, found: list[Any] | None, module: str | None) -> list[Any] | None:
        # What loading ``found`` interns (module None: the main script, compiled from
        # source) goes into the table; MemoryError past the limit.
        if found is None:
            return None
        if found[0] == "pyo":
            from tools.pyo15.pyo import read_pyo

            got = names_table.interned_by_code(read_pyo(found[2])[1])
        else:
            got = set(names_table.interned_by_source(found[2], found[1], from_source=module is None))
        self.names.add(got | {module} if module else got, module or found[1])
        return found

    def _source(self, filename: str, data: bytes) -> list[Any]:
        self.code_files.add(filename)
        text = data.decode("latin-1").replace("\r\n", "\n").replace("\r", "\n")
        if not text.endswith("\n"):
            text += "\n"  # 1.5.2's compile wants a final newline
        return ["src", filename, text]

    def _pyo(self, name: str) -> list[Any] | None:
        return self._pyo_data(name, self.m.flash.read(name))

    def _pyo_data(self, name: str, data: bytes) -> list[Any] | None:
        """A .pyo as the child runs it: its bytecode when the child is a 1.5.2 (same magic),
        else its source (``module.pyo_sources`` by content, ``source_dirs`` by stem)."""
        if self.child_magic == PYO_MAGIC and data[:4] == PYO_MAGIC:
            self.code_files.add(name)
            return ["pyo", name, data]
        found = self.m.pyo_sources.get(hashlib.md5(data).hexdigest())
        if found is not None:
            return self._source(found[0], found[1].encode("latin-1"))
        stem = name[:-4]
        for d in self.m.source_dirs:
            p = Path(d) / (stem + ".py")
            if p.is_file():
                return self._source(stem + ".py", p.read_bytes())
        return None

    def _load_file(self, name: str) -> list[Any] | None:
        flash = self.m.flash
        if not flash.exists(name):
            return None
        if name.endswith(".pyo"):
            return self._pyo(name)
        return self._source(name, flash.read(name))

    def _load_module(self, stem: str) -> list[Any] | None:
        flash = self.m.flash
        if "." in stem or "/" in stem:
            return None
        if flash.exists(stem + ".py"):
            self.flash_modules.add(stem + ".py")
            return self._source(stem + ".py", flash.read(stem + ".py"))
        if flash.exists(stem + ".pyo"):
            self.flash_modules.add(stem + ".pyo")
            return self._pyo(stem + ".pyo")
        return None
