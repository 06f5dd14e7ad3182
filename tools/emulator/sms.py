"""SMS in text mode: the SIM message store, new-message indications, reading, listing, deleting
and sending (REFERENCE §8, §5.9, §11 F).

Sources, cited at each behaviour below:

* ATR10: Telit AT Commands Reference Guide 80000ST10025a Rev.10, §3.5.5 (+CPMS, +CMGF, +CSCA,
  +CSMP, +CSDH, +CNMI, +CMGL, +CMGR, +CMGS, +CMGW, +CMGD), §3.2.2.2 (+CMS ERROR codes), §3.2.4
  (response times). ``#SMSMODE`` is 0 from the factory (ATR10 p.288) and kept in NVM; the
  ``#SMSMODE=1`` pages (Telit's suggestion, ATR10 p.10-11) are modelled, and under 0 the
  differences a script sees: the ``+CMGL`` order and class-0 messages in "ME".
* SWUG6: Telit Modules Software User Guide 1vv0300784 rev.6, §3.8 (real exchanges: +CMS ERROR
  303/321/302, +CMGL/+CMGR lines for received and stored messages, ESC answering OK).
* 3GPP TS 27.005 (the standard the commands come from) and TS 23.038/23.040 (GSM 7-bit
  alphabet, 160 septets per message, 153 per part of a concatenated message).

Model
-----
``module.sms`` (an ``Sms``) is created once per ``Module`` and is *not* rebuilt at boot: the
message store lives on the SIM, so it survives reboots and power cuts, and so does the queue of
messages the network holds back while the store is full (``pending``). What the instances know
(+CMGF, +CNMI, +CSDH, +CSCS, the +CNMI mode-0 buffer) is RAM and per instance (REFERENCE §5.3).

A full store stops new messages: the network keeps them (``pending``), no ``+CMTI`` is sent,
and once a message is deleted the network delivers the held ones again after
``redeliver_delay_ms`` (the SIM's "memory available" notification, TS 23.040 §10.3 SMMA). This is
reported for other vendors' modems (FIELD-LESSONS 12); on Telit it is plausible, unconfirmed
(REFERENCE §11 F, [L]).

Control API (tests, control interface)::

    idx = m.sms.deliver('+15551230001', 'connect config')  # a phone sends an SMS to the module
    m.sms.sent                # [SentSms(destination, text, time)] the module sent with +CMGS
    m.sms.store               # {index: Message(index, status, number, text, scts, alpha)}
    m.sms.fill_store()        # fault: fill every free slot (REC READ fillers)
    m.sms.capacity = 10       # SIM store size (the +CPMS example in ATR10 shows 10)
    m.sms.fail_next_send(332) # the next +CMGS fails with +CMS ERROR: 332 (network time-out)
    m.sms.status()            # used / capacity / pending / unread / sent counters
    m.sms.snapshot()          # the same plus store, pending and sent as plain data (JSON)
"""
from __future__ import annotations

import calendar
import time as _time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import module as _module
from .at import COMMANDS, PENDING, ArgError, CmsError, Ctx, Prompt, Reply, command, error, ok

if TYPE_CHECKING:  # pragma: no cover
    from .at import AtInstance
    from .module import Module

STATUSES = ("REC UNREAD", "REC READ", "STO UNSENT", "STO SENT")
LIST_STATS = STATUSES + ("ALL",)
CHARSETS = ("GSM", "IRA", "8859-1", "PCCP437", "UCS2")  # ATR10 +CSCS (SELINT 2)
DEFAULT_CHARSET = 1  # "IRA": SWUG6 §3.8.2 shows AT+CSCS? -> +CSCS: "IRA"

CTRL_Z = 0x1A
MAX_TA_BUFFER = 16  # +CNMI mode 0: "the oldest indications may be discarded" (ATR10)

