"""The emulated GC864-PY: one object that owns the clock, the flash, the AT instances, the
serial line, the trace port, the watchdog and the running script.

RAM state (AT settings, open files, sockets, the firewall, the script) is lost at every reboot;
flash files and NVM settings (``nvm``) survive. See README "Emulator" for the API.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Callable

from .at import AtInstance
from .flash import Flash
from .kernel import Kernel, Timer
from .serial_line import Dte, SerialLine

EPOCH_2000 = 946684800  # 2000-01-01T00:00:00Z in Unix seconds (ES13 §3.7: secCounter epoch)

# Part-2 subsystems (SMS, CSD, network ...) register a factory here when their module is imported
# (tools/emulator/__init__.py imports them). Each factory is called with every new Module before
# its first boot and attaches its extension (``module.sms = ...; module.extensions.append(...)``).
EXTENSION_FACTORIES: list[Callable[["Module"], Any]] = []


class Radio:
    """What the network and SIM look like to the identification/status commands."""

    def __init__(self) -> None:
        self.imei = "356000000000001"
        self.firmware = "07.03.402"
        self.model = "GC864-PY"
        self.manufacturer = "Telit"
        self.rssi = 17  # +CSQ units 0-31, 99 unknown
        self.ber = 0
        self.reg = 1  # +CREG stat: 0 not searching, 1 home, 2 searching, 3 denied, 5 roaming
        self.greg = 1  # +CGREG stat
        self.sim = "READY"  # +CPIN: READY | SIM PIN | (absent: None)
        self.operator = "EMU NET"


class Module:
    def __init__(self, flash_dir: str | Path, virtual: bool = True, seed: int = 0,
                 dte: Dte | None = None, start_time: int = 0) -> None:
        self.kernel = Kernel(virtual=virtual)
        self.seed = seed
        self.flash = Flash(flash_dir)
        self.flash.on_power_cut = self._power_cut_now
        self.radio = Radio()
        # NVM: settings that survive a reboot (#ESCRIPT, #STARTMODESCR, #SCFG, #SCFGEXT ...).
        self.nvm: dict[str, Any] = {"escript": "", "startmode": 0, "startmode_to": 10}
        self.clock_base = start_time  # module seconds since 2000-01-01 at emulator start
        self.command_time_ms = 20  # default time an AT command takes to answer
        self.call_cost_ms = 1  # module CPU time charged per built-in call
        self.line_cost_us = 50  # module CPU time charged per traced Python line
        self.trace_lines: list[str] = []
        self.on_trace: Callable[[str], None] | None = None
        self.at_log: list[tuple[int, int, str]] = []
        self.boots = 0
        self.boot_reasons: list[str] = []
        self.script_state = "none"  # none | running | ended | crashed | killed
        self.script_error: str | None = None
        self.watchdog: Timer | None = None
        self.watchdog_resets = 0
        self.events = 0  # counts external events (URCs, RTS rising) for MOD.powerSaving
        self.power = False
        self.source_dirs: list[Path] = []  # where the .py of a flashed .pyo is found
        self.extensions: list[Any] = []  # part-2 subsystems (network, SMS, CSD ...): see hooks
        self.serial = SerialLine(self.kernel, dte, on_event=self.external_event)
        self.instances: dict[int, AtInstance] = {}
        self.script_thread: threading.Thread | None = None
        self.ser_owned_by_script = False
        self.gpio: dict[int, list[int]] = {}
        # Hooks for part 2c: start_gate(name) -> bool may defer the boot-time script start
        # (atserial.py, #STARTMODESCR=1); script_starter(module, name, generation) -> Thread runs
        # the script some other way (remote.py: a child interpreter).
        self.start_gate: Callable[[str], bool] | None = None
        self.script_starter: Callable[["Module", str, int], threading.Thread] | None = None
        for factory in EXTENSION_FACTORIES:
            factory(self)
        self._fresh_ram()

    # --------------------------------------------------------------- state
    def _fresh_ram(self) -> None:
        self.instances = {1: AtInstance(self, 1, "MDM"), 2: AtInstance(self, 2, "MDM2")}
        self.serial.rx.clear()
        self.serial.tx.clear()
        self.gpio = {n: [0, 0] for n in range(1, 14)}  # pin -> [dir, value]; GC864: GPIO1-13
        self.power_saving_cause = 1
        for ext in self.extensions:
            ext.on_boot()

    def links(self) -> list[Any]:
        out: list[Any] = []
        for ext in self.extensions:
            out.extend(ext.links())
        return out

    def external_event(self) -> None:
        self.events += 1

    def trace(self, text: str) -> None:
        """Output of ``print`` and tracebacks: the trace port (ASC1 / SER2, REFERENCE §2.4)."""
        for line in text.split("\n"):
            self.trace_lines.append(line)
        if self.on_trace is not None:
            self.on_trace(text)

    def trace_text(self) -> str:
        return "\n".join(self.trace_lines)

    def seconds(self) -> int:
        """Module clock (MOD.secCounter): seconds since 2000-01-01."""
        return self.clock_base + self.kernel.now() // 1000

    # ------------------------------------------------------------ power, boot
    def power_on(self) -> None:
        with self.kernel.lock:
            self.power = True
            self._boot("power on")

    def _boot(self, reason: str) -> None:
        self.boots += 1
        self.boot_reasons.append(reason)
        self.kernel.generation += 1
        self.flash.reset_after_boot()
        if self.watchdog is not None:
            self.watchdog.cancel()
            self.watchdog = None
        self._fresh_ram()
        self.script_state = "none"
        self.ser_owned_by_script = False
        name = self.nvm.get("escript", "")
        if name and self.flash.exists(name) and self._startmode_allows():
            # start_gate (atserial.py) may defer the start: the #STARTMODESCR=1 window.
            if self.start_gate is None or self.start_gate(name):
                self.start_script()

    def _startmode_allows(self) -> bool:
        # #STARTMODESCR (REFERENCE §4.3): 0 starts only when DTR is low (no PC attached),
        # 1 unless an AT command arrives in the window (handled by the serial AT layer), 2 always.
        mode = self.nvm.get("startmode", 0)
        if mode == 0:
            return not self.serial.dte.dtr or self.nvm.get("ignore_dtr", True)
        return True

    def reboot(self, reason: str = "reboot") -> None:
        """Reset: RAM state is gone, flash and NVM stay, the script starts again."""
        with self.kernel.lock:
            if self.script_thread is not None and self.script_state == "running":
                self.script_state = "killed"
            self._boot(reason)
            self.kernel.notify()

    def power_cut(self, restore_after_ms: int | None = 0) -> None:
        """Cut the power now; restore it after ``restore_after_ms`` (None: stays off)."""
        with self.kernel.lock:
            self.power = False
            self.kernel.generation += 1
            if self.script_state == "running":
                self.script_state = "killed"
            if self.watchdog is not None:
                self.watchdog.cancel()
                self.watchdog = None
            if restore_after_ms is not None:
                self.kernel.call_later(restore_after_ms, self.power_on)

    def _power_cut_now(self) -> None:
        # Called by the flash when an armed cut is reached mid-write.
        self.power_cut(restore_after_ms=1000)

    # --------------------------------------------------------------- watchdog
    def watchdog_enable(self, seconds: int) -> None:
        if self.watchdog is not None:
            self.watchdog.cancel()
        self.watchdog_period = seconds
        self.watchdog = self.kernel.call_later(seconds * 1000, self._watchdog_expired)

    def watchdog_reset(self) -> None:
        if self.watchdog is not None:
            self.watchdog_resets += 1
            self.watchdog_enable(self.watchdog_period)

    def watchdog_disable(self) -> None:
        if self.watchdog is not None:
            self.watchdog.cancel()
            self.watchdog = None

    def _watchdog_expired(self) -> None:
        self.watchdog = None
        self.reboot("watchdog")

    # ----------------------------------------------------------------- script
    def start_script(self, name: str | None = None) -> None:
        from .script import start_script_thread

        name = name or self.nvm.get("escript", "")
        self.script_state = "running"
        self.script_error = None
        starter = self.script_starter or start_script_thread  # remote.py: another interpreter
        self.script_thread = starter(self, name, self.kernel.generation)

    # ------------------------------------------------------------ driving
    def run(self, seconds: float) -> None:
        """Advance module time (virtual clock) by ``seconds``; the script runs meanwhile."""
        self.kernel.run_for(int(seconds * 1000))

    def run_until(self, cond: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
        return self.kernel.run_until_true(cond, int(timeout * 1000), int(step * 1000))

    def close(self) -> None:
        with self.kernel.lock:
            self.kernel.generation += 1
            self.script_state = "killed" if self.script_state == "running" else self.script_state
        self.kernel.close()
        for ext in self.extensions:
            close = getattr(ext, "close", None)
            if close is not None:
                close()
