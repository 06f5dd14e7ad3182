"""Catalogue commands of the SIM and the subscriber (tools/emulator/commands_catalog.py is the
engine; docs/emulator.md "Command catalogue"): identity (+CIMI #CIMI +CNUM #CGMI #CGMM #CGSN #SPN
#MBN #SNUM), the phonebook (+CPBS +CPBR +CPBW +CPBF), message-service settings (+CSAS +CRES),
locks and passwords (+CLCK +CPWD #PCT), #SIMDET, operators (+COPN +CPOL), advice of charge
(+CAOC +CACM +CAMM +CPUC) and restricted SIM access (+CRSM)."""
from __future__ import annotations

from typing import Any

from .at import ArgError, CmeError, Ctx, Reply, error, ok
from .commands_catalog import ENTRIES, _cat, _free, _free_exec

# -------------------------------------------------------------- identity
DEFAULT_IMSI = "001010123456789"  # MCC 001 / MNC 01: the test network


@_free_exec("+CIMI", "#CIMI")
def cimi(ctx: Ctx) -> Reply:
    # ATR10 p.83 (+CIMI: the IMSI "without command echo"; "a SIM card must be present ...
    # otherwise the command returns ERROR") and p.289 (#CIMI: "with command echo", i.e.
    # "#CIMI: <imsi>"); both test forms answer OK, no read form in SELINT 2.
    r = ctx.module.radio
    if r.sim is None:
        return error()
    imsi = getattr(r, "imsi", DEFAULT_IMSI)
    return ok(imsi if ctx.name == "+CIMI" else "#CIMI: " + imsi)


@_free_exec("+CNUM")
def cnum(ctx: Ctx) -> Reply:
    # ATR10 p.94: "+CNUM: <alpha>,<number>,<type>" when the MSISDN is stored on the SIM (type
    # 145 with a leading '+', else 129); nothing but OK when it is not. Test: OK.
    r = ctx.module.radio
    if r.sim is None:
        return CmeError(10)
    number = getattr(r, "msisdn", "")
    if not number:
        return ok()
    return ok('+CNUM: "","%s",%d' % (number, 145 if number.startswith("+") else 129))


@_free_exec("#CGMI", "#CGMM", "#CGSN")
def ident_echo(ctx: Ctx) -> Reply:
    # ATR10 pp.282-283: manufacturer / model / IMEI "with command echo" ("#CGMI: Telit").
    r = ctx.module.radio
    value = {"#CGMI": r.manufacturer, "#CGMM": r.model, "#CGSN": r.imei}[ctx.name]
    return ok("%s: %s" % (ctx.name, value))


@_free_exec("#SPN", "#MBN")
def sim_fields(ctx: Ctx) -> Reply:
    # ATR10 p.283 #SPN: "if the SIM field SPN is empty, the command returns just the OK result
    # code"; p.332 #MBN: no lines when the SIM has no mailbox numbers. The emulated SIM has
    # neither.
    if ctx.module.radio.sim is None:
        return CmeError(10)
    return ok()


# --------------------------------------------------------------- phonebook
PB_TOTAL = 250  # SIM phonebook size: SIM-dependent; the emulated SIM's
PB_NLEN = 20  # maximum <number> length (+CPBW=? <nlength>)
PB_TLEN = 16  # maximum <text> length (+CPBW=? <tlength>)
PB_STORAGES = ("SM", "FD", "LD", "MC", "RC")  # ATR10 p.147 (the "MB" storage needs a mailbox)


def _book(ctx: Ctx) -> dict[str, list[Any]]:
    books = ctx.module.nvm.setdefault("phonebook", {})  # on the SIM: survives a reboot
    storage = ctx.inst.settings.get("+CPBS", "SM")
    return books.setdefault(storage, {})  # type: ignore[no-any-return]


