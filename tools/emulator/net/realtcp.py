"""Real TCP on loopback for the module's sockets (real clock only: ``Module(virtual=False)``).

* ``#SD`` to any address connects to a host endpoint given by ``connect_map`` (default: the
  dialled port on 127.0.0.1). ``#SS`` still shows the dialled address.
* ``#SL`` listens on a real port on ``listen_host`` (127.0.0.1): the module port, or
  ``listen_map[port]`` (0 = any free port; ``port_of(conn_id)`` tells which).
* The peer's real source address (bind the client to 127.0.0.x) is what ``#FRWL`` and ``#SS``
  see. A connection the firewall drops cannot be un-accepted at the host (the kernel has
  already completed the handshake): it is held silent — never read, never answered — and reset
  after ``drop_hold_s``, which is the closest a plain socket can come to a dropped SYN.
* Only 127.0.0.0/8 is ever contacted: a mapping to any other address is refused.

Reader threads take ``kernel.lock`` before touching emulator state and call
``kernel.notify()``; data still goes through the same radio model (latency, rate caps,
packetisation) as simulated peers.
"""
from __future__ import annotations

import ipaddress
import queue
import socket
import struct
import threading
from typing import TYPE_CHECKING, Any

from .radio import Wire

if TYPE_CHECKING:  # pragma: no cover
    from .network import Attempt, Network
    from .sockets import Socket

_FIN = object()


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _rst_close(s: socket.socket) -> None:
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        s.close()
    except OSError:
        pass


class RealPeer:
    """A host socket as the far end of a Wire."""

    def __init__(self, tr: "RealTransport", s: socket.socket) -> None:
        self.tr = tr
        self.net = tr.net
        self.s = s
        self.wire: Wire | None = None
        self.outq: "queue.Queue[Any]" = queue.Queue()
        self.closed = False
        self.eof = False
        self.fin_sent = False
        self.received = 0
        tr.peers.append(self)

    def start(self) -> None:
        threading.Thread(target=self._reader, name="net-rx", daemon=True).start()
        threading.Thread(target=self._writer, name="net-tx", daemon=True).start()

    # ------------------------------------------------------------------ Peer
    def on_packet(self, data: bytes) -> None:
        self.outq.put(data)

    def on_fin(self) -> None:
        self.outq.put(_FIN)

    def on_reset(self) -> None:
        self._shut(rst=True)

    def on_lost(self, reason: str) -> None:
        self._shut(rst=True)

    def _shut(self, rst: bool = False) -> None:
        if self.closed:
            return
        self.closed = True
        self.outq.put(None)
        if rst:
            _rst_close(self.s)
        else:
            try:
                self.s.close()
            except OSError:
                pass

    # --------------------------------------------------------------- threads
    def _reader(self) -> None:
        k = self.net.kernel
        while True:
            with k.lock:
                while (not self.closed and self.wire is not None
                       and self.wire.down_bytes >= self.net.rx_window):
                    k.cond.wait(0.2)
                if self.closed:
                    return
            try:
                data = self.s.recv(4096)
            except OSError:
                with k.lock:
                    if not self.closed and self.wire is not None:
                        self.wire.peer_reset()
                    self.closed = True
                    k.notify()
                return
            with k.lock:
                if self.closed or self.wire is None:
                    return
                if not data:
                    self.eof = True
                    self.wire.peer_close()
                    if self.fin_sent:
                        self._shut()
                    k.notify()
                    return
                self.received += len(data)
                self.wire.peer_send(data)
                k.notify()

    def _writer(self) -> None:
        while True:
            item = self.outq.get()
            if item is None:
                return
            try:
                if item is _FIN:
                    self.s.shutdown(socket.SHUT_WR)
                    with self.net.kernel.lock:
                        self.fin_sent = True
                        if self.eof:
                            self._shut()
                    continue
                self.s.sendall(item)
            except OSError:
                return


class RealListener:
    def __init__(self, tr: "RealTransport", sock: "Socket") -> None:
        self.tr = tr
        self.net = tr.net
        self.sock = sock
        self.module_port = sock.listen_port
        hport = tr.listen_map.get(self.module_port, self.module_port)
        self.ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.ls.bind((tr.listen_host, hport))
            self.ls.listen(8)
        except OSError as e:
            self.ls.close()
            # the module only says +CME ERROR; the console says which host port (cli.py)
            msg = ("#SL on module port %d: host port %s:%d is busy (%s); another program or emulator "
                   "has it: stop it, or map the port with --listen %d=HOSTPORT"
                   % (self.module_port, tr.listen_host, hport, e.strerror or e, self.module_port))
            if msg not in tr.problems:
                tr.problems.append(msg)
            raise
        self.ls.settimeout(0.2)
        self.port = self.ls.getsockname()[1]
        self.closed = False
        tr.listeners[sock.conn_id] = self
        threading.Thread(target=self._accept_loop, name="net-listen", daemon=True).start()

    def _accept_loop(self) -> None:
        k = self.net.kernel
        while not self.closed:
            try:
                c, addr = self.ls.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            c.settimeout(None)
            with k.lock:
                if self.closed:
                    _rst_close(c)
                    continue
                peer = RealPeer(self.tr, c)
                lat = self.tr.latency()

                def make_wire(peer: RealPeer = peer, lat: int = lat) -> Wire:
                    w = Wire(self.net, peer, lat)
                    peer.wire = w
                    return w

                verdict = self.net.incoming(self.module_port, addr[0], addr[1],
                                            self.sock.local_ip or None, make_wire)
                if verdict == "accept":
                    peer.start()
                elif verdict == "refuse":
                    peer.closed = True
                    _rst_close(c)
                else:
                    self.tr.hold(peer)

    def close(self) -> None:
        self.closed = True
        try:
            self.ls.close()
        except OSError:
            pass
        if self.tr.listeners.get(self.sock.conn_id) is self:
            del self.tr.listeners[self.sock.conn_id]


