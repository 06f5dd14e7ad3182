"""More of ATR10's SELINT 2 command set, modelled where a script observes the effect. The
stored-only ones are rows of catalog_data.py (+CMUX +GCI +MS #GPPPCFG #GSMCONTCFG #CMUXSCR
#PADCMD #PADFWD); docs/emulator.md "Command catalogue" lists them all. Source: ATR10 (AT
Commands Reference Guide 80000ST10025a Rev.10, text copy in bewest/unapy docs/Telit), the page
at each command.

* FTP extras against the simulated servers of net/ftp.py: ``#FTPAPP`` (append until ``+++``),
  ``#FTPFSIZE``, ``#FTPREST`` (the next download's start offset), ``#FTPGETPKT`` (download in
  command mode, buffered at the downlink rate) and ``#FTPRECV`` (read the buffer).
* ``#GDATAVOL``: per-context byte counters of the emulated sockets (last session in RAM, totals
  since the last reset in NVM); ``#PADCMD``/``#PADFWD``: the forwarding character flushes an
  #SD socket's pending packet (``pad_forward``, called by net/sockets.py); ``#GPPPCFG`` checks
  its host IP address.
* ``+CCID`` (the ICCID #CCID reports), ``+CSIM`` (a small GSM 11.11 SIM: STATUS, SELECT, GET
  RESPONSE, READ BINARY of EF_ICCID / EF_IMSI; the lock takes the SIM from the network),
  ``+CPWC`` (power class per band, NVM), ``&Z`` / ``&N`` / ``ATDS=<n>`` (10 stored numbers in
  NVM), ``+CMAR`` (master reset with the phone lock code), ``+CHLD`` / ``+VTS`` (with the
  outgoing voice call of catalog_voice.py), ``+CGDATA`` (CONNECT; PPP is not emulated).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .at import COMMANDS, ArgError, CmeError, Ctx, Online, Reply, error, ok
from .catalog_sim import _password, _sim_files
from .commands_catalog import ENTRIES, _cat, _free, table_handler
from .module import EXTENSION_FACTORIES
from .net.config import to_hex
from .net.ftp import FtpData, FtpWorld, _open_data, _retrieve, _rtt, _string, _world

if TYPE_CHECKING:  # pragma: no cover
    from .at import AtInstance
    from .module import Module


def _unquoted(ctx: Ctx, *positions: int) -> None:
    """A numeric parameter is never quoted (ATR10 §3.5.1): ArgError (ERROR / +CME ERROR: 4)."""
    if any(i < len(ctx.quoted) and ctx.quoted[i] for i in positions):
        raise ArgError(ctx.name)


# ---------------------------------------------------------------- FTP extras (pp.441-449)
class PktDownload:
    """#FTPGETPKT: the file comes over the data connection at the downlink rate into the
    module's buffer; #FTPRECV takes from it in command mode."""

    def __init__(self, world: FtpWorld, session: Any, name: str, view: int, data: bytes,
                 first_ms: int) -> None:
        self.world = world
        self.session = session
        self.name = name
        self.view = view
        self.pending = bytearray(data)
        self.buffer = bytearray()
        self.k = world.net.kernel
        self._timer: Any = self.k.call_later(max(1, first_ms), self._tick)

    @property
    def eof(self) -> int:
        return 0 if self.pending else 1

    def live(self) -> bool:
        return self.world.session is self.session and self.world.pkt is self

    def _tick(self) -> None:
        self._timer = None
        if not self.live():
            return
        if not self.pending:
            self.session.last = "226 Transfer complete"
            return
        chunk = bytes(self.pending[:1460])
        del self.pending[:len(chunk)]
        self.buffer += chunk
        end = self.world.net.downlink.claim(len(chunk))
        self._timer = self.k.call_at(max(end, self.k.now() + 1), self._tick)


def _pkt(ctx: Ctx) -> PktDownload | None:
    world = _world(ctx)
    p = world.pkt
    if p is not None and not p.live():
        world.pkt = p = None
    return p  # type: ignore[no-any-return]


