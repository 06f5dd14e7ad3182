"""ASC0, the module's serial port (SER), and the device on its other end.

REFERENCE §2.3: the script sets the speed with ``SER.set_speed('9600', '8N1')`` (default 9600);
there is no automatic flow control, the script drives DCD/CTS/DSR/RI and reads RTS/DTR; the
buffers hold 4096 bytes each. Bytes move at the line rate in both directions: a character takes
(1 start + data + parity + stop) bits. Both ends must agree on speed and format; when they do
not, the receiver sees garbage, as on a real line.

The device end is a ``Dte``: in simulation a test drives it (``write``, ``received``, ``rts``),
and the real-I/O layer attaches a pseudo-terminal or a pyserial port to the same object.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from .buffers import ByteFifo

if TYPE_CHECKING:  # pragma: no cover
    from .kernel import Kernel

SPEEDS = ("300", "1200", "2400", "4800", "9600", "19200", "38400", "57600", "115200")
SER_FORMATS = ("8N1", "8N2", "8E1", "8O1", "7N1", "7N2", "7E1", "7O1", "8E2", "7E2", "7O2", "8O2")
SER2_FORMATS = ("8N1", "8N2", "8E1", "8O1", "7N1", "7N2", "7E1", "7O1", "8E2")


def char_bits(fmt: str) -> int:
    data, parity, stop = int(fmt[0]), fmt[1], int(fmt[2])
    return 1 + data + (0 if parity == "N" else 1) + stop


def garble(data: bytes) -> bytes:
    """What a receiver at the wrong speed or format makes of the bytes (deterministic)."""
    return bytes(((b * 7 + 0x35) & 0xFF) | 0x80 for b in data)


class Dte:
    """The device on the serial cable (the PLC, meter or logger)."""

    def __init__(self) -> None:
        self.speed = "9600"
        self.fmt = "8N1"
        self.received = bytearray()  # everything the module sent to the device
        self.rts = 1  # device ready to receive (input of the module: SER.getRTS)
        # The device's DTR (SER.getDTR). Low unless a test, the control interface or a real
        # port's line says otherwise: with #STARTMODESCR=0 a high DTR at power-on keeps the
        # script from starting (ATR10 p.545; module.py).
        self.dtr = 0
        self.obey_cts = True  # a device with RTS/CTS handshake stops sending when CTS is low
        self.on_receive: Callable[[bytes], None] | None = None
        self.pending = bytearray()  # bytes the device wants to send but CTS holds back
        # True for an end with no speed of its own (a pseudo-terminal, realio.py): it always
        # talks at the module side's speed and format, so nothing is garbled.
        self.follow_line = False
        self.line: "SerialLine | None" = None  # set by the SerialLine this device is wired to

    def configure(self, speed: str, fmt: str = "8N1") -> None:
        self.speed, self.fmt = speed, fmt

    def write(self, data: bytes) -> None:
        """The device sends ``data`` to the module (at its own line rate, held back by CTS
        when it obeys it)."""
        assert self.line is not None, "this Dte is not wired to a module"
        with self.line.k.lock:
            self.line.device_send(bytes(data))

    def set_rts(self, v: int) -> None:
        """The device drives RTS (SER.getRTS); rising RTS is an external event (powerSaving)."""
        assert self.line is not None, "this Dte is not wired to a module"
        with self.line.k.lock:
            self.line.set_rts(v)

    def set_dtr(self, v: int) -> None:
        """The device drives DTR (SER.getDTR)."""
        self.dtr = 1 if v else 0

    def lines(self) -> dict[str, int]:
        """The module's output lines as the device sees them (SER.setDCD/CTS/DSR/RI)."""
        assert self.line is not None, "this Dte is not wired to a module"
        ln = self.line
        return {"DCD": ln.dcd, "CTS": ln.cts, "DSR": ln.dsr, "RI": ln.ri}

    def take_received(self) -> bytes:
        out = bytes(self.received)
        self.received.clear()
        return out


