"""The Telit built-in modules as the script sees them: MDM, MDM2, SER, SER2, MOD, GPIO.

Signatures, units and return values follow REFERENCE §2 (ES13 §3):

* every timeout is an integer in tenths of a second, range 0-32767 (ES13 §3.2.1 ... "The timeout
  range is (0 ÷ 32767)"). The emulator clamps values outside the range into it and raises
  ``TypeError`` for anything that is not an integer (a float cannot even exist on the module,
  a string is a programming error);
* ``receive(t)`` returns the first chunk as soon as there is one ("the first string received no
  matter of how long the timeout is") and ``''`` when the timeout expires; ``read()`` never
  blocks; the byte calls return ints and ``-1`` for nothing; ``send`` returns ``1`` or ``-1``;
* MDM/MDM2 ``receive``/``read``/``receivebyte``/``readbyte`` set the interface's RTS on
  (ES13 §3.2.2: "Request to Send (RTS) is set to ON").

Data is ``str`` (latin-1) on the script side. Every call charges ``module.call_cost_ms`` of
module CPU time (tools/emulator/cost.py), is counted by name in ``module.meter.calls``
(``"MDM.send"``), and checks that the calling script is still alive (a reboot freezes older
script threads).
"""
from __future__ import annotations

import base64
import binascii as _binascii
import types
from typing import TYPE_CHECKING, Any, Callable

from . import variants
from .serial_line import SER2_FORMATS, SER_FORMATS, SPEEDS

if TYPE_CHECKING:  # pragma: no cover
    from .at import AtInstance
    from .module import Module

MAX_TIMEOUT = 32767  # tenths of a second (REFERENCE §2.0)
INT32_MIN, INT32_MAX = -2147483648, 2147483647


def _int(v: Any, what: str = "argument") -> int:
    """An integer argument (a Python int; 1.5.2 has no bool). Anything else: TypeError."""
    if not isinstance(v, int):
        raise TypeError("%s must be an integer" % what)
    return int(v)


def _ticks(t: Any) -> int:
    """A timeout in tenths of a second, clamped to 0..32767 (REFERENCE §2.0, §11 A1)."""
    return max(0, min(MAX_TIMEOUT, _int(t, "timeout")))


def _bytes(s: Any) -> bytes:
    if not isinstance(s, str):
        raise TypeError("argument must be a string")
    return s.encode("latin-1")


def _byte(b: Any) -> bytes:
    """The byte calls take a Python integer (ES13 §3.2.4: "any Python byte ... It can also be
    zero"); the low 8 bits are sent."""
    return bytes([_int(b, "byte") & 0xFF])


def _readers(api: "Api", pending: Callable[[], int], take: Callable[[int | None], bytes],
             before_wait: Callable[[], None] = lambda: None) -> tuple[Callable[..., Any], ...]:
    """receive, read, receivebyte, readbyte over one input buffer (REFERENCE §2.0): receive
    returns the first chunk as soon as there is one, '' on timeout; read never blocks; the
    byte calls give an int or -1. ``take(n)`` removes up to n bytes (None: all)."""
    k = api.k

    def receive(timeout: Any) -> str:
        t = _ticks(timeout)
        api.enter()
        with k.lock:
            before_wait()
            api.wait(lambda: pending() > 0, t)
            return take(None).decode("latin-1")

    def read() -> str:
        api.enter()
        with k.lock:
            return take(None).decode("latin-1")

    def receivebyte(timeout: Any) -> int:
        t = _ticks(timeout)
        api.enter()
        with k.lock:
            before_wait()
            if not api.wait(lambda: pending() > 0, t):
                return -1
            return take(1)[0]

    def readbyte() -> int:
        api.enter()
        with k.lock:
            data = take(1)
            return data[0] if data else -1

    return receive, read, receivebyte, readbyte


