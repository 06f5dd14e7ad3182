"""CSD data calls: an incoming call rings, is answered, carries data both ways and ends
(REFERENCE §9, §5.7, §6.6-6.8, §11 G).

Sources, cited at each behaviour below:

* ATR10: Telit AT Commands Reference Guide Rev.10: A (answer), H (disconnect), S0 (auto-answer,
  "not enabled if current instance is in online mode"), &D ("if AT&D2 has been issued and the
  DTR has been tied Low, autoanswering is inhibited and it is possible to answer only issuing
  command ATA"), \\R (RI line), +CRC (+CRING: <type>), +CLIP (the URC after each RING:
  +CLIP: <number>,<type>,"",128,<alpha>,<CLI_validity>), §3.2.3 result codes
  (CONNECT 9600), §3.2.4 (ATA/ATH on a data call: "Timeout set with ATS7").
* SWUG6: Telit Modules Software User Guide rev.6 §2.6.3: after the escape "the only command
  accepted by the module is the ATH"; "ATH" -> "NO CARRIER" closes the data call.
* REFERENCE §9: class B (+CGCLASS "B") - no GPRS traffic during a circuit-switched call.

Model
-----
``module.csd`` (a ``Csd``) places calls from the network side. A ``CsdCall`` is both the test's
handle on the remote caller and the data link of docs/emulator-design.md (kind "csd",
only_ath=True): after ``ATA`` (or auto-answer) the answering instance goes online with it.

Which instances see RING is n/d (REFERENCE §12 q8). Choice, as a setting: ``csd.ring_to`` lists
the instances that get RING/+CRING/+CLIP and whose RI line rises (default both MDM and MDM2).
An instance that is online at that moment does not get the URCs (a data stream has no room for
them); one that is busy with a command gets them after its result.

Control API::

    call = m.csd.call('+15551230002')  # a remote modem dials the module: it starts ringing
    call.state                         # ringing | connecting | active | ended
    call.send(b'data')                 # the caller sends (paced at the call's bit rate)
    call.received                      # bytes the module sent to the caller
    call.hangup()                      # the caller hangs up: NO CARRIER, DCD low
    call.end_reason                    # missed | remote | local | rejected | reboot | busy | unreachable
"""
from __future__ import annotations

import queue
import socket
import threading
from typing import TYPE_CHECKING, Any, Callable

from . import module as _module
from .at import PENDING, Ctx, Online, Reply, command, error, ok

if TYPE_CHECKING:  # pragma: no cover
    from .at import AtInstance
    from .module import Module

# ATR10 +CRC (SELINT 2): the <type> of +CRING.
CALL_TYPES = ("ASYNC", "SYNC", "REL ASYNC", "REL SYNC", "FAX", "VOICE")
# ATR10 §3.2.3: CONNECT <text> for SELINT 2.
RATES = (300, 1200, 2400, 4800, 9600, 14400)