class RealTransport:
    def __init__(self, net: "Network", connect_map: dict[Any, Any] | None = None,
                 listen_map: dict[int, int] | None = None, listen_host: str = "127.0.0.1",
                 latency_ms: int | None = None, drop_hold_s: float = 30.0) -> None:
        if not _loopback(listen_host):
            raise ValueError("listen_host must be a loopback address")
        self.net = net
        self.connect_map: dict[Any, Any] = dict(connect_map or {})
        self.listen_map: dict[int, int] = dict(listen_map or {})
        self.listen_host = listen_host
        self.latency_ms = latency_ms  # None: the network's latency_ms
        self.drop_hold_s = drop_hold_s
        self.resolve_names = True  # unknown #SD host names resolve (see Network.resolve)
        self.listeners: dict[int, RealListener] = {}
        self.problems: list[str] = []      # host-side failures the console reports (a busy port)
        self.peers: list[RealPeer] = []
        self.held: list[RealPeer] = []
        self.timers: list[threading.Timer] = []

    def latency(self) -> int:
        return self.net.latency_ms if self.latency_ms is None else int(self.latency_ms)

    def endpoint(self, ip: str, port: int) -> tuple[str, int]:
        """Where a dial to ip:port really goes (connect_map keys: (ip, port), ip, or port)."""
        target: Any = None
        for key in ((ip, port), ip, port):
            if key in self.connect_map:
                target = self.connect_map[key]
                break
        if target is None:
            host, hport = "127.0.0.1", port
        elif isinstance(target, int):
            host, hport = "127.0.0.1", target
        elif isinstance(target, str):
            host, hport = target, port
        else:
            host, hport = target[0], int(target[1])
        if not _loopback(host):
            raise ValueError("real TCP is limited to 127.0.0.0/8, not %s" % host)
        return host, hport

    def alias(self, host: str, ip: str) -> None:
        """A host name now resolves to ``ip``: mapping entries keyed by the name apply to it."""
        for key, target in list(self.connect_map.items()):
            if key == host:
                self.connect_map.setdefault(ip, target)
            elif isinstance(key, tuple) and key[0] == host:
                self.connect_map.setdefault((ip, key[1]), target)

    def port_of(self, conn_id: int) -> int | None:
        lst = self.listeners.get(conn_id)
        return lst.port if lst is not None else None

    def listen(self, sock: "Socket") -> RealListener:
        lst = RealListener(self, sock)
        sock.real_listener = lst
        return lst

    def hold(self, peer: RealPeer) -> None:
        """A dropped connection: keep it silent, reset it later."""
        self.held.append(peer)
        peer.closed = True  # we never read or write it

        def release() -> None:
            if peer in self.held:
                self.held.remove(peer)
                _rst_close(peer.s)

        t = threading.Timer(self.drop_hold_s, lambda: self._locked(release))
        t.daemon = True
        t.start()
        self.timers.append(t)

    def _locked(self, fn: Any) -> None:
        with self.net.kernel.lock:
            fn()

    def connect_out(self, sock: "Socket", ip: str, port: int, attempt: "Attempt") -> None:
        net = self.net
        k = net.kernel
        try:
            host, hport = self.endpoint(ip, port)
        except ValueError:
            k.call_later(0, lambda: attempt.fail(net.errors["refused"]))
            return
        timeout = max(1.0, sock.cfg.conn_to / 10.0)
        lat = self.latency()

        def run() -> None:
            try:
                s = socket.create_connection((host, hport), timeout=timeout)
            except ConnectionRefusedError:
                with k.lock:
                    k.call_later(2 * lat, lambda: attempt.fail(net.errors["refused"]))
                return
            except OSError:
                with k.lock:
                    attempt.fail(net.errors["timeout"])
                return
            s.settimeout(None)
            with k.lock:
                if attempt.done:
                    s.close()
                    return
                peer = RealPeer(self, s)
                wire = Wire(net, peer, lat)
                peer.wire = wire

                def finish() -> None:
                    if attempt.succeed(wire, ip, port):
                        peer.start()
                    else:
                        peer._shut()

                k.call_later(2 * lat, finish)

        threading.Thread(target=run, name="net-connect", daemon=True).start()

    def close(self) -> None:
        with self.net.kernel.lock:
            for lst in list(self.listeners.values()):
                lst.close()
            for t in self.timers:
                t.cancel()
            for p in self.peers:
                p._shut(rst=True)
            for p in self.held:
                _rst_close(p.s)
            self.peers.clear()
            self.held.clear()
