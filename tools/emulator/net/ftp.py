"""The FTP client commands (ATR10 §3.5.7.5, pp.437-448) against simulated FTP servers.

    srv = m.net.ftp.server("203.0.113.30", users={"bob": "pw"}, files={"/fw/ua00.pyo": b"..."})
    srv.files                    # path -> bytes, what the module uploaded included
    srv.log                      # the commands the server saw ("USER bob", "RETR /fw/ua00.pyo")

* ``AT#FTPOPEN="<server[:port]>","<user>","<password>"[,<mode>]``: needs an active context
  (IPG10: FTP runs on the GPRS context); OK after the control-channel round trips; a server
  that does not exist: ``+CME ERROR: 605`` (can not connect control socket, ATR10 §3.2.2.1),
  a refused login ``606`` (bad or no response from server), a second open ``608`` (already
  connected), no context ``609`` (context down).
* ``#FTPGET="<file>"`` / ``#FTPLIST[="<name>"]``: CONNECT, the data in online mode at the GPRS
  downlink rate, then ``NO CARRIER`` when the data connection closes; a missing file: ``606``.
* ``#FTPPUT="<file>"``: CONNECT; the DTE's bytes go to the file until ``+++`` closes the data
  connection ("use the escape sequence +++ to close the data connection", p.440): the escape's
  OK, then ``NO CARRIER``; the file is stored on the server.
* ``#FTPCWD``/``#FTPPWD``/``#FTPDELE``/``#FTPTYPE``/``#FTPMSG``/``#FTPCLOSE``: commands
  "issued during an FTP connection" give ERROR without one (pp.440-445); ``#FTPMSG`` answers
  ``#FTPMSG: <last server reply>``, ``#FTPPWD`` ``#FTPPWD: 257 "<dir>"``.
* ``#FTPTO`` is a catalogue row (p.437: 100-5000, factory 100, "not saved in NVM").

Not modelled: active vs passive mode (accepted, no difference), real FTP servers.
"""
from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable

from ..at import ArgError, CmeError, Ctx, Online, PENDING, Reply, command, error, ok

if TYPE_CHECKING:  # pragma: no cover
    from ..at import AtInstance
    from .network import Network

CHUNK = 1460  # bytes per data segment towards the module


class SimFtpServer:
    def __init__(self, ftp: "FtpWorld", ip: str, port: int, users: dict[str, str],
                 files: dict[str, bytes]) -> None:
        self.ftp = ftp
        self.ip = ip
        self.port = port
        self.users = dict(users)
        self.files: dict[str, bytes] = {_norm(k): bytes(v) for k, v in files.items()}
        self.log: list[str] = []

    def dirs(self) -> set[str]:
        out = {"/"}
        for path in self.files:
            parts = path.split("/")[1:-1]
            for i in range(1, len(parts) + 1):
                out.add("/" + "/".join(parts[:i]))
        return out


def _norm(path: str) -> str:
    parts: list[str] = []
    for p in path.split("/"):
        if p in ("", "."):
            continue
        if p == "..":
            if parts:
                parts.pop()
            continue
        parts.append(p)
    return "/" + "/".join(parts)


class FtpSession:
    def __init__(self, server: SimFtpServer, inst: "AtInstance") -> None:
        self.server = server
        self.inst = inst
        self.cwd = "/"
        self.binary = True
        self.last = ""

    def path(self, name: str) -> str:
        return _norm(name if name.startswith("/") else self.cwd.rstrip("/") + "/" + name)


class FtpData:
    """The data connection of #FTPGET / #FTPLIST (download) or #FTPPUT (upload): a link of
    docs/emulator-design.md."""

    kind = "gprs"
    only_ath = False

    def __init__(self, world: "FtpWorld", session: FtpSession, upload: str | None, data: bytes) -> None:
        self.world = world
        self.k = world.net.kernel
        self.session = session
        self.upload = upload  # the path an upload goes to; None for a download
        self.pending = bytearray(data)
        self.received = bytearray()
        self.owner: Any = None
        self.connected = True
        self._timer: Any = None

    def attach(self, inst: "AtInstance") -> None:
        self.owner = inst
        self._kick()

    def write(self, data: bytes) -> int:
        if self.upload is not None and self.connected:
            self.received += data
        return len(data)

    def escaped(self, inst: "AtInstance") -> None:
        # "use the escape sequence +++ to close the data connection" (#FTPPUT, p.440)
        if self.upload is not None:
            self.session.server.files[self.upload] = bytes(self.received)
            self.session.server.log.append("STOR %s (%d bytes)" % (self.upload, len(self.received)))
            self.session.last = "226 Transfer complete"
        self.connected = False
        self.k.call_later(0, lambda: inst.result_code("NO CARRIER"))

    def hangup_local(self) -> None:
        self._close()

    def room_available(self) -> None:
        self._kick()

    def _kick(self) -> None:
        if self._timer is None and self.connected and self.upload is None:
            lat = self.world.net.latency_ms
            self._timer = self.k.call_later(max(1, lat), self._tick)

    def _tick(self) -> None:
        self._timer = None
        inst = self.owner
        if not self.connected or inst is None or inst.link is not self:
            return
        if not self.pending:
            self.session.last = "226 Transfer complete"
            self._close()
            return
        chunk = bytes(self.pending[:CHUNK])
        n = inst.deliver(chunk)
        del self.pending[:n]
        end = self.world.net.downlink.claim(n) if n else self.k.now() + 50
        self._timer = self.k.call_at(max(end, self.k.now() + 1), self._tick)

    def _close(self) -> None:
        if not self.connected:
            return
        self.connected = False
        inst = self.owner
        if inst is not None:
            inst.link_closed(self)