def _ftp_session(ctx: Ctx) -> Any:
    """The FTP session for a set form with one or two arguments, else None (ERROR)."""
    s = _world(ctx).session
    if s is None or ctx.kind != "set" or not 1 <= len(ctx.args) <= 2:
        return None
    return s


class AppendData(FtpData):
    """#FTPAPP: the bytes until ``+++`` are appended to the file (APPE creates a missing one)."""

    def escaped(self, inst: "AtInstance") -> None:
        files = self.session.server.files
        old = files.get(self.upload or "", b"")
        super().escaped(inst)
        if self.upload is not None:
            files[self.upload] = old + files[self.upload]
            self.session.server.log[-1] = "APPE %s (%d bytes)" % (self.upload, len(self.received))


@_free("#FTPAPP")
def ftpapp(ctx: Ctx) -> Any:
    # p.446: "opens a data connection and append data to existing <filename> file ... CONNECT
    # ..., afterward a NO CARRIER ... use the escape sequence +++ to close the data
    # connection"; ERROR with no FTP connection.
    if ctx.kind == "test":
        return ok()
    s = _ftp_session(ctx)
    if s is None or len(ctx.args) != 1:
        return error()
    return _open_data(ctx, s, s.path(_string(ctx, 0)), b"", AppendData)


@_free("#FTPFSIZE")
def ftpfsize(ctx: Ctx) -> Any:
    # p.446: "permits to get file size of <filename>"; "FTPTYPE=0 ... has to be issued before"
    # (SIZE in ASCII mode: the server refuses, ERROR). The answer's format is not given:
    # "#FTPFSIZE: <size>" (the emulator's choice, as the later manuals print it).
    if ctx.kind == "test":
        return ok()
    s = _ftp_session(ctx)
    if s is None or len(ctx.args) != 1:
        return error()
    path = s.path(_string(ctx, 0))
    data = s.server.files.get(path)
    s.server.log.append("SIZE %s" % path)
    if not s.binary:
        s.last = "550 SIZE not allowed in ASCII mode"
        return error(delay=_rtt(ctx))
    if data is None:
        s.last = "550 No such file"
        return error(delay=_rtt(ctx))
    s.last = "213 %d" % len(data)
    return ok("#FTPFSIZE: %d" % len(data), delay=_rtt(ctx))


@_free("#FTPREST")
def ftprest(ctx: Ctx) -> Any:
    # p.447: the restart position of the next #FTPGET / #FTPGETPKT, "automatically assigned to
    # 0 for next download"; read "#FTPREST: <restartposition>"; test OK.
    world = _world(ctx)
    if ctx.kind == "test":
        return ok()
    if ctx.kind == "read":
        return ok("#FTPREST: %d" % world.rest)
    if ctx.kind != "set" or len(ctx.args) != 1:
        raise ArgError(ctx.name)
    _unquoted(ctx, 0)
    world.rest = ctx.int_arg(0, 0, 2**31 - 1)
    return ok()


@_free("#FTPGETPKT")
def ftpgetpkt(ctx: Ctx) -> Any:
    # pp.441-442: opens the data connection "while remaining in command mode" (OK), data only
    # buffered for #FTPRECV; <viewMode> 0 text, 1 hexadecimal; read "#FTPGETPKT: <remotefile>,
    # <viewMode>,<eof>" (the example: "#FTPGETPKT: sample.txt,0,1"); ERROR with no FTP connection.
    if ctx.kind == "test":
        return ok()
    world = _world(ctx)
    if ctx.kind == "read":
        p = _pkt(ctx)
        if p is None:
            return error()
        return ok("#FTPGETPKT: %s,%d,%d" % (p.name, p.view, p.eof))
    s = _ftp_session(ctx)
    if s is None or _pkt(ctx) is not None:
        return error()  # no FTP connection, or the data port of the last one still open
    name = _string(ctx, 0)
    _unquoted(ctx, 1)
    view = ctx.int_arg(1, 0, 1, 0)
    data = _retrieve(ctx, s, s.path(name))
    if data is None:
        return CmeError(606, delay=_rtt(ctx))  # as #FTPGET (net/ftp.py)
    s.last = "150 Opening data connection"
    # OK once the data connection is up (two round trips); the first data a latency later.
    world.pkt = PktDownload(world, s, name, view, data, _rtt(ctx, 2) + ctx.module.net.latency_ms)
    return ok(delay=_rtt(ctx, 2))