@_free("+CPBS")
def cpbs(ctx: Ctx) -> Reply | CmeError:
    # ATR10 pp.147-148: set "<storage>"; read "+CPBS: <storage>,<used>,<total>"; the setting is
    # a profile parameter of the instance (§3.3 p.26). Without a SIM: +CME ERROR: 10.
    if ctx.kind == "test":
        return ok("+CPBS: (%s)" % ",".join('"%s"' % s for s in PB_STORAGES))
    if ctx.module.radio.sim is None:
        return CmeError(10)
    if ctx.kind == "read":
        return ok('+CPBS: "%s",%d,%d' % (ctx.inst.settings.get("+CPBS", "SM"), len(_book(ctx)), PB_TOTAL))
    if ctx.kind != "set" or len(ctx.args) != 1 or not ctx.quoted[0]:
        raise ArgError(ctx.name)
    storage = ctx.args[0].upper()
    if storage not in PB_STORAGES:
        raise ArgError(ctx.name)
    ctx.inst.settings["+CPBS"] = storage
    return ok()


def _pb_line(name: str, index: str, entry: list[Any]) -> str:
    return '%s: %s,"%s",%d,"%s"' % (name, index, entry[0], entry[1], entry[2])


@_free("+CPBR")
def cpbr(ctx: Ctx) -> Reply | CmeError:
    # ATR10 p.150: "+CPBR: <index>,<number>,<type>,<text>" for each used location of
    # <index1>[..<index2>]; empty locations give no line; test "+CPBR: (1-250),20,16".
    if ctx.kind == "test":
        return ok("+CPBR: (1-%d),%d,%d" % (PB_TOTAL, PB_NLEN, PB_TLEN))
    if ctx.kind != "set":
        return error()
    if ctx.module.radio.sim is None:
        return CmeError(10)
    if len(ctx.args) > 2:
        raise ArgError(ctx.name)
    lo = ctx.int_arg(0, 1, PB_TOTAL)
    hi = ctx.int_arg(1, lo, PB_TOTAL, lo)
    book = _book(ctx)
    return ok(*[_pb_line("+CPBR", str(i), book[str(i)]) for i in range(lo, hi + 1) if str(i) in book])


@_free("+CPBW")
def cpbw(ctx: Ctx) -> Reply | CmeError:
    # ATR10 pp.154-155: +CPBW=[<index>][,<number>[,<type>[,<text>]]]; number and text omitted
    # delete the location; index omitted or 0 takes the first free location; a full book:
    # +CME ERROR: 20 (memory full). Type 129 or 145; a '+' number defaults to 145.
    if ctx.kind == "test":
        return ok("+CPBW: (1-%d),%d,(129,145),%d" % (PB_TOTAL, PB_NLEN, PB_TLEN))
    if ctx.kind != "set":
        return error()
    if ctx.module.radio.sim is None:
        return CmeError(10)
    args, quoted = ctx.args, ctx.quoted
    if len(args) > 4:
        raise ArgError(ctx.name)
    book = _book(ctx)
    index = ctx.int_arg(0, 0, PB_TOTAL, 0)
    number = args[1] if len(args) > 1 else ""
    if len(args) > 1 and args[1] != "" and not quoted[1]:
        raise ArgError(ctx.name)
    if not number:
        if index == 0:
            raise ArgError(ctx.name)
        book.pop(str(index), None)
        return ok()
    if len(number) > PB_NLEN or not all(c in "0123456789+*#pw" for c in number.lower()):
        return CmeError(27)  # invalid characters in dial string (ATR10 §3.2.2.1)
    ntype = ctx.int_arg(2, 129, 145, 145 if number.startswith("+") else 129)
    if ntype not in (129, 145):
        raise ArgError(ctx.name)
    text = args[3] if len(args) > 3 else ""
    if len(args) > 3 and args[3] != "" and not quoted[3]:
        raise ArgError(ctx.name)
    if len(text) > PB_TLEN:
        return CmeError(24)  # text string too long
    if index == 0:
        free = [i for i in range(1, PB_TOTAL + 1) if str(i) not in book]
        if not free:
            return CmeError(20)  # memory full
        index = free[0]
    book[str(index)] = [number, ntype, text]
    return ok()


