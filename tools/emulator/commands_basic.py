"""Basic, identification and status commands (REFERENCE §5, §2.1; ATR10 §3.2-3.5).

Each handler reads the emulated world (``ctx.module.radio``) or the instance's own settings
(``ctx.inst.settings``, REFERENCE §5.3: settings belong to the instance they are set on).
"""
from __future__ import annotations

from .at import ArgError, CmeError, Ctx, Reply, command, error, ok

# Basic one-letter/&-commands with their allowed values (ATR10 §3.5.3.2, SELINT 2): E 0-1,
# Q 0-2 (2 = 1, "only for backward compatibility"), V 0-1, X 0-4, &C 0-2, &D 0-5, &K 0-6, \\R 0-2.
# "If parameter is omitted, the command has the same behaviour as" <cmd>0 for every one of them.
BASIC_RANGES = {
    "E": (0, 1), "V": (0, 1), "Q": (0, 2), "X": (0, 4), "&C": (0, 2), "&D": (0, 5),
    "&K": (0, 6), "\\R": (0, 2),
}


def _basic(ctx: Ctx) -> Reply:
    lo, hi = BASIC_RANGES[ctx.name]
    v = int(ctx.raw) if ctx.raw else 0
    if not lo <= v <= hi:
        return error()
    ctx.inst.settings[ctx.name] = v
    return ok()


for _name in BASIC_RANGES:
    command(_name)(_basic)

# S registers: (min, max). S12 in fiftieths of a second, 20-255, factory 50 (§6.7).
S_RANGES = {0: (0, 255), 2: (0, 127), 3: (0, 127), 4: (0, 127), 5: (0, 127), 7: (1, 255),
            12: (20, 255), 25: (0, 255), 30: (0, 255), 38: (0, 255)}


@command("S")
def s_register(ctx: Ctx) -> Reply:
    reg = ctx.cmd.reg
    if reg not in S_RANGES:
        return error()
    key = "S%d" % reg
    if ctx.kind == "read":
        return ok("%03d" % ctx.inst.settings[key])  # ATR10: S-register reads are 3 digits
    if ctx.kind == "test":
        lo, hi = S_RANGES[reg]
        return ok("(%d-%d)" % (lo, hi))
    lo, hi = S_RANGES[reg]
    try:
        v = int(ctx.raw)
    except ValueError:
        return error()
    if not lo <= v <= hi:
        return error()
    ctx.inst.settings[key] = v
    return ok()


@command("Z", "&F")
def reset_profile(ctx: Ctx) -> Reply:
    # Back to the factory profile, except that MDM/MDM2 keep echo off (ES13 §3.2).
    ctx.inst.reset_settings()
    return ok()


@command("&W", "&P", "&Y")
def store_profile(ctx: Ctx) -> Reply:
    return ok()


@command("&V")
def show_profile(ctx: Ctx) -> Reply:
    s = ctx.inst.settings
    return ok("E%d Q%d V%d X%d &C%d &D%d &K%d \\R%d S00:%03d S12:%03d" % (
        s["E"], s["Q"], s["V"], s["X"], s["&C"], s["&D"], s["&K"], s["\\R"], s["S0"], s["S12"]))


def _flag(key: str, lo: int, hi: int):
    def handler(ctx: Ctx) -> Reply:
        if ctx.kind == "read":
            return ok("%s: %d" % (ctx.name, ctx.inst.settings[key]))
        if ctx.kind == "test":
            return ok("%s: (%d-%d)" % (ctx.name, lo, hi))
        if ctx.kind == "exec":
            return error()
        ctx.inst.settings[key] = ctx.int_arg(0, lo, hi)
        return ok()

    return handler


command("+CMEE")(_flag("+CMEE", 0, 2))
command("+CSDH")(_flag("+CSDH", 0, 1))
command("+CRC")(_flag("+CRC", 0, 1))
command("+CLIP")(_flag("+CLIP", 0, 1))
command("#SKIPESC")(_flag("#SKIPESC", 0, 1))
command("#E2ESC")(_flag("#E2ESC", 0, 10))


