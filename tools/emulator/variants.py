"""Named variants: the emulator's answers where the manuals leave the module's behaviour open.

Each ``Variant`` is one open question (REFERENCE §12 of ../shared/telit/REFERENCE.md, and the
"choices where the sources are silent" of docs/emulator.md and docs/emulator-sms-csd.md) with
every plausible answer as a value and the most likely one as the default. The table with the
sources and the tests that run the gateway under each value is docs/emulator-fidelity.md.

From Python::

    from tools.emulator import Module, variants
    m = Module(flash_dir)
    variants.apply(m, {"ssend_prompt": "bare", "sim_ready_s": "20"})
    variants.apply(m, variants.load_profile("probe.txt"))   # a report written by probe.py
    variants.current(m)                                      # name -> value in force

From the CLI: ``--variant NAME=VALUE`` (repeatable) and ``--profile FILE`` (docs/probe.md).

A profile is probe.py's report: ``key=value`` lines, ``#`` comments. Keys that name a variant
set it; ``firmware`` sets the ``AT+CGMR`` answer; the probe's other keys are facts for the
reader (listed in ``FACTS``); a value of ``?`` means the probe could not tell and keeps the
default. Anything else is an error that names the line: nothing is applied then.

Behaviour switched here is read where it happens (telit.py, at.py, net/commands.py,
net/sockets.py) through ``choice(module, name)``; variants that are plain settings of a
subsystem (``net.listen_sring``, ``csd.connect_delay_ms``, ``net.sgact_quote_ip``) are read and
written there, so ``current(Module(...))`` always shows what the emulator really does.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:  # pragma: no cover
    from .module import Module


@dataclass(frozen=True)
class Variant:
    name: str
    question: str
    values: tuple[str, ...]  # every plausible answer (for a number: the values the suite runs)
    default: str
    source: str
    meaning: dict[str, str]
    numeric: tuple[int, int] | None = None  # a number (s, or ms for *_ms) in this range (any value)
    get: Callable[["Module"], str] | None = None
    put: Callable[["Module", str], None] | None = None

    def check(self, value: str) -> str:
        """The value in canonical form, or ValueError naming what is accepted."""
        v = str(value).strip()
        if self.numeric is not None:
            lo, hi = self.numeric
            if v.isascii() and v.isdigit() and lo <= int(v) <= hi:
                return str(int(v))
            unit = "milliseconds" if self.name.endswith("_ms") else "seconds"
            raise ValueError("variant %s: %r is not a number of %s %d-%d" % (self.name, value, unit, lo, hi))
        if v not in self.values:
            raise ValueError("variant %s: %r is not one of %s" % (self.name, value, ", ".join(self.values)))
        return v


def _attr(path: str, to_text: Callable[[Any], str], from_text: Callable[[str], Any]) -> tuple[
        Callable[["Module"], str], Callable[["Module", str], None]]:
    """get/put of a subsystem attribute such as ``net.listen_sring``."""
    owner, attr = path.split(".")

    def get(m: "Module") -> str:
        return to_text(getattr(getattr(m, owner), attr))

    def put(m: "Module", value: str) -> None:
        setattr(getattr(m, owner), attr, from_text(value))

    return get, put


SRING_FORMS = {"SRING": "SRING: %d", "+SRING": "+SRING : %d"}

_sring = _attr("net.listen_sring", lambda f: {v: k for k, v in SRING_FORMS.items()}.get(f, f),
               lambda v: SRING_FORMS[v])
_csd = _attr("csd.connect_delay_ms", lambda ms: str(int(ms) // 1000), lambda v: int(v) * 1000)
_sim = _attr("radio.sim_ready_ms", lambda ms: str(int(ms) // 1000), lambda v: int(v) * 1000)
_sgact_time = _attr("net.activation_ms", lambda ms: str(int(ms)), int)
_sgact = _attr("net.sgact_quote_ip", lambda q: "quoted" if q else "bare", lambda v: v == "quoted")

RING_TO = {"both": (1, 2), "mdm": (1,), "mdm2": (2,)}


def _frwl_get(m: "Module") -> str:
    return "quoted" if m.net.firewall.quote else "bare"


def _frwl_put(m: "Module", v: str) -> None:
    m.net.firewall.quote = v == "quoted"


def _ring_get(m: "Module") -> str:
    return {t: n for n, t in RING_TO.items()}.get(tuple(m.csd.ring_to), str(m.csd.ring_to))


def _ring_put(m: "Module", v: str) -> None:
    m.csd.ring_to = RING_TO[v]


VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant("mdm_send", "MDM.send when only part of the string fits before the timeout",
            ("whole", "prefix"), "whole",
            "ES13 §3.2.1 (only 1 or -1; the partial case is not described)",
            {"whole": "-1 means nothing was taken", "prefix": "the part that fitted is taken, -1 all the same"}),
    Variant("ser_send", "SER.send when the string does not fit in the 4096-byte TX buffer",
            ("whole", "prefix"), "whole",
            "ES13 §3.4.1 (-1 'if an error occurred', no timeout)",
            {"whole": "-1, nothing queued", "prefix": "what fits is queued, -1 all the same"}),
    Variant("si_sent", "what #SI's <sent> counts",
            ("network", "accepted"), "network",
            "ATR10 #SI p.414: 'total amount (in bytes) of sent data since the last time the socket "
            "connection ... has been opened'; <ack_waiting> is 'sent and not yet acknowledged', so "
            "sent reads as gone to the network (the default)",
            {"network": "bytes that went out on the radio", "accepted": "every byte MDM.send or #SSEND "
             "handed to the socket, those still in MDM's buffer and the socket's queue included"}),
    Variant("ssend_prompt", "the #SSEND / #SSENDEXT prompt's framing",
            ("crlf", "bare"), "bare",
            "ATR10 #SSEND p.428 prints '>' alone (the default); field logs and +CMGS (SWUG6 §3.8) show CR LF '> '",
            {"crlf": "\\r\\n> ", "bare": "> "}),
    Variant("read_after_close", "data buffered in command mode when the peer closes",
            ("keep", "drop"), "drop",
            "ATR10 #SD p.422: closure type 0 'local host closes immediately when remote host has closed'",
            {"keep": "#SRECV reads it, then the socket closes", "drop": "closed at once, the data lost"}),
    Variant("ssend_accepted", "#SSEND / #SSENDEXT on a socket accepted with #SA",
            ("works", "error"), "works",
            "ATR10 #SA p.425: <connMode> 'as for command #SD'; #SSEND p.428 and #SSENDEXT p.429: "
            "'it's possible to use #SSEND only if the connection was opened by #SD, else the ME is "
            "raising an error' (read as against the legacy #SKTD socket: the default)",
            {"works": "as on a socket opened by #SD", "error": "ERROR instead of the prompt"}),
    Variant("cmd_close_urc", "a URC when a socket open in command mode is closed by the peer or the network",
            ("none", "no_carrier"), "none",
            "ATR10 #SD p.422-423 and IPG10 §3.2 describe no URC for it (NO CARRIER only ends online "
            "mode, ATR10 §3.2.3); #SS shows state 0 (REFERENCE §6.9)",
            {"none": "nothing: #SS, #SRECV and #SSENDEXT tell", "no_carrier": "\\r\\nNO CARRIER\\r\\n "
             "on the instance that opened it"}),
    Variant("scfg_listening", "#SCFG on a connId that is listening",
            ("accept", "refuse"), "accept",
            "IPG10 §3.2.1.2: ERROR only 'if the connection Id is working online'",
            {"accept": "OK, used by the next connection", "refuse": "ERROR"}),
    Variant("sring", "the listener's incoming-connection URC",
            ("SRING", "+SRING"), "+SRING",
            "ATR10 #SL p.424 writes '+SRING : <connId>' (the default), ATR10 #SA and IPG10 §5 'SRING: <connId>' (REFERENCE §12.10)",
            {"SRING": "SRING: <id>", "+SRING": "+SRING : <id>"}, None, *_sring),
    Variant("seccounter_str", "str() of MOD.secCounter()",
            ("int", "long"), "int",
            "ES13 §3.7.1: 'a Python long integer' (REFERENCE §12.2); the real 1.5.2+ of "
            "../shared/cpython152 gives str(123L) '123' and only repr() '123L'",
            {"int": "'850000000'", "long": "'850000000L' ('%d' is the same)"}),
    Variant("line_count", "what the 80-character command-line limit counts",
            ("with_at", "after_at", "with_cr"), "with_at",
            "ATR10 §3.2.2: 'a maximum of 80 characters' (REFERENCE §5.5, §12.5)",
            {"with_at": "AT + 78 runs, AT + 79 ERROR", "after_at": "AT + 80 runs, AT + 81 ERROR",
             "with_cr": "AT + 77 + CR runs, AT + 78 ERROR"}),
    Variant("sim_ready_s", "seconds from power-on until the SIM is ready (#QSS: x,3)",
            ("0", "5", "30"), "5",
            "ATR10 #QSS p.324; SIM access time is the SIM's and network's (n/d)",
            {"0": "ready at once", "5": "+CMS ERROR: 314 (SIM busy) for 5 s", "30": "for 30 s"},
            (0, 120), *_sim),
    Variant("csd_handshake_s", "seconds from ATA to CONNECT on a CSD call",
            ("5", "30", "50"), "30",
            "SWUG6 §2.6.2 'takes about 30 seconds'; bounded by S7, 60 s (ATR10 p.76)",
            {"5": "fast modem", "30": "SWUG6's figure", "50": "near S7"}, (1, 59), *_csd),
    Variant("sgact_ip", "the address in the #SGACT answer",
            ("bare", "quoted"), "bare",
            "IPG10 §3.4 shows '#SGACT: 217.201.131.110' and quoted forms elsewhere",
            {"bare": "#SGACT: 10.20.30.40", "quoted": "#SGACT: \"10.20.30.40\""}, None, *_sgact),
    Variant("sgact_ms", "milliseconds from AT#SGACT=1,1 to its answer",
            ("2500", "30000", "140000"), "2500",
            "network-dependent (REFERENCE §12.11); ATR10 gives #SGACT a maximum response time of 150 s "
            "(REFERENCE §5.10)",
            {"2500": "a quick network", "30000": "a slow one", "140000": "near the 150 s maximum"},
            (100, 150000), *_sgact_time),
    Variant("frwl_quote", "the #FRWL? list's format",
            ("quoted", "bare"), "quoted",
            "ATR10 #FRWL shows the set form quoted, the read form is n/d (REFERENCE §12.6)",
            {"quoted": "#FRWL: \"10.1.2.3\",\"255.255.0.0\"", "bare": "#FRWL: 10.1.2.3,255.255.0.0"},
            None, _frwl_get, _frwl_put),
    Variant("ring_to", "which AT instances get RING for a data call",
            ("both", "mdm", "mdm2"), "both",
            "n/d: ATR10 gives no URC routing between MDM and MDM2 (REFERENCE §12.8)",
            {"both": "MDM and MDM2 (those not online)", "mdm": "MDM only", "mdm2": "MDM2 only"},
            None, _ring_get, _ring_put),
)}

# probe.py report keys that are facts, not variants (docs/probe.md).
FACTS = ("firmware", "model", "selint", "scfgext_test", "ssendext_test", "scfgext2_test",
         "qss", "probe", "took_s", "net", "ssend_bytes", "call", "call_answer")


def choice(m: "Module", name: str) -> str:
    """The value of a variant read where the behaviour happens."""
    return getattr(m, "variant_values", {}).get(name, VARIANTS[name].default)


def current(m: "Module") -> dict[str, str]:
    """Every variant's value in force on ``m``."""
    return {n: (v.get(m) if v.get is not None else choice(m, n)) for n, v in VARIANTS.items()}


