"""Real serial I/O for the emulated module's ASC0: a pseudo-terminal or a real port.

The module's serial line (``module.serial``) has a device end, a ``Dte``. This module attaches
that end to something a program on the host can open:

* ``PtyPort``: a pseudo-terminal. ``start()`` returns the path of its slave side
  (``/dev/pts/N``), which any terminal program (minicom, screen, picocom, pyserial) opens like
  a serial port. Optionally a symlink with a stable name points at it.
* ``PyserialPort``: a real port (``/dev/ttyUSB0`` …) through pyserial, for a real device on a
  null-modem cable.

Pacing. A pseudo-terminal has no baud rate: bytes written to it arrive at once. The emulator's
``SerialLine`` already paces both directions at the line rate (``SER.set_speed``; 9600 by
default, ES13 §3.4), so what reaches the terminal program comes at the module's real speed.
Bytes the program writes are taken at once and then delivered to the module at the line rate.

Speed matching. ``speed="match"`` (default for a pty): the device end always talks at the
module side's speed and format, as if the program on the pty had picked the right one. With
``speed="termios"`` the speed the program set on the pty (``tcsetattr``, e.g. pyserial's
``baudrate``) is the device's speed, and a mismatch garbles the bytes as on a real line. Linux
forces 8 data bits and no parity on a pty, so only the speed (and stop bits) can be read back;
the format is assumed to match. While ASC0 is the AT port (no script) the module autobauds
(ATR10 +IPR=0), so any speed works there.

Modem lines. A pseudo-terminal has none: ``TIOCMGET``/``TIOCMSET`` fail with ENOTTY on Linux,
and pyserial's ``cts``/``dsr`` on a pty raise. So on a pty the module's DCD/CTS/DSR/RI are
visible only through the control interface's status, and the device's RTS/DTR stay as the
``Dte`` holds them (``module.serial.set_rts``, ``dte.dtr``; the control interface can set
them). On a real port the lines are mapped as on a null-modem cable: module CTS -> host RTS,
module DSR -> host DTR, host CTS -> module RTS input, host DSR -> module DTR input. A host
serial port cannot drive DCD or RI, so those two stay internal.
"""
from __future__ import annotations

import errno
import os
import queue
import select
import termios
import threading
import tty
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .serial_line import SPEEDS

if TYPE_CHECKING:  # pragma: no cover
    from .module import Module

MAX_QUEUED = 1 << 20  # bytes of module output held for a slow reader before dropping
KEEP_RECEIVED = 1 << 16  # the Dte's ``received`` log is trimmed to this many bytes

# termios speed constants -> the module's speed strings
_BAUD = {getattr(termios, "B" + s): s for s in SPEEDS if hasattr(termios, "B" + s)}


def termios_speed(fd: int) -> str | None:
    """The output speed set on a tty, as one of the module's speed strings (None if other)."""
    try:
        attrs = termios.tcgetattr(fd)
    except termios.error:
        return None
    return _BAUD.get(attrs[5])


def add_receive_listener(dte: Any, fn: Callable[[bytes], None]) -> None:
    """Chain ``fn`` onto ``dte.on_receive`` (bytes the module sent to the device)."""
    prev = dte.on_receive

    def both(chunk: bytes) -> None:
        if prev is not None:
            prev(chunk)
        fn(chunk)

    dte.on_receive = both


