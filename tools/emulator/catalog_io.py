"""Catalogue commands of the hardware around the module (tools/emulator/commands_catalog.py is
the engine; docs/emulator.md "Command catalogue"): power (#SHDN, +CALA/+CALD alarms, #WAKE,
+CBC #CBC), pins shared with the script's GPIO module (#GPIO #ADC #DAC; #SLED is a row),
temperature (#TEMPMON #QTEMP), the serial port's pins (#V24CFG #V24 #V24MODE #AXE), the clock
(#CCLK #RTCSTAT) and tones (#TONE #TONEEXT #SRS)."""
from __future__ import annotations

from typing import Any

from .at import ArgError, Ctx, Reply, error, ok
from .commands_catalog import _cat, _free, _free_exec

@_free_exec("#SHDN")
def shdn(ctx: Ctx) -> Reply:
    # ATR10 p.290: "Before definitive shut down an OK response is returned ... the device will
    # not respond to any further command". The emulated module powers off after the OK and
    # stays off (Module.power_on() is the ON/OFF pin).
    m = ctx.module
    ctx.inst.after_final.append(lambda: m.power_cut(None))
    return ok()


@_free("#WAKE")
def wake(ctx: Ctx) -> Reply:
    # ATR10 p.293: AT#WAKE=0 stops any alarm activity and leaves the alarm mode; read
    # "#WAKE: <status>", 1 in alarm mode or while an alarm is active; test: OK.
    cat = _cat(ctx)
    if ctx.kind == "test":
        return ok()
    if ctx.kind == "read":
        return ok("#WAKE: %d" % (1 if cat.alarm_active else 0))
    if ctx.kind == "set":
        if len(ctx.args) > 1:
            raise ArgError(ctx.name)
        ctx.int_arg(0, 0, 0, 0)
        cat.stop_alarm()
        return ok()
    return error()


# ------------------------------------------------ GPIO, ADC, DAC, temperature
@_free("#GPIO")
def gpio(ctx: Ctx) -> Reply:
    # ATR10 pp.298-300: AT#GPIO=<pin>,<mode>[,<dir>]: <dir> 0 input, 1 output (mode 0/1 = the
    # output value), 2 alternate function, 3 tristate pull down; <mode>=2 reports
    # "#GPIO: <dir>,<stat>". Read: one line per pin. The pins are the ones GPIO.setIOvalue and
    # GPIO.getIOvalue use (module.gpio, GC864: GPIO1-13), so a script and AT see each other.
    pins = ctx.module.gpio
    if ctx.kind == "test":
        return ok("#GPIO: (1-%d),(0-2),(0-3)" % max(pins))
    if ctx.kind == "read":
        return ok(*["#GPIO: %d,%d" % (pins[n][0], pins[n][1]) for n in sorted(pins)])
    if ctx.kind != "set":
        return error()
    if len(ctx.args) > 3:
        raise ArgError(ctx.name)
    n = ctx.int_arg(0, 1, max(pins))
    mode = ctx.int_arg(1, 0, 2)
    if len(ctx.args) < 3 or ctx.args[2] == "":
        if mode != 2:
            raise ArgError(ctx.name)  # only the report form may omit <dir>
        return ok("#GPIO: %d,%d" % (pins[n][0], pins[n][1]))
    d = ctx.int_arg(2, 0, 3)
    pins[n][0] = d
    if mode == 2:
        return ok("#GPIO: %d,%d" % (pins[n][0], pins[n][1]))
    if d == 1:
        pins[n][1] = mode
    return ok()


@_free("#ADC")
def adc(ctx: Ctx) -> Reply:
    # ATR10 p.304: AT#ADC=<adc>,2[,<dir>] -> "#ADC: <value>" in mV; read: every input; the
    # inputs are the ones GPIO.getADC reads (module.adc).
    inputs = ctx.module.adc
    if ctx.kind == "test":
        return ok("#ADC: (1-%d),(2),(0)" % max(inputs))
    if ctx.kind == "read":
        return ok(*["#ADC: %d" % inputs[n] for n in sorted(inputs)])
    if ctx.kind != "set":
        return error()
    if len(ctx.args) > 3:
        raise ArgError(ctx.name)
    n = ctx.int_arg(0, 1, max(inputs))
    ctx.int_arg(1, 2, 2)
    ctx.int_arg(2, 0, 0, 0)
    return ok("#ADC: %d" % inputs[n])