@_free("#FTPRECV")
def ftprecv(ctx: Ctx) -> Any:
    # pp.448-449: "#FTPRECV: <n>" then the data (at most <blocksize> 1..3000 of what has come
    # from the server; 0 while the data port waits for more); read "#FTPRECV: <available>";
    # no FTP data port: an error. <viewMode> 1: each byte as two hex digits.
    if ctx.kind == "test":
        return ok("#FTPRECV: (1-3000)")
    p = _pkt(ctx)
    if ctx.kind == "read":
        return ok("#FTPRECV: %d" % (len(p.buffer) if p is not None else 0))
    if ctx.kind != "set" or len(ctx.args) != 1:
        raise ArgError(ctx.name)
    _unquoted(ctx, 0)
    size = ctx.int_arg(0, 1, 3000)
    if p is None or (not p.buffer and p.eof):
        return error()  # "issuing #FTPRECV when there's no FTP data port opened raises an error"
    if not p.buffer:
        return ok("#FTPRECV: 0")  # "data port will stay opened ... (FTPRECV returns 0 ...)"
    data = bytes(p.buffer[:size])
    del p.buffer[:len(data)]
    if p.eof and not p.buffer:
        _world(ctx).pkt = None  # all read: the data port is closed
    shown = to_hex(data) if p.view else data.decode("latin-1")
    return Reply(["#FTPRECV: %d" % len(data), shown], "OK")


# ---------------------------------------------------------------- #PADCMD #PADFWD (pp.433-434)
def pad_forward(module: "Module", data: bytes) -> int:
    """How many leading bytes of ``data`` (online, towards an #SD socket) end with the #PADFWD
    character when #PADCMD enables forwarding: they and the packet pending before them leave
    at once ("the char that immediately flushes pending data to socket, opened with AT#SD
    command"); 0 when forwarding is off or the character is not there (rows of catalog_data)."""
    cat = getattr(module, "catalog", None)
    if cat is None or not cat.value(ENTRIES["#PADCMD"], None)[0]:
        return 0
    char = bytes([cat.value(ENTRIES["#PADFWD"], None)[0]])
    return data.rfind(char) + 1


# ---------------------------------------------------------------- #GPPPCFG (pp.346-347)
def _gpppcfg(ctx: Ctx) -> Any:
    """The row's forms, and <hostIPaddress> must be "any valid IP address in the format:
    xxx.xxx.xxx.xxx" (four numbers 0-255); the test form names only the two ranges:
    "#GPPPCFG: (10-600),(0-3)"."""
    if ctx.kind == "test":
        return ok("#GPPPCFG: (10-600),(0-3)")
    if ctx.kind == "set" and ctx.args and ctx.args[0] != "":
        parts = ctx.args[0].split(".")
        if len(parts) != 4 or not all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts):
            raise ArgError(ctx.name)
    return table_handler(ctx)


COMMANDS["#GPPPCFG"] = _gpppcfg


