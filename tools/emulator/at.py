"""The AT command interpreter: one ``AtInstance`` per parser instance (1 = MDM, 2 = MDM2, and
the serial port when no script owns it).

Sources: REFERENCE §5 (framing, settings per instance, 80-character lines, +CME ERROR), §6.6-6.8
(online mode, ``+++`` with guard times, ``#SKIPESC``, ``&C``/``&D``), §11 B and C.

The command table is data: ``COMMANDS`` maps a command name (``"+CSQ"``, ``"#SD"``, ``"E"``,
``"&C"``, ``"S"``, ``"D"``) to a handler ``handler(ctx) -> Result``. Modules of the emulator
register their commands with ``@command("+CSQ")``. A handler never writes bytes itself; it
returns what the module answers:

* ``Reply(lines, final="OK", delay=ms)``: information lines then a final result code;
* ``CmeError(code)`` / ``CmsError(code)``: formatted by the instance's ``+CMEE``;
* ``Online(link, text="CONNECT", delay=ms)``: the instance enters online (data) mode with ``link``;
* ``Prompt(prompt, on_input, count=None, ...)``: text entry (``+CMGS``) or an exact byte count
  (``#WSCRIPT``); ``on_input(data)`` returns the Result that follows;
* ``PENDING``: the handler finishes later with ``ctx.done(result)`` (for example a ``#SD`` whose
  connection completes when the peer answers).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from . import variants
from .buffers import ByteFifo

if TYPE_CHECKING:  # pragma: no cover
    from .module import Module

# ATR10 §3.2.2: "The command line buffer accepts a maximum of 80 characters. If this number is
# exceeded none of the commands will be executed and TA returns ERROR." Whether the "AT" prefix and
# the terminator count is n/d (REFERENCE §5.5, open question §12.5). The emulator's choice: the
# count includes the "AT" prefix and everything up to (not including) the S3 terminator, so
# "AT" + 78 characters is accepted and "AT" + 79 gives ERROR. Scripts should stay well below.
MAX_LINE = 80

# ATR10 §3.2.3 (REFERENCE §5.7): verbose result code -> numeric code under ATV0.
NUMERIC = {
    "OK": 0, "CONNECT": 1, "RING": 2, "NO CARRIER": 3, "ERROR": 4, "NO DIALTONE": 6,
    "BUSY": 7, "NO ANSWER": 8, "CONNECT 2400": 10, "CONNECT 4800": 11, "CONNECT 9600": 12,
    "CONNECT 14400": 15,
}

# +CME ERROR codes and verbose texts (+CMEE=2) for SELINT 2, copied from the table in ATR10
# §3.2.2.1 (REFERENCE §5.8). The GSM 04.08 cause in parentheses is part of the verbose text there.
CME_TEXT = {
    0: "phone failure", 1: "No connection to phone", 2: "phone-adaptor link reserved",
    3: "operation not allowed", 4: "operation not supported", 5: "PH-SIM PIN required",
    10: "SIM not inserted", 11: "SIM PIN required", 12: "SIM PUK required", 13: "SIM failure",
    14: "SIM busy", 15: "SIM wrong", 16: "incorrect password", 17: "SIM PIN2 required",
    18: "SIM PUK2 required", 20: "memory full", 21: "invalid index", 22: "not found",
    23: "memory failure", 24: "text string too long", 25: "invalid characters in text string",
    26: "dial string too long", 27: "invalid characters in dial string",
    30: "no network service", 31: "network time-out",
    32: "network not allowed - emergency calls only", 40: "network personalization PIN required",
    41: "network personalization PUK required", 42: "network subset personalization PIN required",
    43: "network subset personalization PUK required",
    44: "service provider personalization PIN required",
    45: "service provider personalization PUK required",
    46: "corporate personalization PIN required", 47: "corporate personalization PUK required",
    100: "unknown", 103: "Illegal MS (#3)", 106: "Illegal ME (#6)",
    107: "GPRS service not allowed (#7)", 111: "PLMN not allowed (#11)",
    112: "Location area not allowed (#12)", 113: "Roaming not allowed in this location area (#13)",
    132: "service option not supported (#32)", 133: "requested service option not subscribed (#33)",
    134: "service option temporarily out of order (#34)", 148: "unspecified GPRS error",
    149: "PDP authentication failure", 150: "invalid mobile class",
    550: "generic undocumented error", 551: "wrong state", 552: "wrong mode",
    553: "context already activated", 554: "stack already active", 555: "activation failed",
    556: "context not opened", 557: "cannot setup socket", 558: "cannot resolve DN",
    559: "time-out in opening socket", 560: "cannot open socket",
    561: "remote disconnected or time-out", 562: "connection failed", 563: "tx error",
    564: "already listening", 566: "can not resume socket", 567: "wrong APN", 568: "wrong PDP",
    569: "service not supported", 570: "QOS not accepted", 571: "NSAPI already used",
    572: "LLC or SNDCP failure", 573: "network reject", 586: "MCL personalisation PIN required",
    600: "generic undocumented error", 601: "wrong state", 602: "can not activate",
    603: "can not resolve name", 604: "can not allocate control socket",
    605: "can not connect control socket", 606: "bad or no response from server",
    607: "not connected", 608: "already connected", 609: "context down",
    610: "no photo available", 611: "can not send photo", 612: "resource used by other instance",
}

# 3GPP TS 27.005 §3.2.5: +CMS ERROR codes used by the emulator.
CMS_TEXT = {
    300: "ME failure", 302: "operation not allowed", 303: "operation not supported",
    304: "invalid PDU mode parameter", 305: "invalid text mode parameter", 310: "SIM not inserted",
    320: "memory failure", 321: "invalid memory index", 322: "memory full",
    330: "SMSC address unknown", 331: "no network service", 332: "network timeout",
    500: "unknown error",
}

# Default answer times (ms) of commands that take longer than ``Module.command_time_ms`` (20 ms)
# when their handler gives no delay of its own. ATR10 §3.2.4: "Commands that do not interact with
# the SIM or the network, and only involve internal setups or readings, have an immediate
# response"; the ones that do can take seconds (maxima in its table, REFERENCE §5.10). The figures
# below are the emulator's typical values, not measurements [L]; a test may change
# ``module.command_times`` (a per-module copy).
COMMAND_TIMES: dict[str, int] = {
    "+CPIN": 200, "+COPS": 300, "+CLCK": 300, "+CPWD": 300, "&W": 100, "#SLEDSAV": 100,
    "+CSAS": 300, "+CRES": 300, "#SKTSAV": 100, "#ESCRIPT": 50, "#STARTMODESCR": 50,
    "#ENHRST": 50,
}

# REFERENCE §5.4 (CMUX5 §4.2): commands that block the other AT instances until they finish
# (ATA/ATD until CONNECT, ATH, +CGACT, +CGATT, +COPS set, #SKTD/#SKTOP until CONNECT, #QDNS,
# phonebook and FTP commands). While one runs, a command line on another instance waits.
SERIALISED = frozenset({"A", "D", "H", "+CHUP", "+CGACT", "+CGATT", "#SKTD", "#SKTOP", "#QDNS"})
SERIALISED_PREFIXES = ("+CPB", "#FTP")


def is_serialised(cmd: "Cmd") -> bool:
    if cmd.name == "+COPS":
        return cmd.kind == "set"
    return cmd.name in SERIALISED or cmd.name.startswith(SERIALISED_PREFIXES)


# Per-instance settings and their power-on values on MDM/MDM2 (REFERENCE §2.1, §5.3, §6.7, §6.8).
DEFAULT_SETTINGS: dict[str, int] = {
    "E": 0, "V": 1, "Q": 0, "X": 1, "&C": 1, "&D": 0, "&K": 3, "\\R": 1,
    "S0": 0, "S2": 43, "S3": 13, "S4": 10, "S5": 8, "S7": 60, "S12": 50, "S25": 5, "S30": 0,
    "S38": 20, "+CMEE": 0, "+CMGF": 0, "+CSDH": 0, "+CRC": 0, "+CLIP": 0, "+CREG": 0,
    "+CGREG": 0, "#SKIPESC": 0, "#E2ESC": 0, "+CNMI.mode": 0, "+CNMI.mt": 0, "+CNMI.bm": 0,
    "+CNMI.ds": 0, "+CNMI.bfr": 0,
}


# ---------------------------------------------------------------------------- results
@dataclass
class Reply:
    lines: list[str] = field(default_factory=list)
    final: str = "OK"
    delay: int | None = None  # ms; None = the module's default command time
    raw: bytes | None = None  # bytes emitted verbatim instead of info lines (#RSCRIPT)


@dataclass
class CmeError:
    code: int
    delay: int | None = None


@dataclass
class CmsError:
    code: int
    delay: int | None = None


@dataclass
class Online:
    link: Any
    text: str = "CONNECT"
    delay: int | None = None


@dataclass
class Prompt:
    prompt: bytes
    on_input: Callable[[bytes], Any]
    count: int | None = None  # exact byte count; None = until Ctrl-Z (0x1A), ESC (0x1B) aborts
    on_abort: Callable[[], Any] | None = None
    backspace: bool = False  # 0x08 deletes the previous byte (#SSEND)
    max_len: int | None = None  # bytes beyond this are discarded
    cr_prompt: bool = False  # text entry: each CR is answered with the prompt again (+CMGS, #SMSMODE=1)
    delay: int | None = None


class _Pending:
    def __repr__(self) -> str:
        return "PENDING"


PENDING = _Pending()
Result = Any


def ok(*lines: str, delay: int | None = None) -> Reply:
    return Reply(list(lines), "OK", delay)


def error(delay: int | None = None) -> Reply:
    return Reply([], "ERROR", delay)


class ArgError(Exception):
    """A handler's argument is missing or out of range: the command answers ERROR
    (or +CME ERROR: 4 'operation not supported' under +CMEE)."""


# ----------------------------------------------------------------------- parsing
@dataclass
class Cmd:
    name: str  # upper-case: "+CSQ", "#SD", "E", "&C", "S", "D", "A"
    kind: str  # exec | set | read | test
    raw: str = ""  # text after '=' (set), the number of a basic command, the dial string
    reg: int | None = None  # S-register number


class ParseError(Exception):
    pass


def parse_line(body: str) -> list[Cmd]:
    """Split the text after ``AT`` into commands (V.250 basic and extended syntax)."""
    cmds: list[Cmd] = []
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c in " ;":
            i += 1
            continue
        if c in "+#*$":
            j = i + 1
            while j < n and (body[j].isalnum() or body[j] in "_"):
                j += 1
            name = body[i:j].upper()
            if j == i + 1:
                raise ParseError(body)
            if body.startswith("=?", j):
                cmds.append(Cmd(name, "test"))
                j += 2
            elif j < n and body[j] == "=":
                k = j + 1
                quoted = False
                while k < n and (quoted or body[k] != ";"):
                    if body[k] == '"':
                        quoted = not quoted
                    k += 1
                if quoted:
                    raise ParseError(body)
                cmds.append(Cmd(name, "set", body[j + 1:k]))
                j = k
            elif j < n and body[j] == "?":
                cmds.append(Cmd(name, "read"))
                j += 1
            else:
                cmds.append(Cmd(name, "exec"))
            i = j
            continue
        up = c.upper()
        if up == "D":
            k = i + 1
            quoted = False
            while k < n and (quoted or body[k] != ";"):
                if body[k] == '"':
                    quoted = not quoted  # ATD>"Name"; (ATR10 p.64)
                k += 1
            # A ';' after the dial string means a voice call: kept at the end of the raw text.
            cmds.append(Cmd("D", "exec", body[i + 1:k].strip() + (";" if k < n else "")))
            i = k + 1
            continue
        if up == "S":
            j = i + 1
            while j < n and body[j].isdigit():
                j += 1
            if j == i + 1:
                raise ParseError(body)
            reg = int(body[i + 1:j])
            if body.startswith("=?", j):
                cmds.append(Cmd("S", "test", "", reg))
                j += 2
            elif j < n and body[j] == "=":
                k = j + 1
                while k < n and body[k].isdigit():
                    k += 1
                cmds.append(Cmd("S", "set", body[j + 1:k], reg))
                j = k
            elif j < n and body[j] == "?":
                cmds.append(Cmd("S", "read", "", reg))
                j += 1
            else:
                raise ParseError(body)
            i = j
            continue
        if c in "&\\%":  # '%': ATR10 %E %L %Q (p.49, p.69), basic syntax like '&'
            if i + 1 >= n or not body[i + 1].isalpha():
                raise ParseError(body)
            name = c + body[i + 1].upper()
            j = i + 2
        elif c.isalpha():
            name = up
            j = i + 1
        else:
            raise ParseError(body)
        k = j
        while k < n and body[k].isdigit():
            k += 1
        if k < n and body[k] == "?" and name in ("&C", "&D"):
            raise ParseError(body)
        if k < n and body[k] == "=" and name == "&Z":  # AT&Z<n>=<nr> (ATR10 p.45)
            end = body.find(";", k)
            end = n if end < 0 else end
            cmds.append(Cmd(name, "set", body[k + 1:end], int(body[j:k]) if k > j else None))
            i = end
            continue
        cmds.append(Cmd(name, "exec", body[j:k]))
        i = k
    return cmds


def split_args(raw: str) -> list[str]:
    """Split a parameter list on commas outside quotes; surrounding quotes are removed."""
    out: list[str] = []
    cur: list[str] = []
    quoted = False
    for ch in raw:
        if ch == '"':
            quoted = not quoted
            cur.append(ch)
        elif ch == "," and not quoted:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur).strip())
    res = []
    for a in out:
        if len(a) >= 2 and a[0] == '"' and a[-1] == '"':
            a = a[1:-1]
        res.append(a)
    if res == [""]:
        return []
    return res


# ------------------------------------------------------------------ command table
Handler = Callable[["Ctx"], Result]
COMMANDS: dict[str, Handler] = {}


def command(*names: str) -> Callable[[Handler], Handler]:
    def reg(fn: Handler) -> Handler:
        for name in names:
            COMMANDS[name.upper()] = fn
        return fn

    return reg


class Ctx:
    """What a handler sees: the command, its instance, the module."""

    def __init__(self, inst: "AtInstance", cmd: Cmd) -> None:
        self.inst = inst
        self.module = inst.module
        self.cmd = cmd
        self.name = cmd.name
        self.kind = cmd.kind
        self.raw = cmd.raw
        self.args = split_args(cmd.raw) if cmd.kind == "set" else []
        self.quoted = [a.startswith('"') for a in _raw_parts(cmd.raw)] if cmd.kind == "set" else []

    def arg(self, i: int, default: str | None = None) -> str:
        if i < len(self.args) and self.args[i] != "":
            return self.args[i]
        if default is None:
            raise ArgError(self.name)
        return default

    def int_arg(self, i: int, lo: int, hi: int, default: int | None = None) -> int:
        if i >= len(self.args) or self.args[i] == "":
            if default is None:
                raise ArgError(self.name)
            return default
        try:
            v = int(self.args[i])
        except ValueError:
            raise ArgError(self.name) from None
        if not lo <= v <= hi:
            raise ArgError(self.name)
        return v

    def done(self, result: Result) -> None:
        """Finish a command that returned PENDING."""
        self.inst._apply(result)


def well_quoted(raw: str) -> bool:
    """Every parameter of a set form is either unquoted or exactly one quoted string."""
    for part in _raw_parts(raw):
        if '"' in part and not (len(part) >= 2 and part[0] == part[-1] == '"' and part.count('"') == 2):
            return False
    return True


def _raw_parts(raw: str) -> list[str]:
    parts, cur, quoted = [], [], False
    for ch in raw:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur).strip())
    return parts


# Called with the instance when its DTE raises DTR (off -> on).
DTR_RISE_HOOKS: list[Callable[["AtInstance"], None]] = []


# ---------------------------------------------------------------------- instance
class AtInstance:
    """One AT parser instance with its own settings, input line, output FIFO and data mode."""

    def __init__(self, module: "Module", index: int, name: str, sink: Callable[[bytes], None] | None = None) -> None:
        self.module = module
        self.k = module.kernel
        self.index = index
        self.name = name
        self.settings: dict[str, int] = dict(DEFAULT_SETTINGS)
        self.inbuf = ByteFifo()  # DTE -> module bytes not yet consumed
        self.out = ByteFifo()  # module -> DTE (what MDM.receive/read return)
        self.sink = sink or self._to_out
        self.mode = "cmd"  # cmd | exec | input | online
        self.line = bytearray()
        self.queue: list[Cmd] = []
        self.pending_urcs: list[bytes] = []
        self.link: Any = None  # the data link while online
        self.escaped_link: Any = None  # a link suspended by +++ (CSD: only ATH accepted then)
        self.prompt: Prompt | None = None
        self.prompt_data = bytearray()
        self.frozen = False  # fault injection: the parser stops answering
        self.dtr = 1  # the DTE's DTR as the module sees it (MDM.setDTR)
        self.rts = 1
        self.ri = 0
        self.last_in = 0  # time of the last byte from the DTE (escape guard)
        self.plus: list[int] = []  # times of pending '+' that may be an escape
        self._esc_timer: Any = None
        self._data_ready = 0  # online: bytes at the front of inbuf already judged data
        self.escape_lost = 0  # bytes a suspended link could not take at the escape
        self.line_over = False
        self.commands_run = 0
        self.dead = False  # the RAM this instance lived in is gone (reboot, power cut)
        self.after_final: list[Callable[[], None]] = []  # run once the current line's final code is out
        self.escapes = 0  # +++ escapes recognised (online -> command mode)

    # ------------------------------------------------------------------ output
    def _to_out(self, data: bytes) -> None:
        self.out.put(data)
        self.k.notify()

    def emit(self, data: bytes) -> None:
        if data and not self.dead:
            self.sink(data)

    def _info(self, lines: list[str]) -> None:
        if not lines:
            return
        if self.settings["V"]:
            self.emit(b"\r\n" + "\r\n".join(lines).encode("latin-1") + b"\r\n")
        else:
            self.emit("".join(l + "\r\n" for l in lines).encode("latin-1"))

    def result_code(self, text: str) -> None:
        """A final (or intermediate, like CONNECT) result code, per V and Q."""
        if self.settings["Q"]:
            return
        if self.settings["V"]:
            # ATR10 ATV1: "<CR><LF><verbose code><CR><LF>".
            self.emit(b"\r\n" + text.encode("latin-1") + b"\r\n")
        else:
            # ATR10 ATV0: result codes are "<numeric code><CR>" (§3.2.2: "result code 0<CR>"),
            # no header. +CME ERROR/+CMS ERROR have no number: they keep their text, framed like
            # a result code ("<text><CR>"); ATR10 does not show this case (n/d).
            code = NUMERIC.get(text)
            if code is None:
                self.emit(text.encode("latin-1") + b"\r")
            else:
                self.emit(b"%d\r" % code)

    def cme_text(self, code: int) -> str:
        mode = self.settings["+CMEE"]
        if mode == 0:
            return "ERROR"
        if mode == 1:
            return "+CME ERROR: %d" % code
        return "+CME ERROR: %s" % CME_TEXT.get(code, "unknown")

    def urc_bytes(self, text: str) -> bytes:
        """How an unsolicited code is framed: ``\r\n<text>\r\n`` (REFERENCE §5.6). Under ATV0
        the basic ones with a number (RING, NO CARRIER) become ``<n>\r`` and the others
        ``<text>\r\n`` (ATR10 ATV0 information-text framing); under ATQ1 the numbered basic
        ones are suppressed. Neither case is shown in the sources (n/d)."""
        if self.settings["V"]:
            return b"\r\n" + text.encode("latin-1") + b"\r\n"
        code = NUMERIC.get(text)
        if code is not None:
            return b"" if self.settings["Q"] else b"%d\r" % code
        return text.encode("latin-1") + b"\r\n"

    def urc(self, text: str, while_busy: str = "buffer") -> None:
        """An unsolicited result code: sent now in command mode, else buffered until the
        instance is back in command mode (``while_busy="buffer"``) or dropped ("drop").
        Either way it is an external event for MOD.powerSaving (ES13 §3.7.6)."""
        if self.dead:
            return
        data = self.urc_bytes(text)
        if self.mode == "cmd" and not self.frozen:
            self.emit(data)
        elif while_busy == "buffer":
            self.pending_urcs.append(data)
        self.module.external_event()

    def _flush_urcs(self) -> None:
        while self.pending_urcs and self.mode == "cmd":
            self.emit(self.pending_urcs.pop(0))

    # ------------------------------------------------------------------- input
    def input_room(self) -> int:
        return self.inbuf.room()

    def feed(self, data: bytes) -> int:
        """Bytes written by the DTE (MDM.send). Returns how many were taken."""
        if self.dead:
            return 0
        n = self.inbuf.put_some(data)
        if n:
            self.pump()
        return n

    def pump(self) -> None:
        """Consume buffered input according to the mode."""
        guard = 0
        while self.inbuf and not self.frozen and not self.dead and guard < 100000:
            guard += 1
            if self.mode == "online":
                if not self._pump_online():
                    return
            elif self.mode == "input":
                self._pump_input()
            elif self.mode == "cmd":
                self._pump_command()
            else:  # exec: wait for the running command to finish
                return

    def _pump_command(self) -> None:
        b = self.inbuf.take(1)
        if self.settings["E"]:
            self.emit(b)
        ch = b[0]
        s3 = self.settings["S3"]
        if ch == s3:
            line = bytes(self.line)
            over = self.line_over
            self.line.clear()
            self.line_over = False
            self._line(line, over)
        elif ch == 10 and not self.line:
            return  # LF after CR
        elif ch == self.settings["S5"]:
            if self.line:
                self.line.pop()
        else:
            if len(self.line) < 4096:
                self.line.append(ch)
            else:
                self.line_over = True

    def _line(self, line: bytes, over: bool) -> None:
        text = line.decode("latin-1").strip()
        if not text:
            return
        if not text[:2].upper() == "AT":
            # Not a command line: ignored (the module waits for 'AT').
            return
        self.module.at_log.append((self.k.now(), self.index, text))
        self.mode = "exec"
        if over or variants.line_limit(self.module, text):  # MAX_LINE as the variant counts
            self._apply(Reply([], "ERROR"))  # nothing on the line is executed (ATR10 §3.2.2)
            return
        try:
            cmds = parse_line(text[2:])
        except ParseError:
            self._apply(Reply([], "ERROR"))
            return
        self.queue = cmds
        self._next()

    def _next(self) -> None:
        if not self.queue:
            self._final("OK")
            return
        cmd = self.queue.pop(0)
        holder = getattr(self.module, "at_serial_owner", None)
        if holder is not None and holder is not self and not holder.dead:
            # Another instance runs a serialised command (REFERENCE §5.4): wait for it.
            self.queue.insert(0, cmd)
            waiters = self.module.at_serial_waiters
            if self not in waiters:
                waiters.append(self)
            return
        if is_serialised(cmd):
            self.module.at_serial_owner = self
        self.commands_run += 1
        if self.escaped_link is not None and getattr(self.escaped_link, "only_ath", False) and cmd.name != "H":
            # SWUG6 §2.6.3: after the escape during a CSD call only ATH is accepted.
            self._apply(Reply([], "ERROR", 0))
            return
        handler = COMMANDS.get(cmd.name)
        if handler is None:
            # An unknown command is a syntax error: plain ERROR whatever +CMEE says (+CME ERROR
            # is "the error response to +Cxxx 3GPP TS 27.007 commands", ATR10 §3.2.2.1).
            self._apply(Reply([], "ERROR"))
            return
        if cmd.kind == "set" and not well_quoted(cmd.raw):
            # V.250 §5.4.2.2 (ATR10 §3.5.1): a string constant is one pair of double quotes; a
            # parameter like ""+39..."" is a syntax error, plain ERROR (see unknown commands).
            self._apply(Reply([], "ERROR"))
            return
        ctx = Ctx(self, cmd)
        try:
            result = handler(ctx)
        except ArgError:
            result = CmeError(4) if self.settings["+CMEE"] else Reply([], "ERROR")
        self._apply(result, cmd.name)

    def _apply(self, result: Result, name: str | None = None) -> None:
        if result is PENDING or self.dead:
            return
        delay = getattr(result, "delay", None)
        if delay is None:
            times = getattr(self.module, "command_times", {})
            delay = times.get(name, self.module.command_time_ms) if name else self.module.command_time_ms
        if delay > 0:
            self.k.call_later(delay, lambda: self._apply_now(result))
        else:
            self._apply_now(result)

    def _apply_now(self, result: Result) -> None:
        if self.frozen or self.dead:
            return
        if isinstance(result, Reply):
            if result.raw is not None:
                self.emit(result.raw)
            self._info(result.lines)
            if result.final == "OK":
                self._next()
            else:
                self._final(result.final)
        elif isinstance(result, CmeError):
            self._final(self.cme_text(result.code))
        elif isinstance(result, CmsError):
            # +CMS ERROR is always numeric, whatever +CMEE says: ATR10 §3.2.2.2 ("<err> - numeric
            # error code"); SWUG6 §3.8.1.1 and §3.8.7 show "+CMS ERROR: 303" / "321" under +CMEE=0
            # and under +CMEE=2 alike.
            self._final("+CMS ERROR: %d" % result.code)
        elif isinstance(result, Online):
            self.queue = []
            self.result_code(result.text)
            self._release_serial()  # "until CONNECT"
            self.go_online(result.link)
        elif isinstance(result, Prompt):
            self.prompt = result
            self.prompt_data = bytearray()
            self.mode = "input"
            self.emit(result.prompt)
            self.pump()
        else:  # pragma: no cover - programming error in a handler
            raise TypeError("bad AT handler result: %r" % (result,))

    def _release_serial(self) -> None:
        m = self.module
        if getattr(m, "at_serial_owner", None) is not self:
            return
        m.at_serial_owner = None
        waiters, m.at_serial_waiters = list(m.at_serial_waiters), []
        for w in waiters:
            if not w.dead and w.mode == "exec" and w.queue:
                self.k.call_later(0, w._next)

    def _final(self, text: str) -> None:
        self.queue = []
        self.result_code(text)
        self._release_serial()
        self.mode = "cmd"
        actions, self.after_final = self.after_final, []
        for fn in actions:
            fn()  # e.g. #EXECSCR starts the script, #REBOOT reboots, once the OK is out
        if self.dead:
            return
        self._flush_urcs()
        self.pump()

    def _pump_input(self) -> None:
        p = self.prompt
        assert p is not None
        if p.count is not None:
            need = p.count - len(self.prompt_data)
            self.prompt_data += self.inbuf.take(need)
            if len(self.prompt_data) >= p.count:
                self._prompt_done(p.on_input(bytes(self.prompt_data)))
            return
        while self.inbuf:
            ch = self.inbuf.take(1)[0]
            if ch == 0x1A:
                self._prompt_done(p.on_input(bytes(self.prompt_data)))
                return
            if ch == 0x1B:
                self._prompt_done(p.on_abort() if p.on_abort else Reply([], "OK"))
                return
            if ch == 0x08 and p.backspace:
                if self.prompt_data:
                    self.prompt_data.pop()
                continue
            if p.max_len is None or len(self.prompt_data) < p.max_len:
                self.prompt_data.append(ch)
            if self.settings["E"]:
                self.emit(bytes([ch]))  # ATR10 +CMGS: echo of the entered text follows ATE
            if ch == 13 and p.cr_prompt:
                # ATR10 +CMGS (#SMSMODE=1): "after every <CR> entered by the user the sequence
                # <CR><LF><greater_than><space> is sent to the TE".
                self.emit(p.prompt)

    def _prompt_done(self, result: Result) -> None:
        self.prompt = None
        self.prompt_data = bytearray()
        self.mode = "exec"
        self._apply(result)

    # ------------------------------------------------------------- online mode
    # REFERENCE §6.6-6.8 (ATR10 S12, #E2ESC, #SKIPESC, &C, &D; IPG10 §3.2.1):
    # * after CONNECT the instance passes every byte both ways untouched;
    # * "+++" is the escape only when the DTE was silent for the guard time before the first '+',
    #   no gap between the '+' exceeds the guard time, and the DTE stays silent for the guard
    #   time after the third '+'. The guard is S12 fiftieths of a second (factory 50 = 1 s), or
    #   #E2ESC seconds for a GPRS link when #E2ESC is 1-10. SELINT 2 also requires the silence
    #   right after CONNECT (so the guard starts at CONNECT).
    # * candidate '+' bytes are held back until the escape is decided; when it is not an escape
    #   they go to the peer as data, in order. On an escape they go to the peer only with
    #   #SKIPESC=0 (the default); the link is suspended, not closed, and OK follows.

    def guard_ms(self) -> int:
        """Escape guard time: #E2ESC seconds for GPRS when set, else S12 fiftieths (§6.7)."""
        gt = self.settings["#E2ESC"]
        if gt and getattr(self.link, "kind", "") == "gprs":
            return gt * 1000
        return self.settings["S12"] * 20

    def go_online(self, link: Any) -> None:
        self.link = link
        self.escaped_link = None
        self.mode = "online"
        self.last_in = self.k.now()  # SELINT 2: the guard silence also applies after CONNECT
        self.plus = []
        self._data_ready = 0
        link.attach(self)
        self.module.external_event()
        self.pump()

    def is_online(self) -> bool:
        return self.mode == "online"

    def _write_link(self, data: bytes) -> int:
        link = self.link
        return link.write(data) if link is not None and data else 0

    def _pump_online(self) -> bool:
        """Pass DTE bytes to the link, watching for the +++ escape. Returns False when the
        link has no room (the bytes wait at the front of ``inbuf``: flow control; the link calls
        ``link_ready()`` when it can take more)."""
        # Bytes already judged to be data, held back by the link's flow control: first.
        if self._data_ready:
            taken = self._write_link(bytes(self.inbuf.data[:self._data_ready]))
            if self.mode != "online":
                return True
            del self.inbuf.data[:taken]
            self._data_ready -= taken
            if self._data_ready:
                return False
        if not self.inbuf:
            return True
        now = self.k.now()
        guard = self.guard_ms()
        data = self.inbuf.take()
        out = bytearray()
        for ch in data:
            if self.plus:
                if ch == 0x2B and len(self.plus) < 3 and now - self.plus[-1] <= guard:
                    self.plus.append(now)
                    continue
                out += b"+" * len(self.plus)  # not an escape: the '+' were data
                self.plus = []
                self.last_in = now
            if ch == 0x2B and now - self.last_in >= guard:
                self.plus.append(now)
                continue
            out.append(ch)
            self.last_in = now
        if out:
            taken = self._write_link(bytes(out))
            if self.mode != "online":
                return True  # the link closed while taking the data
            if taken < len(out):
                self.inbuf.data[:0] = out[taken:]
                self._data_ready = len(out) - taken
        if self.plus:
            self._arm_escape_check(guard)
        return not self._data_ready

    def _arm_escape_check(self, guard: int) -> None:
        if self._esc_timer is not None:
            self._esc_timer.cancel()
        started = list(self.plus)
        self._esc_timer = self.k.call_at(self.plus[-1] + guard, lambda: self._escape_check(started))

    def _escape_check(self, started: list[int]) -> None:
        self._esc_timer = None
        if self.dead or self.mode != "online" or self.plus != started:
            return
        link = self.link
        self.plus = []
        if len(started) == 3:
            # A valid escape. Data still waiting for the link goes first, then (#SKIPESC=0) the
            # "+++"; what the suspended link cannot take now is lost (counted).
            pending = bytes(self.inbuf.data[:self._data_ready])
            del self.inbuf.data[:self._data_ready]
            self._data_ready = 0
            tail = pending + (b"" if self.settings["#SKIPESC"] else b"+++")
            if tail:
                self.escape_lost += len(tail) - self._write_link(tail)
            self.escapes += 1
            self.mode = "cmd"
            self.link = None
            self.escaped_link = link
            link.escaped(self)
            # A link may end on the escape (#SPCM, ATR10 p.597: "+++" then "NO CARRIER").
            self.result_code(getattr(link, "escape_result", "OK"))
            self._flush_urcs()
            self.module.external_event()
            self.pump()
            return
        # One or two '+' followed by silence: plain data, after whatever data still waits.
        self.last_in = started[-1]
        self.inbuf.data[self._data_ready:self._data_ready] = b"+" * len(started)
        self._data_ready += len(started)
        self.pump()

    def link_ready(self) -> None:
        """The link can take more bytes: send what waits in the instance (flow control)."""
        if self.mode == "online" and not self.dead:
            self.pump()
            self.k.notify()

    def deliver(self, data: bytes) -> int:
        """Data from the link for the DTE, while online. Returns bytes taken (output room)."""
        if self.mode != "online" or self.dead:
            return 0
        n = self.out.put_some(data)
        if n:
            self.module.external_event()
            self.k.notify()
        return n

    def link_closed(self, link: Any, text: str = "NO CARRIER") -> None:
        """The link ended (remote close, maxTo, hang-up): NO CARRIER, DCD follows &C."""
        if self.dead:
            return
        if self.link is link:
            self.link = None
            self.plus = []
            self._data_ready = 0
            if self._esc_timer is not None:
                self._esc_timer.cancel()
                self._esc_timer = None
            self.mode = "cmd"
            self.inbuf.clear()  # bytes the DTE sent after the close are not commands
            self.result_code(text)
            self._flush_urcs()
        if self.escaped_link is link:
            self.escaped_link = None
        self.module.external_event()
        self.k.notify()

    def resume(self, link: Any, text: str = "CONNECT") -> Online:
        return Online(link, text)

    # ---------------------------------------------------------------- lines
    def carrier(self) -> bool:
        if self.link is not None:
            return True
        esc = self.escaped_link
        if esc is not None and getattr(esc, "connected", True):
            return True  # suspended by +++: the connection still exists
        for link in self.module.links():
            if getattr(link, "owner", None) is self and getattr(link, "connected", False):
                return True
        return False

    def dcd(self) -> int:
        # ATR10 &C: 0 DCD always high; 1 DCD follows the carrier (factory); 2 "DCD off while
        # disconnecting", emulated as 1 (REFERENCE §6.8).
        if self.settings["&C"] == 0:
            return 1
        return 1 if self.carrier() else 0

    def set_dtr(self, v: int) -> None:
        """The DTE's DTR (MDM.setDTR). ATR10 &D (SELINT 2), on an on->off transition while
        connected: 0/3/4 ignore it; 1 back to command mode, the connection stays (OK); 2 and 5
        back to command mode and the connection is closed. (ATR10 adds that unless +CVHU=2,
        &D0-&D4 act like &D5; the emulator does not model +CVHU: see docs/emulator.md.)"""
        old, self.dtr = self.dtr, 1 if v else 0
        if not old and self.dtr and not self.dead:
            for hook in DTR_RISE_HOOKS:
                hook(self)  # off -> on: #ACAL/#ACALEXT's automatic call (catalog_audio.py)
        if not old or self.dtr or self.dead:
            return
        d = self.settings["&D"]
        if d == 1 and self.mode == "online" and self.link is not None:
            link = self.link
            self.plus = []
            self.mode = "cmd"
            self.link = None
            self.escaped_link = link
            link.escaped(self)
            self.result_code("OK")
            self._flush_urcs()
            self.pump()
        elif d in (2, 5):
            link = self.link if self.mode == "online" and self.link is not None else self.escaped_link
            if link is not None:
                link.hangup_local()

    def reset_settings(self) -> None:
        self.settings = dict(DEFAULT_SETTINGS)