def _export(api: "Api", mod: types.ModuleType, fns: Any) -> None:
    """Put the functions on the module, each counting its calls in ``module.meter.calls``
    under ``"<MODULE>.<name>"`` (``fns``: functions, or (name, function) pairs)."""
    meter = api.m.meter
    for item in fns:
        name, fn = item if isinstance(item, tuple) else (item.__name__, item)
        setattr(mod, name, _counted(meter, "%s.%s" % (mod.__name__, name), fn))


def _counted(meter: Any, key: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kw: Any) -> Any:
        meter.calls[key] += 1
        return fn(*args, **kw)
    call.__name__ = fn.__name__
    return call


class Api:
    """Shared plumbing for one script run (one generation)."""

    def __init__(self, module: "Module", generation: int) -> None:
        self.m = module
        self.k = module.kernel
        self.gen = generation

    def enter(self) -> None:
        """Start of every built-in call: charge its CPU time (events falling due meanwhile run;
        a watchdog reboot among them freezes this thread here)."""
        self.m.meter.call_ms += self.m.call_cost_ms
        self.k.spend(self.m.call_cost_ms, self.gen)

    def alive(self) -> None:
        self.k.check_alive(self.gen)

    def wait(self, ready: Callable[[], bool], ticks: int) -> bool:
        return self.k.wait_until(ready, self.k.now() + ticks * 100, self.gen)


def make_mdm(api: Api, index: int, name: str) -> types.ModuleType:
    """MDM (AT parser instance 1) or MDM2 (instance 2): ES13 §3.2, §3.3; REFERENCE §2.1-2.2."""
    mod = types.ModuleType(name)
    m = api.m
    k = api.k

    def inst() -> "AtInstance":
        return m.instances[index]

    def drained() -> None:
        for link in m.links():
            if getattr(link, "owner", None) is inst():
                room = getattr(link, "room_available", None)
                if room is not None:
                    room()

    def _send(data: bytes, t: int) -> int:
        api.enter()
        with k.lock:
            deadline = k.now() + t * 100
            # All or nothing: the call waits (up to the timeout) for room for the whole string,
            # so -1 always means "nothing was taken, keep it all" (ES13 §3.2.1 leaves the partial
            # case undocumented; this is the only reading a caller can act on). Strings longer
            # than the 4096-byte buffer go in 4096-byte pieces.
            while data:
                piece = data[:4096]
                if not k.wait_until(lambda: inst().input_room() >= len(piece), deadline, api.gen):
                    room = inst().input_room()
                    if room > 0 and variants.choice(m, "mdm_send") == "prefix":
                        inst().feed(piece[:room])  # variant: what fitted was taken, -1 all the same
                    return -1
                inst().feed(piece)
                api.alive()  # the command just fed may have rebooted the module
                data = data[len(piece):]
            return 1

    def send(string: Any, timeout: Any) -> int:
        return _send(_bytes(string), _ticks(timeout))

    def _take(n: int | None) -> bytes:
        i = inst()
        i.rts = 1  # ES13 §3.2.2: receive/read set RTS on
        data = i.out.take(n)
        if data:
            drained()
        return data

    def _rts_on() -> None:
        inst().rts = 1

    receive, read, receivebyte, readbyte = _readers(api, lambda: len(inst().out), _take, _rts_on)

    def sendbyte(byte: Any, timeout: Any) -> int:
        return _send(_byte(byte), _ticks(timeout))

    def getDCD() -> int:
        api.enter()
        with k.lock:
            return inst().dcd()

    def getCTS() -> int:
        # The internal flow control towards the AT interface: room in its input buffer.
        api.enter()
        with k.lock:
            return 1 if inst().input_room() > 0 else 0

    def getDSR() -> int:
        # ATR10 &S3 (factory): DSR high when the device is ready to receive commands.
        api.enter()
        return 1

    def getRI() -> int:
        api.enter()
        with k.lock:
            return 1 if inst().ri else 0

    def setRTS(v: Any) -> None:
        v = _int(v, "RTS_value")
        api.enter()
        with k.lock:
            inst().rts = 1 if v else 0

    def setDTR(v: Any) -> None:
        v = _int(v, "DTR_value")
        api.enter()
        with k.lock:
            inst().set_dtr(1 if v else 0)
            api.alive()

    _export(api, mod, (send, receive, read, sendbyte, receivebyte, readbyte, getDCD, getCTS, getDSR, getRI, setRTS, setDTR))
    return mod