class _Attachment:
    """Shared plumbing: a reader thread feeding the module, a writer thread for its output."""

    def __init__(self, module: "Module") -> None:
        self.m = module
        self.line = module.serial
        self.dte = module.serial.dte
        self._out: queue.Queue[bytes | None] = queue.Queue()
        self._queued = 0
        self._qlock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.bytes_in = 0  # host -> module
        self.bytes_out = 0  # module -> host
        self.lost_out = 0  # module output dropped because nobody read it
        self.listeners: list[Callable[[str, bytes], None]] = []  # ("in"|"out", data) for consoles

    # ---------------------------------------------------------------- plumbing
    def _start_threads(self, name: str) -> None:
        add_receive_listener(self.dte, self._module_output)
        for target, suffix in ((self._reader, "reader"), (self._writer, "writer")):
            t = threading.Thread(target=target, name="%s-%s" % (name, suffix), daemon=True)
            t.start()
            self._threads.append(t)

    def _module_output(self, chunk: bytes) -> None:
        # Called with the kernel lock held (a SerialLine event): never block here.
        if len(self.dte.received) > KEEP_RECEIVED:
            del self.dte.received[: len(self.dte.received) - KEEP_RECEIVED]
        with self._qlock:
            if self._queued + len(chunk) > MAX_QUEUED:
                self.lost_out += len(chunk)
                return
            self._queued += len(chunk)
        self._out.put(chunk)
        for fn in self.listeners:
            fn("out", chunk)

    def _writer(self) -> None:
        while not self._stop.is_set():
            chunk = self._out.get()
            if chunk is None:
                return
            with self._qlock:
                self._queued -= len(chunk)
            try:
                self._write(chunk)
                self.bytes_out += len(chunk)
            except OSError:
                self.lost_out += len(chunk)

    def _deliver(self, data: bytes) -> None:
        """Bytes from the host program for the module (reader thread)."""
        self.bytes_in += len(data)
        with self.m.kernel.lock:
            self._sync_speed()
            self.line.device_send(data)
            self.m.kernel.notify()
        for fn in self.listeners:
            fn("in", data)

    def _sync_speed(self) -> None:  # pragma: no cover - overridden
        pass

    def _write(self, data: bytes) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _reader(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:
        self._stop.set()
        self._out.put(None)
        for t in self._threads:
            t.join(timeout=1.0)


class PtyPort(_Attachment):
    """ASC0 on a pseudo-terminal. ``start()`` returns the slave path to give a terminal program."""

    def __init__(self, module: "Module", speed: str = "match", link: str | Path | None = None,
                 baud: str = "115200") -> None:
        super().__init__(module)
        if speed not in ("match", "termios"):
            raise ValueError("speed must be 'match' or 'termios'")
        self.speed_mode = speed
        self.link = Path(link) if link else None
        self.baud = baud  # the device's speed while the module autobauds (match mode)
        self.master = -1
        self.slave = -1
        self.path = ""

    def start(self) -> str:
        self.master, self.slave = os.openpty()
        # Raw mode until a program sets its own: a cooked pty would echo the module's output
        # back in as input. We keep our slave descriptor open so that the master never reads
        # EIO when the program closes its side.
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        if self.link is not None:
            if self.link.is_symlink() or self.link.exists():
                self.link.unlink()
            self.link.symlink_to(self.path)
        with self.m.kernel.lock:
            if self.speed_mode == "match":
                self.dte.follow_line = True
                self.dte.configure(self.baud, "8N1")
            else:
                self.dte.follow_line = False
                self._sync_speed()
        self._start_threads("pty")
        return self.path

    def _sync_speed(self) -> None:
        if self.speed_mode == "termios":
            speed = termios_speed(self.slave)
            if speed is not None:
                self.dte.speed = speed

    def _reader(self) -> None:
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self.master], [], [], 0.1)
            except (OSError, ValueError):
                return
            if not ready:
                if self.speed_mode == "termios":
                    with self.m.kernel.lock:
                        self._sync_speed()
                continue
            try:
                data = os.read(self.master, 4096)
            except OSError as e:
                if e.errno in (errno.EIO, errno.EBADF):
                    return
                raise
            if data:
                self._deliver(data)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self._stop.is_set():
            try:
                n = os.write(self.master, view)
            except BlockingIOError:
                select.select([], [self.master], [], 0.1)
                continue
            view = view[n:]

    def close(self) -> None:
        super().close()
        for fd in (self.master, self.slave):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.master = self.slave = -1
        if self.link is not None and self.link.is_symlink():
            self.link.unlink()


_PARITY = {"N": "N", "E": "E", "O": "O"}


class PyserialPort(_Attachment):
    """ASC0 on a real serial port through pyserial (a null-modem cable to a real device)."""

    POLL = 0.05  # s between modem-line and speed updates

    def __init__(self, module: "Module", device: str) -> None:
        super().__init__(module)
        self.device = device
        self.port: Any = None
        self.lines_supported = True  # false once the port refuses modem-line ioctls

    def start(self) -> str:
        import serial  # pyserial, pinned in the project

        speed, fmt = self.line.module_side()
        self.port = serial.Serial(self.device, int(speed), bytesize=int(fmt[0]), parity=_PARITY[fmt[1]],
                                  stopbits=int(fmt[2]), timeout=self.POLL)
        with self.m.kernel.lock:
            self.dte.follow_line = True  # the real cable garbles by itself
        self._start_threads("serial")
        t = threading.Thread(target=self._lines, name="serial-lines", daemon=True)
        t.start()
        self._threads.append(t)
        return self.device

    def _apply_format(self) -> None:
        speed, fmt = self.line.module_side()
        p = self.port
        want = (int(speed), int(fmt[0]), _PARITY[fmt[1]], int(fmt[2]))
        if (p.baudrate, p.bytesize, p.parity, p.stopbits) != want:
            p.baudrate, p.bytesize, p.parity, p.stopbits = want

    def _lines(self) -> None:
        """Speed, format and the modem lines, null-modem style (see the module docstring)."""
        while not self._stop.wait(self.POLL):
            try:
                with self.m.kernel.lock:
                    self._apply_format()
                    cts, dsr = self.line.cts, self.line.dsr
            except (OSError, ValueError):
                continue
            if not self.lines_supported:
                continue
            try:
                self.port.rts = bool(cts)
                self.port.dtr = bool(dsr)
                rts, dtr = int(self.port.cts), int(self.port.dsr)
            except (OSError, ValueError):
                self.lines_supported = False  # e.g. a pseudo-terminal: ENOTTY
                continue
            with self.m.kernel.lock:
                self.line.set_rts(rts)
                self.dte.dtr = dtr

    def _reader(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.port.read(max(1, self.port.in_waiting))
            except (OSError, ValueError):
                return
            if data:
                self._deliver(bytes(data))

    def _write(self, data: bytes) -> None:
        self.port.write(data)

    def close(self) -> None:
        super().close()
        if self.port is not None:
            try:
                self.port.close()
            except OSError:
                pass


def attach_serial(module: "Module", spec: str = "pty", **kw: Any) -> _Attachment:
    """``spec``: ``pty``, ``pty:/path/of/symlink``, or a device path for pyserial."""
    if spec == "pty" or spec.startswith("pty:"):
        link = spec[4:] or None if spec.startswith("pty:") else None
        return PtyPort(module, link=link, **kw)
    return PyserialPort(module, spec)