# ---------------------------------------------------------------- state of this module
class More:
    """#GDATAVOL counters, +CSIM lock and selected file, +CHLD / +VTS state (RAM)."""

    def __init__(self, module: "Module") -> None:
        self.m = module
        self.last: dict[int, list[int]] = {}  # cid -> [sent, received] of the last session
        self.csim_lock = False
        self.csim_file = 0x3F00
        self.csim_saved: Any = None  # (sim, reg, greg) while +CSIM=1 holds the SIM
        self.hooked = False
        module.more = self  # type: ignore[attr-defined]
        module.extensions.append(self)

    def on_boot(self) -> None:
        self.last = {}  # "last GPRS and GSM session counters are not saved in NVM"
        if self.csim_saved is not None:  # a reboot ends the +CSIM lock: the SIM is back
            self.csim_unlock(registration=False)
        self.csim_lock = False
        self.csim_file = 0x3F00
        if not self.hooked:
            self.hooked = True
            self.m.net.on_volume.append(self.count)
            self.m.net.on_context_up.append(lambda cid: self.last.__setitem__(cid, [0, 0]))

    def links(self) -> list[Any]:
        return []

    def close(self) -> None:
        pass

    def csim_lock_on(self) -> None:
        """+CSIM=1 (p.376): "the SIM will be accessible only by AT+CSIM commands (#QSS: 0). The
        GSM and GPRS services will be automatically deregistered" (contexts drop)."""
        r = self.m.radio
        self.csim_saved = (r.sim, r.reg, r.greg)
        r.sim = None
        self.m.net.set_registration(0, 0)

    def csim_unlock(self, registration: bool = True) -> None:
        """+CSIM=0: the services "automatically reconditioned"; "if PIN is required it will be
        necessary to enter it another time" (+CLCK "SC" locked)."""
        sim, reg, greg = self.csim_saved
        self.csim_saved = None
        if sim == "READY" and self.m.nvm.get("locks", {}).get("SC"):
            sim = "SIM PIN"
        self.m.radio.sim = sim
        if registration:
            self.m.net.set_registration(greg, reg)

    def count(self, cid: int, sent: int, received: int) -> None:
        last = self.last.setdefault(cid, [0, 0])
        last[0] += sent
        last[1] += received
        tot = self.m.nvm.setdefault("gdatavol", {}).setdefault(str(cid), [0, 0])
        tot[0] += sent  # "total GPRS and GSM session counters are saved on NVM"
        tot[1] += received


def attach(module: "Module") -> More:
    existing = getattr(module, "more", None)
    return existing if existing is not None else More(module)


if attach not in EXTENSION_FACTORIES:
    EXTENSION_FACTORIES.append(attach)


def _more(ctx: Ctx) -> More:
    return ctx.module.more  # type: ignore[no-any-return]


@_free("#GDATAVOL")
def gdatavol(ctx: Ctx) -> Any:
    # pp.480-481: =0 resets the counters of contexts 1-5 (and the GSM context 0); =1 the last
    # session, =2 the totals since the last reset, "for all the set PDP contexts (i.e. all the
    # PDP contexts with APN parameter set using +CGDCONT)" (and context 0 when set with
    # #GSMCONT): "#GDATAVOL: <cid>,<tot>,<sent>,<received>" per context. A bare AT#GDATAVOL=
    # is mode 1 (n/d: the emulator's choice).
    if ctx.kind == "test":
        return ok("#GDATAVOL: (0-2)")
    if ctx.kind not in ("set",) or len(ctx.args) > 1:
        return error()
    _unquoted(ctx, 0)
    mode = ctx.int_arg(0, 0, 2, 1)
    more = _more(ctx)
    nvm = ctx.module.nvm
    if mode == 0:
        more.last = {}
        nvm["gdatavol"] = {}
        return ok()
    cids = sorted(int(c) for c, v in nvm.get("cgdcont", {}).items() if v and v.get("apn"))
    if nvm.get("gsmcont"):
        cids = [0] + cids
    lines = []
    for cid in cids:
        sent, recv = (more.last.get(cid, [0, 0]) if mode == 1
                      else nvm.get("gdatavol", {}).get(str(cid), [0, 0]))
        lines.append("#GDATAVOL: %d,%d,%d,%d" % (cid, sent + recv, sent, recv))
    return ok(*lines)


# ---------------------------------------------------------------- SIM
@_free("+CCID")
def ccid(ctx: Ctx) -> Any:
    # p.174: "reads on SIM the ICCID"; the read form "has the same effect"; test OK. ATR10
    # documents it under SELINT 0/1 (the table pp.29-38 marks it for 7.03.xx2); the answer is
    # #CCID's with the +CCID prefix.
    if ctx.kind == "test":
        return ok()
    if ctx.kind == "set":
        return error()
    res = COMMANDS["#CCID"](ctx)
    if isinstance(res, Reply) and res.final == "OK":
        return ok(*["+CCID: " + line.split(": ", 1)[1] for line in res.lines])
    return res


