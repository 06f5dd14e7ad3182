"""The rest of ATR10's SELINT 2 command set: the table-driven stored commands of
``catalog_data.ROWS`` and the handful modelled in depth because a script can observe them
(phonebook, IMSI/MSISDN, GPIO/ADC/DAC/STAT_LED shared with the ``GPIO`` module, temperature,
activity status, shutdown). docs/emulator.md "Command catalogue" lists which is which.

A command another emulator module already handles keeps its handler: the catalogue registers
only names still free in ``at.COMMANDS`` (importing it last in ``tools/emulator/__init__.py``).

Syntax rules shared by every row (ATR10 §3.5.1, §3.2.2): a set form with too many parameters,
a missing mandatory one, a value out of the documented range, a quoted number or an unquoted
string answers ERROR (``+CME ERROR: 4`` under ``+CMEE``, through ``at.ArgError``); a form the
command does not have (read of an execution-only command, for example) answers ERROR.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .at import COMMANDS, ArgError, CmeError, Ctx, Reply, command, error, ok
from .catalog_data import ROWS
from .module import EXTENSION_FACTORIES

if TYPE_CHECKING:  # pragma: no cover
    from .module import Module


# ------------------------------------------------------------------ the table
@dataclass(frozen=True)
class Param:
    ints: frozenset[int] | None  # allowed integers, or None for a string parameter
    strings: tuple[str, ...] = ()  # allowed quoted values (upper case), empty = any string
    max_len: int = 0  # string parameter: maximum length
    text: str = ""  # the test form's rendering: (0-3) or ("GSM","IRA")

    def check(self, value: str, quoted: bool) -> str | int:
        if self.ints is not None:
            if quoted or not value.isdigit() or int(value) not in self.ints:
                raise ArgError(value)
            return int(value)
        if not quoted:
            raise ArgError(value)  # a string parameter is a quoted string (ATR10 §3.5.1)
        if self.strings and value.upper() not in self.strings:
            raise ArgError(value)
        if self.max_len and len(value) > self.max_len:
            raise ArgError(value)
        return value.upper() if self.strings else value


def parse_param(spec: str) -> Param:
    """``0-3`` / ``0,50-1150`` / ``"GSM"|"IRA"`` / ``s16`` -> Param (see catalog_data)."""
    if spec.startswith('"'):
        names = tuple(s.strip('"').upper() for s in spec.split("|"))
        return Param(None, names, 0, "(%s)" % ",".join('"%s"' % n for n in names))
    if spec.startswith("s"):
        return Param(None, (), int(spec[1:]), "")
    values: set[int] = set()
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        values.update(range(int(lo), int(hi or lo) + 1))
    return Param(frozenset(values), (), 0, "(%s)" % spec)


@dataclass(frozen=True)
class Entry:
    name: str
    params: tuple[Param, ...]
    defaults: tuple[str, ...]
    need: int
    store: str  # nvm | inst | module | save:<CMD>
    page: int
    flags: frozenset[str]

    def default_values(self) -> list[Any]:
        out: list[Any] = []
        for p, d in zip(self.params, self.defaults):
            out.append(int(d) if p.ints is not None else d)
        return out


def _entry(row: tuple[str, str, str, int, str, int, str]) -> Entry:
    name, specs, defaults, need, store, page, flags = row
    params = tuple(parse_param(s) for s in specs.split(";"))
    defs = tuple(defaults.split(";"))
    if len(defs) != len(params):  # pragma: no cover - a broken row is a programming error
        raise ValueError("catalog row %s: %d defaults for %d parameters" % (name, len(defs), len(params)))
    return Entry(name, params, defs, need, store, page,
                 frozenset(f for f in flags.split(",") if f))


ENTRIES: dict[str, Entry] = {row[0]: _entry(row) for row in ROWS}


# ------------------------------------------------------------------ state
class Catalog:
    """Per-module state of the catalogue: RAM values (back to factory or saved at boot); NVM
    values live in ``module.nvm["catalog"]`` (plain lists: JSON-able like the rest of NVM)."""

    def __init__(self, module: "Module") -> None:
        self.module = module
        self.ram: dict[str, list[Any]] = {}
        self.hidden: dict[str, Any] = {}  # #SIMDET=0 hides the SIM: what it hid
        self.alarm_active = False  # +CALA went off and no #WAKE yet
        self.alarm_mode = False  # woken by the alarm from power-off (ATR10 "alarm mode")
        self._alarm_timer: Any = None
        self._alarm_urc: Any = None
        self._alarm_end: Any = None
        self._waking = False
        module.catalog = self  # type: ignore[attr-defined]
        module.extensions.append(self)

    def nvm(self) -> dict[str, list[Any]]:
        return self.module.nvm.setdefault("catalog", {})

    def on_boot(self) -> None:
        self.ram = {}
        m = self.module
        if "sim" in self.hidden:  # #SIMDET is RAM: the SIM is back after a reboot
            m.radio.sim = self.hidden.pop("sim")
        if m.nvm.get("locks", {}).get("SC") and m.radio.sim == "READY":
            m.radio.sim = "SIM PIN"  # +CLCK "SC" locked: the SIM asks for its PIN at power-up
        if not self._waking:
            self._cancel_alarm_activity()
            self.alarm_mode = False
        self._waking = False
        self.arm_alarm()
        sled = self.value(ENTRIES["#SLED"], None)
        m.sled = tuple(sled)  # type: ignore[attr-defined]  # GPIO.setSLED shares it (ES13 §3.6.9)
        m.dac = (0, 0)  # type: ignore[attr-defined]  # #DAC: RAM, factory "disables pin" (ATR10 p.305)

    def links(self) -> list[Any]:
        return []

    def close(self) -> None:
        pass

    # ---------------------------------------------------------- +CALA alarm (RTC)
    def arm_alarm(self) -> None:
        """(Re)arm the kernel timer of the +CALA alarm kept by the RTC (module.nvm["cala"])."""
        if self._alarm_timer is not None:
            self._alarm_timer.cancel()
            self._alarm_timer = None
        alarm = self.module.nvm.get("cala")
        if not alarm:
            return
        due = alarm_due(self.module, alarm)
        if due is None:
            return
        m = self.module
        delay = max(0, (due - m.seconds()) * 1000 - m.kernel.now() % 1000)
        self._alarm_timer = m.kernel.call_later(delay, self._alarm_fires)

    def _alarm_fires(self) -> None:
        self._alarm_timer = None
        m = self.module
        alarm = m.nvm.get("cala")
        if not alarm:
            return
        kind, text = alarm["type"], alarm["text"]
        if not alarm["recurr"]:
            m.nvm.pop("cala", None)  # a one-shot alarm is spent
        if not m.power:
            # ATR10 p.161: type 1 wakes the module "fully operative as if the ON/OFF button had
            # been pressed"; types 2-8 wake it in "alarm mode".
            self._waking = True
            self.alarm_mode = kind != 1
            m.power_on()
        if kind != 1:
            self.alarm_active = True
            if kind in (2, 5, 6):
                self._alarm_urc = m.kernel.call_later(0, lambda: self._urc(text))
            # "until a #WAKE or #SHDN command is received or a 90 seconds timer expires. If
            # the device is in alarm mode and it does not receive the #WAKE command within
            # 90s then it shuts down."
            self._alarm_end = m.kernel.call_later(90_000, self._alarm_expired)
        self.arm_alarm()

    def _urc(self, text: str) -> None:
        self._alarm_urc = None
        if not self.alarm_active or not self.module.power:
            return
        for inst in self.module.instances.values():
            inst.urc("+CALA: %s" % text)
        self._alarm_urc = self.module.kernel.call_later(3000, lambda: self._urc(text))

    def _alarm_expired(self) -> None:
        self._alarm_end = None
        was_mode = self.alarm_mode
        self._cancel_alarm_activity()
        if was_mode and self.module.power:
            self.module.power_cut(None)

    def _cancel_alarm_activity(self) -> None:
        for t in (self._alarm_urc, self._alarm_end):
            if t is not None:
                t.cancel()
        self._alarm_urc = self._alarm_end = None
        self.alarm_active = False
        self.alarm_mode = False

    def stop_alarm(self) -> None:
        """#WAKE=0: no more alarm activity, back to the normal operating mode."""
        self._cancel_alarm_activity()

    def value(self, e: Entry, inst: Any) -> list[Any]:
        if e.store == "nvm":
            return list(self.nvm().get(e.name, e.default_values()))
        if e.store == "inst":
            return list(inst.settings.get("cat" + e.name, e.default_values()))
        if e.name in self.ram:
            return list(self.ram[e.name])
        if e.store.startswith("save:"):
            return list(self.nvm().get(e.name, e.default_values()))
        return e.default_values()

    def store(self, e: Entry, inst: Any, values: list[Any]) -> None:
        if e.store == "nvm":
            self.nvm()[e.name] = list(values)
        elif e.store == "inst":
            inst.settings["cat" + e.name] = list(values)
        else:
            self.ram[e.name] = list(values)

    def save_group(self, saver: str) -> None:
        """#SLEDSAV / #SKTSAV: the RAM values of the rows stored by ``saver`` go to NVM."""
        if saver == "#SLEDSAV":
            self.ram["#SLED"] = list(self.module.sled)  # type: ignore[attr-defined]
        for e in ENTRIES.values():
            if e.store == "save:" + saver and e.name in self.ram:
                self.nvm()[e.name] = list(self.ram[e.name])

    def reset_group(self, saver: str) -> None:
        """#SKTRST / #ERST: the rows stored by ``saver`` back to factory, in RAM and NVM."""
        for e in ENTRIES.values():
            if e.store == "save:" + saver:
                self.ram.pop(e.name, None)
                self.nvm().pop(e.name, None)


