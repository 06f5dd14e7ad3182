"""AT commands of the GPRS/socket part (SELINT 2).

Sources, by command: +CGDCONT +CGATT +CGACT (ATR10 §3.5.4.7, 3GPP TS 27.007); #SS #SI #SGACT
#SH #SCFG #SCFGEXT #SCFGEXT2 #SD #SO #SL #SA #SRECV #SSEND #SSENDEXT #SGACTAUTH (ATR10
§3.5.7.4); #USERID #PASSW #SKTSAV #SKTRST #QDNS #GPRS #FRWL #ICMP #TCPMAXDAT #TCPREASS #E2SLRI
(ATR10 §3.5.7.6); behaviour notes from IPG10 §3 and §5; REFERENCE §6, §7, §11 D/E.
Errors use the IP Easy +CME ERROR codes 550-573 (ATR10 §3.2.2.1) through ``net.errors``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .. import variants
from ..at import ArgError, CmeError, Ctx, Online, PENDING, Prompt, Reply, command, error, ok
from .config import (CONN_IDS, SCFG_RANGES, SCFGEXT2_RANGES, SCFGEXT_RANGES, from_hex,
                     load_config, save_config, to_hex)
from .firewall import AddressError, is_ip
from .network import Attempt
from .sockets import CLOSED, CONNECTED, CONNECTING, INCOMING, LISTENING

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

MAX_CRED = 50  # #USERID/#PASSW maximum length: reported by their =? form; value n/d


def _net(ctx: Ctx) -> "Network":
    return ctx.module.net


def _cme(ctx: Ctx, name: str) -> CmeError:
    return CmeError(_net(ctx).errors[name])


def _conn_id(ctx: Ctx, i: int = 0) -> int:
    return ctx.int_arg(i, 1, 6)


# ------------------------------------------------------------------ PDP context definition
@command("+CGDCONT")
def cgdcont(ctx: Ctx) -> Reply:
    nvm = ctx.module.nvm
    table = nvm.setdefault("cgdcont", {})  # ATR10 §3.3: +CGDCONT is stored in NVM automatically
    if ctx.kind == "test":
        return ok('+CGDCONT: (1-5),"IP",,,(0-1),(0-1)')
    if ctx.kind == "read":
        lines = []
        for cid in sorted(table, key=int):
            d = table[cid]
            lines.append('+CGDCONT: %s,"%s","%s","%s",%d,%d' % (
                cid, d["type"], d["apn"], d["addr"], d["d_comp"], d["h_comp"]))
        return ok(*lines)
    if ctx.kind == "exec":
        return ok()
    cid = ctx.int_arg(0, 1, 5)
    if len(ctx.args) == 1:
        table.pop(str(cid), None)  # 27.007: a set with only <cid> undefines the context
        return ok()
    pdp_type = ctx.arg(1, "IP")
    if pdp_type.upper() != "IP":
        return error()
    table[str(cid)] = {
        "type": "IP", "apn": ctx.arg(2, ""), "addr": ctx.arg(3, "0.0.0.0"),
        "d_comp": ctx.int_arg(4, 0, 1, 0), "h_comp": ctx.int_arg(5, 0, 1, 0),
    }
    return ok()


@command("+CGATT")
def cgatt(ctx: Ctx) -> Reply:
    net = _net(ctx)
    if ctx.kind == "test":
        return ok("+CGATT: (0,1)")
    if ctx.kind == "read":
        return ok("+CGATT: %d" % (1 if net.registered() else 0))
    if ctx.kind == "set":
        if ctx.int_arg(0, 0, 1) == 0:
            for cid in list(net.contexts):
                net.deactivate(cid, "detached")
        return ok(delay=1000)
    return error()


@command("+CGACT")
def cgact(ctx: Ctx) -> Reply:
    # Minimal (REFERENCE §6.4: a context activated by +CGACT cannot be used by IP Easy sockets):
    # the read form reports the contexts as #SGACT sees them.
    net = _net(ctx)
    if ctx.kind == "test":
        return ok("+CGACT: (0,1)")
    if ctx.kind == "read":
        table = ctx.module.nvm.get("cgdcont", {})
        cids = sorted(set(int(c) for c in table) | set(c for c, x in net.contexts.items() if x.active))
        return ok(*["+CGACT: %d,%d" % (c, 1 if net.context(c).active else 0) for c in cids])
    return ok(delay=net.activation_ms)


@command("+CGPADDR", "#CGPADDR")
def cgpaddr(ctx: Ctx) -> Reply:
    net = _net(ctx)
    if ctx.kind == "test":
        return ok("%s: (1-5)" % ctx.name)
    cids = [ctx.int_arg(i, 1, 5) for i in range(len(ctx.args))] if ctx.args else sorted(
        int(c) for c in ctx.module.nvm.get("cgdcont", {}))
    return ok(*['%s: %d,"%s"' % (ctx.name, c, net.context(c).ip if net.context(c).active else "")
                for c in cids])


# ------------------------------------------------------------------------- credentials
def _string_setting(attr: str, readable: bool):
    def handler(ctx: Ctx) -> Reply:
        net = _net(ctx)
        if ctx.kind == "test":
            return ok("%s: %d" % (ctx.name, MAX_CRED))
        if ctx.kind == "read" and readable:
            return ok('%s: "%s"' % (ctx.name, getattr(net, attr)))
        if ctx.kind != "set":
            return error()
        value = ctx.args[0] if ctx.args else ""
        if len(value) > MAX_CRED:
            return error()
        setattr(net, attr, value)
        return ok()

    return handler


# ATR10 §3.5.7.6.1-2: #USERID has a read form, #PASSW only set and test (SELINT 2).
command("#USERID")(_string_setting("userid", True))
command("#PASSW")(_string_setting("passw", False))


@command("#SKTSAV")
def sktsav(ctx: Ctx) -> Reply:
    # ATR10 §3.3: #USERID/#PASSW (and the legacy socket settings) are stored by #SKTSAV.
    net = _net(ctx)
    ctx.module.nvm["sktsav"] = {"userid": net.userid, "passw": net.passw}
    return ok()


@command("#SKTRST")
def sktrst(ctx: Ctx) -> Reply:
    net = _net(ctx)
    ctx.module.nvm["sktsav"] = {}
    net.userid = net.passw = ""
    return ok()


@command("#SGACTAUTH")
def sgactauth(ctx: Ctx) -> Reply:
    net = _net(ctx)
    if ctx.kind == "test":
        return ok("#SGACTAUTH: (0-2)")
    if ctx.kind == "read":
        return ok("#SGACTAUTH: %d" % net.auth_type)
    if ctx.kind != "set":
        return error()
    net.auth_type = ctx.int_arg(0, 0, 2)
    return ok()


# --------------------------------------------------------------------- activation
def _activation(ctx: Ctx, cid: int, stat: int, user: str, pwd: str, family: str) -> object:
    net = _net(ctx)
    # ATR10 #SGACT / #GPRS: ERROR when no socket (connId) is associated with the context.
    if not net.cid_has_socket(cid):
        return error()
    c = net.context(cid)
    if stat == 0:
        if c.state == "inactive":
            return ok()
        net.deactivate(cid)
        return ok(delay=net.deactivation_ms)
    if c.state == "active":
        return _cme(ctx, "already_active")
    if c.state == "activating":
        return _cme(ctx, "state")
    if net.active_count() >= 2:
        return _cme(ctx, "too_many_contexts")  # IPG10 §3.1: two contexts at most

    def done(code: int | None, ip: str) -> None:
        if code is not None:
            ctx.done(CmeError(code, delay=0))
        elif family == "gprs":
            ctx.done(Reply(["+IP: %s" % ip], "OK", 0))
        else:
            shown = '"%s"' % ip if net.sgact_quote_ip else ip
            ctx.done(Reply(["#SGACT: %s" % shown], "OK", 0))

    net.start_activation(cid, ctx.inst, family, user, pwd, done)
    return PENDING


@command("#SGACT")
def sgact(ctx: Ctx) -> object:
    net = _net(ctx)
    if ctx.kind == "test":
        return ok("#SGACT: (0-5),(0,1)")
    if ctx.kind == "read":
        table = ctx.module.nvm.get("cgdcont", {})
        cids = sorted(set(int(c) for c in table) | set(c for c, x in net.contexts.items() if x.active))
        return ok(*["#SGACT: %d,%d" % (c, 1 if net.context(c).active else 0) for c in cids])
    if ctx.kind != "set":
        return error()
    cid = ctx.int_arg(0, 0, 5)
    stat = ctx.int_arg(1, 0, 1)
    if cid == 0:
        return error()  # the GSM (CSD-based) context is not emulated
    # ATR10 p.415: <userId>/<pwd> are #SGACT's own arguments; no manual says a bare
    # #SGACT takes the old #USERID/#PASSW (IPG10 §3.4: "not to mix the new commands with
    # the old ones"), so a bare #SGACT sends no credentials.
    user = ctx.args[2] if len(ctx.args) > 2 else ""
    pwd = ctx.args[3] if len(ctx.args) > 3 else ""
    return _activation(ctx, cid, stat, user, pwd, "sgact")


@command("#GPRS")
def gprs(ctx: Ctx) -> object:
    # ATR10 §3.5.7.6.14 (SELINT 2): PDP context 1 only; "+IP: <ip>" before OK.
    net = _net(ctx)
    if ctx.kind == "test":
        return ok("#GPRS: (0,1)")
    if ctx.kind in ("read", "exec"):
        st = net.context(1).state
        return ok("#GPRS: %d" % {"active": 1, "activating": 2}.get(st, 0))
    mode = ctx.int_arg(0, 0, 1, 0)
    return _activation(ctx, 1, mode, net.userid, net.passw, "gprs")


# ------------------------------------------------------------------ socket settings
def _socket_busy(net: "Network", conn_id: int) -> bool:
    return net.sockets[conn_id].state in (CONNECTED, CONNECTING, INCOMING)


@command("#SCFG")
def scfg(ctx: Ctx) -> Reply:
    net = _net(ctx)
    nvm = ctx.module.nvm
    if ctx.kind == "test":
        return ok("#SCFG: (1-6),(0-5),(0-1500),(0-65535),(10-1200),(0-255)")
    if ctx.kind == "read":
        return ok(*[load_config(nvm, i).scfg_line(i) for i in CONN_IDS])
    if ctx.kind != "set":
        return error()
    conn_id = _conn_id(ctx)
    vals = [ctx.int_arg(i + 1, lo, hi) for i, (lo, hi) in enumerate(SCFG_RANGES)]
    # IPG10 §3.2.1.2: "if a parameter is wrong or the connection Id is working online" -> ERROR.
    if _socket_busy(net, conn_id):
        return error()
    if net.sockets[conn_id].state == LISTENING and variants.choice(ctx.module, "scfg_listening") == "refuse":
        return error()  # the variant where a listening connId counts as working (IPG10 §3.2.1.2 n/d)
    cfg = load_config(nvm, conn_id)
    cfg.cid, cfg.pkt_sz, cfg.max_to, cfg.conn_to, cfg.tx_to = vals
    save_config(nvm, conn_id, cfg)
    return ok()


@command("#SCFGEXT")
def scfgext(ctx: Ctx) -> Reply:
    nvm = ctx.module.nvm
    if ctx.kind == "test":
        return ok("#SCFGEXT: (1-6),(0-2),(0,1),(0-240),(0,1),(0,1)")
    if ctx.kind == "read":
        return ok(*[load_config(nvm, i).scfgext_line(i) for i in CONN_IDS])
    if ctx.kind != "set":
        return error()
    if len(ctx.args) > ctx.module.radio.scfgext_fields:
        return error()  # firmware before 7.03.02/7.02.07 (ATR10 §1.7): 4 fields only
    conn_id = _conn_id(ctx)
    cfg = load_config(nvm, conn_id)
    defaults = (None, None, None, cfg.listen_auto, cfg.send_hex)
    vals = [ctx.int_arg(i + 1, lo, hi, defaults[i]) for i, (lo, hi) in enumerate(SCFGEXT_RANGES)]
    cfg.sr_mode, cfg.recv_hex, cfg.keepalive, cfg.listen_auto, cfg.send_hex = vals
    save_config(nvm, conn_id, cfg)
    sock = _net(ctx).sockets[conn_id]
    if sock.state != CLOSED:
        sock.cfg = cfg
    return ok()


@command("#SCFGEXT2")
def scfgext2(ctx: Ctx) -> Reply:
    nvm = ctx.module.nvm
    if ctx.kind == "test":
        return ok("#SCFGEXT2: (1-6),(0,1),(0,1),(0),(0),(0)")
    if ctx.kind == "read":
        return ok(*[load_config(nvm, i).scfgext2_line(i) for i in CONN_IDS])
    if ctx.kind != "set":
        return error()
    conn_id = _conn_id(ctx)
    cfg = load_config(nvm, conn_id)
    cfg.buffer_start = ctx.int_arg(1, *SCFGEXT2_RANGES[0])
    cfg.abort_conn = ctx.int_arg(2, *SCFGEXT2_RANGES[1], default=cfg.abort_conn)
    save_config(nvm, conn_id, cfg)
    return ok()


# ---------------------------------------------------------------------- status
@command("#SS")
def ss(ctx: Ctx) -> Reply:
    net = _net(ctx)
    if ctx.kind == "test":
        return ok("#SS: (1-6)")
    if ctx.kind == "set":
        return ok(net.sockets[_conn_id(ctx)].ss_line())
    if ctx.kind == "exec":
        return ok(*[net.sockets[i].ss_line() for i in CONN_IDS])
    return error()


@command("#SI")
def si(ctx: Ctx) -> Reply:
    net = _net(ctx)
    if ctx.kind == "test":
        return ok("#SI: (1-6)")
    if ctx.kind == "set":
        return ok(net.sockets[_conn_id(ctx)].si_line())
    if ctx.kind == "exec":
        return ok(*[net.sockets[i].si_line() for i in CONN_IDS])
    return error()


# --------------------------------------------------------------------- dialling
@command("#SD")
def sd(ctx: Ctx) -> object:
    net = _net(ctx)
    k = net.kernel
    if ctx.kind == "test":
        return ok("#SD: (1-6),(0,1),(1-65535),,(0,255),(1-65535),(0,1)")
    if ctx.kind != "set":
        return error()
    conn_id = _conn_id(ctx)
    proto = ctx.int_arg(1, 0, 1)
    rport = ctx.int_arg(2, 1, 65535)
    host = ctx.arg(3)
    closure = ctx.int_arg(4, 0, 255, 0)
    if closure not in (0, 255):
        raise ArgError("#SD")
    lport = ctx.int_arg(5, 0, 65535, 0)  # lPort: UDP only; the manuals' own examples pass 0 for TCP
    conn_mode = ctx.int_arg(6, 0, 1, 0)
    sock = net.sockets[conn_id]
    if sock.state != CLOSED:
        return _cme(ctx, "state")  # IPG10: #SD on a connId online or suspended is an error
    cfg = load_config(ctx.module.nvm, conn_id)
    c = net.contexts.get(cfg.cid)
    if c is None or not c.active:
        return _cme(ctx, "no_context")  # IPG10 §3.2.1.3: the context must be active
    sock.begin_open(ctx.inst, cfg.cid, c.ip)
    sock.state = CONNECTING
    sock.proto = proto
    sock.closure = closure
    # ATR10 #SD p.423: <lPort> "UDP connections local port" (net/udp.py).
    sock.local_port = lport if proto == 1 and lport else net.next_local_port()

    def connected(wire, ip: str, port: int) -> None:
        timer.cancel()
        sock.attempt = None
        sock.established(wire, sock.local_port, ip, port)
        if conn_mode == 1:
            ctx.done(Reply([], "OK", 0))
        else:
            ctx.done(Online(sock, delay=0))

    def failed(code: int) -> None:
        timer.cancel()
        sock.attempt = None
        if sock.state == CONNECTING:
            sock._clear()
        ctx.done(CmeError(code, delay=0))

    attempt = Attempt(connected, failed)
    sock.attempt = attempt
    # connTo counts from the dial; ATR10 §3.2.4 gives #SD 140 s = DNS + connTo.
    timer = k.call_later(cfg.conn_to * 100 + (0 if is_ip(host) else net.dns_ms),
                         lambda: attempt.fail(net.errors["timeout"]))

    def dial() -> None:
        if attempt.done:
            return
        ip = net.resolve(host)
        if ip is None:
            attempt.fail(net.errors["dns"])
            return
        sock.remote_ip, sock.remote_port = ip, rport
        net.open_connection(sock, ip, rport, attempt)

    if is_ip(host):
        dial()
    else:
        k.call_later(net.dns_ms, dial)
    return PENDING


@command("#SO")
def so(ctx: Ctx) -> object:
    net = _net(ctx)
    if ctx.kind == "test":
        return ok("#SO: (1-6)")
    if ctx.kind != "set":
        return error()
    sock = net.sockets[_conn_id(ctx)]
    if sock.state == CLOSED:
        return Reply([], "NO CARRIER")  # IPG10 §3.2.1.4: #SO on an idle connId
    if sock.state != CONNECTED:
        return _cme(ctx, "resume")
    if sock.owner is not ctx.inst:
        return _cme(ctx, "wrong_instance")  # ATR10 #SD note: resume on the opening instance
    return ctx.inst.resume(sock)


@command("#SH")
def sh(ctx: Ctx) -> Reply:
    net = _net(ctx)
    if ctx.kind == "test":
        return ok("#SH: (1-6)")
    if ctx.kind != "set":
        return error()
    sock = net.sockets[_conn_id(ctx)]
    if sock.state == CLOSED:
        return ok()  # IPG10 §3.2.1.5: OK even for an idle connId
    if sock.owner is not None and sock.owner is not ctx.inst and sock.state != INCOMING:
        return _cme(ctx, "wrong_instance")
    sock.close_local("local")
    return ok()


# --------------------------------------------------------------------- listening
@command("#SL")
def sl(ctx: Ctx) -> Reply:
    net = _net(ctx)
    if ctx.kind == "test":
        return ok("#SL: (1-6),(0,1),(1-65535),(0,255)")
    if ctx.kind == "read":
        return ok(*["#SL: %d,%d,%d" % (s.conn_id, s.listen_port, s.closure)
                    for s in net.sockets.values() if s.state in (LISTENING, INCOMING)])
    if ctx.kind != "set":
        return error()
    conn_id = _conn_id(ctx)
    state = ctx.int_arg(1, 0, 1)
    port = ctx.int_arg(2, 1, 65535, 0 if state == 0 else None)
    closure = ctx.int_arg(3, 0, 255, 0)
    if closure not in (0, 255):
        raise ArgError("#SL")
    sock = net.sockets[conn_id]
    if state == 0:
        if sock.state in (LISTENING, INCOMING):
            sock.close_local("listen off")
        return ok()
    if sock.state != CLOSED:
        return _cme(ctx, "state")
    if net.find_listener(port, None) is not None:
        return _cme(ctx, "listening")  # IPG10: not two connIds listening on one port
    cfg = load_config(ctx.module.nvm, conn_id)
    c = net.contexts.get(cfg.cid)
    if c is None or not c.active:
        return _cme(ctx, "no_context")
    sock.begin_open(ctx.inst, cfg.cid, c.ip)
    sock.state = LISTENING
    sock.listen_port = sock.local_port = port
    sock.closure = closure
    if net.real is not None:
        try:
            net.real.listen(sock)
        except OSError:
            sock._clear()
            return _cme(ctx, "state")
    return ok()


@command("#SA")
def sa(ctx: Ctx) -> object:
    net = _net(ctx)
    if ctx.kind == "test":
        return ok("#SA: (1-6),(0,1)")
    if ctx.kind != "set":
        return error()
    sock = net.sockets[_conn_id(ctx)]
    conn_mode = ctx.int_arg(1, 0, 1, 0)
    if sock.state != INCOMING or sock.pending is None:
        return _cme(ctx, "state")  # ATR10 #SA: before SRING -> ERROR
    net.accept(sock, ctx.inst, online=conn_mode == 0)
    if conn_mode == 1:
        return ok()
    return Online(sock)


# ------------------------------------------------------------ command-mode data
@command("#SRECV")
def srecv(ctx: Ctx) -> Reply:
    net = _net(ctx)
    if ctx.kind == "test":
        return ok("#SRECV: (1-6),(1-1500)")
    if ctx.kind != "set":
        return error()
    sock = net.sockets[_conn_id(ctx)]
    max_bytes = ctx.int_arg(1, 1, 1500)
    if sock.state != CONNECTED or sock.online() or not sock.rx:
        return _cme(ctx, "state")  # ATR10: #SRECV with no buffered data raises an error
    data = sock.take(max_bytes)
    shown = to_hex(data) if sock.cfg.recv_hex else data.decode("latin-1")
    return Reply(["#SRECV: %d,%d" % (sock.conn_id, len(data)), shown], "OK")


def _send_checks(ctx: Ctx):
    net = _net(ctx)
    sock = net.sockets[_conn_id(ctx)]
    if sock.state != CONNECTED or sock.online():
        return None, _cme(ctx, "state")
    if sock.listen_port and variants.choice(ctx.module, "ssend_accepted") == "error":
        # ATR10 #SSEND p.428, #SSENDEXT p.429: "only if the connection was opened by #SD,
        # else the ME is raising an error" read literally (docs/emulator-fidelity.md)
        return None, _cme(ctx, "state")
    return sock, None


@command("#SSEND")
def ssend(ctx: Ctx) -> object:
    if ctx.kind == "test":
        return ok("#SSEND: (1-6)")
    if ctx.kind != "set":
        return error()
    sock, err = _send_checks(ctx)
    if err is not None:
        return err
    hex_mode = bool(sock.cfg.send_hex)
    # ATR10 #SSEND: at most 1024 bytes up to 7.03.02/7.02.07, the surplus is discarded.
    limit = 2048 if hex_mode else 1024

    def on_input(data: bytes) -> object:
        if hex_mode:
            try:
                data = from_hex(data.decode("latin-1"))
            except ValueError:
                return _cme(ctx, "tx")
        if sock.state != CONNECTED:
            return _cme(ctx, "tx")
        sock.send_now(data)
        return ok()

    # ATR10 p.428: "responds to the command with the prompt '>' <greater_than><space>",
    # its example shows no CR LF before it (unlike +CMGS's framed prompt); the framed
    # form is the variant ssend_prompt=crlf (docs/emulator-fidelity.md).
    return Prompt(variants.ssend_prompt(ctx.module), on_input, backspace=True, max_len=limit)


@command("#SSENDEXT")
def ssendext(ctx: Ctx) -> object:
    # ATR10 §1.7 history (ISSUE#8): #SSENDEXT came with SW 7.03.02/7.02.07, as #SCFGEXT's
    # 5th and 6th fields did; an older 7.x firmware (radio.scfgext_fields 4) does not know
    # the command: ERROR for every form, the test form included (REFERENCE 6.10: "probe it
    # with AT#SSENDEXT=?").
    if ctx.module.radio.scfgext_fields < 6:
        return error()
    if ctx.kind == "test":
        return ok("#SSENDEXT: (1-6),(1-1500)")
    if ctx.kind != "set":
        return error()
    count = ctx.int_arg(1, 1, 1500)
    sock, err = _send_checks(ctx)
    if err is not None:
        return err

    def on_input(data: bytes) -> object:
        if sock.state != CONNECTED:
            return _cme(ctx, "tx")
        sock.send_now(data)
        return ok()

    return Prompt(variants.ssend_prompt(ctx.module), on_input, count=count)  # ATR10 p.429, as #SSEND


# ------------------------------------------------------------------------ firewall
@command("#FRWL")
def frwl(ctx: Ctx) -> Reply:
    fw = _net(ctx).firewall
    if ctx.kind == "test":
        return ok("#FRWL: (0-2)")
    if ctx.kind in ("read", "exec") or (ctx.kind == "set" and not ctx.args):
        return ok(*fw.lines())  # ATR10: all parameters omitted = the list
    action = ctx.int_arg(0, 0, 2)
    if action == 2:
        fw.clear()
        return ok()
    try:
        ip, mask = ctx.arg(1), ctx.arg(2)
        if action == 1:
            return ok() if fw.add(ip, mask) else error()
        return ok() if fw.remove(ip, mask) else error()
    except AddressError:
        return error()


# ------------------------------------------------------------- name resolution, misc
@command("#QDNS")
def qdns(ctx: Ctx) -> object:
    net = _net(ctx)
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "set":
        return error()
    host = ctx.arg(0)
    if not any(c.active for c in net.contexts.values()):
        return _cme(ctx, "no_context")
    ip = net.resolve(host)
    if ip is None:
        return CmeError(net.errors["dns"], delay=net.dns_ms)
    return Reply(['#QDNS: "%s","%s"' % (host, ip)], "OK", net.dns_ms)


def _nvm_flag(key: str, lo: int, hi: int, default: int):
    def handler(ctx: Ctx) -> Reply:
        nvm = ctx.module.nvm
        if ctx.kind == "test":
            return ok("%s: (%d-%d)" % (ctx.name, lo, hi))
        if ctx.kind == "read":
            return ok("%s: %d" % (ctx.name, nvm.get(key, default)))
        if ctx.kind != "set":
            return error()
        v = ctx.int_arg(0, lo, hi)
        if key == "tcpmaxdat" and v and v < 496:
            return error()
        nvm[key] = v
        return ok()

    return handler


command("#ICMP")(_nvm_flag("icmp", 0, 2, 0))
command("#TCPMAXDAT")(_nvm_flag("tcpmaxdat", 0, 1420, 0))
command("#TCPREASS")(_nvm_flag("tcpreass", 0, 1, 0))
command("#E2SLRI")(_nvm_flag("e2slri", 0, 1150, 0))
