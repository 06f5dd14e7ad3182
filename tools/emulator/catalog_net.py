"""Catalogue commands of the network, calls and messages (tools/emulator/commands_catalog.py is
the engine; docs/emulator.md "Command catalogue"): status (+CPAS +CLCC +CEER #CEER +CIND #MONI
#SERVINFO +CLAC +GCAP +PACSP +CSMS), supplementary services (+CLIR +CCWA +CCFC +CUSD +CHUP),
GPRS settings (+CGQMIN +CGQREQ #MSCLASS #DNS #GSMCONT #ATRUNDELAY #PING), SMS in one line
(#CMGS #CMGW +CMSS), ATO, #Z and the basic-syntax leftovers (&S \\Q \\V L M T P %E %L %Q)."""
from __future__ import annotations

from typing import Any

from .at import ArgError, COMMANDS, CmeError, Ctx, Reply, error, ok
from .commands_catalog import _cat, _free, _free_exec

@_free("+CPAS")
def cpas(ctx: Ctx) -> Reply:
    # ATR10 p.134: 0 ready, 3 ringing, 4 call in progress: the incoming CSD call of module.csd
    # or the outgoing voice call of module.voice (catalog_voice.py).
    if ctx.kind == "test":
        return ok("+CPAS: (0-4)")
    if ctx.kind != "exec":
        return error()
    call = _call(ctx.module)
    pas = 0 if call is None else 3 if call.state == "ringing" else 4
    return ok("+CPAS: %d" % pas)


def _call(m: Any) -> Any:
    for world in (getattr(m, "csd", None), getattr(m, "voice", None)):
        call = getattr(world, "current", None) if world is not None else None
        if call is not None and call.state != "ended":
            return call
    return None


@_free_exec("+CLCC")
def clcc(ctx: Ctx) -> Reply:
    # ATR10 p.127: "+CLCC: <id>,<dir>,<stat>,<mode>,<mpty>,<number>,<type>,<alpha>": an incoming
    # data call (dir 1, mode 1, stat 4 while ringing, 0 active) or an outgoing voice call (dir
    # 0, mode 0, stat 2 dialing, 3 alerting, 0 active).
    call = _call(ctx.module)
    if call is None:
        return ok()
    number = call.number or ""
    if getattr(call, "kind", "") == "csd":
        head = "1,1,%d,1" % (4 if call.state == "ringing" else 0)
    else:
        head = "1,0,%d,0" % {"dialing": 2, "alerting": 3}.get(call.state, 0)
    return ok('+CLCC: %s,0,"%s",%d,""' % (head, number, 145 if number.startswith("+") else 129))


@_free_exec("+CEER")
def ceer(ctx: Ctx) -> Reply:
    # ATR10 p.90: "if none of the previous conditions has occurred since power up then
    # 'Normal, unspecified' condition is reported". The emulator keeps no call-failure causes.
    return ok("+CEER: Normal, unspecified")


@_free("+CSMS")
def csms(ctx: Ctx) -> Reply:
    # ATR10 p.201: <service> 0 only; set answers "+CSMS: <mt>,<mo>,<bm>", read
    # "+CSMS: <service>,<mt>,<mo>,<bm>".
    if ctx.kind == "test":
        return ok("+CSMS: (0)")
    if ctx.kind == "read":
        return ok("+CSMS: 0,1,1,1")
    if ctx.kind == "set":
        if ctx.int_arg(0, 0, 0) != 0 or len(ctx.args) > 1:
            raise ArgError(ctx.name)
        return ok("+CSMS: 1,1,1")
    return error()


@_free_exec("+CLAC")
def clac(ctx: Ctx) -> Reply:
    # ATR10 p.173: one line per available command.
    names = sorted(n for n in COMMANDS if n)
    return ok(*["AT" + n for n in names])