# GSM 11.11 files of the emulated SIM: id -> (parent, type) (01 MF, 02 DF, 04 EF)
SIM_FILES = {0x3F00: 1, 0x7F20: 2, 0x7F10: 2, 0x2FE2: 4, 0x6F07: 4}
LENGTH_CHECKED = (0xA4, 0x10, 0xC2, 0x14, 0xA2)  # SELECT TERMINAL-PROFILE ENVELOPE ... SEEK


def _select_response(m: "Module", fid: int) -> bytes:
    """GET RESPONSE after SELECT (GSM 11.11 §9.2.1): 15 bytes; for an EF its size, id, type."""
    kind = SIM_FILES[fid]
    if kind == 4:
        size = len(bytes.fromhex(_sim_files(m)[fid]))
        return bytes([0, 0, size >> 8, size & 255, fid >> 8, fid & 255, 4,
                      0, 0x1A, 0, 0x1A, 1, 2, 0, 0])
    return bytes([0, 0, 0, 0, fid >> 8, fid & 255, kind, 0, 0, 0, 0, 0x09, 0x13, 0, 0])


def _apdu(m: "Module", more: More, apdu: bytes) -> bytes:
    cla, ins, p1, p2, p3 = apdu[:5]
    if cla != 0xA0:
        return b"\x6e\x00"  # class not supported
    if ins == 0xF2:  # STATUS: the current directory's response data
        data = (_select_response(m, 0x7F20) + bytes(22))[:p3]
        return data + b"\x90\x00"
    if ins == 0xA4:  # SELECT
        fid = int.from_bytes(apdu[5:7], "big") if len(apdu) >= 7 else -1
        if fid not in SIM_FILES:
            return b"\x94\x04"  # file ID not found
        more.csim_file = fid
        return b"\x9f\x0f"  # 15 bytes of response data
    if ins == 0xC0:  # GET RESPONSE
        return _select_response(m, more.csim_file)[:p3] + b"\x90\x00"
    if ins == 0xB0:  # READ BINARY
        if SIM_FILES.get(more.csim_file) != 4:
            return b"\x94\x00"  # no EF selected
        data = bytes.fromhex(_sim_files(m)[more.csim_file])
        offset = p1 << 8 | p2
        if offset + p3 > len(data):
            return b"\x67\x00"  # incorrect parameter P3
        return data[offset:offset + p3] + b"\x90\x00"
    return b"\x6d\x00"  # unknown instruction code


@_free("+CSIM")
def csim(ctx: Ctx) -> Any:
    # pp.375-377: +CSIM=1 locks, +CSIM=0 unlocks the SIM-ME interface; between them
    # +CSIM=<length>,<command> passes a GSM 11.11 APDU (hex, <length> = its characters) and
    # answers "+CSIM: <length>,<response>". Errors: 3 (wrong lock/unlock status), 4 (wrong
    # format; for SELECT, TERMINAL PROFILE, ENVELOPE, TERMINAL RESPONSE and SEEK the fifth
    # byte must be <length>/2 - 5), 13 (SIM failure). Only the files of SIM_FILES exist.
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "set" or not 1 <= len(ctx.args) <= 2:
        return error()
    more = _more(ctx)
    if ctx.module.radio.sim is None and not more.csim_lock:
        return CmeError(13)
    if len(ctx.args) == 1:
        _unquoted(ctx, 0)
        lock = ctx.int_arg(0, 0, 1)
        if bool(lock) == more.csim_lock:
            return CmeError(3)
        more.csim_lock = bool(lock)
        more.csim_file = 0x3F00
        if lock:
            more.csim_lock_on()
        else:
            more.csim_unlock()
        return ok()
    length, hexcmd = ctx.args
    if not length.isdigit() or ctx.quoted[0]:
        return CmeError(4)
    if not more.csim_lock:
        return CmeError(3)
    try:
        apdu = bytes.fromhex(hexcmd)
    except ValueError:
        return CmeError(4)
    if int(length) != len(hexcmd) or len(apdu) < 5:
        return CmeError(4)
    if apdu[1] in LENGTH_CHECKED and apdu[4] != len(apdu) - 5:
        return CmeError(4)
    resp = _apdu(ctx.module, more, apdu).hex().upper()
    return ok('+CSIM: %d,"%s"' % (len(resp), resp))