def attach(module: "Module") -> Catalog:
    existing = getattr(module, "catalog", None)
    return existing if existing is not None else Catalog(module)


if attach not in EXTENSION_FACTORIES:
    EXTENSION_FACTORIES.append(attach)


def _cat(ctx: Ctx) -> Catalog:
    return ctx.module.catalog  # type: ignore[no-any-return]


def _render(e: Entry, values: list[Any]) -> str:
    parts = []
    for p, v in zip(e.params, values):
        parts.append('"%s"' % v if p.ints is None else str(v))
    body = ",".join(parts)
    return body if "bare" in e.flags else "%s: %s" % (e.name, body)


def range_form(e: Entry) -> str:
    """The test form: each parameter's range; free strings have none (trailing ones dropped)."""
    if "testlen" in e.flags:
        return "%s: %d" % (e.name, e.params[0].max_len)
    body = ",".join(p.text for p in e.params).rstrip(",")
    return body if "bare" in e.flags else "%s: %s" % (e.name, body)


def parse_set(e: Entry, ctx: Ctx, current: list[Any] | None = None) -> list[Any]:
    """The values of a set form, checked against the row; raises ArgError."""
    args, quoted = ctx.args, ctx.quoted
    if len(args) > len(e.params):
        raise ArgError(e.name)
    values = e.default_values()
    for i, p in enumerate(e.params):
        if i < len(args) and args[i] != "":
            values[i] = p.check(args[i], quoted[i] if i < len(quoted) else False)
        elif i < e.need:
            raise ArgError(e.name)
    return values