def make_ser(api: Api) -> types.ModuleType:
    """SER: ASC0 with the modem lines (ES13 §3.4; REFERENCE §2.3)."""
    mod = types.ModuleType("SER")
    m = api.m
    k = api.k
    line = m.serial

    def _send(data: bytes) -> int:
        api.enter()
        with k.lock:
            # ES13 §3.4.1: 1, or -1 "if an error occurred"; no timeout, a 4096-byte buffer. The
            # emulator's error: the string does not fit in the free part of the buffer (nothing
            # is queued then).
            if line.module_send(data):
                return 1
            room = line.tx.room()
            if room > 0 and variants.choice(m, "ser_send") == "prefix":
                line.module_send(data[:room])  # variant: what fits is queued, -1 all the same
            return -1

    def send(string: Any) -> int:
        return _send(_bytes(string))

    receive, read, receivebyte, readbyte = _readers(api, lambda: len(line.rx), line.rx.take)

    def sendbyte(byte: Any) -> int:
        return _send(_byte(byte))

    def set_speed(speed: Any, fmt: Any = "8N1") -> int:
        api.enter()
        # ES13 §3.4.7: speed is a string, the +IPR values (REFERENCE §2.3: '300'...'115200');
        # format: 7/8 data bits, N/E/O parity, 1/2 stop bits, default "8N1". -1 on error.
        if not isinstance(speed, str) or speed not in SPEEDS:
            return -1
        if not isinstance(fmt, str) or fmt not in SER_FORMATS:
            return -1
        with k.lock:
            line.speed, line.fmt = speed, fmt
        return 1

    def _line_out(attr: str) -> Callable[[Any], None]:
        def setter(v: Any) -> None:
            v = _int(v, "value")
            api.enter()
            with k.lock:
                if attr == "cts":
                    line.set_cts(1 if v else 0)
                else:
                    setattr(line, attr, 1 if v else 0)
                k.notify()
        return setter

    setDCD = _line_out("dcd")
    setCTS = _line_out("cts")
    setDSR = _line_out("dsr")
    setRI = _line_out("ri")

    def getRTS() -> int:
        api.enter()
        with k.lock:
            return 1 if line.dte.rts else 0

    def getDTR() -> int:
        api.enter()
        with k.lock:
            return 1 if line.dte.dtr else 0

    _export(api, mod, (send, receive, read, sendbyte, receivebyte, readbyte, set_speed, getRTS, getDTR,
                       ("setDCD", setDCD), ("setCTS", setCTS), ("setDSR", setDSR), ("setRI", setRI)))
    return mod