@command("+CGMR", "#CGMR", "+GMR")
def firmware(ctx: Ctx) -> Reply:
    r = ctx.module.radio
    if ctx.kind == "test":
        return ok()
    return ok(("#CGMR: " if ctx.name == "#CGMR" else "") + r.firmware)


@command("+CGMM", "+GMM")
def model(ctx: Ctx) -> Reply:
    return ok(ctx.module.radio.model)


@command("+CGMI", "+GMI")
def manufacturer(ctx: Ctx) -> Reply:
    return ok(ctx.module.radio.manufacturer)


@command("+CGSN", "+GSN")
def imei(ctx: Ctx) -> Reply:
    return ok(ctx.module.radio.imei)


@command("#CCID")
def iccid(ctx: Ctx) -> Reply:
    # AT Commands Reference Guide r10, #CCID: "#CCID: <ICCID>" read from the SIM.
    if ctx.kind == "test":
        return ok()
    r = ctx.module.radio
    if r.sim is None:
        return error()
    if ctx.module.sim_status() < 2:
        return CmeError(11)  # SIM PIN required (ATR10 +CME ERROR table)
    if ctx.module.sim_status() < 3:
        return CmeError(14)  # SIM busy: the SIM is still being read after the boot
    return ok("#CCID: " + r.iccid)


@command("#SELINT")
def selint(ctx: Ctx) -> Reply:
    # ATR10 §3.5.2.1.1 (p.41-42): interface style 0-2; 2 for the GC864 ("new products like
    # GE864, GC864"), the only one with multisocket (p.42).  Kept in NVM here (the module
    # keeps it across power cycles; the NVM list of ATR10 §3.3 is not modelled further).
    nvm = ctx.module.nvm
    if ctx.kind == "test":
        return ok("#SELINT: (0-2)")
    if ctx.kind == "set" and ctx.args:
        nvm["selint"] = ctx.int_arg(0, 0, 2)
        return ok()
    return ok("#SELINT: %d" % nvm.get("selint", 2))


@command("#QSS")
def qss(ctx: Ctx) -> Reply | CmeError:
    # ATR10 §3.5.7.1.41 (p.323-324), SELINT 2: AT#QSS=<mode> (0 factory, 1, 2); read
    # "#QSS: <mode>,<status>".  Status 2 and 3 are defined only for mode 2 ("the command
    # reports the SIM status change after the <mode> has been set to 2"): with mode 0/1
    # the read form says 0 or 1.  The #QSS: <status> URC is not emulated.
    m = ctx.module
    if ctx.kind == "test":
        return ok("#QSS: (0-2)")
    if ctx.kind == "set":
        m.radio.qss_mode = ctx.int_arg(0, 0, 2, 0)
        return ok()
    st = m.sim_status()
    if m.radio.qss_mode < 2:
        st = min(st, 1)
    return ok("#QSS: %d,%d" % (m.radio.qss_mode, st))


@command("I")
def identify(ctx: Ctx) -> Reply:
    n = int(ctx.raw or "0")
    r = ctx.module.radio
    table = {0: r.manufacturer, 3: r.firmware, 4: r.model}
    if n not in table:
        return error()
    return ok(table[n])


@command("+CSQ")
def csq(ctx: Ctx) -> Reply:
    r = ctx.module.radio
    if ctx.kind == "test":
        return ok("+CSQ: (0-31,99),(0-7,99)")
    rssi = r.rssi if r.reg in (1, 5) else 99
    return ok("+CSQ: %d,%d" % (rssi, r.ber if rssi != 99 else 99))