def table_handler(ctx: Ctx) -> Reply | CmeError:
    e = ENTRIES[ctx.name]
    cat = _cat(ctx)
    kind = ctx.kind
    if kind == "exec" and "execread" in e.flags:
        kind = "read"
    if kind == "test":
        return ok(range_form(e))
    if kind == "read":
        if "noread" in e.flags:
            return error()
        if e.name == "#SLED":
            return ok(_render(e, list(ctx.module.sled)))  # what GPIO.setSLED set, too
        return ok(_render(e, cat.value(e, ctx.inst)))
    if kind == "exec":
        return ok() if "exec" in e.flags else error()
    values = parse_set(e, ctx)
    cat.store(e, ctx.inst, values)
    if e.name == "#SLED":
        ctx.module.sled = tuple(values)  # the STAT_LED GPIO.setSLED drives (ES13 §3.6.9)
    return ok()


for _name in ENTRIES:
    if _name not in COMMANDS:
        command(_name)(table_handler)


def _free(*names: str):
    """Register a deep handler under the names no other emulator module handles."""
    def reg(fn):  # type: ignore[no-untyped-def]
        for n in names:
            if n not in COMMANDS:
                command(n)(fn)
        return fn

    return reg


def _only_exec(ctx: Ctx) -> Reply | None:
    """Execution-only commands (ATR10: "Test command returns the OK result code"): the test form
    answers OK, a read or set form ERROR; None = go on with the execution."""
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "exec":
        return error()
    return None