# ---------------------------------------------------------------- +CPWC (pp.84-85)
# The GC864-PY is quad band ("PY": the Python variant of the GC864-QUAD): band 0 (GSM900 and
# GSM850) classes 4 (2 W, default) / 5, bands 1 (DCS1800) and 2 (PCS1900) 1 (1 W, default) /
# 2; 0 = the band's default class. Band 0 is the one in use (listed first by the read form).
CPWC_BANDS = {0: (4, (0, 4, 5)), 1: (1, (0, 1, 2)), 2: (1, (0, 1, 2))}


@_free("+CPWC")
def cpwc(ctx: Ctx) -> Any:
    # "AT+CPWC=[<class>[,<band>]]"; "if <class> is given but <band> is left out, the power
    # class setting is applied to GSM900 and GSM850"; "the setting is saved in NVM"; read
    # "+CPWC: <curr_class1>,<def_class1>,<band1>[,...]", the band in use first; test
    # "+CPWC: list of supported (<band>,(list of <class>s)) pairs".
    if ctx.kind == "test":
        return ok("+CPWC: " + ",".join("(%d,(%s))" % (b, ",".join(map(str, c)))
                                       for b, (_, c) in CPWC_BANDS.items()))
    stored = ctx.module.nvm.setdefault("cpwc", {})
    if ctx.kind == "read":
        parts = []
        for band, (default, _) in CPWC_BANDS.items():
            cls = stored.get(str(band), 0) or default
            parts.append("%d,%d,%d" % (cls, default, band))
        return ok("+CPWC: " + ",".join(parts))
    if ctx.kind != "set" or len(ctx.args) > 2:
        return error()
    _unquoted(ctx, 0, 1)
    cls = ctx.int_arg(0, 0, 5, 0)
    band = ctx.int_arg(1, 0, 2, 0)
    if band not in CPWC_BANDS or cls not in CPWC_BANDS[band][1]:
        raise ArgError(ctx.name)
    stored[str(band)] = cls
    return ok()


# ---------------------------------------------------------------- &Z &N (pp.45-46)
Z_RECORDS = 10  # "10 telephone numbers of a maximum 24 digits"
Z_CHARS = set("0123456789*#+")


@_free("&Z")
def amp_z(ctx: Ctx) -> Any:
    # "AT&Z<n>=<nr>": stores <nr> in record <n> of the module's non volatile memory; "The
    # records cannot be overwritten, they must be cleared before rewriting"; "AT&Z<n>=<CR>"
    # deletes record <n>. Records 0-9; the number unquoted or quoted.
    if ctx.kind != "set":
        return error()
    n = ctx.cmd.reg if ctx.cmd.reg is not None else 0
    raw = ctx.raw.strip()
    number = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw
    if n >= Z_RECORDS or '"' in number:
        return error()
    book = ctx.module.nvm.setdefault("amp_z", {})
    if number == "":
        book.pop(str(n), None)
        return ok()
    if len(number) > 24 or not set(number) <= Z_CHARS or str(n) in book:
        return error()
    book[str(n)] = number
    return ok()


