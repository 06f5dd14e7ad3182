"""ASC0 as the module's AT interface: no-script mode, #STARTMODESCR, instance 3.

Who owns ASC0 (REFERENCE §2.5, ES13 §2.4, ATR10 #STARTMODESCR):

* no script running: ASC0 is the normal AT port (autobaud, ATR10 +IPR=0), echo on (E1);
* a script running under ``#STARTMODESCR`` 0 or 1: ASC0 belongs to the script (``SER``), it is
  no AT port ("When Python is running, this serial port is free to be used by the Python
  script since it is not used as the AT command interface", ES13 §2.4);
* a script running under ``#STARTMODESCR=2``: ASC0 is AT parser instance 3 until the script
  imports ``SER`` (ES13 §4.2, ATR10 #STARTMODESCR mode 2);
* ``#STARTMODESCR=1``: at power-up the script waits ``<script_start_to>`` seconds (10-60,
  default 10); an AT command on the serial port in that window cancels the start ("the
  MODULE will behave normally answering only to AT commands on the serial port").

Whether ASC0 turns back into the AT port when a script ends or crashes is not documented
(n/d). The emulator gives it back to the AT interface, so a person at a terminal can recover
the unit with ``#DSCRIPT``/``#WSCRIPT`` without a power cycle.

The AT instance here is an ordinary ``AtInstance`` (index 3) whose input is the serial line's
receive side and whose output goes through the serial line, paced at the line rate. Its echo
is on (E1) and stays on after ``ATZ``/``AT&F``, as on a real AT port (MDM/MDM2 start with E0,
ES13 §3.2).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .at import AtInstance
from .kernel import Timer
from .module import EXTENSION_FACTORIES

if TYPE_CHECKING:  # pragma: no cover
    from .module import Module

SERIAL_INSTANCE = 3  # REFERENCE §5.2: the third AT parser instance is ASC0's
RETRY_MS = 10  # output backlog: try again after this much module time when the TX FIFO is full


class SerialAtInstance(AtInstance):
    """AT parser instance 3 on ASC0."""

    def __init__(self, module: "Module", port: "SerialAt") -> None:
        super().__init__(module, SERIAL_INSTANCE, "ASC0", sink=port.send)
        self.port = port
        self.settings["E"] = 1  # the physical AT port echoes (ATR10 ATE: factory E1)

    def reset_settings(self) -> None:
        super().reset_settings()
        self.settings["E"] = 1

    def pump(self) -> None:
        self.port.pull()
        super().pump()

    def _line(self, line: bytes, over: bool) -> None:
        if line.strip()[:2].upper() == b"AT":
            self.port.command_seen()
        super()._line(line, over)


class SerialAt:
    """Extension object (``module.serial_at``): the AT interface on ASC0 and the start window."""

    def __init__(self, module: "Module") -> None:
        self.m = module
        self.line = module.serial
        self.inst: SerialAtInstance | None = None
        self.backlog = bytearray()  # output waiting for room in the 4096-byte TX FIFO
        self.dropped = 0  # bytes the instance produced while ASC0 was not the AT port
        self._retry: Timer | None = None
        self.window: Timer | None = None  # #STARTMODESCR=1: the start timer
        self.window_cancelled = False  # an AT command arrived in the window this boot
        self.autobaud_enabled = True  # ATR10 +IPR=0 (factory): the AT port follows the DTE
        module.serial_at = self  # type: ignore[attr-defined]
        module.extensions.append(self)
        module.start_gate = self.start_gate
        self.line.on_rx = self.on_rx
        self.line.autobaud = self.autobaud_active

    # ------------------------------------------------------------- extension
    def on_boot(self) -> None:
        if self.window is not None:
            self.window.cancel()
        self.window = None
        self.window_cancelled = False
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        self.backlog.clear()
        # ES13 §3.4: the speed the script sees starts at 9600 after every boot.
        self.line.speed, self.line.fmt = "9600", "8N1"
        self.inst = SerialAtInstance(self.m, self)
        self.m.instances[SERIAL_INSTANCE] = self.inst

    def links(self) -> list[Any]:
        return []

    # ------------------------------------------------------------- ownership
    def active(self) -> bool:
        """True while ASC0 is the AT interface (REFERENCE §2.5)."""
        m = self.m
        if not m.power:
            return False
        if m.script_state != "running":
            return True  # no script, or it ended/crashed (n/d: see the module docstring)
        if m.nvm.get("startmode", 0) == 2:
            return not m.ser_owned_by_script
        return False

    def autobaud_active(self) -> bool:
        return self.autobaud_enabled and self.active()

    def in_window(self) -> bool:
        return self.window is not None and not self.window.cancelled

    # ----------------------------------------------------------- #STARTMODESCR=1
    def start_gate(self, name: str) -> bool:
        """Called at boot when the script would start. Mode 1 opens the window instead."""
        if self.m.nvm.get("startmode", 0) != 1:
            return True
        seconds = int(self.m.nvm.get("startmode_to", 10))
        generation = self.m.kernel.generation
        self.window = self.m.kernel.call_later(seconds * 1000, lambda: self._window_over(generation))
        return False

    def _window_over(self, generation: int) -> None:
        self.window = None
        m = self.m
        if generation != m.kernel.generation or not m.power or self.window_cancelled:
            return
        if m.script_state == "running":
            return  # #EXECSCR already started it
        name = m.nvm.get("escript", "")
        if name and m.flash.exists(name):
            m.start_script()
            m.kernel.notify()

    def command_seen(self) -> None:
        """An AT command line arrived on ASC0: inside the window it cancels the start."""
        if self.in_window():
            assert self.window is not None
            self.window.cancel()
            self.window = None
            self.window_cancelled = True

    # ------------------------------------------------------------------ input
    def on_rx(self) -> None:
        """Device bytes reached ASC0's receive FIFO."""
        if self.inst is not None and self.active():
            self.inst.pump()

    def pull(self) -> None:
        """Move received bytes into the AT instance while ASC0 is the AT port."""
        inst = self.inst
        if inst is None or not self.active() or not self.line.rx:
            return
        room = inst.inbuf.room()
        if room:
            inst.inbuf.put_some(self.line.rx.take(room))

    # ----------------------------------------------------------------- output
    def send(self, data: bytes) -> None:
        """The instance's output (its sink): to the device through the paced serial line."""
        inst = self.inst
        # The final result of the command that gave ASC0 away (#EXECSCR) still goes out.
        if not self.active() and not (inst is not None and inst.mode == "exec"):
            self.dropped += len(data)
            return
        self.backlog += data
        self.flush()

    def flush(self) -> None:
        self._retry = None
        n = min(len(self.backlog), self.line.tx.room())
        if n:
            self.line.module_send(bytes(self.backlog[:n]))
            del self.backlog[:n]
        if self.backlog and self._retry is None:
            self._retry = self.m.kernel.call_later(RETRY_MS, self.flush)

    # ----------------------------------------------------------------- status
    def status(self) -> dict[str, Any]:
        inst = self.inst
        return {
            "at_port": self.active(),
            "start_window": self.in_window(),
            "start_cancelled": self.window_cancelled,
            "mode": inst.mode if inst is not None else None,
            "echo": inst.settings["E"] if inst is not None else None,
            "backlog": len(self.backlog),
            "dropped": self.dropped,
        }


def attach(module: "Module") -> SerialAt:
    existing = getattr(module, "serial_at", None)
    return existing if existing is not None else SerialAt(module)


EXTENSION_FACTORIES.append(attach)