# -------------------------------------------------------------- save commands
@_free("#SLEDSAV", "#ESAV", "#ERST")
def sledsav(ctx: Ctx) -> Reply:
    # ATR10 p.301: "Execution command saves STAT_LED setting in NVM"; p.496 #ESAV stores the
    # e-mail parameters, p.497 #ERST "resets the e-mail parameters to the factory default
    # configuration and stores them in the NVM". Test forms: OK.
    early = _only_exec(ctx)
    if early is not None:
        return early
    if ctx.name == "#ERST":
        _cat(ctx).reset_group("#ESAV")
    else:
        _cat(ctx).save_group(ctx.name)
    return ok()


def _wrap_saver(name: str, reset: bool) -> None:
    """#SKTSAV/#SKTRST belong to the GPRS commands (net/commands.py); ATR10 §3.3 p.28 adds
    #DSTO #SKTTO #SKTCT #PKTSZ to what they store/reset: wrap, keeping the original."""
    inner = COMMANDS.get(name)

    def handler(ctx: Ctx) -> Any:
        result = inner(ctx) if inner is not None else ok()
        if ctx.kind == "exec" and isinstance(result, Reply) and result.final == "OK":
            if reset:
                _cat(ctx).reset_group("#SKTSAV")
            else:
                _cat(ctx).save_group("#SKTSAV")
        return result

    COMMANDS[name] = handler


_wrap_saver("#SKTSAV", False)
_wrap_saver("#SKTRST", True)


# -------------------------------------------------------------- identity
DEFAULT_IMSI = "001010123456789"  # MCC 001 / MNC 01: the test network


@_free("+CIMI", "#CIMI")
def cimi(ctx: Ctx) -> Reply:
    # ATR10 p.83 (+CIMI: the IMSI "without command echo"; "a SIM card must be present ...
    # otherwise the command returns ERROR") and p.289 (#CIMI: "with command echo", i.e.
    # "#CIMI: <imsi>"); both test forms answer OK, no read form in SELINT 2.
    early = _only_exec(ctx)
    if early is not None:
        return early
    r = ctx.module.radio
    if r.sim is None:
        return error()
    imsi = getattr(r, "imsi", DEFAULT_IMSI)
    return ok(imsi if ctx.name == "+CIMI" else "#CIMI: " + imsi)


@_free("+CNUM")
def cnum(ctx: Ctx) -> Reply:
    # ATR10 p.94: "+CNUM: <alpha>,<number>,<type>" when the MSISDN is stored on the SIM (type
    # 145 with a leading '+', else 129); nothing but OK when it is not. Test: OK.
    early = _only_exec(ctx)
    if early is not None:
        return early
    r = ctx.module.radio
    if r.sim is None:
        return CmeError(10)
    number = getattr(r, "msisdn", "")
    if not number:
        return ok()
    return ok('+CNUM: "","%s",%d' % (number, 145 if number.startswith("+") else 129))


@_free("#CGMI", "#CGMM", "#CGSN")
def ident_echo(ctx: Ctx) -> Reply:
    # ATR10 pp.282-283: manufacturer / model / IMEI "with command echo" ("#CGMI: Telit").
    early = _only_exec(ctx)
    if early is not None:
        return early
    r = ctx.module.radio
    value = {"#CGMI": r.manufacturer, "#CGMM": r.model, "#CGSN": r.imei}[ctx.name]
    return ok("%s: %s" % (ctx.name, value))


@_free("#SPN", "#MBN")
def sim_fields(ctx: Ctx) -> Reply:
    # ATR10 p.283 #SPN: "if the SIM field SPN is empty, the command returns just the OK result
    # code"; p.332 #MBN: no lines when the SIM has no mailbox numbers. The emulated SIM has
    # neither.
    early = _only_exec(ctx)
    if early is not None:
        return early
    if ctx.module.radio.sim is None:
        return CmeError(10)
    return ok()