def _reg(key: str, stat_attr: str):
    def handler(ctx: Ctx) -> Reply:
        if ctx.kind == "set":
            ctx.inst.settings[key] = ctx.int_arg(0, 0, 2)
            return ok()
        if ctx.kind == "test":
            return ok("%s: (0-2)" % ctx.name)
        if ctx.kind == "read":
            # 27.007 §7.2 / §10.1.19 (ATR10 +CREG, +CGREG): "<n>,<stat>[,<lac>,<ci>]", the
            # location only with <n>=2 while registered.
            r = ctx.module.radio
            n, stat = ctx.inst.settings[key], getattr(r, stat_attr)
            if n == 2 and stat in (1, 5):
                return ok('%s: %d,%d,"%s","%s"' % (ctx.name, n, stat, r.lac, r.ci))
            return ok("%s: %d,%d" % (ctx.name, n, stat))
        return error()

    return handler


command("+CREG")(_reg("+CREG", "reg"))
command("+CGREG")(_reg("+CGREG", "greg"))


@command("+CPIN")
def cpin(ctx: Ctx) -> Reply | CmeError:
    sim = ctx.module.radio.sim
    if sim is None:
        return CmeError(10)
    if ctx.kind == "read":
        return ok("+CPIN: %s" % sim)
    if ctx.kind == "set":
        if sim == "SIM PIN" and ctx.arg(0) == getattr(ctx.module.radio, "pin", "1234"):
            ctx.module.radio.sim = "READY"
            return ok()
        return CmeError(16)
    return ok()


@command("+COPS")
def cops(ctx: Ctx) -> Reply:
    r = ctx.module.radio
    if ctx.kind == "read":
        if r.reg in (1, 5):
            return ok('+COPS: 0,0,"%s"' % r.operator)
        return ok("+COPS: 0")
    return ok()


@command("+CCLK")
def cclk(ctx: Ctx) -> Reply:
    import time as _time

    m = ctx.module
    if ctx.kind == "read":
        t = _time.gmtime(946684800 + m.seconds())
        return ok('+CCLK: "%02d/%02d/%02d,%02d:%02d:%02d+00"' % (
            t.tm_year % 100, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec))
    if ctx.kind == "set":
        raw = ctx.arg(0)
        try:
            date, clock = raw.split(",")
            yy, mo, dd = (int(x) for x in date.split("/"))
            hh, mi, ss = (int(x) for x in clock[:8].split(":"))
        except ValueError:
            raise ArgError("+CCLK") from None
        import calendar

        secs = calendar.timegm((2000 + yy, mo, dd, hh, mi, ss, 0, 0, 0)) - 946684800
        m.clock_base = secs - m.kernel.now() // 1000
        return ok()
    return ok()


@command("+CFUN")
def cfun(ctx: Ctx) -> Reply:
    if ctx.kind == "read":
        return ok("+CFUN: 1")
    return ok()


@command("+IPR", "+ICF", "+IFC", "#REGMODE", "+CGCLASS", "#NITZ", "+CVHU")
def accepted(ctx: Ctx) -> Reply:
    # Accepted and stored nowhere: they do not change what a script sees (ES13 §3.4: +IPR
    # does not change the SER speed the script uses).
    if ctx.kind == "read":
        defaults = {"+IPR": "+IPR: 0", "+ICF": "+ICF: 3,1", "+IFC": "+IFC: 2,2",
                    # factory values: #REGMODE 0 "basic" (ATR10 p.287: 1 only on GE865-QUAD
                    # and GE864-DUAL V2), +CVHU 2 (ATR10 +CVHU "factory default")
                    "#REGMODE": "#REGMODE: 0",
                    "+CGCLASS": '+CGCLASS: "B"', "#NITZ": "#NITZ: 0", "+CVHU": "+CVHU: 2"}
        return ok(defaults[ctx.name])
    return ok()


@command("")
def empty(ctx: Ctx) -> Reply:  # pragma: no cover - a bare "AT" has no commands at all
    return ok()