class SerialLine:
    """Paced transfer between the module's SER buffers and the Dte."""

    def __init__(self, kernel: "Kernel", dte: Dte | None = None, on_event: Callable[[], None] | None = None) -> None:
        self.k = kernel
        self.dte = dte or Dte()
        self.dte.line = self
        self.speed = "9600"  # the module side, as SER.set_speed left it (ES13 §3.4: default 9600)
        self.fmt = "8N1"
        self.rx = ByteFifo()  # device -> module, read by SER.read/receive
        self.tx = ByteFifo()  # module -> device, filled by SER.send
        # Module outputs; CTS and DSR start asserted so a device can talk before the script
        # touches them (the script takes over with SER.setCTS / setDSR).
        self.dcd = 0
        self.cts = 1
        self.dsr = 1
        self.ri = 0
        self._tx_busy = False
        self._rx_busy = False
        self._on_event = on_event or (lambda: None)
        self.lost_rx = 0
        # Pacing remainders (bit-milliseconds not yet turned into a whole millisecond), so a long
        # transfer takes exactly its bits / speed and does not drift with rounding.
        self._tx_carry = 0
        self._rx_carry = 0
        self.on_rx: Callable[[], None] | None = None  # called after device bytes land in ``rx``
        # While this returns true the module side autobauds (ATR10 +IPR=0: ASC0 as the AT port
        # follows the DTE's speed); atserial.py sets it. ``speed``/``fmt`` stay what the script's
        # SER.set_speed chose.
        self.autobaud: Callable[[], bool] | None = None

    def module_side(self) -> tuple[str, str]:
        """Speed and format the module side uses now."""
        if self.autobaud is not None and self.autobaud():
            return self.dte.speed, self.dte.fmt
        return self.speed, self.fmt

    def device_side(self) -> tuple[str, str]:
        """Speed and format the device side uses now."""
        if self.dte.follow_line:
            return self.module_side()
        return self.dte.speed, self.dte.fmt

    # ------------------------------------------------------------- timing
    def bytes_per_10ms(self, speed: str, fmt: str) -> int:
        cps = int(speed) // char_bits(fmt)
        return max(1, cps // 100)

    def _paced_ms(self, n: int, speed: str, fmt: str, carry: int) -> tuple[int, int]:
        """Milliseconds that ``n`` characters take on the wire, with the running remainder."""
        num = char_bits(fmt) * n * 1000 + carry
        return divmod(num, int(speed))

    # ---------------------------------------------------- module -> device
    def module_send(self, data: bytes) -> bool:
        """SER.send: all or nothing into the 4096-byte TX buffer."""
        if len(data) > self.tx.room():
            return False
        self.tx.put(data)
        self._kick_tx()
        return True

    def _kick_tx(self) -> None:
        if self._tx_busy:
            return
        if not self.tx:
            self._tx_carry = 0  # the line is idle: the next transfer starts afresh
            return
        self._tx_busy = True
        speed, fmt = self.module_side()
        n = min(len(self.tx), self.bytes_per_10ms(speed, fmt))
        ms, self._tx_carry = self._paced_ms(n, speed, fmt, self._tx_carry)
        self.k.call_later(ms, lambda: self._tx_done(n))

    def _tx_done(self, n: int) -> None:
        self._tx_busy = False
        chunk = self.tx.take(n)
        if self.device_side() != self.module_side():
            chunk = garble(chunk)
        self.dte.received += chunk
        if self.dte.on_receive is not None:
            self.dte.on_receive(chunk)
        self._on_event()
        self.k.notify()
        self._kick_tx()

    # ---------------------------------------------------- device -> module
    def device_send(self, data: bytes) -> None:
        """The device writes bytes; they arrive at the line rate of the device's speed."""
        self.dte.pending += data
        self._kick_rx()

    def _kick_rx(self) -> None:
        if self._rx_busy:
            return
        if not self.dte.pending:
            self._rx_carry = 0
            return
        if self.dte.obey_cts and not self.cts:
            return  # held back by CTS; set_cts(1) restarts it
        self._rx_busy = True
        speed, fmt = self.device_side()
        n = min(len(self.dte.pending), self.bytes_per_10ms(speed, fmt))
        ms, self._rx_carry = self._paced_ms(n, speed, fmt, self._rx_carry)
        self.k.call_later(ms, lambda: self._rx_done(n))

    def _rx_done(self, n: int) -> None:
        self._rx_busy = False
        chunk = bytes(self.dte.pending[:n])
        del self.dte.pending[:n]
        if self.device_side() != self.module_side():
            chunk = garble(chunk)
        before = self.rx.lost
        self.rx.put(chunk)
        self.lost_rx += self.rx.lost - before
        if self.on_rx is not None:
            self.on_rx()  # atserial.py: the AT interface takes the bytes when it owns ASC0
        self._on_event()
        self.k.notify()
        self._kick_rx()

    def set_cts(self, v: int) -> None:
        self.cts = 1 if v else 0
        if self.cts:
            self._kick_rx()

    def set_rts(self, v: int) -> None:
        """The device changes RTS (module input)."""
        rising = v and not self.dte.rts
        self.dte.rts = 1 if v else 0
        if rising:
            self._on_event()