@_free("&N")
def amp_n(ctx: Ctx) -> Any:
    # "AT&N[<n>]": the number stored at <n>; without <n> all records. The format is not given:
    # the number alone for AT&N<n> (nothing for an empty record), "<n>: <nr>" per stored record
    # for AT&N (the emulator's choice).
    if ctx.kind != "exec":
        return error()
    book = ctx.module.nvm.get("amp_z", {})
    if ctx.raw == "":
        return ok(*["%d: %s" % (i, book[str(i)]) for i in range(Z_RECORDS) if str(i) in book])
    n = int(ctx.raw)
    if n >= Z_RECORDS:
        return error()
    return ok(*([book[str(n)]] if str(n) in book else []))


def _wrap_dial() -> None:
    """ATDS=<nr>[;] (ATR10 pp.65-66): "a call to the number stored in the MODULE internal
    phonebook position number <nr>" (&Z), a voice call with ";"; then the dial of
    catalog_voice.py. An empty or unknown position: ERROR."""
    inner = COMMANDS.get("D")

    def handler(ctx: Ctx) -> Any:
        raw = ctx.raw
        if raw[:2].upper() == "S=":
            voice = raw.endswith(";")
            pos = raw[2:-1 if voice else None].strip()
            number = ctx.module.nvm.get("amp_z", {}).get(pos) if pos.isdigit() else None
            if number is None:
                return error()
            ctx.raw = number + (";" if voice else "")
        return inner(ctx) if inner is not None else error()

    COMMANDS["D"] = handler


_wrap_dial()


# ---------------------------------------------------------------- +CMAR (pp.49-50)
# What an NVM format keeps: the SIM's own data (phonebook, PIN lock, preferred operators,
# advice of charge, passwords), the network's (call forwarding/waiting), the RTC's (alarm, RTC
# flag) and the script settings (#ESCRIPT, #STARTMODESCR: the emulator's choice; the flash is
# not NVM). Everything else is back to the factory value.
CMAR_KEEPS = ("phonebook", "locks", "cpol", "aoc", "passwords", "ccfc", "ccwa", "cala", "rtcstat",
              "escript", "startmode", "startmode_to")


@_free("+CMAR")
def cmar(ctx: Ctx) -> Any:
    # "AT+CMAR=<phone lock code>": "requests the MT to reset user data ... to default values",
    # the code "must be verified before performing the master reset" (the +CLCK "PS" phone
    # lock password; wrong: +CME ERROR: 16); "an NVM formatting. After the formatting is
    # completed the module will automatically reboot" (OK first, as #REBOOT). Test: OK.
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "set":
        return error()
    if len(ctx.args) != 1 or not ctx.quoted[0] or not ctx.args[0].isdigit():
        raise ArgError(ctx.name)
    if ctx.args[0] != _password(ctx, "PS"):
        return CmeError(16)
    m = ctx.module
    for key in list(m.nvm):
        if key not in CMAR_KEEPS:
            del m.nvm[key]
    ctx.inst.after_final.append(lambda: m.reboot("+CMAR"))
    return ok()


# ---------------------------------------------------------------- +CHLD +VTS (voice)
def _call(ctx: Ctx) -> Any:
    voice = getattr(ctx.module, "voice", None)
    call = voice.current if voice is not None else None
    return call if call is not None and call.state == "active" else None


@_free("+CHLD")
def chld(ctx: Ctx) -> Any:
    # pp.119-121 (SELINT 2), "ONLY for VOICE calls": 0 releases held / waiting calls, 1
    # releases the active calls, 1X call X, 2/2X hold, 3 multiparty, 4 transfer. The emulator
    # has one outgoing call (call 1) and no held or waiting one: 0 is OK with nothing to do,
    # 1 and 11 hang it up; hold, multiparty and transfer are supplementary services of the
    # network it does not emulate (+CME ERROR: 3). With no call: +CME ERROR: 3.
    if ctx.kind == "test":
        return ok("+CHLD: (0,1,1X,2,2X,3,4)")
    if ctx.kind != "set" or len(ctx.args) > 1:
        return error()
    n = ctx.args[0] if ctx.args else "0"
    if ctx.quoted[:1] == [True] or n not in ("0", "1", "2", "3", "4") and not (
            len(n) == 2 and n[0] in "12" and n[1] in "1234567"):
        raise ArgError(ctx.name)
    call = _call(ctx)
    if call is None:
        return CmeError(3)
    if n == "0":
        return ok()
    if n in ("1", "11"):
        ctx.module.voice.end(call, "local")  # type: ignore[attr-defined]
        return ok()
    return CmeError(3)


