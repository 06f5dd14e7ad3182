"""UDP sockets: ``#SD`` with ``<txProt>`` 1 and ``#SLUDP`` (ATR10 §3.5.7.4: #SD p.422-424,
#SLUDP p.426), to simulated peers and to real UDP sockets on loopback.

ATR10 #SD: "<lPort> - UDP connections local port ... valid for UDP connections only";
"<closureType> ... has no effect (if used) for UDP connections". #SLUDP: "opens/closes a socket
listening for an incoming UDP connection on a specified port"; the first datagram from a sender
the firewall admits is a "connection request": ``SRING`` (``#SA`` accepts, ``#SH`` refuses), or
with ListenAutoRsp (#SCFGEXT) CONNECT at once; "If the socket is closed by the network the
following URC is received: #SLUDP: ABORTED". After that the socket is bound to that sender.

What the manuals leave open, and the emulator's choice (docs/emulator-network.md "UDP"):
* datagram boundaries towards the module are not kept: received datagrams join the socket's
  byte buffer like TCP data (online mode and ``#SRECV`` alike);
* datagrams the module sends are cut by the socket's packetiser exactly as TCP packets
  (#SCFG <pktSz>, <txTo>; ``#SSEND`` sends at most one packet size at a time);
* a datagram that arrives while the receive buffer has no room for it is lost (UDP has no flow
  control), as is one to a port nobody has open;
* "connecting" needs no handshake: ``#SD`` succeeds at once, whether anybody listens or not.

Tests drive simulated peers:

    peer = m.net.udp.peer("203.0.113.9", 5000)     # a UDP host the module can reach
    peer.datagrams                                   # [(ms, bytes, (module ip, module port))]
    peer.send(b"...", port=3500)                     # a datagram to the module's port 3500
    peer.on_datagram = lambda p, data: p.send(data)  # an echo server
"""
from __future__ import annotations

import socket
import threading
from typing import TYPE_CHECKING, Any

from ..at import ArgError, CmeError, Ctx, Reply, command, error, ok
from .config import load_config
from .radio import Wire
from .sockets import CLOSED, CONNECTED, INCOMING, LISTENING

if TYPE_CHECKING:  # pragma: no cover
    from .network import Attempt, Network
    from .sockets import Socket

MAX_DATAGRAM = 1500  # bytes of one datagram from a peer; the rest is cut (#SCFG pktSz max 1500)
UDP = 1


class Datagrams(Wire):
    """The path of one UDP flow: the Wire's radio timing without TCP's handshake, ACK or FIN;
    peer datagrams that find no room in the socket are lost."""

    def _up_done(self, data: bytes) -> None:
        self.up_busy = False
        self.up_bytes -= len(data)
        if self.dead:
            return
        sock = self.sock
        if sock is not None:
            sock.on_sent(len(data))
        self.k.call_later(self.latency, lambda: self._arrives(data))
        self._pump_up()
        if sock is not None:
            sock.on_uplink_room()

    def peer_send(self, data: bytes) -> None:
        if self.dead or self.fin_sent or not data:
            self.lost_bytes += len(data)
            return
        data = bytes(data[:MAX_DATAGRAM])
        self.down_q.append((self.k.now() + self.latency, "data", data))
        self.down_bytes += len(data)
        self._pump_down()

    def peer_close(self) -> None:  # UDP has no close
        pass

    def peer_reset(self) -> None:  # nor reset
        pass

    def _pump_down(self) -> None:
        if self.down_busy or not self.down_q or self.dead or self.net.gprs_suspended:
            return
        sock = self.sock
        if sock is None:
            return  # not accepted yet (#SLUDP, SRING pending): the first datagram waits
        ready, _kind, data = self.down_q[0]
        if ready > self.k.now():
            if self._down_timer is None or self._down_timer.cancelled:
                self._down_timer = self.k.call_at(ready, self._down_timer_fired)
            return
        self.down_q.popleft()
        self.down_busy = True
        end = self.net.downlink.claim(len(data))
        self.k.call_at(end, lambda: self._down_done(data))

    def _down_done(self, data: bytes) -> None:
        self.down_busy = False
        self.down_bytes -= len(data)
        sock = self.sock
        if self.dead or sock is None:
            self.lost_bytes += len(data)
            return
        if sock.rx_room() < len(data):
            self.lost_bytes += len(data)  # no room: the datagram is dropped, not held back
        else:
            sock.on_data(data)
        self._pump_down()


