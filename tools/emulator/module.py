"""The emulated GC864-PY: one object that owns the clock, the flash, the AT instances, the
serial line, the trace port, the watchdog and the running script.

RAM state (AT settings, open files, sockets, the firewall, the script) is lost at every reboot;
flash files and NVM settings (``nvm``) survive. See README "Emulator" for the API.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Callable

from .at import COMMAND_TIMES, AtInstance
from .cost import CALL_COST_MS, LINE_COST_US, Meter
from .flash import Flash
from .kernel import Kernel, Timer
from .names_table import LIMIT
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
        self.iccid = "89014103211118510720"  # #CCID (AT Commands Reference Guide r10)
        self.firmware = "07.03.402"
        self.model = "GC864-PY"
        self.manufacturer = "Telit"
        self.rssi = 17  # +CSQ units 0-31, 99 unknown
        self.ber = 0
        self.reg = 1  # +CREG stat: 0 not searching, 1 home, 2 searching, 3 denied, 5 roaming
        self.greg = 1  # +CGREG stat
        self.lac = "0A1B"  # +CREG=2 / +CGREG=2 location area code (hex string)
        self.ci = "3C4D"  # +CREG=2 / +CGREG=2 cell id (hex string)
        self.sim = "READY"  # +CPIN: READY | SIM PIN | (absent: None)
        # The SIM is read after every boot: SMS and phonebook work (#QSS status 3, "SIM
        # INSERTED and READY (SMS and Phonebook access are possible)", ATR10 p.324) only
        # sim_ready_ms after it; before, SMS commands answer +CMS ERROR 314 (SIM busy).
        # How long a real unit takes is not documented (REFERENCE §12).
        self.sim_ready_ms = 5000
        self.qss_mode = 0  # #QSS <mode>, factory 0 (ATR10 p.323)
        # #SCFGEXT's last two fields (<ListenAutoRsp>, <sendDataMode>) came with SW
        # 7.03.02/7.02.07 (ATR10 §1.7, ISSUE#8): 4 models an older 7.x firmware (ERROR).
        self.scfgext_fields = 6
        self.operator = "EMU NET"


class Module:
    """The emulated module. ``Module(flash_dir)`` is powered off; ``power_on()`` boots it.

    ``start_time`` is the module clock at emulator start, in seconds since 2000-01-01 (what
    ``MOD.secCounter()`` returns at time 0; ``AT+CCLK`` changes it later)."""

    def __init__(self, flash_dir: str | Path, virtual: bool = True, seed: int = 0,
                 dte: Dte | None = None, start_time: int = 0) -> None:
        self.kernel = Kernel(virtual=virtual)
        self.seed = seed
        self.flash = Flash(flash_dir)
        self.flash.on_power_cut = self._power_cut_now
        self.radio = Radio()
        # NVM: settings that survive a reboot (#ESCRIPT, #STARTMODESCR, #SCFG, #SCFGEXT ...).
        self.nvm: dict[str, Any] = {"escript": "", "startmode": 0, "startmode_to": 10}
        self.clock_base = int(start_time)  # module seconds since 2000-01-01 at emulator start
        self.command_time_ms = 20  # default time an AT command takes to answer
        # Per-command answer times (ms) overriding command_time_ms; a copy of at.COMMAND_TIMES
        # that a test may change for one module.
        self.command_times: dict[str, int] = dict(COMMAND_TIMES)
        # The CPU cost model (tools/emulator/cost.py says why these values): module time
        # charged per built-in call and per executed line of script code; ``meter`` counts both.
        self.call_cost_ms = CALL_COST_MS
        self.line_cost_us = LINE_COST_US
        self.meter = Meter()
        # Optional features that are probably absent on GC864-PY 7.x firmware (REFERENCE §11 A9):
        # MOD.encBase64 and the binascii module (ES13: "available in version 10.00.xx3").
        self.features: dict[str, bool] = {"encBase64": False, "binascii": False}
        # What a power cut injected by the flash (arm_power_cut) does afterwards: the power comes
        # back after this many ms (None: it stays off until power_on()).
        self.power_restore_ms: int | None = 1000
        self.trace_lines: list[str] = []  # the trace port (ASC1), split into lines
        self.trace_bytes = bytearray()  # the trace port as a byte stream
        self._trace_partial = ""
        self.on_trace: Callable[[str], None] | None = None
        self.at_log: list[tuple[int, int, str]] = []
        self.boots = 0
        self.boot_reasons: list[str] = []
        self.script_state = "none"  # none | running | ended | crashed | killed
        # The names table's size (names_table.py): an import past it raises MemoryError;
        # None counts (script_run.names) without raising.
        self.names_limit: int | None = LIMIT
        self.script_error: str | None = None
        self.watchdog: Timer | None = None
        self.watchdog_period = 0
        self.watchdog_resets = 0
        self.watchdog_expiries = 0
        self.enhrst_timer: Timer | None = None  # AT#ENHRST one-shot/periodic reset
        self.enhrst_due: int | None = None  # module ms of the next #ENHRST reset
        self.enhrst_setting: tuple[int, int] = (0, 0)  # #ENHRST <mod>,<delay> in force (RAM)
        self.events = 0  # counts external events (URCs, RTS rising) for MOD.powerSaving
        self.power = False
        self.source_dirs: list[Path] = []  # where the .py of a flashed .pyo is found
        # .pyo contents (md5 hex of the bytes) -> (file name, source) of the .py they were
        # compiled from: a .pyo flashed under another name (an update's ua03.pyo) still runs
        # its own source (add_pyo_source; script.py looks here before source_dirs)
        self.pyo_sources: dict[str, tuple[str, str]] = {}
        self.extensions: list[Any] = []  # part-2 subsystems (network, SMS, CSD ...): see hooks
        self.serial = SerialLine(self.kernel, dte, on_event=self.external_event)
        self.instances: dict[int, AtInstance] = {}
        self.script_thread: threading.Thread | None = None
        self.ser_owned_by_script = False
        self.gpio: dict[int, list[int]] = {}
        self.ser2_rx = bytearray()
        self.adc: dict[int, int] = {1: 0, 2: 0, 3: 0}  # GPIO.getADC / #ADC inputs in mV
        self.power_saving_cause = 1
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
        for inst in self.instances.values():
            inst.dead = True  # timers of the old RAM (delayed replies, escape checks) do nothing
        self.instances = {1: AtInstance(self, 1, "MDM"), 2: AtInstance(self, 2, "MDM2")}
        self.at_serial_owner: AtInstance | None = None  # REFERENCE §5.4: a blocking command runs
        self.at_serial_waiters: list[AtInstance] = []
        self.serial.rx.clear()
        self.serial.tx.clear()
        self.ser2_rx = bytearray()  # ASC1 bytes for SER2.receive/read (the host appends)
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
        """Something that ends MOD.powerSaving happened (ES13 §3.7.6: a URC, RTS going high)."""
        self.events += 1
        self.kernel.notify()

    @property
    def python_stall(self) -> bool:
        """REFERENCE §10.2 (ES13 §2.4): the Python task is paused for 50 ms every second. Off by
        default; ``module.python_stall = True`` turns it on."""
        return self.kernel.stall_ms > 0

    @python_stall.setter
    def python_stall(self, on: bool) -> None:
        self.kernel.stall_ms = 50 if on else 0

    # ----------------------------------------------------------------- trace
    def trace_write(self, text: str) -> None:
        """Bytes to the trace port (ASC1: ``print`` output, ``SER2.send``, tracebacks). Complete
        lines are appended to ``trace_lines``; ``on_trace`` sees each complete line."""
        self.trace_bytes += text.encode("latin-1", "replace")
        buf = self._trace_partial + text
        *lines, self._trace_partial = buf.split("\n")
        for line in lines:
            self.trace_lines.append(line)
            if self.on_trace is not None:
                self.on_trace(line)

    def trace(self, text: str) -> None:
        """A complete message to the trace port, ending a line (tracebacks, emulator notes)."""
        if self._trace_partial:
            self.trace_write("\n")
        self.trace_write(text + "\n")

    def trace_text(self) -> str:
        return "\n".join(self.trace_lines)

    def seconds(self) -> int:
        """Module clock (MOD.secCounter): seconds since 2000-01-01."""
        return self.clock_base + self.kernel.now() // 1000

    # ------------------------------------------------------------ world state
    def set_registration(self, reg: int | None = None, greg: int | None = None) -> None:
        """Change the network registration (+CREG/+CGREG stat) and emit the +CREG/+CGREG URCs
        to the instances that enabled them (27.007 §7.2, §10.1.19; ATR10 +CREG, +CGREG)."""
        with self.kernel.lock:
            r = self.radio
            for key, attr, value in (("+CREG", "reg", reg), ("+CGREG", "greg", greg)):
                if value is None or value == getattr(r, attr):
                    continue
                setattr(r, attr, value)
                for inst in list(self.instances.values()):
                    n = inst.settings.get(key, 0)
                    if n == 1 or (n == 2 and value not in (1, 5)):
                        inst.urc("%s: %d" % (key, value))
                    elif n == 2:
                        inst.urc('%s: %d,"%s","%s"' % (key, value, r.lac, r.ci))

    def set_gpio_input(self, pin: int, value: int) -> None:
        """The outside world drives input pin ``pin`` (read by GPIO.getIOvalue)."""
        with self.kernel.lock:
            p = self.gpio[pin]
            if p[0] != 1:  # an output keeps the value the script wrote
                p[1] = 1 if value else 0

    # ------------------------------------------------------------ power, boot
    def add_pyo_source(self, pyo: bytes, name: str, source: str) -> None:
        """Tell the emulator which source ``pyo`` was compiled from (``name`` like
        ``gwloop.py``), whatever name the file gets on the flash."""
        import hashlib

        self.pyo_sources[hashlib.md5(pyo).hexdigest()] = (name, source)

    def power_on(self) -> None:
        with self.kernel.lock:
            self.power = True
            self._boot("power on")

    def _boot(self, reason: str) -> None:
        self.boots += 1
        self.boot_ms = self.kernel.now()
        self.boot_reasons.append(reason)
        self.kernel.kill_script()
        self.flash.reset_after_boot()
        if self.watchdog is not None:
            self.watchdog.cancel()
            self.watchdog = None
        self._arm_enhrst()
        self._fresh_ram()
        self.script_state = "none"
        self.ser_owned_by_script = False
        name = self.nvm.get("escript", "")
        if name and self.flash.exists(name) and self._startmode_allows():
            # start_gate (atserial.py) may defer the start: the #STARTMODESCR=1 window.
            if self.start_gate is None or self.start_gate(name):
                self.start_script()

    def sim_status(self) -> int:
        """#QSS <status> (ATR10 p.324): 0 not inserted, 1 inserted (PIN required), 2 PIN
        unlocked (still being read), 3 ready for SMS and phonebook."""
        r = self.radio
        if r.sim is None:
            return 0
        if r.sim != "READY":
            return 1
        if self.kernel.now() - getattr(self, "boot_ms", 0) < r.sim_ready_ms:
            return 2
        return 3

    def _startmode_allows(self) -> bool:
        # #STARTMODESCR (REFERENCE §4.3; ATR10 p.545): 0, the factory default, starts the
        # script "only if the DTR line is found Low" (no PC attached): a device that asserts
        # DTR keeps it from starting (the emulated device's DTR is low unless set:
        # serial_line.Dte); 1 unless an AT command arrives in the window (handled by the
        # serial AT layer); 2 always.
        mode = self.nvm.get("startmode", 0)
        if mode == 0:
            return not self.serial.dte.dtr
        return True

    def reboot(self, reason: str = "reboot") -> None:
        """Reset: RAM state is gone, flash and NVM stay, the script starts again. Safe to call
        from any thread, including the script's own (an AT#REBOOT it sent, a watchdog expiry
        that fell due while it ran): the old script thread freezes at its next interaction."""
        with self.kernel.lock:
            if self.script_state == "running":
                self.script_state = "killed"
            self._boot(reason)
            self.kernel.notify()

    def power_cut(self, restore_after_ms: int | None = 0) -> None:
        """Cut the power now; restore it after ``restore_after_ms`` (None: stays off)."""
        with self.kernel.lock:
            self.power = False
            self.kernel.kill_script()
            if self.script_state == "running":
                self.script_state = "killed"
            if self.watchdog is not None:
                self.watchdog.cancel()
                self.watchdog = None
            if self.enhrst_timer is not None:
                self.enhrst_timer.cancel()
                self.enhrst_timer = None
            for inst in self.instances.values():
                inst.dead = True  # no power, no answers
            self.serial.tx.clear()  # what was not on the wire yet is lost
            for ext in self.extensions:
                off = getattr(ext, "on_power_off", None)
                if off is not None:
                    off()
            if restore_after_ms is not None:
                self.kernel.call_later(restore_after_ms, self.power_on)
            self.kernel.notify()

    def _power_cut_now(self) -> None:
        # Called by the flash when an armed cut is reached mid-write.
        self.power_cut(restore_after_ms=self.power_restore_ms)

    # --------------------------------------------------------------- watchdog
    def watchdog_enable(self, seconds: int) -> None:
        """MOD.watchdogEnable (ES13 §3.7.3): reboot after ``seconds`` unless reset."""
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
        self.watchdog_expiries += 1
        self.reboot("watchdog")

    # ---------------------------------------------------------------- #ENHRST
    def _arm_enhrst(self) -> None:
        """ATR10 #ENHRST: mode 2 (stored in NVM) reboots every <delay> minutes after each power
        on; a pending one-shot (mode 1) is RAM state and does not survive the reboot."""
        if self.enhrst_timer is not None:
            self.enhrst_timer.cancel()
        self.enhrst_timer = None
        self.enhrst_due = None
        mode, delay = self.nvm.get("enhrst", (0, 0))
        self.enhrst_setting = (mode, delay) if mode == 2 else (0, 0)
        if mode == 2 and delay > 0:
            self.schedule_enhrst(delay)

    def schedule_enhrst(self, minutes: int) -> None:
        if self.enhrst_timer is not None:
            self.enhrst_timer.cancel()
        self.enhrst_due = self.kernel.now() + minutes * 60000
        self.enhrst_timer = self.kernel.call_at(self.enhrst_due, lambda: self.reboot("#ENHRST"))

    def cancel_enhrst(self) -> None:
        if self.enhrst_timer is not None:
            self.enhrst_timer.cancel()
        self.enhrst_timer = None
        self.enhrst_due = None

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
        """Advance module time by ``seconds`` (virtual clock; real clock: wait that long); the
        script runs meanwhile."""
        self.kernel.run_for(int(round(seconds * 1000)))

    def run_until(self, cond: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
        """Run until ``cond()`` (checked every ``step`` seconds of module time) or ``timeout``
        seconds pass; returns cond()."""
        return self.kernel.run_until_true(cond, int(round(timeout * 1000)), int(round(step * 1000)))

    def close(self) -> None:
        with self.kernel.lock:
            self.kernel.kill_script()
            self.script_state = "killed" if self.script_state == "running" else self.script_state
        self.kernel.close()
        for ext in self.extensions:
            close = getattr(ext, "close", None)
            if close is not None:
                close()
