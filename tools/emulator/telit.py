"""The Telit built-in modules as the script sees them: MDM, MDM2, SER, SER2, MOD, GPIO.

Signatures, units and return values follow REFERENCE §2 (ES13 §3): timeouts are tenths of a
second clamped to 0-32767; ``receive(t)`` returns the first chunk as soon as there is one and
``''`` on timeout; ``read()`` never blocks; byte calls return ints and ``-1``; ``send`` returns
``1`` or ``-1``. Data is ``str`` (latin-1) on the script side.

Every call charges ``module.call_cost_ms`` of module CPU time and checks that the calling
script is still alive (a reboot freezes older script threads).
"""
from __future__ import annotations

import types
from typing import TYPE_CHECKING, Any, Callable

from .serial_line import SER2_FORMATS, SER_FORMATS, SPEEDS

if TYPE_CHECKING:  # pragma: no cover
    from .at import AtInstance
    from .module import Module


def _ticks(t: Any) -> int:
    """A timeout in tenths of a second, clamped to 0..32767 (REFERENCE §2.0)."""
    try:
        v = int(t)
    except (TypeError, ValueError):
        raise TypeError("timeout must be an integer") from None
    return max(0, min(32767, v))


def _bytes(s: Any) -> bytes:
    if not isinstance(s, str):
        raise TypeError("argument must be a string")
    return s.encode("latin-1")


class Api:
    """Shared plumbing for one script run (one generation)."""

    def __init__(self, module: "Module", generation: int) -> None:
        self.m = module
        self.k = module.kernel
        self.gen = generation

    def enter(self) -> None:
        self.k.spend(self.m.call_cost_ms, self.gen)

    def wait(self, ready: Callable[[], bool], ticks: int) -> bool:
        return self.k.wait_until(ready, self.k.now() + ticks * 100, self.gen)


def make_mdm(api: Api, index: int, name: str) -> types.ModuleType:
    mod = types.ModuleType(name)
    m = api.m

    def inst() -> "AtInstance":
        return m.instances[index]

    def drained() -> None:
        for link in m.links():
            if getattr(link, "owner", None) is inst():
                room = getattr(link, "room_available", None)
                if room is not None:
                    room()

    def send(string: Any, timeout: Any) -> int:
        data = _bytes(string)
        t = _ticks(timeout)
        api.enter()
        with api.k.lock:
            deadline = api.k.now() + t * 100
            # All or nothing: the call waits (up to the timeout) for room for the whole string,
            # so -1 always means "nothing was taken, keep it all" (ES13 §3.2 leaves the partial
            # case undocumented; this is the only reading a caller can act on).
            while data:
                piece = data[:4096]
                if inst().input_room() >= len(piece):
                    inst().feed(piece)
                    data = data[len(piece):]
                    continue
                if not api.k.wait_until(lambda: inst().input_room() >= len(piece), deadline, api.gen):
                    return -1
            return 1

    def receive(timeout: Any) -> str:
        t = _ticks(timeout)
        api.enter()
        with api.k.lock:
            api.wait(lambda: len(inst().out) > 0, t)
            data = inst().out.take()
            if data:
                drained()
            return data.decode("latin-1")

    def read() -> str:
        api.enter()
        with api.k.lock:
            data = inst().out.take()
            if data:
                drained()
            return data.decode("latin-1")

    def sendbyte(byte: Any, timeout: Any) -> int:
        return send(chr(int(byte) & 0xFF), timeout)

    def receivebyte(timeout: Any) -> int:
        t = _ticks(timeout)
        api.enter()
        with api.k.lock:
            if not api.wait(lambda: len(inst().out) > 0, t):
                return -1
            b = inst().out.take(1)[0]
            drained()
            return b

    def readbyte() -> int:
        api.enter()
        with api.k.lock:
            if not inst().out:
                return -1
            b = inst().out.take(1)[0]
            drained()
            return b

    def getDCD() -> int:
        api.enter()
        return inst().dcd()

    def getCTS() -> int:
        api.enter()
        return 1 if inst().input_room() > 0 else 0

    def getDSR() -> int:
        api.enter()
        return 1

    def getRI() -> int:
        api.enter()
        return 1 if inst().ri else 0

    def setRTS(v: Any) -> None:
        api.enter()
        inst().rts = 1 if v else 0

    def setDTR(v: Any) -> None:
        api.enter()
        with api.k.lock:
            inst().set_dtr(1 if v else 0)

    for fn in (send, receive, read, sendbyte, receivebyte, readbyte, getDCD, getCTS, getDSR, getRI, setRTS, setDTR):
        setattr(mod, fn.__name__, fn)
    return mod