@_free("+CPAS")
def cpas(ctx: Ctx) -> Reply:
    # ATR10 p.134: 0 ready, 3 ringing, 4 call in progress; the CSD call of module.csd.
    if ctx.kind == "test":
        return ok("+CPAS: (0-4)")
    if ctx.kind != "exec":
        return error()
    call = _call(ctx.module)
    pas = 0 if call is None else 3 if call.state == "ringing" else 4
    return ok("+CPAS: %d" % pas)


def _call(m: Any) -> Any:
    csd = getattr(m, "csd", None)
    call = getattr(csd, "current", None) if csd is not None else None
    if call is None or call.state == "ended":
        return None
    return call


@_free("+CLCC")
def clcc(ctx: Ctx) -> Reply:
    # ATR10 p.127: "+CLCC: <id>,<dir>,<stat>,<mode>,<mpty>,<number>,<type>,<alpha>"; the
    # emulated calls are incoming data calls: dir 1, mode 1, stat 4 while ringing, 0 active.
    early = _only_exec(ctx)
    if early is not None:
        return early
    call = _call(ctx.module)
    if call is None:
        return ok()
    number = call.number or ""
    return ok('+CLCC: 1,1,%d,1,0,"%s",%d,""' % (4 if call.state == "ringing" else 0, number,
                                                145 if number.startswith("+") else 129))


@_free("+CEER")
def ceer(ctx: Ctx) -> Reply:
    # ATR10 p.90: "if none of the previous conditions has occurred since power up then
    # 'Normal, unspecified' condition is reported". The emulator keeps no call-failure causes.
    early = _only_exec(ctx)
    if early is not None:
        return early
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


@_free("+CLAC")
def clac(ctx: Ctx) -> Reply:
    # ATR10 p.173: one line per available command.
    early = _only_exec(ctx)
    if early is not None:
        return early
    names = sorted(n for n in COMMANDS if n)
    return ok(*["AT" + n for n in names])


@_free("#SHDN")
def shdn(ctx: Ctx) -> Reply:
    # ATR10 p.290: "Before definitive shut down an OK response is returned ... the device will
    # not respond to any further command". The emulated module powers off after the OK and
    # stays off (Module.power_on() is the ON/OFF pin).
    early = _only_exec(ctx)
    if early is not None:
        return early
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


for _name, _key in (("+CGQMIN", "cgqmin"), ("+CGQREQ", "cgqreq")):
    if _name not in COMMANDS:
        command(_name)(_qos(_key))


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


@_free("+CHUP")
def chup(ctx: Ctx) -> Any:
    # ATR10 p.86: "+CHUP cancels all active and held calls": ATH's effect for the emulated calls.
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "exec":
        return error()
    hang = COMMANDS.get("H")
    return hang(ctx) if hang is not None else ok()


@_free("+GCAP")
def gcap(ctx: Ctx) -> Reply:
    # ATR10 p.47: the supported command sets (+CGSM GSM, +FCLASS fax, +DS data service, +MS).
    early = _only_exec(ctx)
    if early is not None:
        return early
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


@_free("#PCT")
def pct(ctx: Ctx) -> Reply | CmeError:
    # ATR10 p.290: remaining PIN/PUK attempts for the password +CPIN asks for: 3 for a PIN.
    early = _only_exec(ctx)
    if early is not None:
        return early
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


for _name in BASIC_EXTRA:
    if _name not in COMMANDS:
        command(_name)(basic_extra)


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


@_free("#CEER")
def ceer_numeric(ctx: Ctx) -> Reply:
    # ATR10 p.284: "#CEER: <code>"; "if none of the previous conditions has occurred since
    # power up then 0 is reported". The emulator keeps no failure causes: 0.
    early = _only_exec(ctx)
    if early is not None:
        return early
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


@_free("+COPN")
def copn(ctx: Ctx) -> Reply:
    # ATR10 p.95: '+COPN: <numeric>,<alpha>' for each operator the ME knows: the emulated
    # network's one.
    early = _only_exec(ctx)
    if early is not None:
        return early
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


@_free("#AXE")
def axe(ctx: Ctx) -> Reply:
    # ATR10 p.568: "#AXE: <state>" of the AXE input (module.axe, 0 = low: handsfree for #CAP=0).
    early = _only_exec(ctx)
    if early is not None:
        return early
    return ok("#AXE: %d" % int(getattr(ctx.module, "axe", 0)))


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