@_free("#DAC")
def dac(ctx: Ctx) -> Reply:
    # ATR10 p.305: AT#DAC=[<enable>[,<value>]], <value> 0-1023 "must be present if
    # <enable>=1"; read "#DAC: <enable>,<value>"; shared with GPIO.setDAC (module.dac).
    m = ctx.module
    if ctx.kind == "test":
        return ok("#DAC: (0,1),(0-1023)")
    if ctx.kind == "read":
        e, v = getattr(m, "dac", (0, 0))
        return ok("#DAC: %d,%d" % (e, v))
    if ctx.kind != "set":
        return error()
    if len(ctx.args) > 2:
        raise ArgError(ctx.name)
    enable = ctx.int_arg(0, 0, 1, 0)
    if enable and (len(ctx.args) < 2 or ctx.args[1] == ""):
        raise ArgError(ctx.name)
    value = ctx.int_arg(1, 0, 1023, getattr(m, "dac", (0, 0))[1])
    m.dac = (enable, value)  # type: ignore[attr-defined]
    return ok()


def _temperature(ctx: Ctx) -> int:
    return int(getattr(ctx.module, "temperature", 25))  # degrees Celsius; a test may change it


def _temp_level(t: int) -> int:
    # ATR10 p.294 (#QTEMP): "typical temperature working range is (-10°C..+55°C)"; the extreme
    # bounds are the emulator's choice (-40/+85, the usual industrial range).
    if t < -40:
        return -2
    if t < -10:
        return -1
    if t > 85:
        return 2
    if t > 55:
        return 1
    return 0


@_free("#QTEMP")
def qtemp(ctx: Ctx) -> Reply:
    # ATR10 p.294: the set form "has currently no effect"; read "#QTEMP: <temp>", 1 when out of
    # the working range.
    if ctx.kind == "test":
        return ok("#QTEMP: (0-1)")
    if ctx.kind == "read":
        return ok("#QTEMP: %d" % (1 if _temp_level(_temperature(ctx)) else 0))
    if ctx.kind == "set":
        if len(ctx.args) > 1:
            raise ArgError(ctx.name)
        ctx.int_arg(0, 0, 1, 0)
        return ok()
    return error()


@_free("#TEMPMON")
def tempmon(ctx: Ctx) -> Reply:
    # ATR10 pp.295-297: AT#TEMPMON=<mod>[,<urcmode>[,<action>[,<hyst_time>[,<GPIO>]]]];
    # <mod>=1 measures now: "#TEMPMEAS: <level>,<value>"; <mod>=0 sets; <action> 0-7 needs
    # <hyst_time> when not 0 and <GPIO> when it has 4; read
    # "#TEMPMON: <urcmode>,<action>[,<hyst_time>[,<GPIO>]]". Settings kept in NVM (p.297).
    nvm = ctx.module.nvm
    cur = list(nvm.get("tempmon", [0, 0, 0, 0]))
    if ctx.kind == "test":
        return ok("#TEMPMON: (0,1),(0,1),(0-7),(0-255),(1-%d)" % max(ctx.module.gpio))
    if ctx.kind == "read":
        urc, action, hyst, pin = cur
        text = "#TEMPMON: %d,%d" % (urc, action)
        if action:
            text += ",%d" % hyst
            if action & 4:
                text += ",%d" % pin
        return ok(text)
    if ctx.kind != "set":
        return error()
    if len(ctx.args) > 5:
        raise ArgError(ctx.name)
    mod = ctx.int_arg(0, 0, 1)
    if mod == 1:
        if len(ctx.args) > 1:
            raise ArgError(ctx.name)
        t = _temperature(ctx)
        return ok("#TEMPMEAS: %d,%d" % (_temp_level(t), t))
    urc = ctx.int_arg(1, 0, 1, cur[0])
    action = ctx.int_arg(2, 0, 7, 0)
    hyst = ctx.int_arg(3, 0, 255, 0) if action else 0
    if action and (len(ctx.args) < 4 or ctx.args[3] == ""):
        raise ArgError(ctx.name)
    pin = 0
    if action & 4:
        pin = ctx.int_arg(4, 1, max(ctx.module.gpio))
    nvm["tempmon"] = [urc, action, hyst, pin]
    return ok()