@_free("+CPBF")
def cpbf(ctx: Ctx) -> Reply | CmeError:
    # ATR10 p.152: entries whose text starts with <findtext> ("" = all); none found: ERROR.
    if ctx.kind == "test":
        return ok("+CPBF: %d,%d" % (PB_NLEN, PB_TLEN))
    if ctx.kind != "set":
        return error()
    if ctx.module.radio.sim is None:
        return CmeError(10)
    if len(ctx.args) != 1 or not ctx.quoted[0]:
        raise ArgError(ctx.name)
    find = ctx.args[0].lower()
    book = _book(ctx)
    lines = [_pb_line("+CPBF", i, book[i]) for i in sorted(book, key=int) if book[i][2].lower().startswith(find)]
    return ok(*lines) if lines else error()


# ------------------------------------------------------------ more deep ones
@_free("+CSAS", "+CRES")
def csas(ctx: Ctx) -> Reply:
    # ATR10 pp.216-217: +CSAS[=<profile>] saves +CSCA +CSMP +CSCB, +CRES[=<profile>] restores
    # them; <profile> 0 = NVM, 1..3 = SIM profiles (the emulated SIM has them all in NVM).
    # Only the catalogue's +CSCB is saved here: +CSCA/+CSMP belong to the SMS model (sms.py).
    if ctx.kind == "test":
        return ok("%s: (0-3)" % ctx.name)
    if ctx.kind == "read":
        return error()
    if ctx.kind == "set":
        if len(ctx.args) > 1:
            raise ArgError(ctx.name)
        ctx.int_arg(0, 0, 3, 0)
    cat = _cat(ctx)
    if ctx.name == "+CSAS":
        cat.save_group("+CSAS")
    else:
        for e in ENTRIES.values():
            if e.store == "save:+CSAS":
                cat.ram.pop(e.name, None)  # back to what NVM holds
    return ok()


@_free_exec("#PCT")
def pct(ctx: Ctx) -> Reply | CmeError:
    # ATR10 p.290: remaining PIN/PUK attempts for the password +CPIN asks for: 3 for a PIN.
    sim = ctx.module.radio.sim
    if sim is None:
        return CmeError(10)
    return ok("#PCT: %d" % (10 if sim == "SIM PUK" else 3))


@_free("#SIMDET")
def simdet(ctx: Ctx) -> Reply:
    # ATR10 p.351: <mode> 0 simulate "SIM Not Inserted", 1 "SIM Inserted", 2 SIMIN pin
    # (default); read "#SIMDET: <mode>,<simin>" with the real pin. A profile parameter of the
    # module (§3.3 p.27): back to 2 at boot. Mode 0 hides the SIM (+CPIN: +CME ERROR: 10).
    cat = _cat(ctx)
    r = ctx.module.radio
    inserted = 1 if (r.sim is not None or "sim" in cat.hidden) else 0
    if ctx.kind == "test":
        return ok("#SIMDET: (0-2)")
    if ctx.kind == "read":
        return ok("#SIMDET: %d,%d" % (cat.ram.get("#SIMDET", [2])[0], inserted))
    if ctx.kind != "set":
        return error()
    if len(ctx.args) != 1:
        raise ArgError(ctx.name)
    mode = ctx.int_arg(0, 0, 2)
    cat.ram["#SIMDET"] = [mode]
    if mode == 0 and r.sim is not None:
        cat.hidden["sim"] = r.sim
        r.sim = None
    elif mode != 0 and "sim" in cat.hidden:
        r.sim = cat.hidden.pop("sim")
    return ok()


CLCK_FACS = ("PS", "PF", "SC", "AO", "OI", "OX", "AI", "IR", "AB", "AG", "AC", "FD", "PN", "PU",
             "PP", "PC")
BARRING = ("AO", "OI", "OX", "AI", "IR")