# ------------------------------------------------------ QoS profiles (per cid)
def _qos(key: str):  # type: ignore[no-untyped-def]
    # ATR10 pp.189-192 (+CGQMIN/+CGQREQ): =<cid>[,<precedence>,<delay>,<reliability>,<peak>,
    # <mean>]; "+CGQxxx=<cid> causes the requested profile for context number <cid> to become
    # undefined"; read: one line per defined profile; test:
    # +CGQxxx: "IP",(0-3),(0-4),(0-5),(0-9),(0-18,31). Stored in NVM automatically (§3.3 p.27).
    ranges = (range(0, 4), range(0, 5), range(0, 6), range(0, 10), list(range(0, 19)) + [31])

    def handler(ctx: Ctx) -> Reply:
        table = ctx.module.nvm.setdefault(key, {})
        if ctx.kind == "test":
            return ok('%s: "IP",(0-3),(0-4),(0-5),(0-9),(0-18,31)' % ctx.name)
        if ctx.kind == "read":
            return ok(*["%s: %s,%s" % (ctx.name, cid, ",".join(str(v) for v in table[cid]))
                        for cid in sorted(table, key=int)])
        if ctx.kind != "set":
            return error()
        if not ctx.args:
            return ok()
        if len(ctx.args) > 6:
            raise ArgError(ctx.name)
        cid = ctx.int_arg(0, 1, 5)
        if len(ctx.args) == 1:
            table.pop(str(cid), None)
            return ok()
        values = []
        for i, allowed in enumerate(ranges):
            v = ctx.int_arg(i + 1, 0, 31, 0)
            if v not in allowed:
                raise ArgError(ctx.name)
            values.append(v)
        table[str(cid)] = values
        return ok()

    return handler


_free("+CGQMIN")(_qos("cgqmin"))
_free("+CGQREQ")(_qos("cgqreq"))


@_free("+CHUP")
def chup(ctx: Ctx) -> Any:
    # ATR10 p.86: "+CHUP cancels all active and held calls": ATH's effect for the emulated calls.
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "exec":
        return error()
    hang = COMMANDS.get("H")
    return hang(ctx) if hang is not None else ok()


@_free_exec("+GCAP")
def gcap(ctx: Ctx) -> Reply:
    # ATR10 p.47: the supported command sets (+CGSM GSM, +FCLASS fax, +DS data service, +MS).
    return ok("+GCAP: +CGSM,+FCLASS,+DS,+MS")


@_free("+PACSP")
def pacsp(ctx: Ctx) -> Reply:
    # ATR10 p.281: read only, "+PACSP<mode>" (no colon): 1 = no restriction of manual PLMN
    # selection (the emulated SIM's CSP file has none).
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "read":
        return error()
    return ok("+PACSP1")


@_free("+CLIR")
def clir(ctx: Ctx) -> Reply:
    # ATR10 p.113 / 27.007 §7.7: +CLIR=[<n>] (0 subscription, 1 invocation, 2 suppression);
    # read "+CLIR: <n>,<m>" with <m> the network's status: the emulated network answers 4
    # ("CLIR temporary mode presentation allowed"). A profile parameter of the instance.
    if ctx.kind == "test":
        return ok("+CLIR: (0-2)")
    n = ctx.inst.settings.get("cat+CLIR", 0)
    if ctx.kind == "read":
        return ok("+CLIR: %d,4" % n)
    if ctx.kind != "set":
        return error()
    if len(ctx.args) > 1:
        raise ArgError(ctx.name)
    ctx.inst.settings["cat+CLIR"] = ctx.int_arg(0, 0, 2, 0)
    return ok()


# Basic-syntax commands of the profile the basic module does not handle: &S (DSR, ATR10 p.57,
# 0-3, factory 3) and \Q (flow control, p.56, 0-3, factory 3); "if parameter is omitted, the
# command has the same behaviour as" <cmd>0.
BASIC_EXTRA = {"&S": (0, 3, 3), "\\Q": (0, 3, 3), "\\V": (0, 1, 0),  # \V: p.49
               # L, M p.50, T, P p.67: "no effect ... only for backward compatibility with
               # landline modems" (L, M take a digit; T, P none)
               "L": (0, 3, 0), "M": (0, 2, 0), "T": (0, 0, 0), "P": (0, 0, 0),
               # %E<n> (p.69), %L, %Q (p.49): "no effect ... backward compatibility"
               "%E": (0, 9, 0), "%L": (0, 0, 0), "%Q": (0, 0, 0)}


def basic_extra(ctx: Ctx) -> Reply:
    lo, hi, _ = BASIC_EXTRA[ctx.name]
    v = int(ctx.raw) if ctx.raw else 0
    if not lo <= v <= hi:
        return error()
    ctx.inst.settings["cat" + ctx.name] = v
    return ok()


_free(*BASIC_EXTRA)(basic_extra)