class FtpWorld:
    def __init__(self, net: "Network") -> None:
        self.net = net
        self.servers: dict[tuple[str, int], SimFtpServer] = {}
        self.session: FtpSession | None = None  # module RAM: gone at boot (on_boot)
        self.rest = 0  # #FTPREST: the next download's start offset (catalog_more.py)
        self.pkt: Any = None  # the #FTPGETPKT download buffered for #FTPRECV (catalog_more.py)

    def server(self, ip: str, port: int = 21, users: dict[str, str] | None = None,
               files: dict[str, bytes] | None = None) -> SimFtpServer:
        with self.net.kernel.lock:
            srv = SimFtpServer(self, ip, int(port), users or {}, files or {})
            self.servers[(ip, int(port))] = srv
            return srv


def _world(ctx: Ctx) -> FtpWorld:
    net = ctx.module.net
    world = getattr(net, "ftp", None)
    if world is None:
        world = net.ftp = FtpWorld(net)
    elif world.session is not None and world.session.inst.dead:
        world.session = None  # the instance that opened it is gone: the module rebooted
    return world


def _session(ctx: Ctx) -> FtpSession | None:
    return _world(ctx).session


def _string(ctx: Ctx, i: int) -> str:
    if i >= len(ctx.args) or not ctx.quoted[i]:
        raise ArgError(ctx.name)
    return ctx.args[i]


def _rtt(ctx: Ctx, n: int = 1) -> int:
    return 2 * ctx.module.net.latency_ms * n


@command("#FTPOPEN")
def ftpopen(ctx: Ctx) -> Any:
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "set" or not 3 <= len(ctx.args) <= 4:
        raise ArgError(ctx.name)
    world = _world(ctx)
    net = ctx.module.net
    target, user, pwd = _string(ctx, 0), _string(ctx, 1), _string(ctx, 2)
    ctx.int_arg(3, 0, 1, 0)
    if world.session is not None:
        return CmeError(608)
    if not any(c.active for c in net.contexts.values()):
        return CmeError(609)
    host, _, port_text = target.partition(":")
    if port_text and not port_text.isdigit():
        raise ArgError(ctx.name)
    port = int(port_text or "21")
    ip = net.resolve(host)
    srv = world.servers.get((ip or "", port))
    if srv is None:
        return CmeError(605, delay=_rtt(ctx))
    srv.log.append("USER %s" % user)
    if srv.users.get(user) != pwd:
        session = FtpSession(srv, ctx.inst)
        session.last = "530 Login incorrect"
        return CmeError(606, delay=_rtt(ctx, 3))
    session = FtpSession(srv, ctx.inst)
    session.last = "230 User logged in"
    world.session = session
    return ok(delay=_rtt(ctx, 3))


@command("#FTPCLOSE")
def ftpclose(ctx: Ctx) -> Any:
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "exec":
        return error()
    world = _world(ctx)
    if world.session is None:
        return CmeError(607)
    world.session.server.log.append("QUIT")
    world.session = None
    return ok(delay=_rtt(ctx))


def _path_command(name: str) -> Callable[[Callable[[Ctx, FtpSession, str], Any]], Any]:
    """Register a set command with one quoted argument (#FTPCWD, #FTPDELE, #FTPGET, #FTPPUT):
    the test form answers OK; with no session, another form or another argument count, ERROR;
    else the handler gets the session and the argument as given."""
    def reg(fn: Callable[[Ctx, FtpSession, str], Any]) -> Any:
        @command(name)
        @functools.wraps(fn)
        def handler(ctx: Ctx) -> Any:
            if ctx.kind == "test":
                return ok()
            s = _session(ctx)
            if s is None or ctx.kind != "set" or len(ctx.args) != 1:
                return error()
            return fn(ctx, s, _string(ctx, 0))

        return handler

    return reg