def make_ser(api: Api) -> types.ModuleType:
    mod = types.ModuleType("SER")
    m = api.m
    line = m.serial

    def send(string: Any) -> int:
        data = _bytes(string)
        api.enter()
        with api.k.lock:
            return 1 if line.module_send(data) else -1

    def receive(timeout: Any) -> str:
        t = _ticks(timeout)
        api.enter()
        with api.k.lock:
            api.wait(lambda: len(line.rx) > 0, t)
            return line.rx.take().decode("latin-1")

    def read() -> str:
        api.enter()
        with api.k.lock:
            return line.rx.take().decode("latin-1")

    def sendbyte(byte: Any) -> int:
        return send(chr(int(byte) & 0xFF))

    def receivebyte(timeout: Any) -> int:
        t = _ticks(timeout)
        api.enter()
        with api.k.lock:
            if not api.wait(lambda: len(line.rx) > 0, t):
                return -1
            return line.rx.take(1)[0]

    def readbyte() -> int:
        api.enter()
        with api.k.lock:
            if not line.rx:
                return -1
            return line.rx.take(1)[0]

    def set_speed(speed: Any, fmt: Any = "8N1") -> int:
        api.enter()
        # ES13 §3.4.7: speed is a string from the list; format 7/8 data, N/E/O, 1/2 stop.
        if not isinstance(speed, str) or speed not in SPEEDS:
            return -1
        if not isinstance(fmt, str) or fmt not in SER_FORMATS:
            return -1
        with api.k.lock:
            line.speed, line.fmt = speed, fmt
        return 1

    def setDCD(v: Any) -> None:
        api.enter()
        line.dcd = 1 if v else 0

    def setCTS(v: Any) -> None:
        api.enter()
        with api.k.lock:
            line.set_cts(1 if v else 0)

    def setDSR(v: Any) -> None:
        api.enter()
        line.dsr = 1 if v else 0

    def setRI(v: Any) -> None:
        api.enter()
        line.ri = 1 if v else 0

    def getRTS() -> int:
        api.enter()
        return line.dte.rts

    def getDTR() -> int:
        api.enter()
        return line.dte.dtr

    for fn in (send, receive, read, sendbyte, receivebyte, readbyte, set_speed, setDCD, setCTS, setDSR, setRI, getRTS, getDTR):
        setattr(mod, fn.__name__, fn)
    return mod


def make_ser2(api: Api) -> types.ModuleType:
    """ASC1 (REFERENCE §2.4): no modem lines. Output goes to the trace port's capture."""
    mod = types.ModuleType("SER2")
    m = api.m
    rx = bytearray()
    state = {"speed": "9600", "fmt": "8N1"}

    def send(string: Any) -> int:
        api.enter()
        m.trace(_bytes(string).decode("latin-1").rstrip("\r\n"))
        return 1

    def receive(timeout: Any) -> str:
        t = _ticks(timeout)
        api.enter()
        with api.k.lock:
            api.wait(lambda: len(rx) > 0, t)
            out = bytes(rx).decode("latin-1")
            rx.clear()
            return out

    def read() -> str:
        api.enter()
        out = bytes(rx).decode("latin-1")
        rx.clear()
        return out

    def sendbyte(byte: Any) -> int:
        return send(chr(int(byte) & 0xFF))

    def receivebyte(timeout: Any) -> int:
        t = _ticks(timeout)
        api.enter()
        with api.k.lock:
            if not api.wait(lambda: len(rx) > 0, t):
                return -1
            b = rx[0]
            del rx[0]
            return b

    def readbyte() -> int:
        api.enter()
        if not rx:
            return -1
        b = rx[0]
        del rx[0]
        return b

    def set_speed(speed: Any, fmt: Any = "8N1") -> int:
        api.enter()
        if not isinstance(speed, str) or speed not in SPEEDS or not isinstance(fmt, str) or fmt not in SER2_FORMATS:
            return -1
        state["speed"], state["fmt"] = speed, fmt
        return 1

    for fn in (send, receive, read, sendbyte, receivebyte, readbyte, set_speed):
        setattr(mod, fn.__name__, fn)
    mod.rx_buffer = rx  # type: ignore[attr-defined]  # host side: bytes typed into ASC1
    return mod