class CsdCall:
    """One incoming data call: the remote caller's handle and the module's data link."""

    kind = "csd"  # docs/emulator-design.md: #E2ESC applies to GPRS only
    only_ath = True  # SWUG6 §2.6.3: after the escape only ATH is accepted

    def __init__(self, csd: "Csd", number: str | None, call_type: str, rate: int, max_rings: int) -> None:
        self.csd = csd
        self.k = csd.k
        self.number = number
        self.call_type = call_type
        self.rate = rate
        self.max_rings = max_rings
        self.state = "ringing"  # ringing | connecting | active | ended
        self.end_reason: str | None = None
        self.rings = 0
        self.owner: AtInstance | None = None
        self.received = bytearray()  # module -> caller
        self.chunks: list[tuple[int, bytes]] = []  # (module time ms, bytes) as the caller got them
        self._down = bytearray()  # caller -> module, not yet delivered
        self._up = bytearray()  # module -> caller, not yet on the air
        self._down_timer: Any = None
        self._up_timer: Any = None
        self._ring_timer: Any = None
        self._connect_timer: Any = None
        self._ctx: Ctx | None = None  # the ATA waiting for CONNECT
        # Hooks for a real peer (TcpCaller): bytes as the caller gets them; the call ended.
        self.on_receive: Callable[[bytes], None] | None = None
        self.on_end: Callable[["CsdCall"], None] | None = None
        self.started_ms = self.k.now()
        self.connected_ms: int | None = None
        self.ended_ms: int | None = None

    # --------------------------------------------------------------- peer side
    @property
    def connected(self) -> bool:
        return self.state == "active"

    def send(self, data: bytes) -> None:
        """The caller sends ``data``; it reaches the module at the call's bit rate."""
        with self.k.lock:
            if self.state == "ended":
                return
            self._down += bytes(data)
            self._kick_down()

    def hangup(self) -> None:
        """The caller hangs up (or gives up while it rings)."""
        with self.k.lock:
            if self.state != "ended":
                self.csd._end(self, "missed" if self.state == "ringing" else "remote")

    def bytes_per_tick(self) -> int:
        # Asynchronous 8N1: 10 bits a character.
        return max(1, self.rate // 10 * self.csd.tick_ms // 1000)

    # ------------------------------------------------------ link protocol
    def attach(self, inst: "AtInstance") -> None:
        self.owner = inst
        self._kick_down()

    def write(self, data: bytes) -> int:
        """Bytes from the DTE for the caller: taken while the uplink buffer has room."""
        if self.state != "active":
            return len(data)  # nowhere to go: dropped
        n = min(len(data), max(0, self.csd.tx_buffer - len(self._up)))
        if n:
            self._up += data[:n]
            self._kick_up()
        return n

    def escaped(self, inst: "AtInstance") -> None:
        pass  # the call stays up; data from the caller waits until the instance is online again

    def hangup_local(self) -> None:
        if self.state != "ended":
            self.csd._end(self, "local")  # &D2: DTR on->off hangs up (REFERENCE §6.8)

    def room_available(self) -> None:
        self._kick_down()

    # ------------------------------------------------------------- pacing
    def _kick_down(self) -> None:
        if self._down_timer is None and self._down and self.state == "active":
            self._down_timer = self.k.call_later(self.csd.tick_ms, self._down_tick)

    def _down_tick(self) -> None:
        self._down_timer = None
        inst = self.owner
        if self.state != "active" or inst is None or inst.link is not self:
            return  # not online (escaped): the data waits; attach()/room_available() restarts
        chunk = bytes(self._down[: self.bytes_per_tick()])
        n = inst.deliver(chunk)
        del self._down[:n]
        if n:
            self._kick_down()

    def _kick_up(self) -> None:
        if self._up_timer is None and self._up and self.state == "active":
            self._up_timer = self.k.call_later(self.csd.tick_ms, self._up_tick)

    def _up_tick(self) -> None:
        self._up_timer = None
        if self.state != "active":
            return
        chunk = bytes(self._up[: self.bytes_per_tick()])
        del self._up[: len(chunk)]
        if chunk:
            self.received += chunk
            self.chunks.append((self.k.now(), chunk))
            if self.on_receive is not None:
                self.on_receive(chunk)
        inst = self.owner
        if inst is not None and inst.link is self and inst.inbuf:
            inst.pump()  # the DTE's bytes held back by flow control can move now
        self._kick_up()
        self.k.notify()

    def cancel_timers(self) -> None:
        for t in (self._down_timer, self._up_timer, self._ring_timer, self._connect_timer):
            if t is not None:
                t.cancel()
        self._down_timer = self._up_timer = self._ring_timer = self._connect_timer = None

    def __repr__(self) -> str:
        return "<CsdCall %s %s rings=%d>" % (self.number, self.state, self.rings)


class Csd:
    """Incoming CSD calls (``module.csd``)."""

    def __init__(self, module: "Module") -> None:
        self.m = module
        self.k = module.kernel
        self.ring_to: tuple[int, ...] = (1, 2)  # URC routing choice (REFERENCE §12 q8: n/d)
        self.first_ring_ms = 1000  # call arrives -> first RING
        self.ring_interval_ms = 5000  # RING repeats [L: the network's cadence]
        # ATA -> CONNECT: the modem handshake "takes about 30 seconds" (SWUG6 §2.6.2, p.46);
        # longer than S7 of the answering instance (default 60 s, ATR10 p.76) -> NO CARRIER.
        self.connect_delay_ms = 30000
        self.hangup_delay_ms = 300  # ATH -> NO CARRIER
        self.ri_pulse_ms = 1000  # \R2: RI follows the ring signal
        self.tick_ms = 50  # pacing step of the data in both directions
        self.tx_buffer = 2048  # bytes the module buffers towards the caller
        self.calls: list[CsdCall] = []  # every call, newest last
        self.tcp_callers: list[TcpCaller] = []
        self.current: CsdCall | None = None
        module.csd = self
        module.extensions.append(self)

    # ------------------------------------------------------- extension hooks
    def on_boot(self) -> None:
        # A reboot drops the call; the instances are new, so RI starts low.
        if self.current is not None:
            self._end(self.current, "reboot")

    def links(self) -> list[Any]:
        c = self.current
        return [c] if c is not None and c.state == "active" else []

    def close(self) -> None:
        for peer in list(self.tcp_callers):
            peer.close()

    def tcp_caller(self, port: int = 0, host: str = "127.0.0.1", number: str | None = "+15551230002",
                   **call_args: Any) -> "TcpCaller":
        """A real remote modem: every TCP connection accepted on ``host:port`` (loopback) dials
        the module; the bytes flow both ways; a TCP close hangs up and a hang-up closes the
        connection. Use with the real clock (``Module(virtual=False)``)."""
        peer = TcpCaller(self, host, port, number, call_args)
        self.tcp_callers.append(peer)
        return peer

    # ------------------------------------------------------------ control
    def call(self, number: str | None = "+15551230002", call_type: str = "ASYNC", rate: int = 9600,
             max_rings: int = 10) -> CsdCall:
        """A remote modem dials the module. ``number`` None means the caller withholds its
        number. The caller gives up after ``max_rings`` rings (the call just stops ringing)."""
        if call_type not in CALL_TYPES:
            raise ValueError(call_type)
        if rate not in RATES:
            raise ValueError(rate)
        with self.k.lock:
            c = CsdCall(self, number, call_type, rate, max_rings)
            self.calls.append(c)
            if self.current is not None:
                c.state, c.end_reason = "ended", "busy"  # no call waiting for data calls
                c.ended_ms = self.k.now()
                return c
            if not self.m.power or self.m.radio.reg not in (1, 5):
                c.state, c.end_reason = "ended", "unreachable"
                c.ended_ms = self.k.now()
                return c
            self.current = c
            c._ring_timer = self.k.call_later(self.first_ring_ms, lambda: self._ring(c))
            return c

    def status(self) -> dict[str, Any]:
        c = self.current
        return {"state": c.state if c else "idle", "number": c.number if c else None,
                "rings": c.rings if c else 0, "calls": len(self.calls),
                "owner": c.owner.index if c and c.owner else None}

    # --------------------------------------------------------------- ringing
    def _ring_instances(self) -> list["AtInstance"]:
        return [self.m.instances[i] for i in self.ring_to if i in self.m.instances]

    def _ring(self, c: CsdCall) -> None:
        c._ring_timer = None
        if c.state != "ringing" or self.current is not c:
            return
        if not self.m.power:
            self._end(c, "missed")
            return
        c.rings += 1
        for inst in self._ring_instances():
            self._ri_ring(inst)
            if inst.mode == "online":
                continue  # URCs do not interrupt a data stream (routing choice, module docstring)
            # ATR10 +CRC: +CRING: <type> instead of RING; +CLIP: after each RING.
            inst.urc("+CRING: %s" % c.call_type if inst.settings["+CRC"] else "RING", "buffer")
            if inst.settings["+CLIP"]:
                inst.urc(self._clip(c), "buffer")
        self.m.external_event()
        self.k.notify()
        # ATS0=n answers after n rings; not while that instance is online (ATR10 S0); with &D2
        # and DTR low only ATA answers (ATR10 &D).
        for inst in self._ring_instances():
            s0 = inst.settings["S0"]
            if s0 and c.rings >= s0 and inst.mode == "cmd" and not (inst.settings["&D"] == 2 and not inst.dtr):
                inst.mode = "exec"  # the module is answering: as if ATA were running
                self._answer(c, inst, None)
                return
        if c.rings >= c.max_rings:
            self._end(c, "missed")  # the caller gives up: ringing just stops
            return
        c._ring_timer = self.k.call_later(self.ring_interval_ms, lambda: self._ring(c))

    @staticmethod
    def _clip(c: CsdCall) -> str:
        # ATR10 +CLIP: +CLIP: <number>,<type>,"",128,<alpha>,<CLI_validity>
        if c.number is None:
            return '+CLIP: "",128,"",128,"",1'  # CLI withheld by the originator
        return '+CLIP: "%s",%d,"",128,"",0' % (c.number, 145 if c.number.startswith("+") else 129)

    def _ri_ring(self, inst: "AtInstance") -> None:
        # ATR10 \R: 0 RI on during ringing and the connection; 1 on during ringing (factory);
        # 2 RI follows the ring signal.
        if inst.settings["\\R"] == 2:
            inst.ri = 1

            def off(inst: "AtInstance" = inst) -> None:
                if inst.settings["\\R"] == 2:
                    inst.ri = 0

            self.k.call_later(self.ri_pulse_ms, off)
        else:
            inst.ri = 1

    def _ri_off(self, keep_for_connection: bool) -> None:
        for inst in self._ring_instances():
            if keep_for_connection and inst.settings["\\R"] == 0:
                continue
            inst.ri = 0

    # ------------------------------------------------------------ answering
    def _answer(self, c: CsdCall, inst: "AtInstance", ctx: Ctx | None) -> None:
        if c._ring_timer is not None:
            c._ring_timer.cancel()
            c._ring_timer = None
        c.state = "connecting"
        c.owner = inst
        c._ctx = ctx
        self._ri_off(keep_for_connection=True)
        self._gprs(True)  # class B: the circuit-switched call suspends GPRS (REFERENCE §9)

        def connected() -> None:
            c._connect_timer = None
            if c.state != "connecting":
                return
            c.state = "active"
            c.connected_ms = self.k.now()
            result = Online(c, "CONNECT %d" % c.rate, delay=0)  # ATR10 §3.2.3: CONNECT 9600
            c._ctx = None
            if ctx is not None:
                ctx.done(result)
            else:
                inst._apply(result)

        s7_ms = inst.settings.get("S7", 60) * 1000
        if self.connect_delay_ms > s7_ms:
            # ATR10 S7 (p.76): the time allowed "between ... answering a call ... and
            # establishment of a connection": the answer fails with NO CARRIER.
            c._connect_timer = self.k.call_later(s7_ms, lambda: self._end(c, "s7"))
        else:
            c._connect_timer = self.k.call_later(self.connect_delay_ms, connected)

    # ---------------------------------------------------------------- ending
    def _end(self, c: CsdCall, reason: str, tell_owner: bool | None = None) -> None:
        """End the call. The owner instance hears NO CARRIER when online; in command mode after
        the escape it hears it too unless it hung up itself (``tell_owner``)."""
        if tell_owner is None:
            tell_owner = reason != "local"
        prev = c.state
        c.state = "ended"
        c.end_reason = reason
        c.ended_ms = self.k.now()
        c.cancel_timers()
        if self.current is c:
            self.current = None
        self._ri_off(keep_for_connection=False)
        if prev in ("connecting", "active"):
            self._gprs(False)
        if c.on_end is not None:
            c.on_end(c)
        inst = c.owner
        if prev == "connecting" and inst is not None:
            # The caller went away before CONNECT: the ATA (or auto-answer) ends in NO CARRIER.
            if c._ctx is not None:
                c._ctx.done(Reply([], "NO CARRIER", 0))
                c._ctx = None
            else:
                inst._apply(Reply([], "NO CARRIER", 0))
        elif prev == "active" and inst is not None:
            was_escaped = inst.escaped_link is c
            inst.link_closed(c)  # online: NO CARRIER and DCD low (REFERENCE §6.6, §9)
            if was_escaped and tell_owner:
                # In command mode after the escape, the lost call is still reported [L].
                inst.urc("NO CARRIER", "buffer")
        self.m.external_event()
        self.k.notify()

    def _gprs(self, suspended: bool) -> None:
        net = getattr(self.m, "net", None)
        if net is not None:
            net.gprs_suspended = suspended


class TcpCaller:
    """A remote modem standing on loopback TCP (optional real peer, REFERENCE §11 K: tcpser).

    Each accepted connection is one call to the module. A reader thread turns TCP bytes into
    ``call.send``; a writer thread sends what the caller receives; TCP EOF is ``call.hangup()``;
    the end of the call closes the connection. Threads take ``kernel.lock`` for every change.
    """

    def __init__(self, csd: Csd, host: str, port: int, number: str | None, call_args: dict[str, Any]) -> None:
        if not host.startswith("127."):
            raise ValueError("loopback only")
        self.csd = csd
        self.k = csd.k
        self.number = number
        self.call_args = call_args
        self.calls: list[CsdCall] = []
        self._srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._srv.bind((host, port))
        self._srv.listen(1)
        self.address = self._srv.getsockname()
        self.port = self.address[1]
        self._closed = False
        threading.Thread(target=self._accept_loop, name="csd-tcp-accept", daemon=True).start()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._srv.accept()
            except OSError:
                return
            self._serve(conn)

    def _serve(self, conn: socket.socket) -> None:
        out: "queue.Queue[bytes | None]" = queue.Queue()
        with self.k.lock:
            call = self.csd.call(self.number, **self.call_args)
            self.calls.append(call)
            if call.state == "ended":
                conn.close()
                return
            call.on_receive = out.put
            call.on_end = lambda _c: out.put(None)
            self.k.notify()

        def writer() -> None:
            while True:
                data = out.get()
                if data is None:
                    break
                try:
                    conn.sendall(data)
                except OSError:
                    break
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

        threading.Thread(target=writer, name="csd-tcp-writer", daemon=True).start()
        while True:
            try:
                data = conn.recv(4096)
            except OSError:
                data = b""
            if not data:
                with self.k.lock:
                    call.hangup()
                    self.k.notify()
                return
            with self.k.lock:
                call.send(data)
                self.k.notify()

    def close(self) -> None:
        self._closed = True
        try:
            self._srv.close()
        except OSError:
            pass


def _csd(ctx: Ctx) -> Csd:
    return ctx.module.csd


# ======================================================================= commands
@command("A")
def answer(ctx: Ctx) -> Any:
    # ATR10 A: answers an incoming call; CONNECT <rate> after the handshake (ATR10 §3.2.4:
    # bounded by S7). No call to answer: NO CARRIER (V.25ter) [L].
    csd = _csd(ctx)
    c = csd.current
    if c is None or c.state != "ringing":
        return Reply([], "NO CARRIER")
    csd._answer(c, ctx.inst, ctx)
    return PENDING


@command("H")
def hang_up(ctx: Ctx) -> Reply:
    # ATR10 H / SWUG6 §2.6.3.2: "ATH" -> "NO CARRIER" closes the data call (the only command
    # accepted after the escape). A ringing call is rejected with OK; nothing to hang up: OK.
    csd = _csd(ctx)
    c = csd.current
    if ctx.raw not in ("", "0"):
        return error()
    if c is not None and c.state == "active":
        # The call belongs to the module, not to one instance: ATH on another instance in
        # command mode ends it too; the owner then sees NO CARRIER like on a remote hang-up.
        mine = c.owner is ctx.inst
        csd._end(c, "local", tell_owner=not mine)
        return Reply([], "NO CARRIER" if mine else "OK", csd.hangup_delay_ms)
    if c is not None and c.state == "ringing":
        csd._end(c, "rejected")
        return ok(delay=csd.hangup_delay_ms)
    return ok()


def _flag(key: str, name: str, read_extra: str = ""):
    def handler(ctx: Ctx) -> Reply:
        if ctx.kind == "read":
            return ok("%s: %d%s" % (name, ctx.inst.settings[key], read_extra))
        if ctx.kind == "test":
            return ok("%s: (0,1)" % name)
        if ctx.kind == "exec":
            return error()
        ctx.inst.settings[key] = ctx.int_arg(0, 0, 1, 0)  # "AT+CRC=" is "AT+CRC=0"
        return ok()

    return handler


# Per-instance (REFERENCE §5.3). +CLIP? answers <n>,<m> with <m>=1 "CLIP provisioned" (ATR10).
command("+CRC")(_flag("+CRC", "+CRC"))
command("+CLIP")(_flag("+CLIP", "+CLIP", ",1"))


def _attach(module: "Module") -> None:
    Csd(module)


_module.EXTENSION_FACTORIES.append(_attach)
