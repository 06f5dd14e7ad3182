"""The fleet server (asyncio): listens for client-mode units, calls server-mode units, gives
each unit a pseudo-terminal and passes bytes both ways (docs/fleet.md)."""
from __future__ import annotations

import asyncio
import json
import socket
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, TextIO

from .config import FleetConfig, UnitConfig
from .ptys import UnitPty
from .status import render_table
from .stream import MATCH, WAIT, OfflineBuffer, Stripper, match_identity

READ_SIZE = 65536
WRITE_HIGH = 256 * 1024   # bytes queued to a unit's socket before the pty is no longer read
CONNECT_TIMEOUT = 10.0


def utc(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonLog:
    """One JSON object a line: ``{"time": ..., "event": ..., ...}`` (docs/fleet.md, "Log")."""

    def __init__(self, path: Path | None, echo: Callable[[str], None] | None = None) -> None:
        self.path = path
        self.file: TextIO | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.file = open(path, "a", encoding="utf-8")
        self.echo = echo
        self.events: list[dict[str, Any]] = []  # this run's, for status and tests

    def write(self, event: str, **fields: Any) -> None:
        rec = {"time": utc(time.time()), "event": event, **fields}
        self.events.append(rec)
        del self.events[:-1000]
        line = json.dumps(rec, sort_keys=False)
        if self.file is not None:
            self.file.write(line + "\n")
            self.file.flush()
        elif self.echo is not None:
            self.echo(line)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


@dataclass
class Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    address: str
    direction: str                  # "in": the unit called; "out": the fleet server called
    by: str                         # how the unit was known: identity, address, port, config
    stripper: Stripper
    since: float = field(default_factory=time.time)
    hold: asyncio.TimerHandle | None = None
    reason: str = ""


class Unit:
    def __init__(self, server: "FleetServer", cfg: UnitConfig) -> None:
        self.server = server
        self.cfg = cfg
        self.name = cfg.name
        self.pty = UnitPty(server.cfg.ports / cfg.name, self.from_program)
        self.conn: Connection | None = None
        self.offline = OfflineBuffer(cfg.offline, cfg.offline_buffer)
        self.address = "-"
        self.since: float | None = None        # connected since (None: offline)
        self.offline_since = time.time()
        self.to_unit = 0                       # bytes the program wrote that went to the unit
        self.from_unit = 0                     # device bytes given to the program
        self.heartbeats = 0
        self.last_heartbeat: float | None = None
        self.connections = 0
        self.drains: set[asyncio.Task[None]] = set()
        # the other ways in (tools/fleet/ways.py): each gets the device bytes the pty gets and
        # is told when the unit goes on- or offline; ports lists them for the status
        self.taps: list[Callable[[bytes], None]] = []
        self.watchers: list[Callable[[], None]] = []
        self.claim: Callable[[bytes], None] | None = None   # set: it alone gets the device bytes
        self.ports: dict[str, str] = {"pty": str(self.pty.link)}

    def notify(self) -> None:
        for w in list(self.watchers):
            w()

    # the program's bytes
    def from_program(self, data: bytes) -> None:
        c = self.conn
        if c is not None and c.writer.transport.is_closing():
            c = None            # closing: its reader ends the connection at once
        if c is None:
            first = self.offline.dropped == 0
            lost = self.offline.add(data)
            self.server.changed()
            if lost and first:
                self.server.log.write("dropped", unit=self.name, bytes=lost, policy=self.cfg.offline,
                                      note="unit offline; later drops are counted in the next connect line")
            return
        c.writer.write(data)
        self.to_unit += len(data)
        if c.writer.transport.get_write_buffer_size() > WRITE_HIGH:
            self.pty.pause_reading()
            t = asyncio.ensure_future(self._drain(c))
            self.drains.add(t)
            t.add_done_callback(self.drains.discard)

    async def _drain(self, c: Connection) -> None:
        try:
            await c.writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self.pty.resume_reading()

    # the unit's bytes
    def deliver(self, c: Connection, data: bytes) -> None:
        before = c.stripper.count
        out = c.stripper.feed(data)
        if c.stripper.count != before:
            self.heartbeats += c.stripper.count - before
            self.last_heartbeat = time.time()
        self._to_program(out)
        self.server.changed()
        if c.hold is not None:
            c.hold.cancel()
            c.hold = None
        if c.stripper.held:
            loop = asyncio.get_running_loop()
            c.hold = loop.call_later(self.server.cfg.heartbeat_hold_ms / 1000.0, self.release, c)

    def release(self, c: Connection) -> None:
        c.hold = None
        self._to_program(c.stripper.flush())

    def _to_program(self, out: bytes) -> None:
        if out:
            self.from_unit += len(out)
            if self.claim is not None:      # a Modbus TCP request waits for its RTU reply
                self.claim(out)
                return
            for tap in list(self.taps):
                tap(out)
            lost = self.pty.write(out)
            if lost:
                self.server.log.write("pty_overflow", unit=self.name, bytes=lost,
                                      note="the program does not read its pty")

    def row(self) -> dict[str, Any]:
        return {"unit": self.name, "state": "online" if self.conn else "offline",
                "address": self.address, "direction": self.conn.direction if self.conn else "-",
                "since": self.since, "offline_since": None if self.conn else self.offline_since,
                "to_unit": self.to_unit, "from_unit": self.from_unit, "heartbeats": self.heartbeats,
                "last_heartbeat": self.last_heartbeat, "connections": self.connections,
                "pty": str(self.pty.link), "device": self.pty.path,
                "buffered": len(self.offline.data or b""), "dropped": self.offline.dropped,
                "ports": dict(self.ports)}


class FleetServer:
    def __init__(self, cfg: FleetConfig, echo: Callable[[str], None] | None = print) -> None:
        self.cfg = cfg
        self.echo = echo
        self.log = JsonLog(cfg.log, echo)
        self.units: dict[str, Unit] = {}
        self.servers: list[asyncio.base_events.Server] = []
        self.tasks: set[asyncio.Task[Any]] = set()
        self.listen_port: int | None = None          # the fleet port as bound (config may say 0)
        self.unit_ports: dict[str, int] = {}          # units with their own listen port
        self.changed_event: asyncio.Event | None = None
        self.stopping = False
        self.ways: list[Any] = []                     # RFC 2217, raw, Modbus, web (tools/fleet/ways.py)
        self.lock: Any = None                         # the ports/state lock (tools/fleet/lock.py)
        self.guard: Any = None                        # who gets in (tools/fleet/guard.py)

    # life cycle
    async def start(self) -> None:
        """Open the ptys, the listeners, the status socket; start calling server-mode units.
        On an error (a port in use) everything opened so far is closed again."""
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        from .guard import Guard
        from .lock import acquire

        self.changed_event = asyncio.Event()
        self.cfg.ports.mkdir(parents=True, exist_ok=True)
        self.lock = acquire(self.cfg)          # LockError (an OSError) when another server has them
        self.guard = Guard(self)
        for uc in self.cfg.units.values():
            self._add_unit(uc)
        if self.cfg.listen is not None:
            srv = await asyncio.start_server(lambda r, w: self._spawn(self._incoming(r, w, None)),
                                             self.cfg.listen[0], self.cfg.listen[1])
            self.servers.append(srv)
            self.listen_port = srv.sockets[0].getsockname()[1]
            self.log.write("listen", address="%s:%d" % (self.cfg.listen[0], self.listen_port))
        for u in list(self.units.values()):
            if u.cfg.listen is not None:
                srv = await asyncio.start_server(lambda r, w, u=u: self._spawn(self._incoming(r, w, u)),
                                                 u.cfg.listen[0], u.cfg.listen[1])
                self.servers.append(srv)
                self.unit_ports[u.name] = srv.sockets[0].getsockname()[1]
                self.log.write("listen", unit=u.name, address="%s:%d" % (u.cfg.listen[0], self.unit_ports[u.name]))
            if u.cfg.connect is not None:
                self._spawn(self._connector(u))
        self.cfg.status.parent.mkdir(parents=True, exist_ok=True)
        if self.cfg.status.is_socket():
            self.cfg.status.unlink()
        self.servers.append(await asyncio.start_unix_server(self._status_client, str(self.cfg.status)))
        from .ways import start_ways
        self.ways = await start_ways(self)
        self.log.write("start", units=sorted(self.units), status=str(self.cfg.status))

    async def stop(self) -> None:
        self.stopping = True
        for srv in self.servers:
            srv.close()
        for t in list(self.tasks):
            t.cancel()
        for u in self.units.values():
            if u.conn is not None:
                u.conn.reason = "fleet server stopping"
                u.conn.writer.close()
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=2)
        for w in reversed(self.ways):
            await w.stop()
        self.ways = []
        if self.lock is None:       # another server holds the ports: touch none of its files
            self.log.close()
            return
        for u in self.units.values():
            u.pty.close()
        try:
            if self.cfg.status.is_socket():
                self.cfg.status.unlink()
        except OSError:
            pass
        self.log.write("stop")
        self.log.close()
        self.lock.release()
        self.lock = None

    def _spawn(self, coro: Any) -> None:
        t = asyncio.ensure_future(coro)
        self.tasks.add(t)
        t.add_done_callback(self.tasks.discard)

    def _add_unit(self, uc: UnitConfig) -> Unit:
        u = Unit(self, uc)
        path = u.pty.open()
        self.units[uc.name] = u
        if self.echo is not None:
            self.echo("port %s: %s -> %s" % (uc.name, u.pty.link, path))
        self.log.write("pty", unit=uc.name, link=str(u.pty.link), device=path)
        return u

    def changed(self) -> None:
        """Something a waiter may look at changed (a connection, a counter)."""
        if self.changed_event is not None:
            self.changed_event.set()
            self.changed_event = asyncio.Event()

    async def wait_for(self, pred: Callable[[], bool], timeout: float) -> bool:
        """Wait (bounded) until ``pred()`` holds; it is checked at every change."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while not pred():
            left = end - loop.time()
            if left <= 0 or self.changed_event is None:
                return False
            try:
                await asyncio.wait_for(self.changed_event.wait(), left)
            except TimeoutError:
                return pred()
        return True

    # connections
    async def _identify(self, reader: asyncio.StreamReader, identities: dict[bytes, str]) -> tuple[str | None, bytes]:
        """Read the first bytes of a new connection until they name a unit (bounded by
        identify_ms and the longest identity).  Returns the unit's name (or None) and the
        bytes after the identity (device data)."""
        first = b""
        if not identities:
            return None, first
        longest = max(len(i) for i in identities)
        loop = asyncio.get_running_loop()
        end = loop.time() + self.cfg.identify_ms / 1000.0
        final = False
        while True:
            verdict, name, n = match_identity(first, identities, final)
            if verdict != WAIT:
                return (name if verdict == MATCH else None), first[n:]
            left = end - loop.time()
            if left <= 0 or len(first) >= longest:
                final = True
                continue
            try:
                chunk = await asyncio.wait_for(reader.read(longest - len(first)), left)
            except TimeoutError:
                chunk = None
            if not chunk:
                final = True
            else:
                first += chunk

    async def _incoming(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, fixed: Unit | None) -> None:
        peer = writer.get_extra_info("peername")
        address = "%s:%d" % (peer[0], peer[1])
        _keepalive(writer)
        if not self.guard.admit(peer[0], address, writer):
            return
        try:           # tools/fleet/guard.py: caps, the unknown-peer policy, takeovers
            try:
                unit, rest, by = await self.guard.identify(reader, peer[0], address, fixed)
            except (ConnectionError, OSError) as e:
                self.log.write("refused", address=address, reason="closed during identification: %s" % e)
                unit = None
            if unit is None or not self.guard.take_over(unit, address):
                writer.close()
                return
            await self._serve(unit, reader, writer, rest, address, "in", by)
        finally:
            self.guard.done(peer[0])

    async def _connector(self, u: Unit) -> None:
        """A server-mode unit: call it, and call again with backoff after a failure or a drop."""
        assert u.cfg.connect is not None
        host, port = u.cfg.connect
        delay = u.cfg.backoff_min
        while not self.stopping:
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT)
            except (OSError, TimeoutError) as e:
                self.log.write("connect_failed", unit=u.name, address="%s:%d" % (host, port),
                               reason=str(e) or type(e).__name__, retry_in=round(delay, 3))
                await asyncio.sleep(delay)
                delay = min(delay * 2, u.cfg.backoff_max)
                continue
            delay = u.cfg.backoff_min
            _keepalive(writer)
            ident = {u.cfg.identity: u.name} if u.cfg.identity else {}
            try:
                _, rest = await self._identify(reader, ident)
            except (ConnectionError, OSError):
                rest = b""
            await self._serve(u, reader, writer, rest, "%s:%d" % (host, port), "out", "config")
            await asyncio.sleep(delay)

    async def _serve(self, u: Unit, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     first: bytes, address: str, direction: str, by: str) -> None:
        old = u.conn
        if old is not None:
            old.reason = "replaced by a new connection from %s" % address
            old.writer.close()
            self._end(u, old)
        c = Connection(reader, writer, address, direction, by, Stripper(u.cfg.heartbeat, u.cfg.identity if u.cfg.identity_every else b""))
        u.conn = c
        u.address, u.since = address, c.since
        u.connections += 1
        pending, lost = u.offline.take()
        if pending:
            writer.write(pending)
            u.to_unit += len(pending)
        self.log.write("connect", unit=u.name, address=address, direction=direction, by=by,
                       sent_from_buffer=len(pending), dropped_while_offline=lost)
        u.notify()
        self.changed()
        silence = u.cfg.silence_timeout or None
        try:
            if first:
                u.deliver(c, first)
            while True:
                try:
                    data = await asyncio.wait_for(reader.read(READ_SIZE), silence)
                except TimeoutError:
                    c.reason = c.reason or "no byte from the unit for %g s" % u.cfg.silence_timeout
                    break
                if not data:
                    c.reason = c.reason or "closed by the unit"
                    break
                u.deliver(c, data)
                await u.pty.drained()
        except (ConnectionError, OSError) as e:
            c.reason = c.reason or "connection error: %s" % (e.strerror or e)
        finally:
            writer.close()
            self._end(u, c)
            self.changed()

    def _end(self, u: Unit, c: Connection) -> None:
        if u.conn is not c:
            return
        if c.hold is not None:
            c.hold.cancel()
        u.release(c)
        u.conn = None
        u.since = None
        u.offline_since = time.time()
        u.notify()
        self.log.write("disconnect", unit=u.name, address=c.address, reason=c.reason or "closed",
                       seconds=round(time.time() - c.since, 3), to_unit=u.to_unit, from_unit=u.from_unit,
                       heartbeats=u.heartbeats)

    # status
    def rows(self) -> list[dict[str, Any]]:
        return [self.units[n].row() for n in sorted(self.units)]

    async def _status_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            req = await asyncio.wait_for(reader.readline(), 2)
        except (TimeoutError, ConnectionError, OSError):
            req = b""
        if req.strip() == b"json":
            body = json.dumps({"time": utc(time.time()), "listen": self.listen_port, "units": self.rows()}) + "\n"
        else:
            body = render_table(self.rows(), time.time())
        try:
            writer.write(body.encode())
            await writer.drain()
        except (ConnectionError, OSError):
            pass
        writer.close()


def _keepalive(writer: asyncio.StreamWriter) -> None:
    s = writer.get_extra_info("socket")
    if s is not None:
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


def new_loop() -> asyncio.AbstractEventLoop:
    """The event loop for the fleet server.  On macOS a select()-based one: kqueue, the
    default there, does not reliably report character devices such as pty masters (CPython
    bpo-32517 skipped its own pty test on the kqueue loop for that); select() does."""
    if sys.platform == "darwin":
        import selectors

        return asyncio.SelectorEventLoop(selectors.SelectSelector())
    return asyncio.new_event_loop()


async def serve_forever(cfg: FleetConfig) -> None:
    import signal

    srv = FleetServer(cfg)
    await srv.start()
    if srv.listen_port is not None:
        print("listening: %s:%d" % (cfg.listen[0] if cfg.listen else "", srv.listen_port), flush=True)
    print("status: %s" % cfg.status, flush=True)
    for w in srv.ways:
        if getattr(w, "url", ""):
            print("page: %s" % w.url, flush=True)      # the status page (tools/fleet/web.py)
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, done.set)
    try:
        await done.wait()
    finally:
        await srv.stop()