CIND = (("battchg", "(0-5,99)"), ("signal", "(0-7,99)"), ("service", "(0-1)"),
        ("sounder", "(0-1)"), ("message", "(0-1)"), ("call", "(0-1)"), ("roam", "(0-1)"),
        ("smsfull", "(0-1)"), ("rssi", "(0-5,99)"))


def _indicators(m: Any) -> list[int]:
    # ATR10 pp.144-145: values in the order of the test form. battchg: mains powered (5);
    # signal: the +CSQ <ber>; rssi: -113 + 2*<rssi> dBm in the 0..5 steps (≤ -112, -97..-66 in
    # 15 dBm steps, ≥ -51); message: an unread SMS in "SM"; call: a CSD call is up.
    r = m.radio
    registered = r.reg in (1, 5)
    if registered and r.rssi != 99:
        dbm = -113 + 2 * r.rssi
        rssi = 0 if dbm <= -112 else 5 if dbm >= -51 else max(1, min(4, 1 + (dbm + 97) // 15))
        ber = r.ber if 0 <= r.ber <= 7 else 99
    else:
        rssi, ber = 99, 99
    sms = getattr(m, "sms", None)
    store = getattr(sms, "store", {}) if sms is not None else {}
    unread = any(getattr(x, "status", "") == "REC UNREAD" for x in store.values())
    c = _call(m)
    call = c is not None and c.state != "ringing"
    return [5, ber, 1 if registered else 0, 0, 1 if unread else 0, 1 if call else 0,
            1 if r.reg == 5 else 0, 0, rssi]


@_free("+CIND")
def cind(ctx: Ctx) -> Reply:
    # ATR10 pp.144-145: set registers/deregisters each indicator for +CIEV (stored per instance;
    # the emulator sends no +CIEV); read "+CIND: <ind>,..."; test the (descr,(range)) pairs.
    if ctx.kind == "test":
        return ok("+CIND: (%s)" % ",".join('("%s",%s)' % d for d in CIND))
    if ctx.kind == "read":
        return ok("+CIND: %s" % ",".join(str(v) for v in _indicators(ctx.module)))
    if ctx.kind != "set":
        return error()
    if len(ctx.args) > len(CIND):
        raise ArgError(ctx.name)
    states = list(ctx.inst.settings.get("cat+CIND", [1] * len(CIND)))
    for i in range(len(ctx.args)):
        if ctx.args[i] != "":
            states[i] = ctx.int_arg(i, 0, 1)
    ctx.inst.settings["cat+CIND"] = states
    return ok()


@_free("+CCWA")
def ccwa(ctx: Ctx) -> Reply:
    # ATR10 pp.118-119: +CCWA=[<n>[,<cmd>[,<class>]]]; <cmd> 2 queries the network:
    # "+CCWA: <status>,<class>" per class (the emulated network: as last set, class 7 = 1+2+4).
    # Read "+CCWA: <n>"; test "+CCWA: (0,1)".
    if ctx.kind == "test":
        return ok("+CCWA: (0,1)")
    if ctx.kind == "read":
        return ok("+CCWA: %d" % ctx.inst.settings.get("cat+CCWA", 0))
    if ctx.kind != "set":
        return error()
    if len(ctx.args) > 3:
        raise ArgError(ctx.name)
    n = ctx.int_arg(0, 0, 1, ctx.inst.settings.get("cat+CCWA", 0))
    ctx.inst.settings["cat+CCWA"] = n
    if len(ctx.args) < 2 or ctx.args[1] == "":
        return ok()
    cmd = ctx.int_arg(1, 0, 2)
    classes = ctx.module.nvm.setdefault("ccwa", {})  # the network's record
    if cmd == 2:
        if len(ctx.args) > 2 and ctx.args[2] != "":
            raise ArgError(ctx.name)  # "in the query command the class parameter must not be issued"
        active = [c for c in (1, 2, 4) if classes.get(str(c))]
        if not active:
            return ok("+CCWA: 0,7")
        return ok(*["+CCWA: 1,%d" % c for c in active])
    cls = ctx.int_arg(2, 1, 255, 7)
    for c in (1, 2, 4, 8, 16, 32, 64, 128):
        if cls & c:
            classes[str(c)] = cmd
    return ok(delay=500)


@_free_exec("#CEER")
def ceer_numeric(ctx: Ctx) -> Reply:
    # ATR10 p.284: "#CEER: <code>"; "if none of the previous conditions has occurred since
    # power up then 0 is reported". The emulator keeps no failure causes: 0.
    return ok("#CEER: 0")


@_free("#MONI")
def moni(ctx: Ctx) -> Reply:
    # ATR10 pp.318-320: set <number> 0-6 (a cell of the neighbour list, 0 = serving) or 7 (the
    # whole table); execution reports it. The emulated network has a serving cell and no
    # neighbours: "#MONI: <netname> BSIC:<bsic> RxQual:<qual> LAC:<lac> Id:<id> ARFCN:<arfcn>
    # PWR:<dBm> dBm TA: <timadv>" for 0, nothing for 1-6, the header and the S: row for 7.
    cat = _cat(ctx)
    if ctx.kind == "test":
        return ok("#MONI: (6,%d)" % cat.ram.get("#MONI", [0])[0])
    if ctx.kind == "set":
        if len(ctx.args) > 1:
            raise ArgError(ctx.name)
        cat.ram["#MONI"] = [ctx.int_arg(0, 0, 7, 0)]
        return ok()
    if ctx.kind != "exec":
        return error()
    r = ctx.module.radio
    sel = cat.ram.get("#MONI", [0])[0]
    if r.reg not in (1, 5) or r.rssi == 99:
        return ok()
    dbm = -113 + 2 * r.rssi
    bsic, arfcn, qual = 25, 62, r.ber if 0 <= r.ber <= 7 else 0
    lac, cid = r.lac, r.ci
    if sel == 0:
        return ok("#MONI: %s BSIC:%d RxQual:%d LAC:%s Id:%s ARFCN:%d PWR:%ddBm TA: 0" % (
            r.operator, bsic, qual, lac, cid, arfcn, dbm))
    if sel == 7:
        return ok("#MONI: Cell BSIC LAC CellId ARFCN Power C1 C2 TA RxQual PLMN",
                  "#MONI: S: %d %s %s %d %ddbm 30 30 0 %d %s" % (bsic, lac, cid, arfcn, dbm, qual,
                                                                r.operator))
    return ok()


@_free("+CCFC")
def ccfc(ctx: Ctx) -> Reply:
    # ATR10 pp.114-115: +CCFC=<reason>,<cmd>[,<number>[,<type>[,<class>[,,,<time>]]]]; reasons
    # 0-5 (4/5 not with query), cmd 0 disable, 1 enable, 2 query, 3 register, 4 erase; the query
    # answers "+CCFC: <status>,<class>[,<number>,<type>]" per class. Kept by the emulated
    # network (NVM).
    if ctx.kind == "test":
        return ok("+CCFC: (0-5)")
    if ctx.kind != "set":
        return error()
    if len(ctx.args) < 2 or len(ctx.args) > 8:
        raise ArgError(ctx.name)
    reason = ctx.int_arg(0, 0, 5)
    cmd = ctx.int_arg(1, 0, 4)
    table = ctx.module.nvm.setdefault("ccfc", {})
    groups = {4: (0, 1, 2, 3), 5: (1, 2, 3)}.get(reason, (reason,))
    if cmd == 2:
        if reason > 3:
            raise ArgError(ctx.name)
        entry = table.get(str(reason))
        if not entry or not entry[0]:
            return ok("+CCFC: 0,7", delay=500)
        return ok('+CCFC: 1,%d,"%s",%d' % (entry[3], entry[1], entry[2]), delay=500)
    number = ctx.args[2] if len(ctx.args) > 2 else ""
    if number and (len(ctx.quoted) < 3 or not ctx.quoted[2]):
        raise ArgError(ctx.name)
    ntype = ctx.int_arg(3, 129, 145, 145 if number.startswith("+") else 129)
    cls = ctx.int_arg(4, 1, 255, 7)
    for g in groups:
        old = table.get(str(g), [0, "", 129, 7])
        if cmd == 4:
            table.pop(str(g), None)
        elif cmd == 3 or (cmd == 1 and number):
            table[str(g)] = [1, number or old[1], ntype, cls]
        elif cmd == 1:
            if not old[1]:
                return CmeError(3)  # nothing registered to enable: operation not allowed
            table[str(g)] = [1, old[1], old[2], cls]
        else:
            table[str(g)] = [0, old[1], old[2], old[3]]
    return ok(delay=500)


@_free("+CUSD")
def cusd(ctx: Ctx) -> Reply:
    # ATR10 pp.123-124: +CUSD=[<n>[,<str>[,<dcs>]]]; <n> 2 cancels; a USSD string goes to the
    # network: the emulated one supports none, so with <n>=1 the answer is the URC
    # "+CUSD: 4" (operation not supported) after the OK. Read "+CUSD: <n>".
    if ctx.kind == "test":
        return ok("+CUSD: (0-2)")
    n = ctx.inst.settings.get("cat+CUSD", 0)
    if ctx.kind == "read":
        return ok("+CUSD: %d" % n)
    if ctx.kind != "set":
        return error()
    if len(ctx.args) > 3:
        raise ArgError(ctx.name)
    n = ctx.int_arg(0, 0, 2, 0)
    if n != 2:
        ctx.inst.settings["cat+CUSD"] = n
    if len(ctx.args) > 1 and ctx.args[1] != "":
        if not ctx.quoted[1]:
            raise ArgError(ctx.name)
        ctx.int_arg(2, 0, 255, 0)
        if n == 1:
            inst = ctx.inst
            ctx.module.kernel.call_later(1000, lambda: inst.urc("+CUSD: 4"))
    return ok()


@_free("#MSCLASS")
def msclass(ctx: Ctx) -> Reply:
    # ATR10 pp.314-315: AT#MSCLASS=<class>[,<autoattach>], class 1-6 or 8-10 ("class 7 is not
    # supported"); read "#MSCLASS: <class>". The GC864 is class 10 (REFERENCE §10.1); the value
    # is taken "at the next detach/attach or after a reboot": kept in NVM.
    nvm = ctx.module.nvm
    if ctx.kind == "test":
        return ok("#MSCLASS: (1-6,8-10),(0,1)")
    if ctx.kind == "read":
        return ok("#MSCLASS: %d" % nvm.get("msclass", 10))
    if ctx.kind != "set" or len(ctx.args) > 2:
        raise ArgError(ctx.name)
    cls = ctx.int_arg(0, 1, 10)
    if cls == 7:
        raise ArgError(ctx.name)
    ctx.int_arg(1, 0, 1, 0)
    nvm["msclass"] = cls
    return ok()


@_free("O")
def online_again(ctx: Ctx) -> Any:
    # ATR10 p.68 (ATO): back to on-line mode with the connection this instance suspended by
    # +++ (or &D1); "If there's no active connection it returns NO CARRIER".
    inst = ctx.inst
    link = inst.escaped_link
    if link is None or not getattr(link, "connected", False):
        return Reply([], "NO CARRIER")
    return inst.resume(link)


class _HashCtx(Ctx):
    """#CMGS answers like +CMGS but with its own name ("#CMGS: <mr>", ATR10 p.394)."""

    def done(self, result: Any) -> None:
        if isinstance(result, Reply):
            result = Reply([line.replace("+CMGS:", "#CMGS:", 1) for line in result.lines],
                           result.final, result.delay, result.raw)
        super().done(result)


def _sms_text_args(ctx: Ctx) -> tuple[str, str]:
    # Text mode: AT#CMGx=<da>,<text>, both quoted strings ("The entered text should be
    # enclosed between double quotes").
    if len(ctx.args) != 2 or not all(ctx.quoted[:2]):
        raise ArgError(ctx.name)
    return ctx.args[0], ctx.args[1]


@_free("#CMGS", "#CMGW")
def cmgs_line(ctx: Ctx) -> Any:
    # ATR10 pp.394-396 (SW 7.03.02): the message in the command line itself, no prompt; text
    # mode only in the emulator (PDU mode: +CMS ERROR: 303, as +CMGS in PDU mode). #CMGS goes
    # through the SMS model's submit (the same checks, timing and +CMS errors as +CMGS) and
    # answers "#CMGS: <mr>"; #CMGW stores "STO UNSENT" and answers "#CMGW: <index>".
    from .sms import CmsError, decode_te, charset, septets, toa

    if ctx.kind == "test":
        return ok()
    if ctx.kind != "set":
        return error()
    sms = ctx.module.sms
    if not ctx.inst.settings.get("+CMGF"):
        return CmsError(303)
    da, raw_text = _sms_text_args(ctx)
    text = decode_te(raw_text, charset(ctx.inst))
    if text is None or septets(text) > sms.max_text_chars:
        return CmsError(305)
    if ctx.name == "#CMGW":
        i = sms.write(da, text)
        if i is None:
            return CmsError(322)
        return ok("#CMGW: %d" % i)
    sub = _HashCtx(ctx.inst, ctx.cmd)
    return sms._submit(sub, da, toa(da), text)


@_free("#Z")
def extended_reset(ctx: Ctx) -> Reply:
    # ATR10 p.291: AT#Z=<profile> (0 or 1) loads the user profile stored with AT&W; the emulator
    # keeps no &W profiles, so this is the factory profile, as ATZ.
    if ctx.kind == "test":
        return ok("#Z: (0,1)")
    if ctx.kind != "set" or len(ctx.args) != 1:
        raise ArgError(ctx.name)
    ctx.int_arg(0, 0, 1)
    ctx.inst.reset_settings()
    return ok()


@_free("#DNS")
def dns(ctx: Ctx) -> Reply:
    # ATR10 p.460: AT#DNS=<cid>,<primary>,<secondary> (cid 1-5 here: the GSM context 0 is not
    # emulated); "0.0.0.0" = the network's; a secondary without a primary raises an error; read
    # one line per context with a manual server. Stored in NVM automatically (§3.3 p.27). The
    # emulated resolver (m.net.dns) does not depend on it.
    from .net.firewall import is_ip

    table = ctx.module.nvm.setdefault("dns", {})
    if ctx.kind == "test":
        return ok("#DNS: (1-5),,")
    if ctx.kind == "read":
        return ok(*['#DNS: %s,"%s","%s"' % (c, p, s) for c, (p, s) in sorted(table.items())])
    if ctx.kind != "set" or len(ctx.args) != 3 or not all(ctx.quoted[1:3]):
        raise ArgError(ctx.name)
    cid = ctx.int_arg(0, 1, 5)
    primary, secondary = ctx.args[1], ctx.args[2]
    if not (is_ip(primary) and is_ip(secondary)):
        raise ArgError(ctx.name)
    if primary == "0.0.0.0" and secondary != "0.0.0.0":
        raise ArgError(ctx.name)
    if primary == secondary == "0.0.0.0":
        table.pop(str(cid), None)
    else:
        table[str(cid)] = [primary, secondary]
    return ok()


class _CmssCtx(Ctx):
    def done(self, result: Any) -> None:
        if isinstance(result, Reply):
            result = Reply([line.replace("+CMGS:", "+CMSS:", 1) for line in result.lines],
                           result.final, result.delay, result.raw)
        super().done(result)


@_free("+CMSS")
def cmss(ctx: Ctx) -> Any:
    # ATR10 pp.261-262: AT+CMSS=<index>[,<da>[,<toda>]] sends a stored message (the <da> given
    # replaces the stored one) through the SMS model's submit: "+CMSS: <mr>", or +CMS ERROR
    # (321 invalid memory index for an empty location).
    from .sms import CmsError as _Cms, toa

    if ctx.kind == "test":
        return ok()
    if ctx.kind != "set" or not 1 <= len(ctx.args) <= 3:
        raise ArgError(ctx.name)
    sms = ctx.module.sms
    index = ctx.int_arg(0, 0, 255)
    msg = sms.store.get(index)
    if msg is None:
        return _Cms(321)
    da = ctx.args[1] if len(ctx.args) > 1 and ctx.args[1] else msg.number
    if len(ctx.args) > 1 and ctx.args[1] and not ctx.quoted[1]:
        raise ArgError(ctx.name)
    toda = ctx.int_arg(2, 129, 145, toa(da))
    if toda not in (129, 145):
        raise ArgError(ctx.name)
    return sms._submit(_CmssCtx(ctx.inst, ctx.cmd), da, toda, msg.text)


@_free("#PING")
def ping(ctx: Ctx) -> Any:
    # ATR10 pp.483-484: AT#PING=<IPaddr>[,<retryNum 1-64 (4)>[,<len 32-1460 (32)>[,<timeout
    # 1-600 (50) x 100 ms>[,<ttl 1-255 (128)>]]]]; one "#PING: <replyId>,"<ip>",<replyTime>,
    # <ttl>" per request (replyTime in 100 ms; a lost reply: 600 and 255); the context must be
    # active. Simulated hosts (m.net.sim / m.net.udp / FTP / SMTP servers) answer after the
    # round trip with ttl 50; other addresses never answer.
    net = ctx.module.net
    if ctx.kind == "test":
        return ok("#PING: ,(1-64),(32-1460),(1-600),(1-255)")
    if ctx.kind != "set" or not 1 <= len(ctx.args) <= 5 or not ctx.quoted[0]:
        raise ArgError(ctx.name)
    retries = ctx.int_arg(1, 1, 64, 4)
    ctx.int_arg(2, 32, 1460, 32)
    timeout = ctx.int_arg(3, 1, 600, 50)
    ctx.int_arg(4, 1, 255, 128)
    if not any(c.active for c in net.contexts.values()):
        return CmeError(net.errors["no_context"])
    ip = net.resolve(ctx.args[0])
    if ip is None:
        return CmeError(net.errors["dns"], delay=net.dns_ms)
    hosts = set(net.sim.hosts) | {k[0] for k in net.sim.servers} | {k[0] for k in net.udp.peers}
    hosts |= {k[0] for k in net.ftp.servers} | {k[0] for k in net.mail.servers}
    rtt = 2 * net.latency_ms
    lines = []
    total = 0
    for i in range(1, retries + 1):
        if ip in hosts and rtt <= timeout * 100:
            lines.append('#PING: %02d,"%s",%d,50' % (i, ip, max(1, rtt // 100)))
            total += rtt
        else:
            lines.append('#PING: %02d,"%s",600,255' % (i, ip))
            total += timeout * 100
    return Reply(lines, "OK", total)


@_free("#SERVINFO")
def servinfo(ctx: Ctx) -> Reply:
    # ATR10 pp.321-322: "#SERVINFO: <B-ARFCN>,<dBM>,<NetNameAsc>,<NetCode>,<BSIC>,<LAC>,<TA>,
    # <GPRS>[,[<PB-ARFCN>],[<NOM>],<RAC>,[<PAT>]]", the GPRS part only where the cell has GPRS;
    # read = execution. The emulated cell: ARFCN 62, BSIC 25, GPRS, no PBCCH ("hopping"),
    # network operation mode II, RAC 1, PAT 0; <NetCode> is module.radio.plmn (its exact
    # hexadecimal form is n/d).
    if ctx.kind == "test":
        return ok()
    if ctx.kind not in ("exec", "read"):
        return error()
    r = ctx.module.radio
    if r.reg not in (1, 5) or r.rssi == 99:
        return ok()
    return ok('#SERVINFO: 62,%d,"%s",%s,25,%s,0,1,hopping,"II",1,0' % (
        -113 + 2 * r.rssi, r.operator, getattr(r, "plmn", "00101"), r.lac))


@_free("#GSMCONT")
def gsmcont(ctx: Ctx) -> Reply:
    # ATR10 p.354: AT#GSMCONT=<cid>[,<P_type>,<CSD_num>] for the only GSM context, cid 0;
    # "#GSMCONT=0 causes the values for context number 0 to become undefined"; read (as printed
    # there) "+GSMCONT: <cid>,<P_type>,<CSD_num>"; stored in NVM automatically (§3.3 p.27). The
    # GSM (CSD-based) context itself is not emulated (#SGACT=0,1 answers ERROR).
    nvm = ctx.module.nvm
    if ctx.kind == "test":
        return ok('#GSMCONT: (0),"IP",')
    if ctx.kind == "read":
        g = nvm.get("gsmcont")
        return ok('+GSMCONT: 0,"IP","%s"' % g) if g is not None else ok()
    if ctx.kind != "set" or len(ctx.args) not in (1, 3):
        raise ArgError(ctx.name)
    ctx.int_arg(0, 0, 0)
    if len(ctx.args) == 1:
        nvm.pop("gsmcont", None)
        return ok()
    if not (ctx.quoted[1] and ctx.quoted[2]) or ctx.args[1].upper() != "IP":
        raise ArgError(ctx.name)
    nvm["gsmcont"] = ctx.args[2]
    return ok()


@_free("#ATRUNDELAY")
def atrundelay(ctx: Ctx) -> Reply:
    # ATR10 p.388: AT#ATRUNDELAY=<srv>,<delay>: 0 TCP / 1 SMS Run AT service, 0-30 s (default
    # 0); read one line per service. (The Run AT services themselves are not emulated.)
    delays = _cat(ctx).ram.setdefault("#ATRUNDELAY", [0, 0])
    if ctx.kind == "test":
        return ok("#ATRUNDELAY: (0,1),(0-30)")
    if ctx.kind == "read":
        return ok("#ATRUNDELAY: 0,%d" % delays[0], "#ATRUNDELAY: 1,%d" % delays[1])
    if ctx.kind != "set" or len(ctx.args) != 2:
        raise ArgError(ctx.name)
    srv = ctx.int_arg(0, 0, 1)
    delays[srv] = ctx.int_arg(1, 0, 30)
    return ok()


# ------------------------------------------------- #SGACTCFG: automatic activation
SGACTCFG_DELAY = 180  # factory <delay>: not given; the smallest allowed value


def _sgactcfg(m: Any) -> dict[str, list[int]]:
    return m.nvm.setdefault("sgactcfg", {})  # cid -> [retry, delay]: "global ... saved in NVM"


@_free("#SGACTCFG")
def sgactcfg(ctx: Ctx) -> Reply:
    # ATR10 pp.431-432: AT#SGACTCFG=<cid>,<retry>[,<delay>[,<urcmode>]]: <retry> 0-15 attempts
    # (0 disables), <delay> 180-3600 s between them, <urcmode> 1 gives "#SGACT: <ip>" after an
    # automatic (re)activation (per instance). "The context is activated automatically after
    # every GPRS Attach or after a NW PDP CONTEXT deactivation if at least one IPEasy socket is
    # configured to this context". Read: one line per context 1-5.
    table = _sgactcfg(ctx.module)
    urc = ctx.inst.settings.get("cat#SGACTCFG", 0)
    if ctx.kind == "test":
        return ok("#SGACTCFG: (1-5),(0-15),(180-3600),(0,1)")
    if ctx.kind == "read":
        return ok(*["#SGACTCFG: %d,%d,%d,%d" % ((c,) + tuple(table.get(str(c), [0, SGACTCFG_DELAY])) + (urc,))
                    for c in range(1, 6)])
    if ctx.kind != "set" or not 2 <= len(ctx.args) <= 4:
        raise ArgError(ctx.name)
    cid = ctx.int_arg(0, 1, 5)
    retry = ctx.int_arg(1, 0, 15)
    delay = ctx.int_arg(2, 180, 3600, SGACTCFG_DELAY)
    ctx.inst.settings["cat#SGACTCFG"] = ctx.int_arg(3, 0, 1, urc)
    table[str(cid)] = [retry, delay]
    return ok()


def auto_activation(m: Any, first_delay_ms: int) -> None:
    """Start the #SGACTCFG activations of every configured context after ``first_delay_ms``
    (the attach at boot, or the network's deactivation), then every <delay> s up to <retry>
    attempts."""
    for cid_text, (retry, delay) in list(_sgactcfg(m).items()):
        if retry:
            _attempt(m, int(cid_text), first_delay_ms, retry, delay, m.kernel.generation)


def _attempt(m: Any, cid: int, after_ms: int, left: int, delay: int, gen: int) -> None:
    def fire() -> None:
        net = m.net
        if m.kernel.generation != gen or not m.power or not net.registered():
            return
        c = net.context(cid)
        if c.state != "inactive" or not net.cid_has_socket(cid):
            return

        def done(code: int | None, ip: str) -> None:
            if code is None:
                for inst in m.instances.values():
                    if inst.settings.get("cat#SGACTCFG"):
                        inst.urc("#SGACT: %s" % ip)
            elif left > 1:
                _attempt(m, cid, delay * 1000, left - 1, delay, gen)

        net.start_activation(cid, m.instances[1], "sgact", net.userid, net.passw, done)

    m.kernel.call_later(after_ms, fire)


ATTACH_MS = 2000  # from power-up to the GPRS attach that triggers the automatic activation


def _hook(m: Any) -> None:
    net = m.net
    if getattr(net, "_sgactcfg_hooked", False):
        return
    net._sgactcfg_hooked = True
    net.on_context_lost.append(lambda cid: auto_activation_one(m, cid))


def auto_activation_one(m: Any, cid: int) -> None:
    # The first attempt right after the deactivation (1 s: the emulator's choice, n/d), the
    # next ones <delay> apart.
    retry, delay = _sgactcfg(m).get(str(cid), [0, SGACTCFG_DELAY])
    if retry:
        _attempt(m, cid, 1000, retry, delay, m.kernel.generation)