# ------------------------------------------------------------------ simulated
class SimUdpPeer:
    """A simulated UDP host at ip:port."""

    def __init__(self, tr: "UdpTransport", ip: str, port: int, latency_ms: int | None) -> None:
        self.tr = tr
        self.ip = ip
        self.port = port
        self.latency_ms = latency_ms
        self.datagrams: list[tuple[int, bytes, tuple[str, int]]] = []
        self.last_from: tuple[str, int] | None = None
        self.on_datagram: Any = None  # called with (peer, data) after each datagram (echo servers)

    @property
    def received(self) -> bytes:
        return b"".join(d for _, d, _ in self.datagrams)

    def send(self, data: bytes, port: int | None = None, ip: str | None = None) -> str:
        """A datagram to the module (default: whoever sent to this peer last). Returns
        'delivered', 'listener' (it reached a #SLUDP port), 'dropped' (firewall or nobody)."""
        with self.tr.net.kernel.lock:  # (re-entrant: on_datagram runs under it)
            if port is None:
                if self.last_from is None:
                    raise ValueError("no module endpoint known: give port=")
                ip, port = self.last_from
            return self.tr.arrive(self.ip, self.port, ip, int(port), bytes(data), self.latency_ms)


class SimFlow:
    """The peer side of a Datagrams wire for a simulated host (or for nobody)."""

    def __init__(self, peer: SimUdpPeer | None, module_end: tuple[str, int]) -> None:
        self.peer = peer
        self.module_end = module_end
        self.closed = False
        self.lost_bytes = 0

    def on_packet(self, data: bytes) -> None:
        if self.peer is None:
            self.lost_bytes += len(data)  # nobody at that address: the datagram is gone
            return
        net = self.peer.tr.net
        self.peer.datagrams.append((net.kernel.now(), data, self.module_end))
        self.peer.last_from = self.module_end
        if self.peer.on_datagram is not None:
            self.peer.on_datagram(self.peer, data)
        net.kernel.notify()

    def on_fin(self) -> None:
        self.closed = True

    def on_reset(self) -> None:
        self.closed = True

    def on_lost(self, reason: str) -> None:
        self.closed = True


