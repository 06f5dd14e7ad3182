"""Outgoing voice calls (ATR10 ``D`` pp.62-66, ``#DIALMODE`` p.326, ``H``): what a script that
calls somebody to raise an alarm observes. The called party is simulated:

    v = m.voice                      # tools/emulator/catalog_voice.py
    v.behaviour = "answer"           # answer (default) | busy | no answer
    v.calls[-1].number, .state       # dialing | alerting | active | ended
    v.calls[-1].hangup()             # the called party hangs up

* ``ATD<number>;`` (digits, ``*#ABCD+``; the landline modifiers ``T P R , W ! @`` are accepted
  and ignored) and ``ATD>"<name>";`` / ``ATD><mem><n>;`` / ``ATD><n>;`` from the phonebook
  (+CPBW). Not registered: ``NO CARRIER``; a call already up: ``ERROR``.
* ``#DIALMODE`` 0 (factory): OK when the far end starts ringing; 1: OK when it answers
  (``BUSY`` / ``NO ANSWER`` otherwise); 2: OK at once, then ``DIALING``, ``RINGING``,
  ``CONNECTED``, and ``RELEASED`` after ATH or ``DISCONNECTED`` when the far end hangs up.
  In modes 0 and 1 the far end's hang-up gives ``NO CARRIER``.
* ``ATH`` (and ``+CHUP``) end the voice call; ``+CLCC`` lists it (dir 0, stat 2 dialing,
  3 alerting, 0 active, mode 0) and ``+CPAS`` answers 4 while it is up.
* ``ATD<number>`` without ``;`` asks for a data call: the emulated network has no data callee,
  ``NO CARRIER`` after the setup time. DTMF (+VTS) and +CHLD: catalog_more.py (no hold).
Times: the far end rings ``alert_ms`` (2 s) after ATD and answers ``answer_ms`` (6 s) after it;
no answer ends the attempt after ``no_answer_ms`` (60 s). Their real values are the network's.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .at import COMMANDS, PENDING, Ctx, Reply, error, ok
from .commands_catalog import ENTRIES, _cat, _free
from .module import EXTENSION_FACTORIES

if TYPE_CHECKING:  # pragma: no cover
    from .at import AtInstance
    from .module import Module

DIAL_CHARS = set("0123456789*#ABCD+")
IGNORED = set("TPRW,!@")


class VoiceCall:
    def __init__(self, voice: "Voice", number: str, owner: "AtInstance", mode: int) -> None:
        self.voice = voice
        self.number = number
        self.owner = owner
        self.mode = mode  # #DIALMODE in force when it was dialled
        self.state = "dialing"
        self.end_reason = ""
        self.timers: list[Any] = []

    def hangup(self) -> None:
        """The called party hangs up."""
        with self.voice.m.kernel.lock:
            if self.state != "ended":
                self.voice.end(self, "remote")


class Voice:
    def __init__(self, module: "Module") -> None:
        self.m = module
        self.behaviour = "answer"
        self.alert_ms = 2000
        self.answer_ms = 6000
        self.no_answer_ms = 60_000
        self.calls: list[VoiceCall] = []
        self.current: VoiceCall | None = None
        module.voice = self  # type: ignore[attr-defined]
        module.extensions.append(self)

    def on_boot(self) -> None:
        if self.current is not None:
            self.end(self.current, "reboot", quiet=True)

    def links(self) -> list[Any]:
        return []

    def close(self) -> None:
        pass

    def later(self, call: VoiceCall, ms: int, fn: Any) -> None:
        call.timers.append(self.m.kernel.call_later(ms, lambda: None if call.state == "ended" else fn()))

    def end(self, call: VoiceCall, reason: str, quiet: bool = False) -> None:
        for t in call.timers:
            t.cancel()
        call.timers = []
        call.state = "ended"
        call.end_reason = reason
        if self.current is call:
            self.current = None
        inst = call.owner
        if quiet or inst.dead:
            return
        if reason == "remote":
            inst.urc("DISCONNECTED" if call.mode == 2 else "NO CARRIER")
        elif reason == "local" and call.mode == 2:
            inst.urc("RELEASED")
        self.m.external_event()


def attach(module: "Module") -> Voice:
    existing = getattr(module, "voice", None)
    return existing if existing is not None else Voice(module)


if attach not in EXTENSION_FACTORIES:
    EXTENSION_FACTORIES.append(attach)


def _dialmode(ctx: Ctx) -> int:
    return int(_cat(ctx).value(ENTRIES["#DIALMODE"], ctx.inst)[0])


def _from_phonebook(ctx: Ctx, ref: str) -> str | None:
    """ATD>"<name>" / ATD><mem><n> / ATD><n> (ATR10 p.64): the number, or None."""
    books = ctx.module.nvm.get("phonebook", {})
    if ref.startswith('"') and ref.endswith('"') and len(ref) >= 2:
        name = ref[1:-1]
        for book in books.values():
            for entry in book.values():
                if entry[2] == name:  # "case sensitive"
                    return str(entry[0])
        return None
    mem = ref[:2].upper() if ref[:2].isalpha() else ctx.inst.settings.get("+CPBS", "SM")
    index = ref[2:] if ref[:2].isalpha() else ref
    if not index.isdigit():
        return None
    entry = books.get(mem, {}).get(str(int(index)))
    return str(entry[0]) if entry else None


@_free("D")
def dial(ctx: Ctx) -> Any:
    m = ctx.module
    voice: Voice = m.voice  # type: ignore[attr-defined]
    raw = ctx.raw
    is_voice = raw.endswith(";") or ctx.inst.settings.get("cat+FCLASS", [0])[0] == 8
    text = raw[:-1] if raw.endswith(";") else raw
    if text.startswith(">"):
        number = _from_phonebook(ctx, text[1:])
        if number is None:
            return error()
    else:
        number = "".join(c for c in text.upper() if c not in IGNORED)
        if not number or not set(number) <= DIAL_CHARS or "+" in number[1:]:
            return error()
    if voice.current is not None:
        return error()
    if not is_voice:
        # A data call: the emulated network has no data callee.
        return Reply([], "NO CARRIER", voice.alert_ms)
    if m.radio.reg not in (1, 5):
        return Reply([], "NO CARRIER", 500)
    mode = _dialmode(ctx)
    call = VoiceCall(voice, number, ctx.inst, mode)
    voice.calls.append(call)
    voice.current = call
    inst = ctx.inst

    def alerting() -> None:
        if voice.behaviour == "busy":
            voice.end(call, "busy", quiet=True)
            if mode == 2:
                inst.urc("DISCONNECTED")
            else:
                ctx.done(Reply([], "BUSY", 0))
            return
        call.state = "alerting"
        if mode == 0:
            ctx.done(Reply([], "OK", 0))
        elif mode == 2:
            inst.urc("RINGING")
        if voice.behaviour == "answer":
            voice.later(call, max(0, voice.answer_ms - voice.alert_ms), answered)
        else:
            voice.later(call, voice.no_answer_ms, no_answer)

    def answered() -> None:
        call.state = "active"
        if mode == 1:
            ctx.done(Reply([], "OK", 0))
        elif mode == 2:
            inst.urc("CONNECTED")
        m.external_event()

    def no_answer() -> None:
        voice.end(call, "no answer", quiet=True)
        if mode == 1:
            ctx.done(Reply([], "NO ANSWER", 0))
        else:
            inst.urc("DISCONNECTED" if mode == 2 else "NO CARRIER")

    voice.later(call, voice.alert_ms, alerting)
    if mode == 2:
        inst.urc("DIALING")
        return ok()
    return PENDING


def _wrap_hangup(name: str) -> None:
    """ATH / +CHUP end the voice call; without one the original handler (CSD, csd.py) runs."""
    inner = COMMANDS.get(name)

    def handler(ctx: Ctx) -> Any:
        voice: Voice = ctx.module.voice  # type: ignore[attr-defined]
        call = voice.current
        if call is not None and ctx.kind == "exec":
            voice.end(call, "local")
            return ok()
        return inner(ctx) if inner is not None else ok()

    COMMANDS[name] = handler


_wrap_hangup("H")
_wrap_hangup("+CHUP")