@_free("+CLCK")
def clck(ctx: Ctx) -> Reply | CmeError:
    # ATR10 pp.104-106 (SELINT 2): +CLCK=<fac>,<mode>[,<passwd>[,<class>]]; mode 0 unlock,
    # 1 lock, 2 query ("+CLCK: <status>", for the barring services one line per class 1/2/4);
    # AB/AG/AC only with mode 0; a wrong password: +CME ERROR: 16. "SC" is the SIM PIN request:
    # locked, the SIM asks for the PIN at the next power-up (stored on the SIM: NVM here).
    if ctx.kind == "test":
        return ok("+CLCK: (%s)" % ",".join('"%s"' % f for f in CLCK_FACS))
    if ctx.kind != "set":
        return error()
    if ctx.module.radio.sim is None:
        return CmeError(10)
    if len(ctx.args) > 4 or len(ctx.args) < 2 or not ctx.quoted[0]:
        raise ArgError(ctx.name)
    fac = ctx.args[0].upper()
    mode = ctx.int_arg(1, 0, 2)
    if fac not in CLCK_FACS or (fac in ("AB", "AG", "AC") and mode != 0):
        raise ArgError(ctx.name)
    locks = ctx.module.nvm.setdefault("locks", {})
    if mode == 2:
        status = 1 if locks.get(fac) else 0
        if fac in BARRING:
            return ok(*["+CLCK: %d,%d" % (status, c) for c in (1, 2, 4)])
        return ok("+CLCK: %d" % status)
    if len(ctx.args) < 3 or ctx.args[2] != _password(ctx, fac):
        return CmeError(16)  # incorrect password
    targets = ("AO", "OI", "OX", "AI", "IR") if fac == "AB" else ("AO", "OI", "OX") if fac == "AG" \
        else ("AI", "IR") if fac == "AC" else (fac,)
    for f in targets:
        locks[f] = mode
    return ok()


def _password(ctx: Ctx, fac: str) -> str:
    pw = ctx.module.nvm.get("passwords", {})
    if fac in ("SC",):
        return str(getattr(ctx.module.radio, "pin", "1234"))
    return str(pw.get(fac, "0000"))


@_free("+CPWD")
def cpwd(ctx: Ctx) -> Reply | CmeError:
    # ATR10 +CPWD (SELINT 2): +CPWD=<fac>,<oldpwd>,<newpwd>; "SC" changes the SIM PIN (which
    # +CPIN then wants), the others the facility password; wrong old password: +CME ERROR: 16.
    if ctx.kind == "test":
        return ok('+CPWD: ("SC",8),("P2",8),("AO",4),("OI",4),("OX",4),("AI",4),("IR",4),'
                  '("AB",4),("AG",4),("AC",4)')
    if ctx.kind != "set":
        return error()
    if ctx.module.radio.sim is None:
        return CmeError(10)
    if len(ctx.args) != 3 or not ctx.quoted[0]:
        raise ArgError(ctx.name)
    fac = ctx.args[0].upper()
    if fac not in ("SC", "P2") + BARRING + ("AB", "AG", "AC"):
        raise ArgError(ctx.name)
    old, new = ctx.args[1], ctx.args[2]
    if not new.isdigit() or not 4 <= len(new) <= 8:
        raise ArgError(ctx.name)
    if old != _password(ctx, fac):
        return CmeError(16)
    if fac == "SC":
        ctx.module.radio.pin = new  # type: ignore[attr-defined]
    else:
        ctx.module.nvm.setdefault("passwords", {})[fac] = new
    return ok()


@_free_exec("+COPN")
def copn(ctx: Ctx) -> Reply:
    # ATR10 p.95: '+COPN: <numeric>,<alpha>' for each operator the ME knows: the emulated
    # network's one.
    r = ctx.module.radio
    return ok('+COPN: "%s","%s"' % (getattr(r, "plmn", "00101"), r.operator))


CPOL_SIZE = 8  # entries of the emulated SIM's preferred operator list ("1..n": SIM-dependent)


