"""The rest of ATR10's SELINT 2 command set: the engine of the table-driven stored commands of
``catalog_data.ROWS`` and the catalogue's state (NVM, per-instance and RAM values, save groups,
the +CALA alarm). The commands modelled in depth because a script can observe them live by
family in catalog_sim.py (SIM, phonebook, locks), catalog_io.py (GPIO/ADC/DAC/STAT_LED shared
with the ``GPIO`` module, temperature, alarms, serial pins), catalog_net.py (network status,
calls, supplementary services, SMS in one line) and catalog_voice.py (outgoing voice calls). docs/emulator.md "Command catalogue" lists
which is which.

A command another emulator module already handles keeps its handler: the catalogue registers
only names still free in ``at.COMMANDS`` (importing it last in ``tools/emulator/__init__.py``).

Syntax rules shared by every row (ATR10 §3.5.1, §3.2.2): a set form with too many parameters,
a missing mandatory one, a value out of the documented range, a quoted number or an unquoted
string answers ERROR (``+CME ERROR: 4`` under ``+CMEE``, through ``at.ArgError``); a form the
command does not have (read of an execution-only command, for example) answers ERROR.
"""
from __future__ import annotations

import functools
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
        from .catalog_net import ATTACH_MS, _hook, auto_activation

        _hook(m)
        auto_activation(m, ATTACH_MS)  # #SGACTCFG: "after every GPRS Attach"
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
        from .catalog_io import alarm_due

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
    values = e.default_values() if current is None else list(current)
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
    values = parse_set(e, ctx, cat.value(e, ctx.inst) if "keep" in e.flags else None)
    cat.store(e, ctx.inst, values)
    if e.name == "#SLED":
        ctx.module.sled = tuple(values)  # the STAT_LED GPIO.setSLED drives (ES13 §3.6.9)
    return ok()


def _free(*names: str):
    """Register a handler under the names no other emulator module handles."""
    def reg(fn):  # type: ignore[no-untyped-def]
        for n in names:
            if n not in COMMANDS:
                command(n)(fn)
        return fn

    return reg


_free(*ENTRIES)(table_handler)


def _only_exec(ctx: Ctx) -> Reply | None:
    """Execution-only commands (ATR10: "Test command returns the OK result code"): the test form
    answers OK, a read or set form ERROR; None = go on with the execution."""
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "exec":
        return error()
    return None


def _free_exec(*names: str):
    """``_free`` for an execution-only command: the test form answers OK, a read or set form
    ERROR (``_only_exec``); the handler is called for the execution form alone."""
    def reg(fn):  # type: ignore[no-untyped-def]
        @functools.wraps(fn)
        def handler(ctx: Ctx) -> Any:
            early = _only_exec(ctx)
            return early if early is not None else fn(ctx)

        _free(*names)(handler)
        return fn

    return reg


# -------------------------------------------------------------- save commands
@_free_exec("#SLEDSAV", "#ESAV", "#ERST")
def sledsav(ctx: Ctx) -> Reply:
    # ATR10 p.301: "Execution command saves STAT_LED setting in NVM"; p.496 #ESAV stores the
    # e-mail parameters, p.497 #ERST "resets the e-mail parameters to the factory default
    # configuration and stores them in the NVM". Test forms: OK.
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


# The deep models, by family (they register through _free and _free_exec above).
from . import catalog_audio, catalog_io, catalog_net, catalog_sim, catalog_voice  # noqa: E402,F401
from . import catalog_more, catalog_run  # noqa: E402,F401