def _days(yy: int, mo: int) -> int:
    if mo == 2:
        return 29 if yy % 4 == 0 else 28
    return 30 if mo in (4, 6, 9, 11) else 31


@_free("#CCLK")
def cclk_dst(ctx: Ctx) -> Reply:
    # ATR10 pp.339-340: AT#CCLK="yy/MM/dd,hh:mm:ss±zz,d" (zz quarters of an hour -47..+48,
    # d DST hours 0-2; every field two digits, the day checked against the month); read in the
    # example's form "#CCLK: 02/09/07,22:30:25+04,1". The same clock as +CCLK (module.clock_base).
    import calendar
    import re
    import time as _time

    m = ctx.module
    cat = _cat(ctx)
    if ctx.kind == "test":
        return ok()
    if ctx.kind == "read":
        t = _time.gmtime(946684800 + m.seconds())
        tz, dst = cat.ram.get("#CCLK", [0, None])
        text = "%02d/%02d/%02d,%02d:%02d:%02d%s%02d" % (
            t.tm_year % 100, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
            "-" if tz < 0 else "+", abs(tz))
        return ok("#CCLK: " + text + ("" if dst is None else ",%d" % dst))
    if ctx.kind != "set" or len(ctx.args) != 1 or not ctx.quoted[0]:
        raise ArgError(ctx.name)
    mt = re.fullmatch(r"(\d\d)/(\d\d)/(\d\d),(\d\d):(\d\d):(\d\d)([+-]\d\d),(\d)", ctx.args[0])
    if mt is None:
        raise ArgError(ctx.name)
    yy, mo, dd, hh, mi, ss, tz, dst = (int(x) for x in mt.groups())
    if not (1 <= mo <= 12 and 1 <= dd <= _days(yy, mo) and hh < 24 and mi < 60 and ss < 60
            and -47 <= tz <= 48 and 0 <= dst <= 2):
        raise ArgError(ctx.name)
    secs = calendar.timegm((2000 + yy, mo, dd, hh, mi, ss, 0, 0, 0)) - 946684800
    m.clock_base = secs - m.kernel.now() // 1000
    cat.ram["#CCLK"] = [tz, dst]
    return ok()


@_free("#RTCSTAT")
def rtcstat(ctx: Ctx) -> Reply:
    # ATR10 p.349: "the initial value of RTC status flag is RTC HW Error" (1) "and it doesn't
    # change until a command AT#RTCSTAT=0 is issued"; read "#RTCSTAT: <status>".
    nvm = ctx.module.nvm
    if ctx.kind == "test":
        return ok("#RTCSTAT: (0)")
    if ctx.kind == "read":
        return ok("#RTCSTAT: %d" % nvm.get("rtcstat", 1))
    if ctx.kind != "set" or len(ctx.args) > 1:
        raise ArgError(ctx.name)
    ctx.int_arg(0, 0, 0, 0)
    nvm["rtcstat"] = 0
    return ok()


TONES = "0123456789#*ABCDGHIJKLYZ"


@_free("#TONE")
def tone(ctx: Ctx) -> Reply:
    # ATR10 p.578: AT#TONE=<tone>[,<duration>], <tone> one of (0-9),#,*,(A-D),(G-L),Y,Z,
    # <duration> 1-300 tenths of a second (default 30). The emulated module has no audio: OK.
    if ctx.kind == "test":
        return ok("#TONE: (0-9,#,*,A-D,G-L,Y,Z),(1-300)")
    if ctx.kind != "set" or not 1 <= len(ctx.args) <= 2:
        raise ArgError(ctx.name)
    t = ctx.args[0].upper()
    if len(t) != 1 or t not in TONES:
        raise ArgError(ctx.name)
    ctx.int_arg(1, 1, 300, 30)
    return ok()


SRS_MAX = 10  # ringing tones of the emulated module ("1..max ... read by ... AT#SRS=?")


