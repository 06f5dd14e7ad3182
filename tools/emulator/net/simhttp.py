"""A plain HTTP/1.0 file server on the simulated network (deterministic, virtual clock), for
the gateway's remote update (docs/update.md):

    web = SimHttp(m.net, "203.0.113.80", 80, {"/rel/manifest.txt": b"...", ...})
    web.faults["/rel/atc.pyo"] = ("truncate", 1000)   # 1000 bytes of the body, then FIN
    web.faults["/rel/atc.pyo"] = ("reset", 1000)      # 1000 bytes, RST 5 s later (killed)
    web.faults["/rel/atc.pyo"] = ("vanish", 1000)     # 1000 bytes, then silence (no FIN)
    web.requests                                       # paths asked for, in order

One request per connection: ``GET <path> HTTP/1.x`` up to the empty line; the answer is
``200`` with ``Content-Length`` and the body, or ``404``; then the server closes.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network
    from .sim import SimConn


class SimHttp:
    def __init__(self, net: "Network", ip: str, port: int, files: dict[str, bytes]) -> None:
        self.net = net
        self.files = dict(files)
        self.faults: dict[str, tuple[str, int]] = {}
        self.requests: list[str] = []
        self.after_ms = 5000  # a reset or a vanish comes this long after the last byte sent
        self.server = net.sim.listen(ip, port)
        self.server.on_connection = self._connected

    def _connected(self, conn: "SimConn") -> None:
        conn.on_data = self._data

    def _data(self, conn: "SimConn") -> None:
        raw = conn.received
        if b"\r\n\r\n" not in raw or getattr(conn, "answered", False):
            return
        conn.answered = True  # type: ignore[attr-defined]
        words = raw.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
        path = words[1] if len(words) == 3 and words[0] == "GET" else ""
        self.requests.append(path)
        body = self.files.get(path)
        if body is None:
            conn.send(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            conn.close()
            return
        head = b"HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n" % len(body)
        kind, n = self.faults.get(path, ("", len(body)))
        conn.send(head + body[:n])
        if kind == "reset":  # once what was sent has arrived: killed half-way
            self.net.kernel.call_later(self.after_ms, conn.reset)
        elif kind == "vanish":
            self.net.kernel.call_later(self.after_ms, conn.half_open)
        else:
            conn.close()