def make_ser2(api: Api) -> types.ModuleType:
    """ASC1 (REFERENCE §2.4, ES13 §3.5): SER without the modem lines. Its TX is the trace port
    (the pin ``print`` output leaves on), so what the script sends lands in ``trace_lines``;
    bytes for the script to receive are put into ``module.ser2_rx`` by the host."""
    mod = types.ModuleType("SER2")
    m = api.m
    k = api.k
    rx = getattr(m, "ser2_rx", None)
    if rx is None:
        rx = m.ser2_rx = bytearray()  # type: ignore[attr-defined]
    state = {"speed": "9600", "fmt": "8N1"}

    def _send(data: bytes) -> int:
        api.enter()
        with k.lock:
            m.trace_write(data.decode("latin-1"))
        return 1

    def send(string: Any) -> int:
        return _send(_bytes(string))

    def _take(n: int | None) -> bytes:
        if n is None:
            out = bytes(rx)
            rx.clear()
            return out
        out = bytes(rx[:n])
        del rx[:n]
        return out

    receive, read, receivebyte, readbyte = _readers(api, lambda: len(rx), _take)

    def sendbyte(byte: Any) -> int:
        return _send(_byte(byte))

    def set_speed(speed: Any, fmt: Any = "8N1") -> int:
        api.enter()
        # REFERENCE §2.4: '300'...'115200'; formats 8N1 8N2 8E1 8O1 7N1 7N2 7E1 7O1 8E2.
        if not isinstance(speed, str) or speed not in SPEEDS or not isinstance(fmt, str) or fmt not in SER2_FORMATS:
            return -1
        state["speed"], state["fmt"] = speed, fmt
        return 1

    _export(api, mod, (send, receive, read, sendbyte, receivebyte, readbyte, set_speed))
    mod.rx_buffer = rx  # type: ignore[attr-defined]  # host side: bytes typed into ASC1
    return mod


def make_mod(api: Api) -> types.ModuleType:
    """MOD (ES13 §3.7; REFERENCE §2.6)."""
    mod = types.ModuleType("MOD")
    m = api.m
    k = api.k

    def secCounter() -> int:
        api.enter()
        # ES13 §3.7.1: seconds since 2000-01-01 ("a Python long integer"; an int here, format it
        # with '%d', REFERENCE §12.2).
        if variants.choice(m, "seccounter_str") == "long":
            return variants.SecLong(m.seconds())  # variant: str() ends in L, as a 1.5.2 long
        return int(m.seconds())

    def sleep(t: Any) -> None:
        ticks = _ticks(t)  # ES13 §3.7.2: tenths of a second, 0-32767
        api.enter()
        with k.lock:
            api.wait(lambda: False, ticks)

    def watchdogEnable(t: Any) -> None:
        secs = _int(t, "timeout")
        # ES13 §3.7.3: seconds, "The timeout range is (1 ÷ 2147483647)". What the module does
        # with a value outside it is n/d; the emulator refuses it loudly.
        if not 1 <= secs <= INT32_MAX:
            raise ValueError("watchdogEnable: timeout must be 1..2147483647 seconds")
        api.enter()
        with k.lock:
            m.watchdog_enable(secs)

    def watchdogReset() -> None:
        api.enter()
        with k.lock:
            m.watchdog_reset()

    def watchdogDisable() -> None:
        api.enter()
        with k.lock:
            m.watchdog_disable()

    def powerSaving(t: Any) -> None:
        # ES13 §3.7.6: seconds, -2147483648..2147483647; negative waits for an external event
        # only. It returns on the timeout or on an external event (a URC such as RING, RTS
        # going high); powerSavingExitCause() tells which.
        secs = max(INT32_MIN, min(INT32_MAX, _int(t, "timeout")))
        api.enter()
        with k.lock:
            start = m.events
            deadline = k.now() + secs * 1000 if secs >= 0 else 1 << 62
            woke = k.wait_until(lambda: m.events != start, deadline, api.gen)
            m.power_saving_cause = 0 if woke else 1

    def powerSavingExitCause() -> int:
        api.enter()
        return m.power_saving_cause  # ES13 §3.7.7: 0 external event, 1 timeout

    def encBase64(s: Any) -> str:
        # ES13 §3.7.8 (10.00.xx3 only; off unless module.features["encBase64"]): base64 in MIME
        # lines of 76 characters with CR LF, '' when the result would exceed 16000 characters.
        data = _bytes(s)
        api.enter()
        out = base64.encodebytes(data).decode("ascii").replace("\n", "\r\n")
        return "" if len(out) > 16000 else out

    _export(api, mod, (secCounter, sleep, watchdogEnable, watchdogReset, watchdogDisable, powerSaving, powerSavingExitCause))
    if m.features.get("encBase64"):
        _export(api, mod, (encBase64,))
    return mod