@_free("+CPOL")
def cpol(ctx: Ctx) -> Reply | CmeError:
    # ATR10 p.131: +CPOL=[<index>][,<format>[,<oper>]], format 2 (numeric) only; index without
    # oper deletes, oper without index takes the next free location; read: every used entry
    # "+CPOL: <index>,2,"<oper>""; test "+CPOL: (1-8),(2)". On the SIM: NVM.
    if ctx.kind == "test":
        return ok("+CPOL: (1-%d),(2)" % CPOL_SIZE)
    if ctx.module.radio.sim is None:
        return CmeError(10)
    table = ctx.module.nvm.setdefault("cpol", {})
    if ctx.kind == "read":
        return ok(*['+CPOL: %s,2,"%s"' % (i, table[i]) for i in sorted(table, key=int)])
    if ctx.kind != "set" or len(ctx.args) > 3:
        raise ArgError(ctx.name)
    index = ctx.int_arg(0, 1, CPOL_SIZE, 0)
    ctx.int_arg(1, 2, 2, 2)
    oper = ctx.args[2] if len(ctx.args) > 2 else ""
    if oper and (not ctx.quoted[2] or not oper.isdigit() or len(oper) not in (5, 6)):
        raise ArgError(ctx.name)
    if not oper:
        if index:
            table.pop(str(index), None)
        return ok()
    if not index:
        free = [i for i in range(1, CPOL_SIZE + 1) if str(i) not in table]
        if not free:
            return CmeError(20)
        index = free[0]
    table[str(index)] = oper
    return ok()


# ------------------------------------------------- advice of charge (on the SIM)
def _aoc(ctx: Ctx) -> dict[str, Any]:
    return ctx.module.nvm.setdefault("aoc", {"acm": 0, "acmmax": 0, "puc": ["", ""]})


def _pin2_ok(ctx: Ctx, i: int) -> bool:
    """ATR10 pp.170-172: "<pwd> - PIN2; if PIN2 has been already input once after startup, it
    is required no more". The emulated SIM's PIN2 is ``radio.pin2`` (default "5678")."""
    cat = _cat(ctx)
    if cat.ram.get("pin2_given"):
        return True
    if i < len(ctx.args) and ctx.args[i] == str(getattr(ctx.module.radio, "pin2", "5678")):
        cat.ram["pin2_given"] = [1]
        return True
    return False


@_free("+CAOC")
def caoc(ctx: Ctx) -> Reply:
    # ATR10 p.125: <mode> 0 query the current call meter ('+CAOC: "<ccm>"', three bytes in hex),
    # 1 disables / 2 enables the +CCCM URC (no charged calls here: never sent); read
    # "+CAOC: <mode>" of the instance.
    if ctx.kind == "test":
        return ok("+CAOC: (0-2)")
    if ctx.kind == "read":
        return ok("+CAOC: %d" % ctx.inst.settings.get("cat+CAOC", 1))
    if ctx.kind != "set" or len(ctx.args) != 1:
        raise ArgError(ctx.name)
    mode = ctx.int_arg(0, 0, 2)
    if mode == 0:
        return ok('+CAOC: "000000"')
    ctx.inst.settings["cat+CAOC"] = mode
    return ok()


@_free("+CACM", "+CAMM", "+CPUC")
def aoc_sim(ctx: Ctx) -> Reply | CmeError:
    # ATR10 pp.170-172: +CACM[=<pwd>] resets the accumulated call meter, read '+CACM: "<acm>"';
    # +CAMM[=<acmmax>[,<pwd>]], read '+CAMM: "<acmmax>"' (hex, 0 disables); +CPUC=<currency>,
    # <ppu>[,<pwd>], read '+CPUC: "<currency>","<ppu>"'. Writes need PIN2 (+CME ERROR: 17 "SIM
    # PIN2 required" without it, 16 for a wrong one).
    if ctx.module.radio.sim is None:
        return CmeError(10)
    aoc = _aoc(ctx)
    name = ctx.name
    if ctx.kind == "test":
        return ok()
    if ctx.kind == "read":
        if name == "+CPUC":
            return ok('+CPUC: "%s","%s"' % tuple(aoc["puc"]))
        return ok('%s: "%06X"' % (name, aoc["acm" if name == "+CACM" else "acmmax"]))
    if ctx.kind != "set":
        return error()
    if name == "+CACM":
        if len(ctx.args) > 1:
            raise ArgError(name)
        if not _pin2_ok(ctx, 0):
            return CmeError(16 if ctx.args else 17)
        aoc["acm"] = 0
        return ok()
    if name == "+CAMM":
        if len(ctx.args) > 2:
            raise ArgError(name)
        value = ctx.int_arg(0, 0, 0xFFFFFF, 0)
        if not _pin2_ok(ctx, 1):
            return CmeError(16 if len(ctx.args) > 1 else 17)
        aoc["acmmax"] = value
        return ok()
    if not 2 <= len(ctx.args) <= 3 or not all(ctx.quoted[:2]) or len(ctx.args[0]) > 3:
        raise ArgError(name)
    try:
        float(ctx.args[1])  # "price per unit, string type (dot is used as decimal separator)"
    except ValueError:
        raise ArgError(name) from None
    if not _pin2_ok(ctx, 2):
        return CmeError(16 if len(ctx.args) > 2 else 17)
    aoc["puc"] = [ctx.args[0], ctx.args[1]]
    return ok()


