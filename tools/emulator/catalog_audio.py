"""Catalogue commands of the audio path, the I/O around it and fax class 1 (tools/emulator/
commands_catalog.py is the engine; docs/emulator.md "Command catalogue").

Sources: ATR10 (AT Commands Reference Guide 80000ST10025a Rev.10, text copy in bewest/unapy
docs/Telit) on the page given at each command; the audio profile ranges and factory profiles
from the Audio Settings Application Note 80000NT10007a Rev.4 (same folder, "AUDIO" below),
Table 8 p.69 and Table 10 p.77.

* Audio profiles (ATR10 pp.583-594): ``#PSEL`` (a catalogue row) selects profile 0 (standard,
  fixed) or 1-3 (extended). ``#PSET`` and the four biquad filters ``#BIQUADIN #BIQUADOUT
  #BIQUADINEX #BIQUADOUTEX`` set the active profile's values in RAM; ``#PSAV`` stores the active
  profile in NVM, ``#PRST`` brings it back to its factory values (RAM and NVM); at power-up each
  profile is what was saved. With profile 0 all of them answer ERROR ("It is not allowed if
  active audio profile is 0"; +CME ERROR: 3 under +CMEE).
* User defined tones ``#UDTSET #UDTSAV #UDTRST`` (pp.581-583): RAM, saved in NVM (back with
  AT&F1), factory again.
* ``#TSVOL`` (pp.579-581) per tone class; ``#CODECINFO`` (pp.364-366) from the voice call, with
  its change URCs; ``#ACALEXT`` (p.328) sharing ``#ACAL``'s mode, the automatic call on a DTR
  rise; ``#GSMAD`` (pp.349-351) antenna detection on ``module.audio_io.antenna`` with URCs and
  the report GPIO; ``#SPCM`` (pp.596-597) PCM in online mode; ``#RSEN`` (pp.565-567) a SAP
  client without a SAP server.
* I2C over two GPIOs ``#I2CWR #I2CRD`` (pp.359-361): ``module.i2c`` is a bus on GPIO2 (SDA) and
  GPIO3 (SCL), as in ATR10's example, with a 256-byte EEPROM at the 7-bit address 0x50
  (``#I2CRD=2,3,A0,...``); an absent device does not acknowledge: ERROR.
* Fax class 1 (pp.275-281): identification, the stored ``+FLO`` (over ``&K``) ``+FPR +FDD``;
  the action commands need a fax connection, which the emulated network never gives: ERROR.
* ``#SGPO #GGPI`` (pp.297-299) are SELINT 0/1 commands "meaningful only for GM862 family": on
  the GC864-PY (SELINT 2) they are unknown commands: ERROR (``NOT_ON_GC864_PY``).
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .at import COMMANDS, DTR_RISE_HOOKS, ArgError, CmeError, Ctx, Online, Prompt, Reply, error, ok
from .commands_catalog import ENTRIES, _cat, _free, _free_exec
from .module import EXTENSION_FACTORIES

if TYPE_CHECKING:  # pragma: no cover
    from .at import AtInstance
    from .module import Module

# Commands the availability table marks for SW 7.03.xx2 that the GC864-PY does not have, with
# the reason: left unregistered, they answer ERROR as on the module (and +CLAC does not list
# them); tests/test_emu_catalog.py counts them with the handled ones.
NOT_ON_GC864_PY: dict[str, str] = {
    "#SGPO": "ATR10 p.297-298: SELINT 0/1 only, \"meaningful only for GM862 family\"",
    "#GGPI": "ATR10 p.298-299: SELINT 0/1 only, \"meaningful only for GM862 family\"",
}

_INT = re.compile(r"^-?\d+$")


def _int(ctx: Ctx, i: int, allowed: Any, default: int | None = None) -> int:
    """Parameter ``i`` as an integer in ``allowed`` (range or set; negatives allowed); an
    omitted one takes ``default`` (None: mandatory). Quoted numbers are rejected (§3.5.1)."""
    if i >= len(ctx.args) or ctx.args[i] == "":
        if default is None:
            raise ArgError(ctx.name)
        return default
    quoted = ctx.quoted[i] if i < len(ctx.quoted) else False
    value = ctx.args[i]
    if quoted or not _INT.match(value) or int(value) not in allowed:
        raise ArgError(ctx.name)
    return int(value)


def _hex(ctx: Ctx, i: int, hi: int) -> int:
    """An unquoted hexadecimal parameter "without 0x" (ATR10 #I2CWR p.360)."""
    value = ctx.args[i] if i < len(ctx.args) else ""
    quoted = ctx.quoted[i] if i < len(ctx.quoted) else False
    if quoted or not re.match(r"^[0-9A-Fa-f]{1,3}$", value) or int(value, 16) > hi:
        raise ArgError(ctx.name)
    return int(value, 16)


def _max_args(ctx: Ctx, n: int) -> None:
    if len(ctx.args) > n:
        raise ArgError(ctx.name)


def _line(name: str, values: list[int]) -> str:
    return "%s: %s" % (name, ",".join(str(v) for v in values))


# ------------------------------------------------------------------ the module's extension
class I2cBus:
    """Devices on two GPIOs: ``devices`` maps a 7-bit address (or a 10-bit one above 0x7F) to
    its memory; a device answers only to commands on its ``sda``/``scl`` pins."""

    def __init__(self) -> None:
        self.sda = 2  # ATR10 p.360 example: "Set GPIO2 as SDA, GPIO3 as SCL"
        self.scl = 3
        self.devices: dict[int, bytearray] = {0x50: bytearray(b"\xff" * 256)}  # 24C02-like


class AudioIo:
    """What these commands keep outside the catalogue's tables: the I2C bus (an external device:
    it keeps its data across power cuts), the antenna, the #GSMAD timer, the PCM streams."""

    def __init__(self, module: "Module") -> None:
        self.m = module
        self.i2c = I2cBus()
        self.antenna = 0  # #GSMAD <presence>: 0 connected, 1 short to ground, 2 to power, 3 open
        self.last_presence: int | None = None
        self.gsmad_timer: Any = None
        self.pcm_played = bytearray()  # #SPCM=1: what the DTE sent to the speaker/uplink
        self.pcm_source = b""  # #SPCM=2: the samples the microphone/downlink give the DTE
        self.codec_timer: Any = None  # #CODECINFO <mode> 1/2: watching for a codec change
        self.codec_seen: dict[int, int] = {}
        module.audio_io = self  # type: ignore[attr-defined]
        module.i2c = self.i2c  # type: ignore[attr-defined]
        module.extensions.append(self)

    def on_boot(self) -> None:
        self.last_presence = None
        self.arm_gsmad()
        if self.codec_timer is not None:
            self.codec_timer.cancel()
            self.codec_timer = None
        self.codec_seen = {}

    # ---------------------------------------------------------- #CODECINFO URCs
    def watch_codec(self, inst: "AtInstance") -> None:
        self.codec_seen[inst.index] = codec_now(self.m)[0]
        if self.codec_timer is None:
            self.codec_timer = self.m.kernel.call_later(CODEC_POLL_MS, self._codec_tick)

    def _codec_tick(self) -> None:
        self.codec_timer = None
        if not self.m.power:
            return  # off: the instances and their settings are gone
        used, codec = codec_now(self.m)
        watching = False
        for inst in self.m.instances.values():
            fmt, mode = inst.settings.get(CODECINFO_KEY, [0, 0])  # type: ignore[misc]
            if not mode or inst.dead:
                self.codec_seen.pop(inst.index, None)
                continue
            watching = True
            last = self.codec_seen.get(inst.index)
            self.codec_seen[inst.index] = used
            if last is not None and last != used:
                inst.urc(codec_line(fmt, used, None if mode == 2 else codec))
        if watching:
            self.codec_timer = self.m.kernel.call_later(CODEC_POLL_MS, self._codec_tick)

    def links(self) -> list[Any]:
        return []

    def close(self) -> None:
        pass

    # ---------------------------------------------------------- #GSMAD
    def gsmad(self) -> list[int]:
        return list(self.m.nvm.setdefault("catalog", {}).get("#GSMAD", GSMAD_DEFAULT))

    def arm_gsmad(self) -> None:
        if self.gsmad_timer is not None:
            self.gsmad_timer.cancel()
            self.gsmad_timer = None
        mode, interval = self.gsmad()[0], self.gsmad()[1]
        if mode == 1 and self.m.power:
            self.gsmad_timer = self.m.kernel.call_later(interval * 1000, self._periodic)

    def _periodic(self) -> None:
        self.gsmad_timer = None
        if not self.m.power:
            return  # off: the next boot arms it again
        self.detect(urc_all=True)
        self.arm_gsmad()

    def detect(self, urc_all: bool = False, inst: "AtInstance | None" = None) -> int:
        """One run of the detection algorithm: drive the report GPIO ("set to LOW when antenna
        is connected. Set to HIGH otherwise", p.351) and tell a change by URC."""
        presence = int(self.antenna)
        _mode, _interval, _det, rep = self.gsmad()
        pin = self.m.gpio.get(rep)
        if pin is not None:
            pin[1] = 0 if presence == 0 else 1
        changed = self.last_presence is not None and presence != self.last_presence
        self.last_presence = presence
        if changed:
            targets = list(self.m.instances.values()) if urc_all else [inst] if inst else []
            for target in targets:
                if target is None:
                    continue
                if urc_all and not target.settings.get("cat#GSMAD-urc", 0):
                    continue  # <urcmode> belongs to the instance (p.351)
                target.urc("#GSMAD: %d" % presence)
        return presence


def attach(module: "Module") -> AudioIo:
    existing = getattr(module, "audio_io", None)
    return existing if existing is not None else AudioIo(module)


if attach not in EXTENSION_FACTORIES:
    EXTENSION_FACTORIES.append(attach)


def _io(ctx: Ctx) -> AudioIo:
    return ctx.module.audio_io  # type: ignore[no-any-return]


# ------------------------------------------------------------------ audio profiles
# AUDIO Table 8 p.69: the ranges of #PSET's twelve parameters; Table 10 p.77: the factory values
# of profiles 1 (office), 2 (open air), 3 (small/medium car). Table 10 gives side tone -1 for
# all three, outside Table 8's 0..24: accepted, so what the read form shows can be set again.
PSET_RANGES: list[Any] = [
    range(-6, 7), range(-6, 7), range(-1, 25), range(-1, 3), range(10, 51), range(-90, 91),
    range(6, 43, 6), range(0, 10), range(0, 10), range(0, 91), range(0, 91), range(0, 91),
]
PSET_TEXT = "(-6-6),(-6-6),(-1-24),(-1-2),(10-50),(-90-90),(6,12,18,24,30,36,42),(0-9),(0-9)," \
            "(0-90),(0-90),(0-90)"
PSET_FACTORY: dict[int, list[int]] = {
    1: [0, 0, -1, 2, 50, -5, 6, 2, 2, 6, 0, 12],
    2: [0, 0, -1, 2, 50, -10, 12, 4, 4, 9, 0, 18],
    3: [0, 0, -1, 2, 50, -20, 12, 6, 6, 12, 0, 24],
}
# The biquads (pp.591-594): ten Q15 coefficients -32768..32767. Their factory values are not
# given: the emulator's are the pass-through filter (a0 = 32767, the rest 0) in each stage.
BIQUAD_FACTORY = [32767, 0, 0, 0, 0, 32767, 0, 0, 0, 0]
BIQUADS = ("#BIQUADIN", "#BIQUADOUT", "#BIQUADINEX", "#BIQUADOUTEX")
PROFILE_CMDS = ("#PSET",) + BIQUADS


def _factory(name: str, profile: int) -> list[int]:
    return list(PSET_FACTORY[profile] if name == "#PSET" else BIQUAD_FACTORY)


def _profile(ctx: Ctx) -> int:
    return int(_cat(ctx).value(ENTRIES["#PSEL"], ctx.inst)[0])


def _profile_key(name: str, profile: int) -> str:
    return "%s/%d" % (name, profile)


def _not_allowed() -> CmeError:
    """Profile 0 refuses them: ERROR, +CME ERROR: 3 (operation not allowed) under +CMEE."""
    return CmeError(3)


def profile_values(ctx: Ctx, name: str, profile: int) -> list[int]:
    cat = _cat(ctx)
    key = _profile_key(name, profile)
    if key in cat.ram:
        return list(cat.ram[key])
    saved = cat.nvm().get("audio-profiles", {}).get(key)
    return list(saved) if saved is not None else _factory(name, profile)


@_free(*PROFILE_CMDS)
def profile_cmd(ctx: Ctx) -> Reply | CmeError:
    # ATR10 pp.584-585 (#PSET), pp.590-594 (#BIQUAD*): set/read the active profile's values;
    # "It is not allowed if active audio profile is 0"; the first parameter is mandatory, an
    # omitted optional one takes its factory value (the engine's rule, catalog_data.py).
    name = ctx.name
    ranges = PSET_RANGES if name == "#PSET" else [range(-32768, 32768)] * 10
    if ctx.kind == "test":
        text = PSET_TEXT if name == "#PSET" else ",".join(["(-32768-32767)"] * 10)
        return ok("%s: %s" % (name, text))
    profile = _profile(ctx)
    if ctx.kind == "exec":
        return error()
    if profile == 0:
        return _not_allowed()
    if ctx.kind == "read":
        return ok(_line(name, profile_values(ctx, name, profile)))
    _max_args(ctx, len(ranges))
    factory = _factory(name, profile)
    values = [_int(ctx, i, r, None if i == 0 else factory[i]) for i, r in enumerate(ranges)]
    _cat(ctx).ram[_profile_key(name, profile)] = values
    return ok()


@_free_exec("#PSAV", "#PRST")
def psav(ctx: Ctx) -> Reply | CmeError:
    # ATR10 p.583: #PSAV "saves the actual audio parameters in the NVM" (the #PSET values and
    # the biquad filters); p.584: #PRST "resets the actual audio parameters in the NVM of the
    # device to the default set" ("Current audio profile is reset": RAM too). Both "not
    # allowed if active audio profile is 0". Test forms: OK.
    profile = _profile(ctx)
    if profile == 0:
        return _not_allowed()
    cat = _cat(ctx)
    saved = cat.nvm().setdefault("audio-profiles", {})
    for name in PROFILE_CMDS:
        key = _profile_key(name, profile)
        if ctx.name == "#PSAV":
            saved[key] = profile_values(ctx, name, profile)
        else:
            saved.pop(key, None)
            cat.ram.pop(key, None)
    return ok()


# ------------------------------------------------------------------ user defined tones
UDT_TONES = "GHIJKL"


def _udt(ctx: Ctx) -> dict[str, list[int]]:
    cat = _cat(ctx)
    if "#UDTSET" not in cat.ram:
        saved = cat.nvm().get("#UDTSET")
        cat.ram["#UDTSET"] = dict(saved) if saved else {t: [0] * 6 for t in UDT_TONES}  # type: ignore[assignment]
    return cat.ram["#UDTSET"]  # type: ignore[return-value]


@_free("#UDTSET")
def udtset(ctx: Ctx) -> Reply:
    # ATR10 pp.581-582: AT#UDTSET=<tone>,<F1>,<A1>[,<F2>,<A2>[,<F3>,<A3>]], <tone> G-L, <Fi>
    # 300-3000 Hz, <Ai> 10-100 dB; "(Ai,Fi) issuing needs also (Aj,Fj) with j<i"; "the
    # unspecified parameters are automatically reset to zero" (0 = uninitialized, the factory
    # value of every tone: the manual gives no other). Read: one line per tone.
    if ctx.kind == "test":
        return ok("#UDTSET: (G-L),(300-3000),(10-100)")
    tones = _udt(ctx)
    if ctx.kind == "read":
        return ok(*["#UDTSET: %s,%s" % (t, ",".join(str(v) for v in tones[t])) for t in UDT_TONES])
    if ctx.kind != "set" or len(ctx.args) not in (3, 5, 7):
        raise ArgError(ctx.name)
    tone = ctx.args[0].upper()
    if len(tone) != 1 or tone not in UDT_TONES:
        raise ArgError(ctx.name)
    values = [0] * 6
    for i in range(1, len(ctx.args)):
        values[i - 1] = _int(ctx, i, range(300, 3001) if i % 2 else range(10, 101))
    tones[tone] = values
    return ok()


@_free_exec("#UDTSAV", "#UDTRST")
def udtsav(ctx: Ctx) -> Reply:
    # ATR10 p.582: #UDTSAV "Current tones are saved in NVM"; p.583: #UDTRST "The default value
    # tones are restored in NVM" (and become the current ones). Test forms: OK.
    cat = _cat(ctx)
    if ctx.name == "#UDTSAV":
        cat.nvm()["#UDTSET"] = {t: list(v) for t, v in _udt(ctx).items()}  # type: ignore[assignment]
    else:
        cat.nvm().pop("#UDTSET", None)
        cat.ram.pop("#UDTSET", None)
    return ok()


def _wrap_full_factory() -> None:
    """ATR10 p.582 (#UDTSET): "issuing AT&F1 or AT&Z has the effect to set the parameters with
    the last saved in NVM values": AT&F1 does (&Z stores a phone number, p.45: not that)."""
    inner = COMMANDS["&F"]

    def handler(ctx: Ctx) -> Any:
        result = inner(ctx)
        if ctx.raw.strip() == "1" and isinstance(result, Reply) and result.final == "OK":
            _cat(ctx).ram.pop("#UDTSET", None)
        return result

    COMMANDS["&F"] = handler


_wrap_full_factory()


# ------------------------------------------------------------------ tone class volumes
TSVOL_CLASSES = (1, 2, 4, 8, 16, 32, 64, 128)
TSVOL_MAX = 10  # "0..max - the value of max can be read issuing the Test command": the emulator's


@_free("#TSVOL")
def tsvol(ctx: Ctx) -> Reply:
    # ATR10 pp.579-581: AT#TSVOL=<class>,<mode>[,<volume>], <class> a sum of the classes 1-128
    # (255 all), <mode> 0 default volume / 1 <volume>, "mandatory if <mode> is 1". Read: one
    # line per class with <volume> only when <mode> is not 0. Profile extended section, not
    # per instance (§3.3 p.27): RAM here.
    cat = _cat(ctx)
    vols: dict[str, list[int]] = cat.ram.setdefault("#TSVOL", {})  # type: ignore[assignment]
    if ctx.kind == "test":
        return ok("#TSVOL: (1-255),(0,1),(0-%d)" % TSVOL_MAX)
    if ctx.kind == "read":
        lines = []
        for c in TSVOL_CLASSES:
            mode, vol = vols.get(str(c), [0, 0])
            lines.append("#TSVOL: %d,%d" % (c, mode) + (",%d" % vol if mode else ""))
        return ok(*lines)
    if ctx.kind != "set":
        return error()
    _max_args(ctx, 3)
    cls = _int(ctx, 0, range(1, 256))
    mode = _int(ctx, 1, (0, 1))
    vol = _int(ctx, 2, range(TSVOL_MAX + 1), None if mode else 0)
    for c in TSVOL_CLASSES:
        if cls & c:
            vols[str(c)] = [mode, vol if mode else 0]
    return ok()


# ------------------------------------------------------------------ codec information
CODEC_NAMES = {1: "FR", 2: "EFR", 4: "HR", 8: "FAMR", 16: "HAMR"}


CODECINFO_KEY = "cat#CODECINFO"
CODEC_POLL_MS = 100  # how soon a <mode> 1/2 URC follows the change of codec


def codec_now(m: "Module") -> tuple[int, int]:
    """(<codec_used>, <codec_set>): #CODEC 0 is reported as 31 (ATR10 p.366); the codec used is
    0 (no TCH) without an active voice call, in one EFR when #CODEC allows it, else FR ("the
    full rate mode is added by default to any setting", #CODEC p.335): the emulator's choice,
    made when the call is answered and kept until it ends."""
    codec = int(m.catalog.value(ENTRIES["#CODEC"], None)[0]) or 31  # type: ignore[attr-defined]
    call = getattr(getattr(m, "voice", None), "current", None)
    used = 0
    if call is not None and call.state == "active":
        if not hasattr(call, "codec_used"):  # chosen once, when the call is set up
            call.codec_used = 2 if codec & 2 else 1
        used = call.codec_used
    return used, codec


def codec_line(fmt: int, used: int, codec: int | None) -> str:
    """"#CODECINFO: <codec_used>[,<codec_set>]" numeric (<format> 0) or by name (1)."""
    if fmt == 0:
        return "#CODECINFO: %d" % used + ("" if codec is None else ",%d" % codec)
    text = CODEC_NAMES.get(used, "None")
    if codec is not None:
        text += "," + ",".join(CODEC_NAMES[b] for b in sorted(CODEC_NAMES) if codec & b)
    return "#CODECINFO: " + text


@_free("#CODECINFO")
def codecinfo(ctx: Ctx) -> Reply:
    # ATR10 pp.364-366: AT#CODECINFO[=<format>[,<mode>]] both a set and an execution command;
    # execution: "#CODECINFO: <codec_used>,<codec_set>" (numeric) or the names (textual);
    # <mode> 1 the same line as a URC "only if the codec changes", 2 the short one
    # ("#CODECINFO: <codec_used>"); read "#CODECINFO: <format>,<mode>". Not in the lists of
    # §3.3: kept per instance, like the other URC switches.
    fmt, mode = ctx.inst.settings.get(CODECINFO_KEY, [0, 0])  # type: ignore[misc]
    if ctx.kind == "test":
        return ok("#CODECINFO: (0,1),(0-2)")
    if ctx.kind == "read":
        return ok("#CODECINFO: %d,%d" % (fmt, mode))
    if ctx.kind == "set":
        _max_args(ctx, 2)
        fmt = _int(ctx, 0, (0, 1), 0)
        mode = _int(ctx, 1, (0, 1, 2), 0)
        ctx.inst.settings[CODECINFO_KEY] = [fmt, mode]  # type: ignore[assignment]
        if mode:
            _io(ctx).watch_codec(ctx.inst)
        return ok()
    used, codec = codec_now(ctx.module)
    return ok(codec_line(fmt, used, codec))


# ------------------------------------------------------------------ extended automatic call
ACALEXT_ME = range(0, 10)  # &Z p.45: "10 telephone numbers" in the module's own phonebook
ACALEXT_SM = range(1, 251)  # the SIM phonebook of the emulator (+CPBR, catalog_sim.py): 250


@_free("#ACALEXT")
def acalext(ctx: Ctx) -> Reply:
    # ATR10 p.328: AT#ACALEXT=<mode>,<index>, <mode> 0 off, 1 "ME" phonebook, 2 "SM"; read
    # "#ACALEXT: <mode>,<index>"; the test form gives <mode>'s range, then <index>'s for "ME"
    # and for "SM". "Issuing #ACALEXT causes the #ACAL <mode> to be changed": the two share
    # the mode (per instance, §3.3 p.26); "Issuing AT#ACAL=1 causes the #ACALEXT <index> to be
    # set to default" (0 here): the index is kept with the very #ACAL value it was set with,
    # and any later #ACAL set form (a new value) makes it the default again. The call on a DTR
    # rise: automatic_call below.
    acal = ENTRIES["#ACAL"]
    cat = _cat(ctx)
    if ctx.kind == "test":
        return ok("#ACALEXT: (0-2),(%d-%d),(%d-%d)" % (
            ACALEXT_ME[0], ACALEXT_ME[-1], ACALEXT_SM[0], ACALEXT_SM[-1]))
    if ctx.kind == "read":
        mode = cat.value(acal, ctx.inst)[0]
        index, with_acal = ctx.inst.settings.get("cat#ACALEXT", (0, None))  # type: ignore[misc]
        if with_acal is not ctx.inst.settings.get("cat#ACAL"):
            index = 0
        return ok("#ACALEXT: %d,%d" % (mode, index))
    if ctx.kind != "set":
        return error()
    _max_args(ctx, 2)
    mode = _int(ctx, 0, range(0, 3))
    index = _int(ctx, 1, {1: ACALEXT_ME, 2: ACALEXT_SM}.get(mode, range(0, 251)))
    cat.store(acal, ctx.inst, [mode])
    ctx.inst.settings["cat#ACALEXT"] = (index, ctx.inst.settings["cat#ACAL"])  # type: ignore[assignment]
    return ok()


ACAL_BOOKS = {1: "ME", 2: "SM"}  # the emulator has no "ME" phonebook (+CPBS): no call from it


def automatic_call(inst: "AtInstance") -> None:
    """ATR10 pp.327-328: with the automatic call enabled (#ACAL/#ACALEXT) "and &D2 has been
    issued, the transition OFF/ON of DTR causes an automatic call to the number stored in
    position <index> in the selected phonebook"; "type of call depends on the last issue of
    command +FCLASS" (8 voice, else data). The call is the instance's own ATD<number>, with
    its result codes; an empty position calls nobody."""
    if inst.mode != "cmd" or inst.settings["&D"] != 2:
        return
    mode = inst.settings.get("cat#ACAL", [0])[0]  # type: ignore[index]
    index, with_acal = inst.settings.get("cat#ACALEXT", (0, None))  # type: ignore[misc]
    if with_acal is not inst.settings.get("cat#ACAL"):
        index = 0
    book = inst.module.nvm.get("phonebook", {}).get(ACAL_BOOKS.get(mode, ""), {})
    entry = book.get(str(index))
    if entry:
        line = ("ATD%s" % entry[0]).encode()
        inst.module.kernel.call_later(0, lambda: None if inst.dead or inst.mode != "cmd" else inst._line(line, False))


if automatic_call not in DTR_RISE_HOOKS:
    DTR_RISE_HOOKS.append(automatic_call)


# ------------------------------------------------------------------ antenna detection
GSMAD_DEFAULT = [0, 120, 12, 13]  # <mod>, <interval> 120 (p.350); <detGPIO>/<repGPIO>: not given
GPIO_RANGE = range(1, 14)  # GC864: GPIO1-13 (module.gpio)


@_free("#GSMAD")
def gsmad(ctx: Ctx) -> Reply:
    # ATR10 pp.349-351: AT#GSMAD=<mod>[,<urcmode>[,<interval>[,<detGPIO>[,<repGPIO>]]]];
    # <mod> 0 off, 1 periodic every <interval> s (1-3600), 2 one run now (URC on a change),
    # 3 one run now answering "#GSMAD: <presence>"; <urcmode>, <interval>, the GPIOs "can be set
    # only if <mod> is 1". Saved in NVM except <urcmode> (per instance). The antenna is
    # ``module.audio_io.antenna`` (0 connected, 1/2 short circuit, 3 open).
    io = _io(ctx)
    if ctx.kind == "test":
        return ok("#GSMAD: (0-3),(0,1),(1-3600),(1-13),(1-13)")
    mod, interval, det, rep = io.gsmad()
    urc = ctx.inst.settings.get("cat#GSMAD-urc", 0)
    if ctx.kind == "read":
        return ok("#GSMAD: %d,%d,%d,%d,%d" % (mod, urc, interval, det, rep))
    if ctx.kind != "set":
        return error()
    _max_args(ctx, 5)
    new_mod = _int(ctx, 0, range(0, 4))
    if new_mod != 1 and len(ctx.args) > 1:
        raise ArgError(ctx.name)
    if new_mod == 3:
        return ok("#GSMAD: %d" % io.detect())
    if new_mod == 2:
        io.detect(inst=ctx.inst)  # "if the algorithm detects a change ... URC"
        return ok()
    if new_mod == 1:
        urc = _int(ctx, 1, (0, 1), urc)
        interval = _int(ctx, 2, range(1, 3601), interval)
        det = _int(ctx, 3, GPIO_RANGE, det)
        rep = _int(ctx, 4, GPIO_RANGE, rep)
        if det == rep:
            raise ArgError(ctx.name)
        ctx.inst.settings["cat#GSMAD-urc"] = urc
    _cat(ctx).nvm()["#GSMAD"] = [new_mod, interval, det, rep]
    io.arm_gsmad()
    return ok()


# ------------------------------------------------------------------ PCM play and receive
class PcmLink:
    """The online link of #SPCM: bytes from the DTE are played (``pcm_played``); with mode 2
    the samples of ``pcm_source`` go to the DTE at 8000 bytes a second (8 bit, 8 kHz, mono)."""

    kind = "pcm"
    escape_result = "NO CARRIER"  # ATR10 p.597 example: "+++" then "NO CARRIER"

    def __init__(self, io: AudioIo, mode: int) -> None:
        self.io = io
        self.mode = mode
        self.inst: Any = None
        self.pending = bytes(io.pcm_source) if mode == 2 else b""
        self.timer: Any = None

    def attach(self, inst: "AtInstance") -> None:
        self.inst = inst
        self._tick()

    def _tick(self) -> None:
        self.timer = None
        if self.inst is None or not self.pending:
            return
        n = self.inst.deliver(self.pending[:800])  # 100 ms of samples
        self.pending = self.pending[n:]
        self.timer = self.io.m.kernel.call_later(100, self._tick)

    def write(self, data: bytes) -> int:
        if self.mode == 1:
            self.io.pcm_played.extend(data)
        return len(data)  # mode 2: what the DTE sends is not played

    def _stop(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.pending = b""

    def escaped(self, inst: "AtInstance") -> None:
        self._stop()
        inst.escaped_link = None  # the stream is over: nothing to resume with ATO

    def hangup_local(self) -> None:
        self._stop()
        if self.inst is not None:
            self.inst.link_closed(self)

    def room_available(self) -> None:
        pass


@_free("#SPCM")
def spcm(ctx: Ctx) -> Any:
    # ATR10 pp.596-597: AT#SPCM=<mode>[,<dir>], <mode> 1 play the PCM stream from the serial
    # port, 2 send speech to it; <dir> 0 analog front end, 1 audio channel, 2 both. "switches
    # module in online mode ... back to command mode either after entering the escape sequence
    # +++ or as a consequence of a DTR transition". Test: "#SPCM: <mode>,<dir>" ranges.
    if ctx.kind == "test":
        return ok("#SPCM: (1,2),(0-2)")
    if ctx.kind != "set":
        return error()
    _max_args(ctx, 2)
    mode = _int(ctx, 0, (1, 2))
    _int(ctx, 1, range(0, 3), 0)
    return Online(PcmLink(_io(ctx), mode))


# ------------------------------------------------------------------ remote SIM (SAP)
@_free("#RSEN")
def rsen(ctx: Ctx) -> Reply:
    # ATR10 pp.565-567: AT#RSEN=<mode>[,<sapformat>[,<role>[,<muxch>[,<beacon>[,<scriptmode>]]]]];
    # <sapformat> 1, <role> 0 (client), <muxch> 1-3 "mandatory if <mode>=1" (1-2, the MDM
    # interfaces, with <scriptmode> 1), <beacon> 0-100. "returns ERROR if requested on a non
    # multiplexed interface" except a script's with <scriptmode> 1: the emulated serial port is
    # never multiplexed. The emulated module has no SAP server to reach: <conn> stays 0 and
    # the SIM is not given up (the de-registration of an enabled client is not modelled).
    if ctx.kind == "test":
        return ok("#RSEN: (0,1),(1),(0),(1-3),(0-100),(0,1)")
    if ctx.kind == "read":
        return ok("#RSEN: 0")
    if ctx.kind != "set":
        return error()
    _max_args(ctx, 6)
    mode = _int(ctx, 0, (0, 1))
    _int(ctx, 1, (1,), 1)
    _int(ctx, 2, (0,), 0)
    script = _int(ctx, 5, (0, 1), 0)
    _int(ctx, 4, range(0, 101), 0)
    if mode == 1:
        _int(ctx, 3, (1, 2) if script else range(1, 4))
        if not (script and ctx.inst.name in ("MDM", "MDM2")):
            return error()  # not a multiplexed interface
    else:
        _int(ctx, 3, range(1, 4), 1)
    return ok()


# ------------------------------------------------------------------ I2C over GPIO
def _i2c_params(ctx: Ctx) -> tuple[bytearray | None, int, int]:
    """<sdaPin>,<sclPin>,<deviceId>,<registerId>,<len> (ATR10 pp.359-361): the device (None
    when nothing acknowledges its address), the register and the length."""
    if len(ctx.args) != 5:
        raise ArgError(ctx.name)
    pins = ctx.module.gpio
    sda = _int(ctx, 0, pins)
    scl = _int(ctx, 1, pins)
    if sda == scl:
        raise ArgError(ctx.name)
    device_id = _hex(ctx, 2, 0x3FF)
    register = _hex(ctx, 3, 0xFF)
    length = _int(ctx, 4, range(1, 255))
    # "address of the I2C device, with the LSB, used for read\write command. It doesn't matter
    # if the LSB is set to 0 or to 1. 10 bit addressing supported."
    address = device_id if device_id > 0xFF else device_id >> 1
    bus: I2cBus = ctx.module.i2c  # type: ignore[attr-defined]
    device = bus.devices.get(address) if (sda, scl) == (bus.sda, bus.scl) else None
    return device, register, length


def _nack() -> CmeError:
    # "If data sending fails for some reason, an error code is reported" (p.360), its number
    # not given: ERROR, +CME ERROR: 100 (unknown) under +CMEE.
    return CmeError(100)


@_free("#I2CWR")
def i2cwr(ctx: Ctx) -> Any:
    # ATR10 pp.359-360: AT#I2CWR=<sdaPin>,<sclPin>,<deviceId>,<registerId>,<len>, then the
    # prompt "> " and <len> bytes in hexadecimal, Ctrl-Z sends, ESC leaves without writing.
    # "At the end of the execution GPIO will be restored to the original setting": the pins'
    # #GPIO state is not touched.
    if ctx.kind == "test":
        return ok(I2C_TEST % ctx.name)
    if ctx.kind != "set":
        return error()
    device, register, length = _i2c_params(ctx)

    def on_input(data: bytes) -> Any:
        text = bytes(c for c in data if c not in b"\r\n ").decode("latin-1")
        if len(text) != 2 * length or not re.match(r"^[0-9A-Fa-f]*$", text):
            return CmeError(4)  # not <len> bytes in hexadecimal: ERROR like a bad parameter
        if device is None:
            return _nack()
        for i, b in enumerate(bytes.fromhex(text)):
            device[(register + i) % len(device)] = b  # the register address wraps, as a 24C02's
        return ok()

    return Prompt(b"\r\n> ", on_input)


@_free("#I2CRD")
def i2crd(ctx: Ctx) -> Any:
    # ATR10 pp.360-361: AT#I2CRD=<sdaPin>,<sclPin>,<deviceId>,<registerId>,<len> ->
    # "#I2CRD: <hex>"; "If data requested are more than data available in the device, dummy
    # data (normally 0x00 or 0xff) will be dumped": 0xFF here.
    if ctx.kind == "test":
        return ok(I2C_TEST % ctx.name)
    if ctx.kind != "set":
        return error()
    device, register, length = _i2c_params(ctx)
    if device is None:
        return _nack()
    data = bytes(device[a] if a < len(device) else 0xFF for a in range(register, register + length))
    return ok("#I2CRD: " + data.hex().upper())


# The test form "reports the supported list" (pp.360-361, no format given): the pins of the
# GC864 (GPIO1-13), the hexadecimal address ranges and <len>.
I2C_TEST = "%s: (1-13),(1-13),(0-3FF),(0-FF),(1-254)"


# ------------------------------------------------------------------ fax class 1
@_free("+FMI", "+FMM", "+FMR")
def fax_identity(ctx: Ctx) -> Reply:
    # ATR10 p.275: "+FMI?" reports the manufacturer ("Telit" under SELINT 1/2, no prefix in the
    # example), +FMM? the model, +FMR? the software revision: the same as +GMI/+GMM/+GMR. Only
    # the read form is documented: the test form answers OK, others ERROR.
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "read":
        return error()
    r = ctx.module.radio
    return ok({"+FMI": r.manufacturer, "+FMM": r.model, "+FMR": r.firmware}[ctx.name])


# +FLO p.280: 0 none, 1 XON/XOFF, 2 RTS/CTS (factory), "a shortcut of the +IFC command ...
# functionally a subset of &K's": kept as the instance's &K (0, 4 software bidirectional, 3
# hardware bidirectional); an &K value +FLO cannot express reads "+FLO: 0".
FLO_TO_K = {0: 0, 1: 4, 2: 3}
K_TO_FLO = {k: f for f, k in FLO_TO_K.items()}
# +FPR p.280: 0 autobauding only ("no effect"); +FDD p.281: 0 "the only available value".
FAX_STORED = {"+FPR": (0,), "+FDD": (0,)}


@_free("+FLO", *FAX_STORED)
def fax_port(ctx: Ctx) -> Reply:
    # Test forms "without command echo" (pp.280-281): the bracketed list alone.
    name = ctx.name
    allowed = tuple(FLO_TO_K) if name == "+FLO" else FAX_STORED[name]
    if ctx.kind == "test":
        return ok("(%s)" % ("%d-%d" % (allowed[0], allowed[-1]) if len(allowed) > 1 else allowed[0]))
    if ctx.kind == "read":
        if name == "+FLO":
            return ok("+FLO: %d" % K_TO_FLO.get(ctx.inst.settings["&K"], 0))
        return ok("%s: %d" % (name, ctx.inst.settings.get("cat" + name, 0)))
    if ctx.kind != "set":
        return error()
    _max_args(ctx, 1)
    value = _int(ctx, 0, allowed)
    if name == "+FLO":
        ctx.inst.settings["&K"] = FLO_TO_K[value]
    else:
        ctx.inst.settings["cat" + name] = value
    return ok()


# The action commands (pp.276-279) and their parameter: +FTS/+FRS <time> 0-255 (10 ms), +FTM/
# +FRM <mod> 24, 48, 72, 96 (V.27ter/V.29), +FTH/+FRH <mod> 3 (V.21 300 bps).
FAX_ACTIONS: dict[str, tuple[int, ...]] = {
    "+FTS": tuple(range(256)), "+FRS": tuple(range(256)),
    "+FTM": (24, 48, 72, 96), "+FRM": (24, 48, 72, 96), "+FTH": (3,), "+FRH": (3,),
}


@_free(*FAX_ACTIONS)
def fax_action(ctx: Ctx) -> Reply | CmeError:
    # Test forms "without command echo": "(0-255)", "(24,48,72,96)", "(3)". ATR10 is silent on
    # these commands outside a fax call; T.31 (ATR10's reference) runs them on a fax connection
    # in service class 1, and the emulated network has none (a data ATD gets NO CARRIER): a
    # well-formed one answers ERROR (+CME ERROR: 3 "operation not allowed" under +CMEE), as it
    # does under +FCLASS=0 or 8; a malformed one ERROR / +CME ERROR: 4 like every row.
    allowed = FAX_ACTIONS[ctx.name]
    if ctx.kind == "test":
        text = "0-255" if len(allowed) == 256 else ",".join(str(v) for v in allowed)
        return ok("(%s)" % text)
    if ctx.kind != "set":
        return error()
    _max_args(ctx, 1)
    _int(ctx, 0, allowed)
    return CmeError(3)