def make_gpio(api: Api) -> types.ModuleType:
    """GPIO (ES13 §3.6; REFERENCE §2.7). Pins 1-13 (the GC864 pinout is n/d, §12.13); unknown
    pins and bad values return -1. ``getCBC``, ``getAXE``, ``setVAUX`` are absent (REFERENCE
    §2.7: doubtful on a GC864-PY)."""
    mod = types.ModuleType("GPIO")
    m = api.m
    k = api.k

    def pin(n: Any) -> list[int] | None:
        return m.gpio.get(_int(n, "GPIOnumber"))

    def setIOvalue(n: Any, v: Any) -> int:
        v = _int(v, "value")
        api.enter()
        with k.lock:
            p = pin(n)
            if p is None or v not in (0, 1):
                return -1
            # ES13 §3.6.1: "Sets the output value"; REFERENCE §2.7: the pin becomes an output.
            p[0], p[1] = 1, v
            return 1

    def getIOvalue(n: Any) -> int:
        api.enter()
        with k.lock:
            p = pin(n)
            return -1 if p is None else p[1]

    def setIOdir(n: Any, value: Any, direction: Any) -> int:
        value, direction = _int(value, "value"), _int(direction, "direction")
        api.enter()
        with k.lock:
            p = pin(n)
            # ES13 §3.6.3: value must be 0 or 1 even when unused; direction 0 input, 1 output,
            # 2 alternate function, 3 tristate pull down.
            if p is None or value not in (0, 1) or direction not in (0, 1, 2, 3):
                return -1
            p[0] = direction
            if direction == 1:
                p[1] = value
            return 1

    def getIOdir(n: Any) -> int:
        api.enter()
        with k.lock:
            p = pin(n)
            return -1 if p is None else p[0]

    def getADC(n: Any) -> int:
        n = _int(n, "adcNumber")
        api.enter()
        with k.lock:
            return m.adc.get(n, -1)  # ES13 §3.6.5: mV, or -1

    def setDAC(enable: Any, value: Any) -> int:
        enable, value = _int(enable, "enable"), _int(value, "value")
        api.enter()
        if enable not in (0, 1) or not 0 <= value <= 1023:
            return -1
        m.dac = (enable, value)  # type: ignore[attr-defined]
        return 1

    def setSLED(status: Any, on: Any, off: Any) -> int:
        status, on, off = _int(status, "status"), _int(on, "onDuration"), _int(off, "offDuration")
        api.enter()
        # ES13 §3.6.9: 0 off, 1 on, 2 auto, 3 blinking; durations in 1/10 s (ATR10 #SLED 1-100).
        if status not in (0, 1, 2, 3) or not 0 <= on <= 100 or not 0 <= off <= 100:
            return -1
        m.sled = (status, on, off)  # type: ignore[attr-defined]
        return 1

    _export(api, mod, (setIOvalue, getIOvalue, setIOdir, getIOdir, getADC, setDAC, setSLED))
    return mod


def make_binascii(api: Api) -> types.ModuleType:
    """``binascii`` (ES13 §5.2.35: "available in version 10.00.xx3", so off unless
    ``module.features["binascii"]``): the uu and base64 conversions and ``crc_hqx`` on str (the
    hqx/rle conversions are gone from Python 3.11's binascii and are not emulated)."""
    mod = types.ModuleType("binascii")

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            api.enter()
            conv = [a.encode("latin-1") if isinstance(a, str) else a for a in args]
            out = fn(*conv)
            return out.decode("latin-1") if isinstance(out, bytes) else out
        call.__name__ = fn.__name__
        return call

    _export(api, mod, tuple(wrap(getattr(_binascii, name)) for name in ("a2b_uu", "b2a_uu", "a2b_base64", "b2a_base64", "crc_hqx")))
    mod.Error = _binascii.Error  # type: ignore[attr-defined]
    mod.Incomplete = _binascii.Incomplete  # type: ignore[attr-defined]
    return mod