@_free("#SRS")
def srs(ctx: Ctx) -> Reply:
    # ATR10 p.570: AT#SRS=<n>,<tout>; <n> 0 current tone, 1..max; <tout> 0-60 s (0 stops);
    # "if all parameters are omitted ... same as Read"; read "#SRS: <n>,<status>" (status 1
    # while playing). The tone plays for <tout> seconds of module time.
    cat = _cat(ctx)
    now = ctx.module.kernel.now()
    cur, until = cat.ram.get("#SRS", [1, 0])
    if ctx.kind == "test":
        return ok("#SRS: (0-%d),(0-60)" % SRS_MAX)
    if ctx.kind == "read" or (ctx.kind == "set" and not ctx.args):
        return ok("#SRS: %d,%d" % (cur, 1 if until > now else 0))
    if ctx.kind != "set" or len(ctx.args) != 2:
        raise ArgError(ctx.name)
    n = ctx.int_arg(0, 0, SRS_MAX)
    tout = ctx.int_arg(1, 0, 60)
    if n:
        cur = n
    cat.ram["#SRS"] = [cur, now + tout * 1000 if tout else 0]
    return ok()


V24_PINS = ("DCD", "CTS", "RI", "DSR", "DTR", "RTS")


def _v24_state(m: Any, pin: int) -> int:
    line = m.serial
    if pin == 4:
        return int(line.dte.dtr)
    if pin == 5:
        return int(line.dte.rts)
    return int(getattr(line, V24_PINS[pin].lower()))


@_free("#V24CFG")
def v24cfg(ctx: Ctx) -> Reply:
    # ATR10 p.310: AT#V24CFG=<pin>,<mode>; pins 0 DCD 1 CTS 2 RI 3 DSR (outputs), 4 DTR and 5 RTS
    # are inputs ("trying to set its state raises the result code ERROR"); <mode> 0 driven by
    # the serial driver (default), 1 GPIO mode (#V24 drives it). Read: every pin.
    modes = _cat(ctx).ram.setdefault("#V24CFG", [0] * 6)
    if ctx.kind == "test":
        return ok("#V24CFG: (0-3),(0,1)")
    if ctx.kind == "read":
        return ok(*["#V24CFG: %d,%d" % (p, modes[p]) for p in range(6)])
    if ctx.kind != "set" or len(ctx.args) != 2:
        raise ArgError(ctx.name)
    pin = ctx.int_arg(0, 0, 3)
    modes[pin] = ctx.int_arg(1, 0, 1)
    return ok()


@_free("#V24")
def v24(ctx: Ctx) -> Reply:
    # ATR10 p.310-311: AT#V24=<pin>[,<state>]: drives an output pin that #V24CFG put in GPIO mode
    # (the emulator answers ERROR for a pin still driven by the serial driver); without <state>
    # "the command returns the actual state of the pin". Read: every pin, outputs and inputs.
    m = ctx.module
    modes = _cat(ctx).ram.setdefault("#V24CFG", [0] * 6)
    if ctx.kind == "test":
        return ok("#V24: (0-5),(0,1)")
    if ctx.kind == "read":
        return ok(*["#V24: %d,%d" % (p, _v24_state(m, p)) for p in range(6)])
    if ctx.kind != "set" or not 1 <= len(ctx.args) <= 2:
        raise ArgError(ctx.name)
    pin = ctx.int_arg(0, 0, 5)
    if len(ctx.args) == 1 or ctx.args[1] == "":
        return ok("#V24: %d" % _v24_state(m, pin))
    state = ctx.int_arg(1, 0, 1)
    if pin > 3 or not modes[pin]:
        raise ArgError(ctx.name)
    line = m.serial
    if pin == 1:
        line.set_cts(state)
    else:
        setattr(line, V24_PINS[pin].lower(), state)
    m.external_event()
    return ok()


@_free("#V24MODE")
def v24mode(ctx: Ctx) -> Reply:
    # ATR10 pp.308-309: AT#V24MODE=<port>,<mode>,<when>; port 0 ASC0, 1 ASC1; mode 0 push/pull,
    # 1 open drain (2 reserved); when 0 always, 1 in power saving only; read one line per port.
    # Stored in NVM automatically (§3.3 p.27).
    table = ctx.module.nvm.setdefault("v24mode", [[0, 0], [0, 0]])
    if ctx.kind == "test":
        return ok("#V24MODE: (0,1),(0,1),(0,1)")
    if ctx.kind == "read":
        return ok(*["#V24MODE: %d,%d,%d" % (p, table[p][0], table[p][1]) for p in (0, 1)])
    if ctx.kind != "set" or len(ctx.args) != 3:
        raise ArgError(ctx.name)
    port = ctx.int_arg(0, 0, 1)
    table[port] = [ctx.int_arg(1, 0, 1), ctx.int_arg(2, 0, 1)]
    return ok()


