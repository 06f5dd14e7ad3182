"""Simulated remote hosts, inside the process and on the kernel clock (deterministic under
virtual time). Tests drive them:

    srv = m.net.sim.listen("203.0.113.5", 5000)       # a server the module's #SD can reach
    conn = srv.accept_next(timeout=10)                 # runs module time until the module dials
    conn.received, conn.packets                        # bytes, and (ms, bytes) per packet
    conn.send(b"..."); conn.close(); conn.reset(); conn.half_open()

    c = m.net.sim.connect("198.51.100.7", 3000)        # a remote client dialling #SL
    c.state  # connecting | connected | refused | timeout | closed | reset

Addresses are plain strings; nothing leaves the process. A connection to an address where no
simulated server exists is unreachable (no answer: the module's connTo expires, error 559);
to a simulated host on a port nobody listens on, it is refused (RST, error 562).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .radio import Wire

if TYPE_CHECKING:  # pragma: no cover
    from .network import Attempt, Network
    from .sockets import Socket


class SimConn:
    """The remote end of one TCP connection with the module."""

    def __init__(self, sim: "SimTransport", local: tuple[str, int], remote: tuple[str, int],
                 latency_ms: int | None) -> None:
        self.sim = sim
        self.net = sim.net
        self.local = local  # this peer's (ip, port)
        self.remote = remote  # the module's (ip, port)
        self.latency_ms = latency_ms
        self.wire: Wire | None = None
        self.state = "connecting"
        self.packets: list[tuple[int, bytes]] = []
        self._received = bytearray()
        self.eof = False  # the module closed (its FIN arrived)
        self.reset_by_module = False
        self.lost: str | None = None  # the module vanished (reboot, context drop)
        self.silent = False
        self.on_data: Any = None  # called with this conn after each packet (simhttp.py)

    # ---------------------------------------------------------------- Peer
    def on_packet(self, data: bytes) -> None:
        self.packets.append((self.net.kernel.now(), data))
        self._received += data
        if self.on_data is not None:
            self.on_data(self)
        self.net.kernel.notify()

    def on_fin(self) -> None:
        self.eof = True
        if self.state == "connected":
            self.state = "closed"
        self.net.kernel.notify()

    def on_reset(self) -> None:
        self.reset_by_module = True
        self.state = "reset"
        self.net.kernel.notify()

    def on_lost(self, reason: str) -> None:
        self.lost = reason  # the peer itself notices nothing
        self.net.kernel.notify()

    # --------------------------------------------------------------- driving
    @property
    def received(self) -> bytes:
        return bytes(self._received)

    def take(self) -> bytes:
        """Return and forget what has been received so far."""
        with self.net.kernel.lock:
            out = bytes(self._received)
            self._received.clear()
            return out

    def send(self, data: bytes) -> None:
        with self.net.kernel.lock:
            if self.state != "connected" or self.wire is None:
                raise RuntimeError("connection is %s" % self.state)
            self.wire.peer_send(bytes(data))

    def close(self) -> None:
        """FIN: after the data already sent."""
        with self.net.kernel.lock:
            if self.wire is not None and self.state == "connected":
                self.state = "closed"
                self.wire.peer_close()

    def reset(self) -> None:
        """RST: the module socket closes at once, its unread data is lost."""
        with self.net.kernel.lock:
            if self.wire is not None and self.state in ("connected", "closed"):
                self.state = "reset"
                self.wire.peer_reset()

    def half_open(self) -> None:
        """The peer vanishes without FIN: it neither answers nor acknowledges any more."""
        with self.net.kernel.lock:
            self.silent = True
            if self.wire is not None:
                self.wire.half_open = True

    def wait(self, cond: Any, timeout: float = 30.0) -> bool:
        """Run module time until ``cond(self)`` holds (or ``timeout`` seconds of module time)."""
        return self.net.module.run_until(lambda: cond(self), timeout)

    def __repr__(self) -> str:
        return "<SimConn %s:%d <-> %s:%d %s>" % (self.local + self.remote + (self.state,))


class SimServer:
    """A simulated remote host listening on ip:port. ``mode``: accept | refuse | ignore."""

    def __init__(self, sim: "SimTransport", ip: str, port: int, mode: str, latency_ms: int | None) -> None:
        self.sim = sim
        self.ip = ip
        self.port = port
        self.mode = mode
        self.latency_ms = latency_ms
        self.connections: list[SimConn] = []
        self._taken = 0
        self.on_connection: Any = None  # called with each new SimConn (simhttp.py)

    def accept_next(self, timeout: float = 30.0) -> SimConn | None:
        """The next connection the module made to this server, running module time until it
        exists (None after ``timeout`` seconds of module time)."""
        m = self.sim.net.module
        if not m.run_until(lambda: len(self.connections) > self._taken, timeout):
            return None
        conn = self.connections[self._taken]
        self._taken += 1
        return conn

    def close(self) -> None:
        with self.sim.net.kernel.lock:
            self.sim.servers.pop((self.ip, self.port), None)


class SimTransport:
    def __init__(self, net: "Network") -> None:
        self.net = net
        self.servers: dict[tuple[str, int], SimServer] = {}
        self.hosts: set[str] = set()  # hosts that exist (answer RST on closed ports)
        self.clients: list[SimConn] = []
        self._next_port = 40000

    def listen(self, ip: str, port: int, mode: str = "accept", latency_ms: int | None = None) -> SimServer:
        with self.net.kernel.lock:
            srv = SimServer(self, ip, int(port), mode, latency_ms)
            self.servers[(ip, int(port))] = srv
            self.hosts.add(ip)
            return srv

    def add_host(self, ip: str) -> None:
        """A host that exists but listens on nothing: connections to it are refused."""
        with self.net.kernel.lock:
            self.hosts.add(ip)

    def handles(self, ip: str, port: int) -> bool:
        return ip in self.hosts or (ip, port) in self.servers

    def _latency(self, value: int | None) -> int:
        return self.net.latency_ms if value is None else int(value)

    # ------------------------------------------------ module -> simulated server
    def connect_out(self, sock: "Socket", ip: str, port: int, attempt: "Attempt") -> None:
        k = self.net.kernel
        srv = self.servers.get((ip, port))
        lat = self._latency(srv.latency_ms if srv is not None else None)
        if srv is None:
            if ip in self.hosts:
                k.call_later(2 * lat, lambda: attempt.fail(self.net.errors["refused"]))
            return  # nobody there: no answer at all, connTo decides
        if srv.mode == "refuse":
            k.call_later(2 * lat, lambda: attempt.fail(self.net.errors["refused"]))
            return
        if srv.mode != "accept":
            return  # ignore: SYN dropped

        def synack() -> None:
            if attempt.done:
                return
            conn = SimConn(self, (ip, port), (sock.local_ip, sock.local_port), srv.latency_ms)
            wire = Wire(self.net, conn, lat)
            conn.wire = wire
            if attempt.succeed(wire, ip, port):
                conn.state = "connected"
                srv.connections.append(conn)
                if srv.on_connection is not None:
                    srv.on_connection(conn)
                k.notify()

        k.call_later(2 * lat, synack)

    # ------------------------------------------------ simulated client -> module
    def connect(self, src_ip: str, port: int, dst_ip: str | None = None, src_port: int | None = None,
                timeout: float = 20.0, latency_ms: int | None = None) -> SimConn:
        """A remote client dials the module's listener on ``port``. The firewall applies: a
        dropped SYN makes the attempt time out after ``timeout`` s; no listener: refused."""
        k = self.net.kernel
        with k.lock:
            if src_port is None:
                src_port = self._next_port
                self._next_port += 1
            lat = self._latency(latency_ms)
            conn = SimConn(self, (src_ip, int(src_port)), (dst_ip or "", int(port)), latency_ms)
            self.clients.append(conn)

            def make_wire() -> Wire:
                wire = Wire(self.net, conn, lat)
                conn.wire = wire
                return wire

            def syn_arrives() -> None:
                verdict = self.net.incoming(int(port), src_ip, int(src_port), dst_ip, make_wire)
                if verdict == "accept":
                    def established() -> None:
                        if conn.state == "connecting":
                            conn.state = "connected"
                        k.notify()
                    k.call_later(lat, established)
                elif verdict == "refuse":
                    k.call_later(lat, lambda: self._ends(conn, "refused"))
                else:
                    k.call_later(max(0, int(timeout * 1000) - lat), lambda: self._ends(conn, "timeout"))

            k.call_later(lat, syn_arrives)
            return conn

    def _ends(self, conn: SimConn, state: str) -> None:
        if conn.state == "connecting":
            conn.state = state
        self.net.kernel.notify()