DTMF = set("0123456789#*ABCDP")


@_free("+VTS")
def vts(ctx: Ctx) -> Any:
    # pp.176-178 (SELINT 2): "AT+VTS=<dtmfstring>[,duration]", the tones (0-9 # * A-D; P a
    # 3 s pause) each for the +VTD time (1/10 s; 0 "depending on the network": 100 ms here), or
    # <duration> 1..255 x 10 ms for a single tone; "operates in voice mode only": with no
    # voice call +CME ERROR: 3. OK when the tones have been played; the far end hears them
    # (``m.voice.calls[-1].tones``).
    if ctx.kind == "test":
        return ok("(0-9,#,*,A-D,P),(0-255)")
    if ctx.kind != "set" or not 1 <= len(ctx.args) <= 2:
        return error()
    tones = ctx.args[0].upper()
    if not tones or not set(tones) <= DTMF:
        raise ArgError(ctx.name)
    if len(ctx.args) == 2:
        if len(tones) != 1:
            raise ArgError(ctx.name)  # "only if the length of first parameter is just one"
        _unquoted(ctx, 1)
        each = ctx.int_arg(1, 0, 255) * 10 or 100
    else:
        each = int(_cat(ctx).value(ENTRIES["+VTD"], ctx.inst)[0]) * 100 or 100
    call = _call(ctx)
    if call is None:
        return CmeError(3)
    call.tones = getattr(call, "tones", "") + tones.replace("P", "")
    ms = sum(3000 if t == "P" else each for t in tones)
    return ok(delay=ms)


# ---------------------------------------------------------------- +CGDATA (pp.195-196)
class PppLink:
    """After +CGDATA's CONNECT: PPP is not emulated, so the DTE's bytes go nowhere until ATH,
    a DTR drop or ``+++`` ends the link (NO CARRIER)."""

    kind = "gprs"
    only_ath = False

    def __init__(self, module: "Module") -> None:
        self.k = module.kernel
        self.owner: Any = None
        self.received = bytearray()

    def attach(self, inst: "AtInstance") -> None:
        self.owner = inst

    def write(self, data: bytes) -> int:
        self.received += data
        return len(data)

    def escaped(self, inst: "AtInstance") -> None:
        self.k.call_later(0, lambda: inst.result_code("NO CARRIER"))

    def hangup_local(self) -> None:
        pass

    def room_available(self) -> None:
        pass


@_free("+CGDATA")
def cgdata(ctx: Ctx) -> Any:
    # "AT+CGDATA=[<L2P>,[<cid>[,<cid>[,...]]]]": <L2P> "PPP" only (test: +CGDATA: ("PPP")); an
    # omitted <L2P> is unspecified (PPP); the <cid> must be defined with +CGDCONT (omitted:
    # the first defined). Another <L2P> or an undefined <cid>: ERROR (+CME ERROR: 4). Not
    # registered: +CME ERROR: 30 (no network service).
    if ctx.kind == "test":
        return ok('+CGDATA: ("PPP")')
    if ctx.kind != "set":
        return error()
    args = ctx.args or [""]
    if args[0] and (not ctx.quoted[0] or args[0].upper() != "PPP"):
        raise ArgError(ctx.name)
    defined = sorted(int(c) for c, v in ctx.module.nvm.get("cgdcont", {}).items() if v)
    _unquoted(ctx, *range(1, len(args)))
    cids = [ctx.int_arg(i, 1, 5) for i in range(1, len(args))] or defined[:1]
    if not cids or any(c not in defined for c in cids):
        raise ArgError(ctx.name)
    if ctx.module.radio.reg not in (1, 5):
        return CmeError(30)
    return Online(PppLink(ctx.module))


__all__ = ["More", "PktDownload"]