@_free_exec("#AXE")
def axe(ctx: Ctx) -> Reply:
    # ATR10 p.568: "#AXE: <state>" of the AXE input (module.axe, 0 = low: handsfree for #CAP=0).
    return ok("#AXE: %d" % int(getattr(ctx.module, "axe", 0)))


# --------------------------------------------------------------- +CALA / +CALD
def _alarm_seconds(text: str) -> tuple[int | None, int | None]:
    """"yy/MM/dd,hh:mm:ss±zz" -> (seconds since 2000, None); "hh:mm:ss±zz" -> (None, seconds of
    the day); anything else ValueError."""
    import calendar
    import re

    mt = re.fullmatch(r"(?:(\d\d)/(\d\d)/(\d\d),)?(\d\d):(\d\d):(\d\d)[+-]\d\d", text)
    if mt is None:
        raise ValueError(text)
    yy, mo, dd, hh, mi, ss = mt.groups()
    h, mnt, sec = int(hh), int(mi), int(ss)
    if h > 23 or mnt > 59 or sec > 59:
        raise ValueError(text)
    if yy is None:
        return None, h * 3600 + mnt * 60 + sec
    y, mon, day = int(yy), int(mo), int(dd)
    if not 1 <= mon <= 12 or not 1 <= day <= _days(y, mon):
        raise ValueError(text)
    return calendar.timegm((2000 + y, mon, day, h, mnt, sec, 0, 0, 0)) - 946684800, None


def alarm_due(m: Any, alarm: dict[str, Any]) -> int | None:
    """The next module second (since 2000) the alarm goes off, or None if it is in the past."""
    import time as _time

    now = m.seconds()
    at, tod = _alarm_seconds(alarm["time"])
    if not alarm["recurr"]:
        return at if at is not None and at > now else None
    days = {int(d) for d in alarm["recurr"].split(",")}
    if tod is None:
        tod = at % 86400 if at is not None else 0
    base = now - now % 86400
    for k in range(0, 8):
        t = base + k * 86400 + tod
        weekday = _time.gmtime(946684800 + t).tm_wday + 1  # Monday is 1
        if t > now and (0 in days or weekday in days):
            return t
    return None


@_free("+CALA")
def cala(ctx: Ctx) -> Reply:
    # ATR10 pp.160-163 (SELINT 2): AT+CALA=<time>[,<n>[,<type>[,<text>[,<recurr>[,<silent>]]]]];
    # <time> "yy/MM/dd,hh:mm:ss±zz" (or "hh:mm:ss±zz" with <recurr>), "" deletes; <n> 0 only;
    # <type> 1 wake up (default), 2 +CALA URC every 3 s, 3 tone, 4 GPIO6, 5-7 combinations,
    # 8 RI high; <recurr> "0" every day or "1..7" weekdays (Monday 1); <silent> 0/1. The alarm
    # lives in the RTC (NVM here) and fires on the module clock, on or off; read
    # "+CALA: <time>,<n>,<type>,<text>,<recurr>,<silent>".
    m = ctx.module
    cat = _cat(ctx)
    if ctx.kind == "test":
        return ok('+CALA: (0),(0-8),15,13,(0,1)')
    if ctx.kind == "read":
        a = m.nvm.get("cala")
        if not a:
            return ok()
        return ok('+CALA: "%s",0,%d,"%s","%s",%d' % (a["time"], a["type"], a["text"], a["recurr"],
                                                      a["silent"]))
    if ctx.kind != "set" or not 1 <= len(ctx.args) <= 6 or not ctx.quoted[0]:
        raise ArgError(ctx.name)
    if ctx.args[0] == "":
        m.nvm.pop("cala", None)
        cat.arm_alarm()
        return ok()
    ctx.int_arg(1, 0, 0, 0)
    kind = ctx.int_arg(2, 0, 8, 1)
    text = ctx.args[3] if len(ctx.args) > 3 else ""
    recurr = ctx.args[4] if len(ctx.args) > 4 else ""
    silent = ctx.int_arg(5, 0, 1, 0)
    if len(text) > 15 or (recurr and not all(d in "01234567," for d in recurr)):
        raise ArgError(ctx.name)
    try:
        at, tod = _alarm_seconds(ctx.args[0])
    except ValueError:
        raise ArgError(ctx.name) from None
    if tod is not None and not recurr:
        raise ArgError(ctx.name)  # "hh:mm:ss±zz" only together with <recurr>
    m.nvm["cala"] = {"time": ctx.args[0], "type": kind, "text": text, "recurr": recurr,
                     "silent": silent}
    cat.arm_alarm()
    return ok()