# ------------------------------------------------------- restricted SIM access
def _swap_nibbles(digits: str) -> str:
    """BCD with swapped nibbles, F-padded (3GPP TS 51.011 EF_ICCID / EF_IMSI coding)."""
    if len(digits) % 2:
        digits += "F"
    return "".join(digits[i + 1] + digits[i] for i in range(0, len(digits), 2))


def _sim_files(m: Any) -> dict[int, str]:
    r = m.radio
    imsi = getattr(r, "imsi", DEFAULT_IMSI)
    # EF_IMSI (6F07): length 8, then "9" (odd parity, IMSI) and the digits, nibble-swapped.
    return {0x2FE2: _swap_nibbles(r.iccid), 0x6F07: "08" + _swap_nibbles("9" + imsi)}


@_free("+CRSM")
def crsm(ctx: Ctx) -> Reply | CmeError:
    # ATR10 pp.163-164: AT+CRSM=<command>[,<fileid>[,<P1>,<P2>,<P3>[,<data>]]]; answer
    # "+CRSM: <sw1>,<sw2>[,<response>]" in hex. The emulated SIM has EF_ICCID (12258) and
    # EF_IMSI (28423) for READ BINARY (176, P3 bytes from offset P1*256+P2); STATUS (242)
    # answers 144,0; other files: 148,4 ("file id not found", TS 51.011); updates: 148,8
    # (access condition not fulfilled). <fileid> is mandatory except for STATUS.
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "set" or not 1 <= len(ctx.args) <= 6:
        raise ArgError(ctx.name)
    if ctx.module.radio.sim is None:
        return CmeError(10)
    command_ = ctx.int_arg(0, 0, 255)
    if command_ not in (176, 178, 192, 214, 220, 242):
        raise ArgError(ctx.name)
    if command_ == 242:
        return ok("+CRSM: 144,0")
    fileid = ctx.int_arg(1, 0, 65535)
    p = [ctx.int_arg(i, 0, 255, 0) for i in (2, 3, 4)]
    if command_ != 192 and len(ctx.args) < 5:
        raise ArgError(ctx.name)  # "mandatory for every command except GET RESPONSE and STATUS"
    files = _sim_files(ctx.module)
    if fileid not in files:
        return ok("+CRSM: 148,4")
    if command_ in (214, 220):
        return ok("+CRSM: 148,8")
    if command_ != 176:
        return ok("+CRSM: 148,4")
    data = files[fileid]
    start = (p[0] * 256 + p[1]) * 2
    count = p[2] * 2 if p[2] else len(data) - start
    return ok('+CRSM: 144,0,"%s"' % data[start:start + count])


@_free("#SNUM")
def snum(ctx: Ctx) -> Reply | CmeError:
    # ATR10 p.353: AT#SNUM=<index>,<number>[,<alpha>] writes EF_MSISDN; with #ENS off only
    # <index>=1; <index> alone deletes it. +CNUM then reports it (module.radio.msisdn).
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "set" or not 1 <= len(ctx.args) <= 3:
        raise ArgError(ctx.name)
    r = ctx.module.radio
    if r.sim is None:
        return CmeError(10)
    ctx.int_arg(0, 1, 1)
    if len(ctx.args) == 1:
        r.msisdn = ""  # type: ignore[attr-defined]
        return ok()
    number = ctx.args[1]
    if not number or not all(c in "0123456789+" for c in number) or "+" in number[1:]:
        raise ArgError(ctx.name)
    r.msisdn = number  # type: ignore[attr-defined]
    return ok()