def _replied(ctx: Ctx, s: FtpSession, line: str, good: bool = True) -> Any:
    """The server's reply ``line`` (kept for #FTPMSG), then OK or ERROR after a round trip."""
    s.last = line
    return ok(delay=_rtt(ctx)) if good else error(delay=_rtt(ctx))


@command("#FTPTYPE")
def ftptype(ctx: Ctx) -> Any:
    if ctx.kind == "test":
        return ok("#FTPTYPE: (0,1)")
    s = _session(ctx)
    if s is None:
        return error()
    if ctx.kind == "read":
        return ok("#FTPTYPE: %d" % (0 if s.binary else 1))
    if ctx.kind != "set" or len(ctx.args) > 1:
        raise ArgError(ctx.name)
    s.binary = ctx.int_arg(0, 0, 1, 0) == 0
    return _replied(ctx, s, "200 Type set")


@command("#FTPMSG")
def ftpmsg(ctx: Ctx) -> Any:
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "exec":
        return error()
    s = _session(ctx)
    return ok("#FTPMSG: %s" % (s.last if s is not None else ""))


@command("#FTPPWD")
def ftppwd(ctx: Ctx) -> Any:
    if ctx.kind == "test":
        return ok()
    s = _session(ctx)
    if s is None or ctx.kind != "exec":
        return error()
    s.last = '257 "%s" is current directory' % s.cwd
    return ok('#FTPPWD: 257 "%s"' % s.cwd, delay=_rtt(ctx))


@_path_command("#FTPCWD")
def ftpcwd(ctx: Ctx, s: FtpSession, name: str) -> Any:
    target = s.path(name)
    if target not in s.server.dirs():
        return _replied(ctx, s, "550 No such directory", False)
    s.cwd = target
    return _replied(ctx, s, "250 Directory changed")


@_path_command("#FTPDELE")
def ftpdele(ctx: Ctx, s: FtpSession, name: str) -> Any:
    target = s.path(name)
    if s.server.files.pop(target, None) is None:
        return _replied(ctx, s, "550 No such file", False)
    s.server.log.append("DELE %s" % target)
    return _replied(ctx, s, "250 File deleted")


def _open_data(ctx: Ctx, s: FtpSession, upload: str | None, data: bytes,
               kind: type[FtpData] | None = None) -> Any:
    """CONNECT to a data connection (``kind``, FtpData by default) after two round trips."""
    link = (kind or FtpData)(_world(ctx), s, upload, data)
    s.last = "150 Opening data connection"
    return Online(link, delay=_rtt(ctx, 2))


@_path_command("#FTPGET")
def ftpget(ctx: Ctx, s: FtpSession, name: str) -> Any:
    data = _retrieve(ctx, s, s.path(name))
    if data is None:
        return CmeError(606, delay=_rtt(ctx))
    return _open_data(ctx, s, None, data)


def _retrieve(ctx: Ctx, s: FtpSession, path: str) -> bytes | None:
    """What a RETR of ``path`` sends (#FTPGET, #FTPGETPKT): from #FTPREST's position (then 0
    again, catalog_more.py), line ends CRLF in ASCII mode; None (550 kept for #FTPMSG) when
    the server has no such file."""
    s.server.log.append("RETR %s" % path)
    data = s.server.files.get(path)
    if data is None:
        s.last = "550 No such file"
        return None
    if not s.binary:
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    world = _world(ctx)
    data, world.rest = data[world.rest:], 0
    return data


@_path_command("#FTPPUT")
def ftpput(ctx: Ctx, s: FtpSession, name: str) -> Any:
    if len(name) > 200:
        raise ArgError(ctx.name)  # "maximum length 200 characters"
    return _open_data(ctx, s, s.path(name), b"")


@command("#FTPLIST")
def ftplist(ctx: Ctx) -> Any:
    if ctx.kind == "test":
        return ok()
    s = _session(ctx)
    if s is None or ctx.kind not in ("exec", "set") or len(ctx.args) > 1:
        return error()
    base = s.path(_string(ctx, 0)) if ctx.args else s.cwd
    lines = []
    files = s.server.files
    if base in files:
        lines.append((base.rsplit("/", 1)[1], len(files[base])))
    else:
        prefix = base.rstrip("/") + "/"
        for path in sorted(files):
            rest = path[len(prefix):] if path.startswith(prefix) else None
            if rest and "/" not in rest:
                lines.append((rest, len(files[path])))
    text = "".join("-rw-r--r-- 1 ftp ftp %d Jan 01 00:00 %s\r\n" % (size, name) for name, size in lines)
    s.server.log.append("LIST %s" % base)
    return _open_data(ctx, s, None, text.encode("latin-1"))


__all__ = ["FtpWorld", "SimFtpServer", "PENDING"]
