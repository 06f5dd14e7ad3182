"""A unit's RFC 2217 and raw TCP ports (docs/fleet.md, "Ways in").

* **raw** (ser2net's "raw"): the bytes of the unit's serial line, unchanged, both ways.
* **rfc2217** (Telnet Com Port Control, RFC 2217): the same bytes inside Telnet (0xFF
  doubled), plus the line settings and modem lines of a serial port.  pyserial's
  ``serial.rfc2217.PortManager`` (its server side) speaks the protocol; this module gives it
  the unit's line as a stand-in for a serial port: the settings the client asks for are
  answered with the unit's real ones (``baud`` and ``charformat`` in its section, as set on
  the unit by SMS), a client asking for others gets the real values back and a
  ``line_mismatch`` log line (pyserial then refuses to open: "remote rejected value"), and
  CD follows "unit online" (DSR and CTS are on while the fleet server runs).

One client at a time per port (as ser2net); what a client writes goes to the unit by the
unit's offline policy, as what a program writes to the pty; what the unit sends reaches the
pty and every attached client alike.
"""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Callable

from serial.rfc2217 import PortManager

if TYPE_CHECKING:
    from .server import FleetServer, Unit

CLIENT_LIMIT = 1 << 20      # bytes waiting for a slow client; beyond, dropped and counted
PARITY = {"N": "N", "E": "E", "O": "O"}


class UnitLine:
    """The unit's serial line seen as a pyserial port by PortManager: reads give the real
    settings, writes that differ are logged and not applied (the unit's line changes only by
    SMS ``baud`` / ``charformat``)."""

    def __init__(self, unit: "Unit", mismatch: Callable[[str, Any, Any], None]) -> None:
        cf = unit.cfg.charformat
        object.__setattr__(self, "_real", {"baudrate": unit.cfg.baud, "bytesize": int(cf[0]),
                                           "parity": PARITY[cf[1]], "stopbits": int(cf[2])})
        object.__setattr__(self, "_mismatch", mismatch)
        object.__setattr__(self, "unit", unit)

    def __getattr__(self, name: str) -> Any:
        real = object.__getattribute__(self, "_real")
        if name in real:
            return real[name]
        if name == "cd":
            return object.__getattribute__(self, "unit").conn is not None
        if name in ("cts", "dsr"):
            return True
        if name in ("ri", "xonxoff", "rtscts"):
            return False
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        real = object.__getattribute__(self, "_real")
        if name in real and value != real[name]:
            object.__getattribute__(self, "_mismatch")(name, value, real[name])
        # DTR, RTS, break and flow control have no wire to the remote device: accepted, ignored

    def reset_input_buffer(self) -> None:
        pass

    def reset_output_buffer(self) -> None:
        pass


class _Writer:
    """PortManager's ``connection``: a write that queues on the asyncio transport."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer

    def write(self, data: bytes) -> None:
        if not self.writer.transport.is_closing():
            self.writer.write(data)


class Listener:
    """A unit's listening port (``kind``: raw, rfc2217 or modbus, the key in ``unit.ports``
    and the log's ``way``): each client is served by ``_client`` in a task of its own; stop
    closes the port and cancels them."""

    def __init__(self, server: "FleetServer", unit: "Unit", kind: str) -> None:
        self.server, self.unit, self.kind = server, unit, kind
        self.srv: asyncio.base_events.Server | None = None
        self.tasks: set[asyncio.Task[None]] = set()

    async def start(self, host: str, port: int) -> None:
        self.srv = await asyncio.start_server(self._spawn, host, port)
        bound = self.srv.sockets[0].getsockname()[1]
        self.unit.ports[self.kind] = "%s:%d" % (host, bound)
        self.server.log.write("listen", unit=self.unit.name, way=self.kind, address="%s:%d" % (host, bound))

    async def stop(self) -> None:
        if self.srv is not None:
            self.srv.close()
        for t in list(self.tasks):
            t.cancel()
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=2)

    def _spawn(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        t = asyncio.ensure_future(self._client(reader, writer))
        self.tasks.add(t)
        t.add_done_callback(self.tasks.discard)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError


class TcpPort(Listener):
    def __init__(self, server: "FleetServer", unit: "Unit", kind: str) -> None:
        super().__init__(server, unit, kind)
        self.client: str | None = None

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        address = "%s:%d" % (peer[0], peer[1])
        u, log = self.unit, self.server.log
        if self.client is not None:
            log.write("refused", address=address, unit=u.name, way=self.kind,
                      reason="the port has a client already (%s): one at a time" % self.client)
            writer.close()
            return
        self.client = address
        lost = [0]

        def send(data: bytes) -> None:
            if writer.transport.is_closing():
                return
            if writer.transport.get_write_buffer_size() > CLIENT_LIMIT:
                if not lost[0]:
                    log.write("way_overflow", unit=u.name, way=self.kind, address=address,
                              note="the client does not read; bytes dropped")
                lost[0] += len(data)
                return
            writer.write(data)

        pm: PortManager | None = None
        if self.kind == "rfc2217":
            def mismatch(name: str, asked: Any, real: Any) -> None:
                log.write("line_mismatch", unit=u.name, address=address, setting=name, asked=asked, real=real,
                          note="answered with the unit's own setting (SMS baud / charformat changes it)")
            pm = PortManager(UnitLine(u, mismatch), _Writer(writer))

            def tap(data: bytes) -> None:
                send(data.replace(b"\xff", b"\xff\xff"))

            def watch() -> None:
                pm.check_modem_lines()
        else:
            tap = send

            def watch() -> None:
                pass
        u.taps.append(tap)
        u.watchers.append(watch)
        log.write("client", unit=u.name, way=self.kind, address=address)
        self.server.changed()
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                if pm is not None:
                    data = b"".join(pm.filter(data))
                if data:
                    u.from_program(data)
                    c = u.conn
                    if c is not None and c.writer.transport.get_write_buffer_size() > 256 * 1024:
                        await c.writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            u.taps.remove(tap)
            u.watchers.remove(watch)
            self.client = None
            writer.close()
            self.server.changed()
            log.write("client_gone", unit=u.name, way=self.kind, address=address, dropped=lost[0])


async def start_listeners(server: "FleetServer", kinds: tuple[str, ...],
                          make: Callable[["Unit", str], Listener]) -> list[Any]:
    """A listener (``make(unit, kind)``) on every address the configuration gives a unit for
    one of ``kinds``; when one cannot start, those already started are stopped."""
    out: list[Any] = []
    try:
        for u in list(server.units.values()):
            for kind in kinds:
                a = server.cfg.way_address(u.cfg, kind)
                if a is not None:
                    p = make(u, kind)
                    await p.start(*a)
                    out.append(p)
    except BaseException:
        for p in out:
            await p.stop()
        raise
    return out


async def start(server: "FleetServer") -> list[Any]:
    return await start_listeners(server, ("rfc2217", "raw"), lambda u, kind: TcpPort(server, u, kind))