@_free("+CALD")
def cald(ctx: Ctx) -> Reply:
    # ATR10 p.176: AT+CALD=<n> deletes the alarm <n> (0 only); test "+CALD: (0)".
    if ctx.kind == "test":
        return ok("+CALD: (0)")
    if ctx.kind != "set" or len(ctx.args) != 1:
        raise ArgError(ctx.name)
    ctx.int_arg(0, 0, 0)
    ctx.module.nvm.pop("cala", None)
    _cat(ctx).arm_alarm()
    return ok()


@_free("+CBC", "#CBC")
def cbc(ctx: Ctx) -> Reply:
    # ATR10 p.198 (+CBC: "<bcs>,<bcl>", 0 = powered by the battery, charge 0/25/50/75/100) and
    # p.312 (#CBC: "<ChargerState>,<BatteryVoltage>" in 10 mV). The emulated supply:
    # module.battery_mv (3800 mV by default: "+CBC: 0,75", ATR10's example).
    if ctx.kind == "test":
        return ok("+CBC: (0-2),(0-100)") if ctx.name == "+CBC" else ok()
    if ctx.kind not in ("exec", "read"):
        return error()
    mv = int(getattr(ctx.module, "battery_mv", 3800))
    if ctx.name == "#CBC":
        return ok("#CBC: 0,%d" % (mv // 10))
    level = 100 if mv >= 4000 else 75 if mv >= 3800 else 50 if mv >= 3600 else 25 if mv >= 3500 else 0
    return ok("+CBC: 0,%d" % level)


@_free("#TONEEXT")
def toneext(ctx: Ctx) -> Reply:
    # ATR10 p.578: AT#TONEEXT=<toneId>,<act> (1 start, 0 stop), tones as #TONE; no audio here.
    if ctx.kind == "test":
        return ok("#TONEEXT: (0-9,#,*,A-D,G-L,Y,Z),(0,1)")
    if ctx.kind != "set" or len(ctx.args) != 2:
        raise ArgError(ctx.name)
    t = ctx.args[0].upper()
    if len(t) != 1 or t not in TONES:
        raise ArgError(ctx.name)
    ctx.int_arg(1, 0, 1)
    return ok()


@_free("#VAUX")
def vaux(ctx: Ctx) -> Reply:
    # ATR10 p.307: AT#VAUX=<n>,<stat>: <n> 1 (the only VAUX pin), <stat> 0 off, 1 on, 2 query
    # ("#VAUX: <value>"); read "#VAUX: <value>". RAM, restored at power-up from what #VAUXSAV
    # saved (p.308; §3.3 p.28).
    cat = _cat(ctx)
    m = ctx.module
    value = cat.ram.get("#VAUX", [m.nvm.get("vaux", 0)])[0]
    if ctx.kind == "test":
        return ok("#VAUX: (1),(0-2)")
    if ctx.kind == "read":
        return ok("#VAUX: %d" % value)
    if ctx.kind != "set" or len(ctx.args) != 2:
        raise ArgError(ctx.name)
    ctx.int_arg(0, 1, 1)
    stat = ctx.int_arg(1, 0, 2)
    if stat == 2:
        return ok("#VAUX: %d" % value)
    cat.ram["#VAUX"] = [stat]
    return ok()


@_free_exec("#VAUXSAV")
def vauxsav(ctx: Ctx) -> Reply:
    # ATR10 p.308: "saves the actual state of #VAUX pin to NVM. The state will be reload at
    # power-up"; test: OK.
    m = ctx.module
    m.nvm["vaux"] = _cat(ctx).ram.get("#VAUX", [m.nvm.get("vaux", 0)])[0]
    return ok()