# ------------------------------------------------------------------ real loopback
class RealUdpFlow:
    """The peer side of a Datagrams wire backed by a host UDP socket on loopback."""

    def __init__(self, tr: "UdpTransport", s: socket.socket, addr: tuple[str, int] | None,
                 owns_socket: bool = True) -> None:
        self.tr = tr
        self.s = s
        self.addr = addr  # None: the socket is connect()ed
        self.owns_socket = owns_socket
        self.wire: Datagrams | None = None
        self.closed = False

    def start(self) -> None:
        threading.Thread(target=self._reader, name="net-udp", daemon=True).start()

    def _reader(self) -> None:
        k = self.tr.net.kernel
        while not self.closed:
            try:
                data = self.s.recv(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            with k.lock:
                if self.wire is not None and not self.closed:
                    self.wire.peer_send(data)
                    k.notify()

    def on_packet(self, data: bytes) -> None:
        if self.closed:
            return
        try:
            if self.addr is None:
                self.s.send(data)
            else:
                self.s.sendto(data, self.addr)
        except OSError:
            pass  # ICMP port unreachable and the like: UDP does not care

    def _shut(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.owns_socket:
            try:
                self.s.close()
            except OSError:
                pass

    def on_fin(self) -> None:
        self._shut()

    def on_reset(self) -> None:
        self._shut()

    def on_lost(self, reason: str) -> None:
        self._shut()


class RealUdpListener:
    """#SLUDP backed by a host UDP socket (listen_map applies as for #SL)."""

    def __init__(self, tr: "UdpTransport", sock: "Socket") -> None:
        real = tr.net.real
        self.tr = tr
        self.sock = sock
        self.module_port = sock.listen_port
        hport = real.listen_map.get(self.module_port, self.module_port)
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self.s.bind((real.listen_host, hport))
        except OSError:
            self.s.close()
            raise
        self.s.settimeout(0.2)
        self.port = self.s.getsockname()[1]
        self.listening = True
        self.flow: RealUdpFlow | None = None
        self.closed = False
        threading.Thread(target=self._reader, name="net-udp-listen", daemon=True).start()

    def _reader(self) -> None:
        k = self.tr.net.kernel
        while not self.closed:
            try:
                data, addr = self.s.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            with k.lock:
                flow = self.flow
                if flow is not None:
                    if not flow.closed and flow.wire is not None and addr == flow.addr:
                        flow.wire.peer_send(data)  # the bound sender; others are ignored
                        k.notify()
                    continue
                if not self.listening:
                    continue
                fl = RealUdpFlow(self.tr, self.s, addr, owns_socket=False)
                lat = self.tr.net.real.latency()
                self.flow = fl  # before incoming(): ListenAutoRsp accepts (and close()s) at once

                def make_wire(fl: RealUdpFlow = fl, lat: int = lat) -> Datagrams:
                    w = Datagrams(self.tr.net, fl, lat)
                    fl.wire = w
                    return w

                verdict = self.tr.net.incoming(self.module_port, addr[0], addr[1],
                                               self.sock.local_ip or None, make_wire, proto=UDP)
                if verdict == "accept" and fl.wire is not None:
                    fl.wire.peer_send(data)
                else:
                    self.flow = None
                k.notify()

    def close(self) -> None:
        """The connId stops listening. A sender it accepted keeps the host socket until the
        module closes that socket too."""
        self.listening = False
        flow = self.flow
        if flow is None or flow.closed:
            self._close_socket()
        else:
            original = flow._shut

            def shut_both() -> None:
                original()
                self._close_socket()

            flow._shut = shut_both  # type: ignore[method-assign]

    def _close_socket(self) -> None:
        self.closed = True
        try:
            self.s.close()
        except OSError:
            pass


# ------------------------------------------------------------------ transport
class UdpTransport:
    def __init__(self, net: "Network") -> None:
        self.net = net
        self.peers: dict[tuple[str, int], SimUdpPeer] = {}
        self.real_flows: list[RealUdpFlow] = []

    def peer(self, ip: str, port: int, latency_ms: int | None = None) -> SimUdpPeer:
        with self.net.kernel.lock:
            p = SimUdpPeer(self, ip, int(port), latency_ms)
            self.peers[(ip, int(port))] = p
            return p

    def _latency(self, value: int | None) -> int:
        return self.net.latency_ms if value is None else int(value)

    # ------------------------------------------------ module -> peer (#SD ...,1,...)
    def connect_out(self, sock: "Socket", ip: str, port: int, attempt: "Attempt") -> None:
        net = self.net
        k = net.kernel
        module_end = (sock.local_ip, sock.local_port)
        peer = self.peers.get((ip, port))
        if peer is not None or net.real is None or net.sim.handles(ip, port):
            flow: Any = SimFlow(peer, module_end)
            wire = Datagrams(net, flow, self._latency(peer.latency_ms if peer else None))
            k.call_later(0, lambda: attempt.succeed(wire, ip, port))
            return
        try:
            host, hport = net.real.endpoint(ip, port)
        except ValueError:
            k.call_later(0, lambda: attempt.fail(net.errors["refused"]))
            return
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.2)
        try:
            s.bind(("127.0.0.1", 0))
            s.connect((host, hport))
        except OSError:
            s.close()
            k.call_later(0, lambda: attempt.fail(net.errors["refused"]))
            return
        rflow = RealUdpFlow(self, s, None)
        wire = Datagrams(net, rflow, net.real.latency())
        rflow.wire = wire
        self.real_flows.append(rflow)

        def finish() -> None:
            if attempt.succeed(wire, ip, port):
                rflow.start()
            else:
                rflow._shut()

        k.call_later(0, finish)

    # ------------------------------------------------ simulated peer -> module
    def arrive(self, src_ip: str, src_port: int, dst_ip: str | None, port: int, data: bytes,
               latency_ms: int | None) -> str:
        net = self.net
        if not net.module.power:
            return "dropped"
        for s in net.sockets.values():
            if (s.proto == UDP and s.state == CONNECTED and s.local_port == port
                    and (s.remote_ip, s.remote_port) == (src_ip, src_port) and s.wire is not None):
                s.wire.peer_send(data)
                net.kernel.notify()
                return "delivered"
        peer = self.peers.get((src_ip, src_port)) or SimUdpPeer(self, src_ip, src_port, latency_ms)
        lat = self._latency(latency_ms)
        made: list[Datagrams] = []

        def make_wire() -> Datagrams:
            w = Datagrams(net, SimFlow(peer, (dst_ip or "", port)), lat)
            made.append(w)
            return w

        verdict = net.incoming(port, src_ip, src_port, dst_ip, make_wire, proto=UDP)
        if verdict != "accept":
            return "dropped"
        wire = made[0]
        for s in net.sockets.values():
            if s.wire is wire or (s.pending is not None and s.pending[0] is wire):
                wire.peer.module_end = (s.local_ip, port)
        wire.peer_send(data)  # waits in the wire until #SA (at once with ListenAutoRsp)
        return "listener"

    def close(self) -> None:
        for f in self.real_flows:
            f._shut()
        self.real_flows.clear()


def _udp(ctx: Ctx) -> UdpTransport:
    return ctx.module.net.udp  # type: ignore[no-any-return]


@command("#SLUDP")
def sludp(ctx: Ctx) -> Reply:
    # ATR10 p.426: AT#SLUDP=<connId>,<listenState>,<listenPort>; closing: the port is a don't
    # care. Read: "all the actual listening UDP sockets" (format n/d: "#SLUDP: <connId>,<port>",
    # like the set form's). Errors as #SL's.
    net = ctx.module.net
    if ctx.kind == "test":
        return ok("#SLUDP: (1-6),(0,1),(1-65535)")
    if ctx.kind == "read":
        return ok(*["#SLUDP: %d,%d" % (s.conn_id, s.listen_port) for s in net.sockets.values()
                    if s.proto == UDP and s.state in (LISTENING, INCOMING)])
    if ctx.kind != "set":
        return error()
    if len(ctx.args) > 3:
        raise ArgError("#SLUDP")
    conn_id = ctx.int_arg(0, 1, 6)
    state = ctx.int_arg(1, 0, 1)
    # "when closing the listening socket <listenPort> is a don't care parameter"
    port = ctx.int_arg(2, 0 if state == 0 else 1, 65535, 0 if state == 0 else None)
    sock = net.sockets[conn_id]
    if state == 0:
        if sock.proto == UDP and sock.state in (LISTENING, INCOMING):
            sock.close_local("listen off")
        return ok()
    if sock.state != CLOSED:
        return _err(ctx, "state")
    if net.find_listener(port, None, proto=UDP) is not None:
        return _err(ctx, "listening")
    cfg = load_config(ctx.module.nvm, conn_id)
    c = net.contexts.get(cfg.cid)
    if c is None or not c.active:
        return _err(ctx, "no_context")
    sock.begin_open(ctx.inst, cfg.cid, c.ip)
    sock.state = LISTENING
    sock.proto = UDP
    sock.listen_port = sock.local_port = port
    if net.real is not None:
        try:
            sock.real_listener = RealUdpListener(_udp(ctx), sock)
        except OSError:
            sock._clear()
            return _err(ctx, "state")
    return ok()


def _err(ctx: Ctx, name: str) -> CmeError:
    return CmeError(ctx.module.net.errors[name])


__all__ = ["UdpTransport", "SimUdpPeer", "Datagrams"]