def make_mod(api: Api) -> types.ModuleType:
    mod = types.ModuleType("MOD")
    m = api.m

    def secCounter() -> int:
        api.enter()
        return m.seconds()  # ES13 §3.7.1: seconds since 2000-01-01 (a long on the module)

    def sleep(t: Any) -> None:
        ticks = _ticks(t)
        api.enter()
        with api.k.lock:
            api.wait(lambda: False, ticks)

    def watchdogEnable(t: Any) -> None:
        api.enter()
        secs = int(t)
        if secs < 1:
            raise ValueError("watchdogEnable: 1..2147483647 seconds")
        with api.k.lock:
            m.watchdog_enable(secs)

    def watchdogReset() -> None:
        api.enter()
        with api.k.lock:
            m.watchdog_reset()

    def watchdogDisable() -> None:
        api.enter()
        with api.k.lock:
            m.watchdog_disable()

    def powerSaving(t: Any) -> None:
        # ES13 §3.7.6: seconds; negative waits for an external event only. Returns on the
        # timeout or on an external event (a URC, RTS rising); powerSavingExitCause tells which.
        secs = int(t)
        api.enter()
        with api.k.lock:
            start = m.events
            deadline = api.k.now() + secs * 1000 if secs >= 0 else 1 << 62
            woke = api.k.wait_until(lambda: m.events != start, deadline, api.gen)
            m.power_saving_cause = 0 if woke else 1

    def powerSavingExitCause() -> int:
        api.enter()
        return m.power_saving_cause

    for fn in (secCounter, sleep, watchdogEnable, watchdogReset, watchdogDisable, powerSaving, powerSavingExitCause):
        setattr(mod, fn.__name__, fn)
    return mod


def make_gpio(api: Api) -> types.ModuleType:
    """GPIO (REFERENCE §2.7). Pins 1-13; unknown pins return -1."""
    mod = types.ModuleType("GPIO")
    m = api.m

    def pin(n: Any) -> list[int] | None:
        try:
            return m.gpio.get(int(n))
        except (TypeError, ValueError):
            return None

    def setIOvalue(n: Any, v: Any) -> int:
        api.enter()
        p = pin(n)
        if p is None or v not in (0, 1):
            return -1
        p[0], p[1] = 1, int(v)
        return 1

    def getIOvalue(n: Any) -> int:
        api.enter()
        p = pin(n)
        return -1 if p is None else p[1]

    def setIOdir(n: Any, value: Any, direction: Any) -> int:
        api.enter()
        p = pin(n)
        if p is None or value not in (0, 1) or direction not in (0, 1, 2, 3):
            return -1
        p[0] = int(direction)
        if direction == 1:
            p[1] = int(value)
        return 1

    def getIOdir(n: Any) -> int:
        api.enter()
        p = pin(n)
        return -1 if p is None else p[0]

    def getADC(n: Any) -> int:
        api.enter()
        adc = getattr(m, "adc", {1: 0, 2: 0, 3: 0})
        return adc.get(int(n), -1)

    def setDAC(enable: Any, value: Any) -> int:
        api.enter()
        if enable not in (0, 1) or not 0 <= int(value) <= 1023:
            return -1
        m.dac = (int(enable), int(value))
        return 1

    def setSLED(status: Any, on: Any = 10, off: Any = 10) -> int:
        api.enter()
        if status not in (0, 1, 2, 3):
            return -1
        m.sled = (int(status), int(on), int(off))
        return 1

    for fn in (setIOvalue, getIOvalue, setIOdir, getIOdir, getADC, setDAC, setSLED):
        setattr(mod, fn.__name__, fn)
    return mod