# 3GPP TS 23.038 §6.2.1: the GSM 7-bit default alphabet (index = code) and its extension table
# (each extension character takes two septets: ESC + code).
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXT = {"\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F, "[": 0x3C, "~": 0x3D,
            "]": 0x3E, "|": 0x40, "€": 0x65}
SINGLE_SEPTETS = 160  # TS 23.040: 140 octets of 7-bit user data
PART_SEPTETS = 153  # per part once a 6-octet concatenation header takes room


def septets(text: str) -> int:
    """GSM 7-bit length of ``text`` (extension characters count twice; characters outside the
    alphabet are sent as one replacement septet)."""
    return sum(2 if ch in GSM7_EXT else 1 for ch in text)


def sms_parts(n_septets: int) -> int:
    if n_septets <= SINGLE_SEPTETS:
        return 1
    return -(-n_septets // PART_SEPTETS)


def toa(number: str) -> int:
    """Type of address: 145 international (starts with '+'), 129 otherwise (ATR10 +CMGS)."""
    return 145 if number.startswith("+") else 129


@dataclass
class Message:
    """One slot of the SIM store."""

    index: int
    status: str  # REC UNREAD | REC READ | STO UNSENT | STO SENT
    number: str  # originator (REC) or destination (STO)
    text: str
    scts: str = ""  # service centre time stamp "yy/MM/dd,hh:mm:ss+zz"; empty for STO messages
    alpha: str = ""  # phonebook name: "" when no entry matches (REFERENCE §8.3)
    # One part of a concatenated message: (reference, parts, sequence), TS 23.040 §9.2.3.24.1
    # (#CMGLCONCINDEX, tools/emulator/catalog_run.py); None for a whole message.
    concat: tuple[int, int, int] | None = None

    @property
    def received(self) -> bool:
        return self.status.startswith("REC")


@dataclass
class Incoming:
    """A message on its way from the network (held back while the store is full)."""

    number: str
    text: str
    scts: str
    alpha: str = ""
    concat: tuple[int, int, int] | None = None


class SentSms(tuple):
    """``(destination, text, time)`` of a message the module sent with +CMGS; ``time`` is module
    time in seconds since the emulator started. Extra attributes: ``mr`` (the +CMGS message
    reference), ``parts`` (1, or the number of parts of a concatenated message), ``toda``."""

    mr: int
    parts: int
    toda: int

    def __new__(cls, destination: str, text: str, time: float, mr: int = 0, parts: int = 1,
                toda: int = 145) -> "SentSms":
        self = super().__new__(cls, (destination, text, time))
        self.mr = mr
        self.parts = parts
        self.toda = toda
        return self

    @property
    def destination(self) -> str:
        return self[0]

    @property
    def text(self) -> str:
        return self[1]

    @property
    def time(self) -> float:
        return self[2]


# ------------------------------------------------------------------ character sets
def charset(inst: "AtInstance") -> str:
    return CHARSETS[inst.settings.get("+CSCS", DEFAULT_CHARSET)]


def encode_te(text: str, cs: str) -> str:
    """Text for the TE in the instance's +CSCS character set, as a latin-1 string (the AT
    layer writes it byte for byte). ATR10 +CSCS; UCS2 as 4 hex digits per character (SWUG6
    §3.8.2.2: "CIAO" -> 004300490041004F)."""
    if cs == "UCS2":
        return "".join("%04X" % ord(ch) for ch in text)
    if cs == "GSM":
        out = []
        for ch in text:
            if ch in GSM7_EXT:
                out.append("\x1b" + chr(GSM7_EXT[ch]))
            else:
                i = GSM7_BASIC.find(ch)
                out.append(chr(i) if i >= 0 else "?")
        return "".join(out)
    if cs == "PCCP437":
        return text.encode("cp437", "replace").decode("latin-1")
    if cs == "IRA":
        return "".join(ch if ord(ch) < 0x80 else "?" for ch in text)
    return "".join(ch if ord(ch) < 0x100 else "?" for ch in text)  # 8859-1


def user_data(text: str, cs: str) -> tuple[str, int]:
    """``(<data>, <length>)`` of a received or stored message in text mode (ATR10 +CMGL, +CMGR,
    +CMT, #SMSMODE=1). A text in the GSM 7-bit alphabet is shown in the +CSCS set, its length in
    characters. Any other text travels as UCS2 (the sending phone's data coding scheme, TS 23.038
    §4), which the module shows as hex, "each 8-bit octet ... converted into two IRA character
    long hexadecimal number" (ATR10 +CMGL <data>); <length> is then the octet count [L: ATR10
    says only "text length"]. Hex holds no CR or LF, so such a text never looks like framing."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXT for ch in text):
        return encode_te(text, cs), len(text)
    octets = text.encode("utf-16-be")
    return octets.hex().upper(), len(octets)


def decode_te(data: str, cs: str) -> str | None:
    """Text from the TE in the +CSCS character set; None when it is not valid (UCS2 hex)."""
    if cs == "UCS2":
        data = data.strip()
        if len(data) % 4:
            return None
        try:
            return "".join(chr(int(data[i:i + 4], 16)) for i in range(0, len(data), 4))
        except ValueError:
            return None
    if cs == "GSM":
        out, esc = [], False
        rev = {v: k for k, v in GSM7_EXT.items()}
        for ch in data:
            c = ord(ch)
            if esc:
                out.append(rev.get(c, " "))
                esc = False
            elif c == 0x1B:
                esc = True
            else:
                out.append(GSM7_BASIC[c] if c < len(GSM7_BASIC) else "?")
        return "".join(out)
    if cs == "PCCP437":
        return data.encode("latin-1").decode("cp437")
    return data


# ------------------------------------------------------------------------ the store
class Sms:
    """The SIM message store and the network side of SMS (``module.sms``)."""

    def __init__(self, module: "Module") -> None:
        self.m = module
        self.k = module.kernel
        # --- on the SIM: survives reboots and power cuts
        self.capacity = 10  # ATR10 +CPMS example: "+CPMS: "SM",5,10,..."
        self.store: dict[int, Message] = {}
        # Under the factory #SMSMODE=0, "the received class 0 SMS are stored in the "ME"
        # memory regardless the <mems> setting and they are automatically deleted at power
        # off" (ATR10 +CPMS, p.203); +CPMS <memr> "ME" reads them.  RAM: emptied at boot.
        self.me: dict[int, Message] = {}
        self.me_capacity = 10  # [L: n/d]
        self.memr = "SM"  # +CPMS <memr> (RAM)
        self.sca: tuple[str, int] = ("+15550000000", 145)  # +CSCA (kept on the SIM, SWUG6 §3.8.1.3)
        self.csmp = [17, 167, 0, 0]  # +CSMP <fo>,<vp>,<pid>,<dcs> defaults (ATR10 +CSMP)
        self.next_mr = 0  # TP-Message-Reference of the next submit, 0-255 (TS 23.040 §9.2.3.6)
        # --- the network
        self.pending: list[Incoming] = []  # held back while the store is full (or power is off)
        self.sent: list[SentSms] = []
        self.failures: list[int] = []  # +CMS ERROR codes for the next +CMGS submits (fault)
        self.tz_quarters = 0  # time zone of <scts>, in quarters of an hour (REFERENCE §8.3)
        # --- timing (ms); maxima in ATR10 §3.2.4: +CMGS 1 s to '>', 60 s after Ctrl-Z;
        #     +CMGR 5 s; +CMGL 20 s for 50 messages; +CMGD 5 s for one, 25 s for 50
        self.prompt_delay_ms = 100
        self.send_delay_ms = 3000  # Ctrl-Z -> +CMGS: <mr> (network round trip; REFERENCE §12 q11)
        self.read_delay_ms = 50
        self.list_delay_ms = 50
        self.list_per_message_ms = 20
        self.delete_delay_ms = 100
        self.delete_per_message_ms = 50
        self.redeliver_delay_ms = 5000  # store had room again -> the network retries
        # ATR10 +CMGS (#SMSMODE=1): a concatenation of at most 10 SMs, "1520 chars if 3GPP TS
        # 23.038 default alphabet is used ... If entered text is longer ... an error is raised".
        # Set 160 to emulate a unit that refuses anything beyond one message.
        self.max_text_chars = 1520
        self.too_long_error = 305  # "invalid text mode parameter": the code is n/d (ATR10) [L]
        # --- RAM (rebuilt at boot)
        self._ta_buffer: dict[int, list[str]] = {}  # +CNMI mode 0: indications kept in the TA
        self._redeliver_timer: Any = None
        module.sms = self
        module.extensions.append(self)

    # ------------------------------------------------------------ extension hooks
    def on_boot(self) -> None:
        self.me = {}
        self.memr = "SM"
        self._ta_buffer = {}
        self._redeliver_timer = None
        self._schedule_redelivery()

    def links(self) -> list[Any]:
        return []

    # ------------------------------------------------------------------ helpers
    def scts_now(self) -> str:
        """The module clock as a service-centre time stamp "yy/MM/dd,hh:mm:ss+zz" (zz in
        quarter-hours; REFERENCE §8.3)."""
        local = _module.EPOCH_2000 + self.m.seconds() + self.tz_quarters * 15 * 60
        t = _time.gmtime(local)
        sign = "+" if self.tz_quarters >= 0 else "-"
        return "%02d/%02d/%02d,%02d:%02d:%02d%s%02d" % (
            t.tm_year % 100, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, sign,
            abs(self.tz_quarters))

    def free_index(self) -> int | None:
        for i in range(1, self.capacity + 1):
            if i not in self.store:
                return i
        return None

    def used(self) -> int:
        return len(self.store)

    def status(self) -> dict[str, int]:
        unread = sum(1 for msg in self.store.values() if msg.status == "REC UNREAD")
        return {"used": self.used(), "capacity": self.capacity, "unread": unread,
                "pending": len(self.pending), "sent": len(self.sent), "next_mr": self.next_mr}

    def snapshot(self) -> dict[str, Any]:
        """Everything, as plain data (for the JSON control interface)."""
        with self.k.lock:
            return {
                **self.status(),
                "store": [{"index": msg.index, "status": msg.status, "number": msg.number,
                           "text": msg.text, "scts": msg.scts} for _, msg in sorted(self.store.items())],
                "pending": [{"number": p.number, "text": p.text, "scts": p.scts} for p in self.pending],
                "sent": [{"destination": x.destination, "text": x.text, "time": x.time, "mr": x.mr,
                          "parts": x.parts} for x in self.sent],
            }

    # ------------------------------------------------------------ control API
    def read_store(self) -> dict[int, Message]:
        """The memory +CMGR/+CMGL/+CMGD work on (+CPMS <memr>)."""
        return self.me if self.memr == "ME" else self.store

    def deliver(self, number: str, text: str, alpha: str = "", scts: str | None = None,
                klass: int | None = None, concat: tuple[int, int, int] | None = None) -> int | None:
        """A phone sends ``text`` to the module. Returns the store index, or None when the
        message did not go into the store (store full or power off: the network holds it in
        ``pending``; or routed straight to a +CNMI mt=2 instance as +CMT).  ``klass`` 0: a
        class-0 (flash) message, put in "ME" under #SMSMODE=0 (ATR10 +CPMS p.203). ``concat``
        (reference, parts, sequence): one part of a concatenated message."""
        with self.k.lock:
            msg = Incoming(number, text, scts or self.scts_now(), alpha, concat)
            if (klass == 0 and self.m.power and self.m.sim_status() == 3
                    and not self.m.nvm.get("smsmode", 0)):
                for i in range(1, self.me_capacity + 1):
                    if i not in self.me:
                        self.me[i] = Message(i, "REC UNREAD", number, text, msg.scts, alpha)
                        self._indicate('+CMTI: "ME",%d' % i)
                        return i
                return None
            # Nothing is stored on a SIM that is not ready (#QSS status 3, ATR10 p.324).
            if (not self.m.power or self.pending or self.free_index() is None
                    or self.m.sim_status() < 3):
                # Order is kept: while older messages wait, newer ones wait behind them.
                self.pending.append(msg)
                self._schedule_redelivery()
                return None
            return self._receive(msg)

    def fill_store(self, text: str = "filler", number: str = "+15550009999", status: str = "REC READ") -> int:
        """Fault injection: fill every free slot. Returns how many messages were added."""
        with self.k.lock:
            n = 0
            while True:
                i = self.free_index()
                if i is None:
                    return n
                self.store[i] = Message(i, status, number, text,
                                        self.scts_now() if status.startswith("REC") else "")
                n += 1

    def write(self, number: str, text: str, status: str = "STO UNSENT") -> int | None:
        """Put a message into the store directly (like +CMGW). Returns its index or None."""
        if status not in STATUSES:
            raise ValueError(status)
        with self.k.lock:
            i = self.free_index()
            if i is None:
                return None
            self.store[i] = Message(i, status, number, text,
                                    self.scts_now() if status.startswith("REC") else "")
            return i

    def clear_store(self) -> None:
        with self.k.lock:
            self.store.clear()
            self._schedule_redelivery()

    def fail_next_send(self, code: int = 332, count: int = 1) -> None:
        """The next ``count`` +CMGS submits fail with +CMS ERROR: ``code``."""
        with self.k.lock:
            self.failures.extend([code] * count)

    # --------------------------------------------------------------- receiving
    def _receive(self, msg: Incoming) -> int | None:
        run = getattr(self.m, "atrun", None)  # SMS AT Run (catalog_run.py) takes its requests
        if run is not None and msg.concat is None and run.sms_received(msg.number, msg.text):
            return None
        # +CNMI mt=2 (ATR10): SMS-DELIVERs are routed to the TE as +CMT and not stored. Done only
        # for an instance in text mode that can take the URC now; otherwise stored (+CMTI).
        for inst in self._instances():
            if inst.settings["+CNMI.mt"] == 2 and inst.settings["+CMGF"] == 1 and inst.mode == "cmd":
                inst.urc(self._cmt(inst, msg))
                self.m.external_event()
                return None
        i = self.free_index()
        assert i is not None
        self.store[i] = Message(i, "REC UNREAD", msg.number, msg.text, msg.scts, msg.alpha, msg.concat)
        self._indicate('+CMTI: "SM",%d' % i)
        return i

    def _instances(self) -> list["AtInstance"]:
        return [self.m.instances[k] for k in sorted(self.m.instances)]

    def _cmt(self, inst: "AtInstance", msg: Incoming) -> str:
        cs = charset(inst)
        head = '+CMT: "%s","%s","%s"' % (encode_te(msg.number, cs), encode_te(msg.alpha, cs), msg.scts)
        data, length = user_data(msg.text, cs)
        if inst.settings["+CSDH"]:
            fo, _vp, pid, dcs = 4, 0, self.csmp[2], self.csmp[3]
            head += ',%d,%d,%d,%d,"%s",%d,%d' % (toa(msg.number), fo, pid, dcs, self.sca[0], self.sca[1],
                                                length)
        return head + "\r\n" + data

    def _indicate(self, text: str) -> None:
        """+CMTI to every instance whose +CNMI <mt> asks for it, by its <mode> (ATR10 +CNMI):
        0 keep in the TA (flushed or cleared by a later +CNMI with mode 1-3 per <bfr>);
        1 drop while the TA-TE link is reserved (online), else forward;
        2 buffer while busy and flush afterwards, else forward;
        3 forward; while online, signal with a 1 s RI pulse and show the URC afterwards [L]."""
        for inst in self._instances():
            if inst.settings["+CNMI.mt"] == 0:
                continue
            mode = inst.settings["+CNMI.mode"]
            if mode == 0:
                buf = self._ta_buffer.setdefault(inst.index, [])
                buf.append(text)
                del buf[:-MAX_TA_BUFFER]
            elif mode == 1 and inst.mode == "online":
                continue
            else:
                if mode == 3 and inst.mode == "online":
                    self._ri_pulse(inst, 1000)
                inst.urc(text, "buffer")
        self.m.external_event()
        self.k.notify()

    def _ri_pulse(self, inst: "AtInstance", ms: int) -> None:
        inst.ri = 1

        def off(inst: "AtInstance" = inst) -> None:
            inst.ri = 0

        self.k.call_later(ms, off)

    def _schedule_redelivery(self) -> None:
        if self._redeliver_timer is not None or not self.pending or not self.m.power:
            return
        if self.free_index() is None:
            return
        self._redeliver_timer = self.k.call_later(self.redeliver_delay_ms, self._redeliver)

    def _redeliver(self) -> None:
        self._redeliver_timer = None
        if not self.m.power:
            return
        if self.m.sim_status() < 3:
            self._schedule_redelivery()
            return
        while self.pending and self.free_index() is not None:
            self._receive(self.pending.pop(0))

    def removed(self) -> None:
        """Slots were freed (+CMGD): the network may deliver what it held back."""
        self._schedule_redelivery()

    # ----------------------------------------------------------------- sending
    def _submit(self, ctx: Ctx, da: str, toda: int, text: str) -> Any:
        """Ctrl-Z was given: check, then hand the message to the network."""
        n = septets(text)
        if n > self.max_text_chars:
            return CmsError(self.too_long_error)
        r = self.m.radio
        if r.reg not in (1, 5):
            return CmsError(331, delay=self.send_delay_ms)  # no network service (ATR10 §3.2.2.2)
        if not self.sca[0].strip("+"):
            return CmsError(330, delay=self.send_delay_ms)  # SMSC address unknown
        if self.failures:
            return CmsError(self.failures.pop(0), delay=self.send_delay_ms)
        gen = self.k.generation
        parts = sms_parts(n)

        def accepted() -> None:
            if self.k.generation != gen:
                return  # the module rebooted meanwhile: the submit is lost
            mr = self.next_mr
            self.next_mr = (self.next_mr + parts) % 256
            self.sent.append(SentSms(da, text, self.k.now() / 1000.0, mr, parts, toda))
            self.m.external_event()
            ctx.done(Reply(["+CMGS: %d" % mr], "OK", 0))

        self.k.call_later(self.send_delay_ms, accepted)
        return PENDING

    # ------------------------------------------------------------------ formats
    def header(self, inst: "AtInstance", msg: Message, listing: bool) -> str:
        """The +CMGR / +CMGL header line in text mode (ATR10 §3.5.5.3, #SMSMODE=1)."""
        cs = charset(inst)
        num, alpha = encode_te(msg.number, cs), encode_te(msg.alpha, cs)
        csdh = inst.settings["+CSDH"]
        length = user_data(msg.text, cs)[1]
        if listing:
            # +CMGL: <index>,<stat>,<oa/da>,<alpha>,<scts>[,<tooa/toda>,<length>]; stored
            # messages have no <scts>: '+CMGL: 1,"STO SENT","+39329…","WIND SIM",' (SWUG6 §3.8.9)
            scts = '"%s"' % msg.scts if msg.received else ""
            line = '+CMGL: %d,"%s","%s","%s",%s' % (msg.index, msg.status, num, alpha, scts)
            if csdh:
                line += ",%d,%d" % (toa(msg.number), length)
            return line
        if msg.received:
            # +CMGR: <stat>,<oa>,<alpha>,<scts>[,<tooa>,<fo>,<pid>,<dcs>,<sca>,<tosca>,<length>]
            line = '+CMGR: "%s","%s","%s","%s"' % (msg.status, num, alpha, msg.scts)
            if csdh:
                line += ',%d,%d,%d,%d,"%s",%d,%d' % (toa(msg.number), 4, self.csmp[2], self.csmp[3],
                                                   encode_te(self.sca[0], cs), self.sca[1], length)
            return line
        # +CMGR: <stat>,<da>,<alpha>[,<toda>,<fo>,<pid>,<dcs>,[<vp>],<sca>,<tosca>,<length>]
        # (SWUG6 §3.8.3: '+CMGR: "STO SENT","+39329X569YYY","WIND SIM"')
        line = '+CMGR: "%s","%s","%s"' % (msg.status, num, alpha)
        if csdh:
            fo, vp, pid, dcs = self.csmp
            line += ',%d,%d,%d,%d,%d,"%s",%d,%d' % (toa(msg.number), fo, pid, dcs, vp,
                                                   encode_te(self.sca[0], cs), self.sca[1], length)
        return line


def _sms(ctx: Ctx) -> Sms:
    return ctx.module.sms


def _text_mode(ctx: Ctx) -> bool:
    return ctx.inst.settings["+CMGF"] == 1


# ======================================================================= commands
@command("+CMGF")
def cmgf(ctx: Ctx) -> Reply | CmsError:
    # ATR10 +CMGF: 0 PDU (factory default), 1 text; "AT+CMGF=" means 0. SWUG6 §3.8.1.1:
    # AT+CMGF=5 -> +CMS ERROR: 303 (with +CMEE 0, 1 and 2 alike).
    if ctx.kind == "read":
        return ok("+CMGF: %d" % ctx.inst.settings["+CMGF"])
    if ctx.kind == "test":
        return ok("+CMGF: (0,1)")
    if ctx.kind == "exec":
        return error()
    raw = ctx.arg(0, "0")
    if raw not in ("0", "1"):
        return CmsError(303)
    ctx.inst.settings["+CMGF"] = int(raw)
    return ok()


@command("+CSCS")
def cscs(ctx: Ctx) -> Reply:
    # ATR10 +CSCS (SELINT 2), a per-instance setting (REFERENCE §5.3). SWUG6 §3.8.2: an unknown
    # set gives ERROR, or "+CME ERROR: operation not supported" under +CMEE=2 (ArgError path).
    if ctx.kind == "read":
        return ok('+CSCS: "%s"' % charset(ctx.inst))
    if ctx.kind == "test":
        return ok("+CSCS: (%s)" % ",".join('"%s"' % c for c in CHARSETS))
    if ctx.kind == "exec":
        return error()
    name = ctx.arg(0, "IRA").upper()
    if name not in CHARSETS:
        raise ArgError("+CSCS")
    ctx.inst.settings["+CSCS"] = CHARSETS.index(name)
    return ok()


@command("+CPMS")
def cpms(ctx: Ctx) -> Reply | CmsError:
    # ATR10 +CPMS (#SMSMODE=1, p.204): "SM" is the only memory for reading, writing and
    # storing.  #SMSMODE=0 (p.203): <memr> may also be "ME" (where class-0 messages go).
    s = _sms(ctx)
    u, t = s.used(), s.capacity
    ur, tr = (len(s.me), s.me_capacity) if s.memr == "ME" else (u, t)
    if ctx.kind == "read":
        return ok('+CPMS: "%s",%d,%d,"SM",%d,%d,"SM",%d,%d' % (s.memr, ur, tr, u, t, u, t))
    if ctx.kind == "test":
        if not smsmode(ctx):
            return ok('+CPMS: ("ME","SM"),("SM"),("SM")')
        return ok('+CPMS: ("SM"),("SM"),("SM")')  # SWUG6 §3.8.1.6 with #SMSMODE=1
    if ctx.kind == "exec" or not ctx.args:
        return error()
    mems = [mem.upper() for mem in ctx.args[:3]]
    ok_r = ("SM",) if smsmode(ctx) else ("SM", "ME")
    if mems[0] not in ok_r or any(mem != "SM" for mem in mems[1:]):
        return CmsError(302)  # another memory: not allowed [L for the code]
    s.memr = mems[0]
    ur, tr = (len(s.me), s.me_capacity) if s.memr == "ME" else (u, t)
    return ok("+CPMS: %d,%d,%d,%d,%d,%d" % (ur, tr, u, t, u, t))


@command("+CSCA")
def csca(ctx: Ctx) -> Reply:
    # ATR10 +CSCA: service centre address, kept on the SIM (SWUG6 §3.8.1.3).
    s = _sms(ctx)
    if ctx.kind == "read":
        return ok('+CSCA: "%s",%d' % s.sca)
    if ctx.kind == "test":
        return ok()
    if ctx.kind == "exec" or not ctx.args:
        return error()  # SWUG6 §3.8.1.3: "AT+CSCA=" -> ERROR
    number = ctx.args[0]
    kind = ctx.int_arg(1, 129, 145, toa(number))
    if kind not in (129, 145):
        raise ArgError("+CSCA")
    s.sca = (number, kind)
    return ok()


@command("+CSMP")
def csmp(ctx: Ctx) -> Reply:
    # ATR10 +CSMP: <fo>,<vp>,<pid>,<dcs> for text-mode sending (stored, not otherwise modelled).
    s = _sms(ctx)
    if ctx.kind == "read":
        return ok("+CSMP: %d,%d,%d,%d" % tuple(s.csmp))
    if ctx.kind in ("test", "exec"):
        return ok()
    vals = list(s.csmp)
    for i in range(min(4, len(ctx.args))):
        if ctx.args[i] != "":
            vals[i] = ctx.int_arg(i, 0, 255)
    s.csmp = vals
    return ok()


@command("+CNMI")
def cnmi(ctx: Ctx) -> Reply | CmsError:
    # ATR10 +CNMI (#SMSMODE=1) <mode>,<mt>,<bm>,<ds>,<bfr>; per instance (REFERENCE §5.3, §8.2).
    st = ctx.inst.settings
    keys = ("+CNMI.mode", "+CNMI.mt", "+CNMI.bm", "+CNMI.ds", "+CNMI.bfr")
    if ctx.kind == "read":
        return ok("+CNMI: %d,%d,%d,%d,%d" % tuple(st[k] for k in keys))
    if ctx.kind == "test":
        return ok("+CNMI: (0-3),(0-3),(0,2),(0-2),(0,1)")
    if ctx.kind == "exec":
        return error()
    allowed = ((0, 1, 2, 3), (0, 1, 2, 3), (0, 2), (0, 1, 2), (0, 1))
    vals = [st[k] for k in keys]
    if not ctx.args:
        vals[0] = 0  # "AT+CNMI=" is "AT+CNMI=0"
    for i, a in enumerate(ctx.args[:5]):
        if a == "":
            continue
        try:
            v = int(a)
        except ValueError:
            raise ArgError("+CNMI") from None
        if v not in allowed[i]:
            return CmsError(303)
        vals[i] = v
    if len(ctx.args) > 5:
        raise ArgError("+CNMI")
    for k, v in zip(keys, vals):
        st[k] = v
    if vals[0] in (1, 2, 3):
        # <bfr>: 0 flushes the TA buffer of indications once mode 1-3 is entered ("OK response
        # shall be given before flushing": URCs queued now come out after the OK), 1 clears it.
        buf = _sms(ctx)._ta_buffer.pop(ctx.inst.index, [])
        if vals[4] == 0:
            for text in buf:
                ctx.inst.urc(text, "buffer")
    return ok()


@command("+CMGR")
def cmgr(ctx: Ctx) -> Reply | CmsError:
    # ATR10 +CMGR (#SMSMODE=1, text mode); reading REC UNREAD makes it REC READ; an empty index
    # is an error (REFERENCE §8.3): +CMS ERROR: 321 invalid memory index (SWUG6 §3.8.4 shows 321
    # for an empty index of +CMSS).
    s = _sms(ctx)
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "set":
        return error()
    idx = ctx.int_arg(0, 0, 65535)
    if not _text_mode(ctx):
        return CmsError(303)  # PDU mode output is not emulated (docs/emulator-sms-csd.md)
    msg = s.read_store().get(idx)
    if msg is None:
        return CmsError(321)
    lines = [s.header(ctx.inst, msg, listing=False), user_data(msg.text, charset(ctx.inst))[0]]
    if msg.status == "REC UNREAD":
        msg.status = "REC READ"
    return Reply(lines, "OK", s.read_delay_ms)


@command("+CMGL")
def cmgl(ctx: Ctx) -> Reply | CmsError:
    # ATR10 +CMGL (#SMSMODE=1, text mode): <stat> is a string; without it the list holds
    # "REC UNREAD"; the order is the position in the store. A numeric <stat> in text mode is
    # refused: AT+CMGL=4 -> +CMS ERROR: 302 (SWUG6 §3.8.9). GTM sends AT+CMGL=ALL unquoted and it
    # works (REFERENCE §8.3), so an unquoted name is accepted. Listing marks REC UNREAD as
    # REC READ (3GPP TS 27.005 §3.4.2).
    s = _sms(ctx)
    if ctx.kind == "test":
        if _text_mode(ctx):
            return ok("+CMGL: (%s)" % ",".join('"%s"' % x for x in LIST_STATS))
        return ok("+CMGL: (0-4)")
    stat = "REC UNREAD"
    if ctx.kind == "set" and ctx.args:
        raw = ctx.args[0].strip()
        if raw.isdigit():
            if _text_mode(ctx):
                return CmsError(302)
            return CmsError(303)  # PDU mode output is not emulated
        if not _text_mode(ctx):
            return CmsError(304)  # a text <stat> is an invalid PDU-mode parameter (27.005 §3.2.5)
        stat = raw.upper()
        if stat not in LIST_STATS:
            raise ArgError("+CMGL")
    elif not _text_mode(ctx):
        return CmsError(303)
    lines: list[str] = []
    cs = charset(ctx.inst)
    # ATR10 +CMGL (p.260-262): with #SMSMODE=0 "the order in which the messages are reported
    # ... is the same order in which these messages have been processed by the module" (the
    # store keeps insertion order); with 1 it "corresponds to their position".
    store = s.read_store()
    order = sorted(store) if smsmode(ctx) else list(store)
    for idx in order:
        msg = store[idx]
        if stat != "ALL" and msg.status != stat:
            continue
        lines.append(s.header(ctx.inst, msg, listing=True))
        lines.append(user_data(msg.text, cs)[0])
        if msg.status == "REC UNREAD":
            msg.status = "REC READ"
    delay = s.list_delay_ms + s.list_per_message_ms * (len(lines) // 2)
    return Reply(lines, "OK", delay)


@command("+CMGD")
def cmgd(ctx: Ctx) -> Reply | CmsError:
    # ATR10 +CMGD (#SMSMODE=1): <delflag> 0 (or omitted) this index; 1 all read; 2 read + sent;
    # 3 read + sent + unsent; 4 all. With <delflag> > 0 the index is ignored. An empty index is
    # an error: +CMS ERROR: 321 (SWUG6 §3.8.7, under +CMEE=0 and 2 alike). "AT+CMGD" -> ERROR.
    s = _sms(ctx)
    if ctx.kind == "test":
        return ok("+CMGD: (%s),(0-4)" % ",".join(str(i) for i in sorted(s.store)))
    if ctx.kind != "set" or not ctx.args:
        return error()
    idx = ctx.int_arg(0, 0, 65535)
    flag = ctx.int_arg(1, 0, 4, 0)
    store = s.read_store()
    if flag == 0:
        if idx not in store:
            return CmsError(321)
        del store[idx]
        n = 1
    else:
        doomed = {1: ("REC READ",), 2: ("REC READ", "STO SENT"),
                  3: ("REC READ", "STO SENT", "STO UNSENT"), 4: STATUSES}[flag]
        gone = [i for i, m in store.items() if m.status in doomed]
        for i in gone:
            del store[i]
        n = len(gone)
    s.removed()
    return Reply([], "OK", s.delete_delay_ms + s.delete_per_message_ms * max(0, n - 1))


def _text_prompt(ctx: Ctx, on_input: Any) -> Prompt:
    # The 4-byte prompt <CR><LF><greater_than><space> (ATR10 +CMGS; REFERENCE §5.6); Ctrl-Z ends
    # the text, ESC aborts and the answer is OK (SWUG6 §3.8.3: "ESC to abort ... OK"); backspace
    # deletes; each CR is answered with the prompt again (ATR10 +CMGS, #SMSMODE=1).
    return Prompt(b"\r\n> ", on_input, on_abort=lambda: Reply([], "OK", 0), backspace=True,
                  cr_prompt=True, delay=_sms(ctx).prompt_delay_ms)


def _address_args(ctx: Ctx) -> tuple[str, int]:
    cs = charset(ctx.inst)
    da = decode_te(ctx.args[0], cs) if ctx.args else None
    if not da:
        raise ArgError(ctx.name)
    toda = ctx.int_arg(1, 0, 255, toa(da))
    if toda not in (129, 145):
        raise ArgError(ctx.name)
    return da, toda


@command("+CMGS")
def cmgs(ctx: Ctx) -> Any:
    # ATR10 +CMGS (text mode): AT+CMGS=<da>[,<toda>], then the prompt, the text, Ctrl-Z; the
    # answer +CMGS: <mr> comes after the network accepted the message (up to 60 s, §3.2.4).
    s = _sms(ctx)
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "set" or not ctx.args:
        return error()
    if not _text_mode(ctx):
        # PDU mode takes AT+CMGS=<length>: a quoted address is an invalid PDU-mode parameter
        # (SWUG6 §3.8.3 shows 304 for +CMGW="<da>" in PDU mode); PDU sending is not emulated.
        return CmsError(304) if ctx.quoted and ctx.quoted[0] else CmsError(303)
    da, toda = _address_args(ctx)
    inst = ctx.inst

    def on_input(data: bytes) -> Any:
        text = decode_te(data.decode("latin-1"), charset(inst))
        if text is None:
            return CmsError(305)
        return s._submit(ctx, da, toda, text)

    return _text_prompt(ctx, on_input)



@command("+CMGW")
def cmgw(ctx: Ctx) -> Any:
    # ATR10 +CMGW (text mode): AT+CMGW[=<da>[,<toda>[,<stat>]]], prompt, text, Ctrl-Z ->
    # +CMGW: <index>; the default <stat> is "STO UNSENT". PDU mode: SWUG6 §3.8.3 ->
    # +CMS ERROR: 304 for a quoted address.
    s = _sms(ctx)
    if ctx.kind == "test":
        return ok()
    if not _text_mode(ctx):
        return CmsError(304)
    da, toda, stat = "", 129, "STO UNSENT"
    if ctx.kind == "set" and ctx.args:
        da, toda = _address_args(ctx)
        if len(ctx.args) > 2 and ctx.args[2]:
            stat = ctx.args[2].upper()
            if stat not in STATUSES:
                raise ArgError("+CMGW")
    inst = ctx.inst

    def on_input(data: bytes) -> Any:
        text = decode_te(data.decode("latin-1"), charset(inst))
        if text is None or septets(text) > s.max_text_chars:
            return CmsError(305)
        i = s.free_index()
        if i is None:
            return CmsError(322)  # memory full
        s.store[i] = Message(i, stat, da, text, s.scts_now() if stat.startswith("REC") else "")
        return Reply(["+CMGW: %d" % i], "OK", 200)

    return _text_prompt(ctx, on_input)


def _attach(module: "Module") -> None:
    Sms(module)


_module.EXTENSION_FACTORIES.append(_attach)


# ------------------------------------------------------------------ SIM readiness
# SMS needs the SIM ready (#QSS status 3, "SMS and Phonebook access are possible", ATR10
# p.324).  Before that, every SMS command but the test form answers the 27.005 error of the
# SIM's state (ATR10 §3.2.2.2, +CMS ERROR table): 310 SIM not inserted, 311 SIM PIN
# required, 314 SIM busy (inserted, still being read after the boot).
def _needs_sim(fn: Any) -> Any:
    def handler(ctx: Ctx) -> Any:
        if ctx.kind != "test":
            st = ctx.module.sim_status()
            if st < 3:
                return CmsError({0: 310, 1: 311}.get(st, 314))
        return fn(ctx)

    return handler


for _name in ("+CPMS", "+CMGR", "+CMGL", "+CMGD", "+CMGS", "+CMGW", "+CSCA", "+CMSS"):
    if _name in COMMANDS:
        COMMANDS[_name] = _needs_sim(COMMANDS[_name])


# ------------------------------------------------------------------ #SMSMODE
def smsmode(ctx: Ctx) -> int:
    return int(ctx.module.nvm.get("smsmode", 0))


@command("#SMSMODE")
def smsmode_cmd(ctx: Ctx) -> Reply:
    # ATR10 §3.5.7.1.13 (p.288): 0 (default for all products but GE865-QUAD and GE864-DUAL
    # V2) or 1, the "improved SMS commands operation mode" Telit suggests (p.10-11).  Stored in
    # NVM by itself (ATR10 §3.3.1 p.27).  Here it changes the +CMGL order; the rest of the
    # SMS model follows the #SMSMODE=1 pages (class-0 messages to "ME" under 0 are not
    # modelled: docs/emulator-sms-csd.md).
    if ctx.kind == "test":
        return ok("#SMSMODE: (0,1)")
    if ctx.kind == "set":
        ctx.module.nvm["smsmode"] = ctx.int_arg(0, 0, 1)
        return ok()
    return ok("#SMSMODE: %d" % smsmode(ctx))