def defaults() -> dict[str, str]:
    return {n: v.default for n, v in VARIANTS.items()}


def apply(m: "Module", settings: Mapping[str, str]) -> dict[str, str]:
    """Set variants (``firmware`` too); everything is checked first, so a bad value changes
    nothing. Returns what was set, canonical."""
    clean: dict[str, str] = {}
    for name, value in settings.items():
        if name == "firmware":
            clean[name] = str(value).strip()
            continue
        if name not in VARIANTS:
            raise ValueError("no variant %r; variants: %s" % (name, ", ".join(VARIANTS)))
        clean[name] = VARIANTS[name].check(value)
    store: dict[str, str] = m.__dict__.setdefault("variant_values", {})
    for name, value in clean.items():
        if name == "firmware":
            m.radio.firmware = value
            continue
        v = VARIANTS[name]
        if v.put is not None:
            v.put(m, value)
        else:
            store[name] = value
    return clean


def parse_assignments(items: list[str]) -> dict[str, str]:
    """``["ssend_prompt=bare", ...]`` (the CLI's --variant) -> dict, checked."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in VARIANTS:
            raise ValueError("--variant wants NAME=VALUE with NAME one of %s, not %r" % (", ".join(VARIANTS), item))
        out[name] = VARIANTS[name].check(value)
    return out


def parse_profile(text: str, where: str = "profile") -> dict[str, str]:
    """probe.py's report -> the settings it implies (variants and firmware). ``?`` values and
    facts are skipped; an unknown key or a bad value is a ValueError naming the line."""
    out: dict[str, str] = {}
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep:
            raise ValueError("%s line %d: not key=value: %r" % (where, no, raw))
        if value == "?":
            continue
        if key == "firmware":
            out[key] = value
        elif key in VARIANTS:
            try:
                out[key] = VARIANTS[key].check(value)
            except ValueError as e:
                raise ValueError("%s line %d: %s" % (where, no, e)) from None
        elif key not in FACTS:
            raise ValueError("%s line %d: unknown key %r (variants: %s; facts: %s)"
                             % (where, no, key, ", ".join(VARIANTS), ", ".join(FACTS)))
    return out


def load_profile(path: str | Path) -> dict[str, str]:
    p = Path(path)
    return parse_profile(p.read_text(encoding="latin-1"), str(p))


# ------------------------------------------------------------- hooks used by the emulator
def line_limit(m: "Module", text: str) -> bool:
    """True when the command line ``text`` (AT prefix included, terminator not) is over the
    80-character limit as the ``line_count`` variant counts (ATR10 §3.2.2)."""
    extra = {"with_at": 0, "after_at": -2, "with_cr": 1}[choice(m, "line_count")]
    return len(text) + extra > 80


class SecLong(int):
    """MOD.secCounter() under ``seccounter_str=long``: an int whose str()/repr() has 1.5.2's
    trailing L for a long; arithmetic and '%d' give plain ints."""

    def __str__(self) -> str:
        return "%dL" % int(self)

    __repr__ = __str__


def ssend_prompt(m: "Module") -> bytes:
    return b"\r\n> " if choice(m, "ssend_prompt") == "crlf" else b"> "
