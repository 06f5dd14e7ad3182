"""Catalogue commands for the remote and survey services (tools/emulator/commands_catalog.py is
the engine; docs/emulator.md "Command catalogue"): Easy Scan (#CSURV #CSURVC #CSURVU #CSURVUC
#CSURVB #CSURVBC #CSURVP #CSURVPC; #CSURVF #CSURVNLF #CSURVEXT are rows), the SMS AT Run service
(#SMSATRUN #SMSATRUNCFG #SMSATWL), the event monitor (#ENAEVMONI #ENAEVMONICFG #EVMONI), the
TCP AT Run service (#TCPATRUNCFG #TCPATRUNL #TCPATRUND #TCPATRUNFRWL #TCPATRUNAUTH
#TCPATRUNCLOSE #TCPATCONSER; #TCPATCMDSEQ is a row), OTA (#OTASNAP #OTASUAN), the SIM toolkit
without a SIM application (#STGI #STSR), #SIMATR and #CMGLCONCINDEX.

Sources: ATR10 (AT Commands Reference Guide 80000ST10025a Rev.10) §3.5.7.2 pp.377-394 (AT Run,
event monitor), §3.5.7.3 pp.397-403 (OTA), §3.5.7.8 pp.499-520 (Easy Scan), §3.5.7.9 pp.520-535
(SIM toolkit), p.353 (#SIMATR), p.363 (#CMGLCONCINDEX); the application notes *Running AT
commands remotely* 80000NT10029a r4 §2-3 (SMS and TCP AT Run) and *Event Monitor* 80000ST10028a r0 §2, in
the public repository bewest/unapy, docs/Telit.

World model (tests and the control interface)::

    m.easyscan.neighbours        # [Cell(...)] the BCCH carriers around the serving cell
    m.easyscan.carriers          # [(arfcn, dBm)] carriers without a BCCH
    m.easyscan.ms_per_channel    # scan time per channel (5 ms)
    m.atrun.busy                 # a remote (SMS AT Run / event) command is running
    m.tcprun.link                # the TCP AT Run connection (TcpRunLink) or None
    m.radio.atr                  # the SIM's answer to reset (#SIMATR), hexadecimal
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from .at import COMMANDS, PENDING, ArgError, AtInstance, CmeError, Ctx, Reply, error, ok
from .commands_catalog import ENTRIES, _cat, _free, _free_exec, parse_set, table_handler
from .module import EXTENSION_FACTORIES

if TYPE_CHECKING:  # pragma: no cover
    from .module import Module


def _nvm(m: "Module") -> dict[str, Any]:
    """The services' settings in NVM: ATR10 says "the current settings are stored in NVM" for
    #SMSATRUN #SMSATRUNCFG #TCPATRUNCFG #TCPATRUNL #TCPATRUND #ENAEVMONI #ENAEVMONICFG,
    "saved in NVM" for the #TCPATRUNFRWL and #TCPATRUNAUTH lists and #OTASNAP (pp.377-398)."""
    return m.nvm.setdefault("atrun", {})


def _nvm_seen(m: "Module") -> dict[str, Any]:
    """The same, read only (NVM gets no "atrun" key until a command sets something)."""
    return m.nvm.get("atrun", {})  # type: ignore[no-any-return]


# ====================================================================== Easy Scan
STATUS_TEXT = ("CELL_SUITABLE", "CELL_LOW_PRIORITY", "CELL_FORBIDDEN", "CELL_BARRED",
               "CELL_LOW_LEVEL", "CELL_OTHER")  # ATR10 p.504 / numeric 0-5 p.510

# ATR10 #BND p.341: 0 GSM 900 + DCS 1800, 1 GSM 900 + PCS 1900, 2 GSM 850 + DCS 1800,
# 3 GSM 850 + PCS 1900. Channel numbers: 3GPP TS 45.005 §2 (E-GSM 0-124 and 975-1023, DCS 512-885,
# PCS 512-810, GSM 850 128-251).
_GSM900 = list(range(0, 125)) + list(range(975, 1024))
_DCS = list(range(512, 886))
_PCS = list(range(512, 811))
_GSM850 = list(range(128, 252))
BANDS = {0: _GSM900 + _DCS, 1: _GSM900 + _PCS, 2: _GSM850 + _DCS, 3: _GSM850 + _PCS}

# GPRS parameters of a cell with PBCCH (SI13, ATR10 p.505): nom rac spgc pat nco t3168 t3192
# drxmax ctrlAck bsCVmax alpha pcMeasCh.
GPRS_FIELDS = ("nom", "rac", "spgc", "pat", "nco", "t3168", "t3192", "drxmax", "ctrlAck",
               "bsCVmax", "alpha", "pcMeasCh")


@dataclass
class Cell:
    """A BCCH carrier as Easy Scan reports it (ATR10 pp.503-505)."""

    arfcn: int
    bsic: int
    dbm: int
    plmn: str  # MCC + MNC digits, "00101"
    lac: int
    ci: int
    status: int = 0  # index in STATUS_TEXT
    ca: tuple[int, ...] = ()  # Cell Channel Description
    ba: tuple[int, ...] = ()  # BCCH Allocation list
    gprs: bool = True
    pbcch: int = 0
    gprs_values: tuple[int, ...] = (2, 1, 1, 3, 0, 500, 500, 0, 1, 15, 10, 0)


class EasyScan:
    """The cells the emulated radio hears (``module.easyscan``). The serving cell is built from
    ``module.radio`` (ARFCN 62, BSIC 25 as #MONI/#SERVINFO report it); the neighbours are the
    emulator's own small list (the BA list of the serving cell names them)."""

    def __init__(self, module: "Module") -> None:
        self.m = module
        self.ms_per_channel = 5  # "The command is executed within max. 2 minutes" (p.506)
        self.neighbours: list[Cell] = [
            Cell(70, 31, -85, "", 0, 0x3C4E, 0, (70, 75), (62, 70, 600)),
            Cell(600, 12, -95, "00102", 0x0B2C, 0x1F40, 2, (600, 610), (600, 610, 62), True, 1),
        ]
        self.carriers: list[tuple[int, int]] = [(75, -101)]
        module.easyscan = self  # type: ignore[attr-defined]

    def serving(self) -> Cell:
        r = self.m.radio
        status = 0 if r.reg in (1, 5) else 2 if r.reg == 3 else 5
        return Cell(62, 25, -113 + 2 * r.rssi, getattr(r, "plmn", "00101"), int(r.lac, 16),
                    int(r.ci, 16), status, (62, 70), (62, 70, 75, 600))

    def heard(self) -> dict[int, Any]:
        """arfcn -> Cell or rxLev of a carrier without BCCH; nothing without coverage."""
        r = self.m.radio
        if r.rssi == 99:
            return {}
        out: dict[int, Any] = {arfcn: (arfcn, dbm) for arfcn, dbm in self.carriers}
        serving = self.serving()
        for c in [serving] + self.neighbours:
            out[c.arfcn] = Cell(c.arfcn, c.bsic, c.dbm, c.plmn or serving.plmn, c.lac or serving.lac,
                                c.ci, c.status, c.ca, c.ba, c.gprs, c.pbcch, c.gprs_values)
        return out


def _mcc_mnc(plmn: str) -> tuple[str, str]:
    # ATR10 p.504: "<mcc> - hexadecimal 3-digits number", "<mnc> - hexadecimal 2-digits number";
    # the example prints MNC 01 as "mnc: 1": the digits read as a hexadecimal number.
    return "%x" % int(plmn[:3], 16), "%x" % int(plmn[3:] or "0", 16)


def _carrier_line(m: "Module", inst: Any, item: Any, serving_arfcn: int, numeric: bool) -> str:
    cat = m.catalog  # type: ignore[attr-defined]
    fmt = cat.value(ENTRIES["#CSURVF"], inst)[0]
    ext = cat.value(ENTRIES["#CSURVEXT"], inst)[0]
    if not isinstance(item, Cell):
        arfcn, dbm = item
        return "%d,%d" % (arfcn, dbm) if numeric else "arfcn: %d rxLev: %d" % (arfcn, dbm)
    c = item
    # ATR10 p.503-504: with #CSURVF 0 <bsic> <lac> <cellId> are decimal, else <bsic> is a
    # 2-digit octal number and <lac> <cellId> 4-digit hexadecimal numbers.
    if fmt == 0:
        bsic, lac, ci = "%d" % c.bsic, "%d" % c.lac, "%d" % c.ci
    else:
        bsic, lac, ci = "%02o" % c.bsic, "%04X" % c.lac, "%04X" % c.ci
    mcc, mnc = _mcc_mnc(c.plmn)
    ca = " ".join(str(a) for a in c.ca)
    ba = " ".join(str(a) for a in c.ba)
    # BA list: the serving cell always; every BCCH carrier with #CSURVEXT 1 or 2 (p.504).
    show_ba = c.arfcn == serving_arfcn or ext >= 1
    # GPRS information (SI13) with #CSURVEXT 2 for a cell that supports GPRS (p.519).
    show_gprs = ext == 2 and c.gprs
    if numeric:
        # "<arfcn>,<bsic>,<rxLev>,<ber>,<mcc>,<mnc>,<lac>,<cellId>,<cellStatus>,<numArfcn>
        # [,<arfcn1> ..]" (p.509): the channel lists are space separated ("2,30 48", p.512).
        line = "%d,%s,%d,0.00,%s,%s,%s,%s,%d,%d" % (c.arfcn, bsic, c.dbm, mcc, mnc, lac, ci,
                                                    c.status, len(c.ca))
        if c.ca:
            line += "," + ca
        if show_ba:
            line += ",%d" % len(c.ba) + ("," + ba if c.ba else "")
        if show_gprs:
            line += ",%d" % c.pbcch
            if c.pbcch:
                line += "," + ",".join(str(v) for v in c.gprs_values)
        return line
    line = ("arfcn: %d bsic: %s rxLev: %d ber: 0.00 mcc: %s mnc: %s lac: %s cellId: %s "
            "cellStatus: %s numArfcn: %d arfcn: %s" % (c.arfcn, bsic, c.dbm, mcc, mnc, lac, ci,
                                                       STATUS_TEXT[c.status], len(c.ca), ca))
    if show_ba:
        line += " numChannels: %d array: %s" % (len(c.ba), ba)
    if show_gprs:
        line += " pbcch: %d" % c.pbcch
        if c.pbcch:
            line += "".join(" %s: %d" % kv for kv in zip(GPRS_FIELDS, c.gprs_values))
    return line


def _band(ctx: Ctx) -> list[int]:
    return BANDS[_cat(ctx).value(ENTRIES["#BND"], ctx.inst)[0]]


def _survey(ctx: Ctx, channels: list[int], numeric: bool,
            stop: Callable[[list[Cell]], bool] | None = None) -> Reply:
    """Scan ``channels`` in order; ``stop`` ends the scan once the BCCH carriers found so far
    satisfy it (#CSURVB, #CSURVP). The answer (pp.500-511): "Network survey started...", one
    information text per carrier followed by <CR><LF><CR><LF><CR><LF>, then "Network survey
    ended" (with #CSURVF=2 "Network survey ended (Carrier: <NoARFCN> BCCh: <NoBCCh>)")."""
    m = ctx.module
    scan: EasyScan = m.easyscan  # type: ignore[attr-defined]
    heard = scan.heard()
    cat = _cat(ctx)
    nlf = cat.value(ENTRIES["#CSURVNLF"], ctx.inst)[0]
    fmt = cat.value(ENTRIES["#CSURVF"], ctx.inst)[0]
    lines = ["Network survey started..."]
    found: list[Cell] = []
    scanned = 0
    for arfcn in channels:
        scanned += 1
        item = heard.get(arfcn)
        if item is None:
            continue
        lines.append(_carrier_line(m, ctx.inst, item, 62, numeric))
        if not nlf:
            # #CSURVNLF=1 "remove <CR><LF> from information text" (p.518): the empty lines after
            # each carrier go, each carrier keeps its own line [n/d: the exact bytes].
            lines.extend(["", ""])
        if isinstance(item, Cell):
            found.append(item)
            if stop is not None and stop(found):
                break
    if fmt == 2:
        lines.append("Network survey ended (Carrier: %d BCCh: %d)" % (scanned, len(found)))
    else:
        lines.append("Network survey ended")
    return Reply(lines, "OK", 100 + scan.ms_per_channel * scanned)


def _channel(ctx: Ctx, i: int, band: list[int]) -> int:
    raw = ctx.args[i] if i < len(ctx.args) else ""
    quoted = ctx.quoted[i] if i < len(ctx.quoted) else False
    if quoted or not raw.isdigit() or int(raw) not in band:
        raise ArgError(ctx.name)  # "The range of available channels depends on the last #BND"
    return int(raw)


@_free("#CSURV", "#CSURVC")
def csurv(ctx: Ctx) -> Reply:
    # ATR10 pp.503-512 (SELINT 2): AT#CSURV[=[<s>,<e>]]: a full band scan, or the band's
    # channels from <s> to <e>. No read form in SELINT 2 (the SELINT 0/1 one is not listed).
    if ctx.kind == "test":
        return ok()
    if ctx.kind == "read":
        return error()
    band = _band(ctx)
    if ctx.kind == "set" and ctx.args:
        if len(ctx.args) != 2:
            raise ArgError(ctx.name)
        s, e = _channel(ctx, 0, band), _channel(ctx, 1, band)
        if s > e:
            raise ArgError(ctx.name)
        band = [ch for ch in band if s <= ch <= e]
    return _survey(ctx, sorted(band), ctx.name == "#CSURVC")


@_free("#CSURVU", "#CSURVUC")
def csurvu(ctx: Ctx) -> Reply:
    # ATR10 pp.512-515: AT#CSURVU=[<ch1>[,<ch2>[,...]]]: the given channels (of the #BND band);
    # "issuing AT#CSURVU=<CR> is the same as issuing the command AT#CSURVU=0<CR>" (p.512).
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "set":
        return error()
    band = _band(ctx)
    if not ctx.args:
        if 0 not in band:
            raise ArgError(ctx.name)
        return _survey(ctx, [0], ctx.name == "#CSURVUC")
    chans = [_channel(ctx, i, band) for i in range(len(ctx.args))]
    return _survey(ctx, chans, ctx.name == "#CSURVUC")


@_free("#CSURVB", "#CSURVBC")
def csurvb(ctx: Ctx) -> Reply:
    # ATR10 pp.515-517: AT#CSURVB=[<n>]: the band's channels until <n> BCCH carriers are found;
    # test: "(1-M)", M the number of channels of the band (#BND).
    band = _band(ctx)
    if ctx.kind == "test":
        return ok("(1-%d)" % len(band))
    if ctx.kind != "set":
        return error()
    if len(ctx.args) > 1:
        raise ArgError(ctx.name)
    n = len(band)
    if ctx.args:
        if ctx.quoted and ctx.quoted[0]:
            raise ArgError(ctx.name)
        n = ctx.int_arg(0, 1, len(band))
    return _survey(ctx, sorted(band), ctx.name == "#CSURVBC", lambda found: len(found) >= n)


@_free("#CSURVP", "#CSURVPC")
def csurvp(ctx: Ctx) -> Reply:
    # ATR10 p.520: AT#CSURVP=<plmn> "in numeric format": the scan stops at the first BCCH
    # carrier of that PLMN; test: OK.
    if ctx.kind == "test":
        return ok()
    if ctx.kind != "set":
        return error()
    if len(ctx.args) != 1 or not re.fullmatch(r"\d{5,6}", ctx.args[0]):
        raise ArgError(ctx.name)
    plmn = ctx.args[0]
    return _survey(ctx, sorted(_band(ctx)), ctx.name == "#CSURVPC",
                   lambda found: found[-1].plmn == plmn)


# ================================================================ AT Run services
class RunInstance(AtInstance):
    """The AT instance the SMS AT Run and event monitor services run their commands on
    (#SMSATRUNCFG / #ENAEVMONICFG <instance>). It is the emulator's own parser: the script's MDM
    and MDM2 and the serial port are not taken away from it [simplification]."""

    def __init__(self, module: "Module", index: int) -> None:
        self.got = bytearray()
        self.on_done: Callable[[bytes], None] | None = None
        super().__init__(module, index, "ATRUN", sink=self.got.extend)

    def _final(self, text: str) -> None:
        super()._final(text)
        done, self.on_done = self.on_done, None
        if done is not None:
            out = bytes(self.got)
            self.got.clear()
            done(out)


class AtRun:
    """``module.atrun``: runs the commands of SMS AT Run and of the event monitor, one at a
    time, with the #ATRUNDELAY delay and the <timeout> after which the module reboots."""

    def __init__(self, module: "Module") -> None:
        self.m = module
        self.inst: RunInstance | None = None
        self.queue: list[tuple[str, int, int, Callable[[bytes], None]]] = []
        self.busy = False
        self._timers: list[Any] = []
        self._poll_timer: Any = None
        self._since: dict[str, int] = {}  # event label -> when its condition became true (ms)
        self._fired: set[str] = set()  # events that fired and wait for their condition to end
        self._contexts: set[int] = set()  # active PDP contexts at the last poll (CONTDEACT)
        self._started = False  # the start-up is over: the monitor polls
        module.atrun = self  # type: ignore[attr-defined]
        module.extensions.append(self)

    def on_boot(self) -> None:
        for t in self._timers:
            t.cancel()
        if self._poll_timer is not None:
            self._poll_timer.cancel()
        self._poll_timer = None
        self._timers = []
        self.queue = []
        self.busy = False
        self._since, self._fired, self._contexts, self._started = {}, set(), set(), False
        if self.inst is not None:
            self.inst.dead = True
        self.inst = RunInstance(self.m, _nvm_seen(self.m).get("instance", 3))
        # Event monitor STARTUP (Event Monitor application note §2.1.6): once the start-up is
        # over, when the SIM has been read (radio.sim_ready_ms); the other events are polled
        # from then on.
        self._later(self.m.radio.sim_ready_ms, self._startup_events)

    def on_power_off(self) -> None:
        """A power cut: what was running or waiting is gone (RAM)."""
        for t in self._timers:
            t.cancel()
        if self._poll_timer is not None:
            self._poll_timer.cancel()
        self._timers, self._poll_timer, self.queue, self.busy = [], None, [], False
        if self.inst is not None:
            self.inst.dead = True

    def links(self) -> list[Any]:
        return []

    def close(self) -> None:
        pass

    def _later(self, ms: int, fn: Callable[[], None]) -> None:
        self._timers.append(self.m.kernel.call_later(ms, fn))

    # ------------------------------------------------------------- running
    def run(self, line: str, delay_s: int, timeout_min: int, done: Callable[[bytes], None]) -> None:
        self.queue.append((line, delay_s, timeout_min, done))
        if not self.busy:
            self._next()

    def _next(self) -> None:
        if not self.queue or not self.m.power:
            self.busy = False
            return
        self.busy = True
        line, delay_s, timeout_min, done = self.queue.pop(0)
        inst = self.inst
        assert inst is not None

        def finished(out: bytes) -> None:
            watchdog.cancel()
            done(out)
            self._next()

        def start() -> None:
            inst.on_done = finished
            inst.feed(line.encode("latin-1", "replace") + b"\r")

        # <timeout>: "the maximum time for a command execution. If timeout expires the module
        # will be rebooted" (pp.379, 390).
        watchdog = self.m.kernel.call_later(delay_s * 1000 + timeout_min * 60_000,
                                            lambda: self.m.reboot("AT Run timeout"))
        self._timers.append(watchdog)
        self._later(delay_s * 1000, start)  # #ATRUNDELAY (p.388)

    # ----------------------------------------------------------- SMS AT Run
    def sms_received(self, number: str, text: str) -> bool:
        """An SMS arrived: True when it is an SMS AT Run request (handled and "silently
        discarded", Run AT application note §2.2), False for an ordinary message."""
        st = _nvm_seen(self.m)
        if not st.get("sms", 0):
            return False
        body = text.strip()
        upper = body.upper()
        if not (upper.startswith("AT") or upper.startswith("HAT")):
            return False  # "the text has to begin with the string "AT" or "HAT"" (§2.1)
        if not _whitelisted(st.get("wl", []), number):
            return False
        answer = not upper.startswith("HAT")
        line = body if answer else body[1:]
        cfg = st.get("smscfg", [1, 5])
        if cfg[0]:
            self._urc(st.get("sms_urc_inst", 1), "#SMSATRUN: %s" % line)
        delay = _cat_ram(self.m).get("#ATRUNDELAY", [0, 0])[1]

        def reply(out: bytes) -> None:
            # "If the text begins with the "AT" string, then the AT command response has to be
            # sent to the sender by one or more response SMS" (§2.1); at most 15 parts (§2.5.2
            # note 9).
            if answer:
                _send_sms(self.m, number, out.decode("latin-1"))

        self.run(line, delay, cfg[1], reply)
        return True

    # -------------------------------------------------------- event monitor
    def _startup_events(self) -> None:
        m = self.m
        st = _nvm_seen(m)
        if not m.power:
            return
        self._started = True
        if not st.get("ev_on", 0):
            return
        if getattr(getattr(m, "catalog", None), "alarm_mode", False):
            return  # "When the module powers on in alarm mode, the STARTUP event is not triggered"
        ev = st.get("events", {}).get("STARTUP")
        if ev and ev[0] and ev[1]:
            self.event("STARTUP", ev[1])
        self.watch()

    def watch(self) -> None:
        """(Re)start the once-a-second poll of the monitored conditions (#ENAEVMONI=1)."""
        if self._poll_timer is None and self._started and self.m.power:
            self._poll_timer = self.m.kernel.call_later(0, self._poll)

    def _condition(self, label: str, ev: list[Any]) -> tuple[bool, int]:
        """(the event's condition holds now, seconds it must hold) per ATR10 pp.392-393."""
        m = self.m
        p = ev[2:]
        if label == "VBATT":  # <param> 1: threshold in 10 mV units, 2: seconds
            return int(getattr(m, "battery_mv", 3800)) < p[0] * 10, p[1]
        if label == "DTR":  # 1: the level under monitoring, 2: seconds
            return int(m.serial.dte.dtr) == p[0], p[1]
        if label == "ROAM":
            return m.radio.reg == 5, 0
        if label == "REGISTERED":  # "to home network or in roaming"
            return m.radio.reg in (1, 5), 0
        if label == "CONTDEACT":  # a context that was active is not any more
            net = getattr(m, "net", None)
            now = {cid for cid, c in getattr(net, "contexts", {}).items() if c.state == "active"}
            lost, self._contexts = self._contexts - now, now
            return bool(lost), 0
        if label == "RING":  # 1: the number of rings
            call = getattr(getattr(m, "csd", None), "current", None)
            return call is not None and call.state == "ringing" and call.rings >= p[0], 0
        if label.startswith("GPIO"):  # 1: pin, 2: level, 3: seconds
            pin = m.gpio.get(p[0])
            return pin is not None and pin[1] == p[1], p[2]
        # ADCH1 / ADCL1: 1: ADC input, 2: threshold in mV, 3: seconds
        value = m.adc.get(p[0], 0)
        return (value > p[1] if label == "ADCH1" else value < p[1]), p[2]

    def _poll(self) -> None:
        # Each event fires once when its condition has held for its interval, and again only
        # after the condition ended (REGISTERED once per start-up: "after the start-up").
        self._poll_timer = None
        m = self.m
        st = _nvm_seen(m)
        if not m.power or not st.get("ev_on", 0):
            return
        now = m.kernel.now()
        for label, ev in sorted(st.get("events", {}).items()):
            if label == "STARTUP" or not ev[0]:
                continue
            holds, hold_s = self._condition(label, ev)
            if not holds:
                self._since.pop(label, None)
                if label != "REGISTERED":
                    self._fired.discard(label)
                continue
            since = self._since.setdefault(label, now)
            if label not in self._fired and now - since >= hold_s * 1000:
                self._fired.add(label)
                if ev[1]:
                    self.event(label, ev[1])
        self._poll_timer = m.kernel.call_later(1000, self._poll)

    def event(self, label: str, command: str) -> None:
        """Run the AT command of an event ("\\22" stands for '"', ATR10 p.392)."""
        st = _nvm_seen(self.m)
        urc, timeout = st.get("evcfg", [1, 5])
        line = command.replace("\\22", '"')
        if urc:
            self._urc(st.get("ev_urc_inst", 1), "#EVMONI: %s" % line)
        self.run(line, 0, timeout, lambda out: None)

    def _urc(self, index: int, text: str) -> None:
        # "Unsolicited is dumped on the instance that requested the service activation."
        inst = self.m.instances.get(index)
        if inst is not None:
            inst.urc(text)


# ================================================================ TCP AT Run service
class TcpRunInstance(AtInstance):
    """The AT instance of a TCP AT Run connection: its input is what the remote host sends, its
    output goes back on the connection ("The AT interface input and output will be redirected
    to the TCP socket", Run AT application note §3). Each command line has <timeout> minutes
    (#TCPATRUNCFG) before the module reboots."""

    def __init__(self, module: "Module", index: int, link: "TcpRunLink") -> None:
        super().__init__(module, index, "TCPATRUN", sink=link.send)
        self.link_end = link
        self._watchdog: Any = None

    def _line(self, line: bytes, over: bool) -> None:
        if line.strip()[:2].upper() == b"AT" and self._watchdog is None:
            minutes = _nvm_seen(self.module).get("tcpcfg", TCPCFG_DEFAULT)[6]
            self._watchdog = self.k.call_later(minutes * 60_000,
                                               lambda: self.module.reboot("TCP AT Run timeout"))
        super()._line(line, over)

    def _final(self, text: str) -> None:
        self.stop_watchdog()
        super()._final(text)

    def stop_watchdog(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None


class TcpRunLink:
    """The module end of a TCP AT Run connection: what net/sockets.py's Socket is to #SD, for
    the radio link (net/radio.py Wire). In server mode the remote host logs in first (Run AT
    application note §3.2.2): authMode 0 "userid<CR>passw<CR>", authMode 1 the prompts
    "Username: " and "Password: " and "Login successful."; a pair not in #TCPATRUNAUTH closes
    the connection at once."""

    def __init__(self, svc: "TcpRun", wire: Any, remote_ip: str, server: bool) -> None:
        self.svc = svc
        self.wire = wire
        self.remote_ip = remote_ip
        self.closed = False
        self.buf = bytearray()
        cfg = _nvm_seen(svc.m).get("tcpcfg", TCPCFG_DEFAULT)
        self.auth_mode = cfg[7]
        self.step = "user" if server else "run"
        self.user = ""
        self.inst = TcpRunInstance(svc.m, cfg[1], self)
        wire.sock = self
        if server and self.auth_mode == 1:
            self.send(b"Username: ")
        wire.kick()

    # ------------------------------------------------- the Wire's socket side
    def rx_room(self) -> int:
        return 4096

    def on_data(self, data: bytes) -> None:
        if self.closed:
            return
        if self.step == "run":
            self.inst.feed(data)
            return
        self.buf += data
        while self.step != "run" and b"\r" in self.buf:
            i = self.buf.index(b"\r")
            field = bytes(self.buf[:i]).decode("latin-1").strip("\n")
            del self.buf[:i + 1]
            if self.buf[:1] == b"\n":
                del self.buf[:1]
            if not self._login(field):
                return
        if self.step == "run" and self.buf:
            rest, self.buf = bytes(self.buf), bytearray()
            self.inst.feed(rest)

    def _login(self, field: str) -> bool:
        allowed = [tuple(e) for e in _nvm_seen(self.svc.m).get("auth", [])]
        if self.step == "user":
            self.user = field
            if self.auth_mode == 1 and not any(u == field for u, _ in allowed):
                self.svc.close_link(self, "refused")
                return False
            self.step = "pass"
            if self.auth_mode == 1:
                self.send(b"Password: ")
            return True
        if (self.user, field) not in allowed:
            self.svc.close_link(self, "refused")
            return False
        self.step = "run"
        if self.auth_mode == 1:
            self.send(b"Login successful.\r\n")
        return True

    def on_peer_fin(self) -> None:
        self.svc.close_link(self, "remote")

    def on_peer_reset(self) -> None:
        self.svc.close_link(self, "reset")

    def on_sent(self, n: int) -> None:
        pass

    def on_uplink_room(self) -> None:
        pass

    def on_unacked(self) -> None:
        pass

    def send(self, data: bytes) -> None:
        if not self.closed:
            self.wire.send(data)


class _DialEnd:
    """What the network's connect_out needs to know of the dialling socket."""

    proto = 0

    def __init__(self, local_ip: str, local_port: int) -> None:
        self.local_ip = local_ip
        self.local_port = local_port


class TcpRun:
    """``module.tcprun``: the TCP AT Run service (ATR10 pp.380-388; Run AT application note
    §3). Server mode (#TCPATRUNL=1) listens on <tcpPort> while the context of the <connId>
    socket (#SCFG) is active; client mode (#TCPATRUND=1) dials <tcpHost>:<tcpHostPort>, again
    <retryCnt> times every <retryDelay> minutes at boot and after a disconnection. One
    connection at a time; the connId socket itself is not shown by #SS [simplification]."""

    def __init__(self, module: "Module") -> None:
        self.m = module
        self.link: TcpRunLink | None = None
        self.dialing = False
        self.retries = 0  # client mode: attempts left
        self._timer: Any = None
        self._wrapped = False
        module.tcprun = self  # type: ignore[attr-defined]
        module.extensions.append(self)

    def on_boot(self) -> None:
        self._drop_link("reboot")
        self.dialing = False
        self.retries = _nvm_seen(self.m).get("tcpcfg", TCPCFG_DEFAULT)[8]
        self._wrap()
        self.kick()

    def on_power_off(self) -> None:
        self._drop_link("power")
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def links(self) -> list[Any]:
        return []

    def close(self) -> None:
        pass

    def _drop_link(self, reason: str) -> None:
        link, self.link = self.link, None
        if link is not None:
            link.closed = True
            link.inst.dead = True
            link.inst.stop_watchdog()
            link.wire.abandon(reason)

    def _wrap(self) -> None:
        net = getattr(self.m, "net", None)
        if self._wrapped or net is None:
            return
        self._wrapped = True
        inner = net.incoming

        def incoming(port: int, src_ip: str, src_port: int, dst_ip: str | None, make_wire: Any,
                     proto: int = 0) -> str:
            ip = self.listen_ip()
            if proto != 0 or ip is None or port != self.cfg()[2] or dst_ip not in (None, ip):
                return inner(port, src_ip, src_port, dst_ip, make_wire, proto)  # type: ignore[no-any-return]
            # "Firewall general policy is DROP ... incoming_IP & <net_mask> = <ip_addr> &
            # <net_mask>" (#TCPATRUNFRWL, p.384); one connection at a time [n/d].
            if not any(_masked(src_ip, a, b) for a, b in _nvm_seen(self.m).get("frwl", [])):
                return "drop"
            if self.link is not None:
                return "refuse"
            wire = make_wire()
            if isinstance(getattr(wire.peer, "remote", None), tuple):
                wire.peer.remote = (ip, port)
            self._connected(wire, src_ip, server=True)
            return "accept"

        net.incoming = incoming
        net.on_context_lost.append(self._context_lost)

    # ----------------------------------------------------------- state
    def cfg(self) -> list[Any]:
        return list(_nvm_seen(self.m).get("tcpcfg", TCPCFG_DEFAULT))

    def _cid(self) -> int:
        from .net.config import load_config

        return load_config(self.m.nvm, self.cfg()[0]).cid

    def context_ip(self) -> str | None:
        net = getattr(self.m, "net", None)
        c = net.contexts.get(self._cid()) if net is not None else None
        return c.ip if c is not None and c.active else None

    def listen_ip(self) -> str | None:
        if not self.m.power or not _nvm_seen(self.m).get("tcpl", 0):
            return None
        return self.context_ip()

    def _urc(self, text: str) -> None:
        st = _nvm_seen(self.m)
        if self.cfg()[5]:  # <urcmod>
            inst = self.m.instances.get(st.get("tcp_urc_inst", 1))
            if inst is not None:
                inst.urc("#TCPATRUN: %s" % text)

    def _connected(self, wire: Any, remote_ip: str, server: bool) -> None:
        self.link = TcpRunLink(self, wire, remote_ip, server)
        self.retries = self.cfg()[8]  # after a disconnection: <retryCnt> attempts again
        if self._timer is not None:  # a <retryDelay> wait is over
            self._timer.cancel()
            self._timer = None
        self.kick()
        self._urc(remote_ip)  # "#TCPATRUN: <iphostaddress>" (p.381)

    def close_link(self, link: TcpRunLink, reason: str) -> None:
        """The connection ends (#TCPATRUNCLOSE, the remote host, a refused login); the service
        stays enabled and starts again ("the service re-starts automatically", p.387)."""
        if link.closed:
            return
        link.closed = True
        link.inst.dead = True
        link.inst.stop_watchdog()  # the connection's pending command is gone with it
        if reason in ("local", "refused"):
            link.wire.close()
        if self.link is link:
            self.link = None
            self._urc("DISCONNECT")  # "#TCPATRUN: <DISCONNECT>" (p.381) [n/d: the exact text]
            self.kick()

    def _context_lost(self, cid: int) -> None:
        if self.link is not None and cid == self._cid():
            self._drop_link("context")
            self._urc("DISCONNECT")
        self.kick()

    # ------------------------------------------------------------ client mode
    def kick(self) -> None:
        """Client mode: dial when the context is up and attempts are left (1 s poll)."""
        if self._timer is not None or not self.m.power:
            return
        if not _nvm_seen(self.m).get("tcpd", 0):
            return
        self._timer = self.m.kernel.call_later(1000, self._tick)

    def _tick(self) -> None:
        self._timer = None
        if not self.m.power or not _nvm_seen(self.m).get("tcpd", 0):
            return
        if self.link is None and not self.dialing and self.retries > 0 and self.context_ip():
            self.retries -= 1
            self.dial(lambda ok: None)
            if self.retries > 0:
                delay = self.cfg()[9] * 60_000  # <retryDelay> minutes
                self._timer = self.m.kernel.call_later(delay, self._tick)
                return
        self._timer = self.m.kernel.call_later(1000, self._tick)

    def dial(self, done: Callable[[bool], None]) -> None:
        from .net.network import Attempt

        net = self.m.net  # type: ignore[attr-defined]
        cfg = self.cfg()
        ip = self.context_ip()
        host = net.resolve(cfg[4]) if cfg[4] else None
        if ip is None or host is None:
            done(False)
            return
        self.dialing = True
        gen = self.m.kernel.generation

        def ok(wire: Any, rip: str, rport: int) -> None:
            self.dialing = False
            if self.m.kernel.generation != gen or not self.m.power:
                wire.abandon("reboot")
                return
            self._connected(wire, rip, server=False)
            done(True)

        def fail(code: int) -> None:
            self.dialing = False
            done(False)

        attempt = Attempt(ok, fail)
        net.open_connection(_DialEnd(ip, net.next_local_port()), host, cfg[3], attempt)
        # Nobody answers: the <connId> socket's connTo (#SCFG, tenths of a second) ends it.
        from .net.config import load_config

        conn_to = load_config(self.m.nvm, cfg[0]).conn_to * 100
        self.m.kernel.call_later(conn_to, lambda: attempt.fail(net.errors.get("timeout", 559)))

    def stat(self, server: bool) -> int:
        if server:
            return 1 if self.link is not None or self.listen_ip() is not None else 0
        if self.link is not None or self.dialing:
            return 1
        return 2 if self.retries > 0 else 0


def _masked(addr: str, ip: str, mask: str) -> bool:
    def num(text: str) -> int:
        a, b, c, d = (int(x) for x in text.split("."))
        return (a << 24) | (b << 16) | (c << 8) | d

    return num(addr) & num(mask) == num(ip) & num(mask)


def _cat_ram(m: "Module") -> dict[str, Any]:
    return m.catalog.ram  # type: ignore[attr-defined, no-any-return]


def _whitelisted(wl: list[Any], number: str) -> bool:
    for entry in wl:
        if not entry or entry[0] != 0:
            continue
        pattern = entry[1]
        if pattern.endswith("*"):
            if number.startswith(pattern[:-1]):
                return True
        elif number == pattern:
            return True
    return False


def _send_sms(m: "Module", number: str, text: str) -> None:
    """The module sends ``text`` to ``number`` (m.sms.sent), concatenated if long, at most 15
    parts (Run AT application note §2.5.2 note 9); lost without network service."""
    from .sms import PART_SEPTETS, SentSms, septets, sms_parts, toa

    s = m.sms  # type: ignore[attr-defined]
    if m.radio.reg not in (1, 5):
        return
    while septets(text) > 15 * PART_SEPTETS:
        text = text[:-1]
    parts = sms_parts(septets(text))
    mr = s.next_mr
    s.next_mr = (mr + parts) % 256
    s.sent.append(SentSms(number, text, m.kernel.now() / 1000.0, mr, parts, toa(number)))
    m.external_event()


def attach(module: "Module") -> None:
    if getattr(module, "atrun", None) is None:
        EasyScan(module)
        AtRun(module)
        TcpRun(module)


if attach not in EXTENSION_FACTORIES:
    EXTENSION_FACTORIES.append(attach)


def _run(ctx: Ctx) -> AtRun:
    return ctx.module.atrun  # type: ignore[no-any-return]


def _only(ctx: Ctx, n_min: int, n_max: int) -> None:
    if not n_min <= len(ctx.args) <= n_max:
        raise ArgError(ctx.name)


def _int(ctx: Ctx, i: int, values: range | tuple[int, ...], default: int | None = None) -> int:
    """Parameter ``i``: an unquoted integer among ``values`` (or ``default`` when omitted)."""
    raw = ctx.args[i] if i < len(ctx.args) else ""
    if raw == "":
        if default is None:
            raise ArgError(ctx.name)
        return default
    if (i < len(ctx.quoted) and ctx.quoted[i]) or not raw.isdigit() or int(raw) not in values:
        raise ArgError(ctx.name)
    return int(raw)


def _str(ctx: Ctx, i: int, max_len: int, default: str | None = None) -> str:
    """Parameter ``i``: a quoted string of at most ``max_len`` characters."""
    if i >= len(ctx.args) or (ctx.args[i] == "" and not (i < len(ctx.quoted) and ctx.quoted[i])):
        if default is None:
            raise ArgError(ctx.name)
        return default
    if not ctx.quoted[i] or len(ctx.args[i]) > max_len:
        raise ArgError(ctx.name)
    return ctx.args[i]


# ---------------------------------------------------------------- SMS AT Run
@_free("#SMSATRUN", "#ENAEVMONI")
def enable_service(ctx: Ctx) -> Reply:
    # ATR10 p.377 / p.389: AT#SMSATRUN=<mod> / AT#ENAEVMONI=<mod>, 0 disabled (default) 1
    # enabled, stored in NVM; read "#SMSATRUN: <mod>,<stat>" (<stat> 1 active); the URCs go
    # to "the instance that requested the service activation".
    st = _nvm(ctx.module)
    key = "sms" if ctx.name == "#SMSATRUN" else "ev_on"
    if ctx.kind == "test":
        return ok("%s: (0,1)" % ctx.name)
    if ctx.kind == "read":
        mod = st.get(key, 0)
        return ok("%s: %d,%d" % (ctx.name, mod, mod))
    if ctx.kind != "set":
        return error()
    _only(ctx, 1, 1)
    st[key] = _int(ctx, 0, (0, 1))
    if st[key]:
        st["sms_urc_inst" if key == "sms" else "ev_urc_inst"] = ctx.inst.index
        _run(ctx).watch()
    return ok()


@_free("#SMSATRUNCFG", "#ENAEVMONICFG")
def service_cfg(ctx: Ctx) -> Reply:
    # ATR10 pp.378-379 / pp.390-391: AT#SMSATRUNCFG=<instance>[,<urcmod>[,<timeout>]]: instance
    # 2-3 (3), urcmod 0-1 (1), timeout 1-60 minutes (5); #ENAEVMONICFG the same (its timeout
    # range is not given: the #SMSATRUNCFG one). "The instance used for the SMS AT RUN service
    # is the same used for the EvMoni service" (either command changes it); "the set command
    # returns ERROR if ... AT#ENAEVMONI? returns 1 ... or AT#SMSATRUN? returns 1". NVM.
    m = ctx.module
    st = _nvm(m)
    key = "smscfg" if ctx.name == "#SMSATRUNCFG" else "evcfg"
    if ctx.kind == "test":
        return ok("%s: (2,3),(0,1),(1-60)" % ctx.name)
    if ctx.kind == "read":
        urc, timeout = st.get(key, [1, 5])
        return ok("%s: %d,%d,%d" % (ctx.name, st.get("instance", 3), urc, timeout))
    if ctx.kind != "set":
        return error()
    _only(ctx, 1, 3)
    instance = _int(ctx, 0, (2, 3))
    urc = _int(ctx, 1, (0, 1), 1)
    timeout = _int(ctx, 2, range(1, 61), 5)
    if st.get("sms", 0) or st.get("ev_on", 0):
        return error()
    st["instance"] = instance
    st[key] = [urc, timeout]
    run = _run(ctx)
    if run.inst is not None and not run.busy:
        run.inst.index = instance
    return ok()


PHONE = re.compile(r"\+?[0-9]+\*?")


@_free("#SMSATWL")
def smsatwl(ctx: Ctx) -> Reply:
    # ATR10 pp.379-380: AT#SMSATWL=<action>,<index>[,<entryType>[,<string>]]: action 0 add,
    # 1 delete, 2 print an element; index 1-8; entryType 0 phone number ("numerical characters
    # and/or the character "+" at the beginning ... and/or the character "*" at the end"), 1
    # password ("16 characters length"; "a maximum of two Password Entry"). Read: one line per
    # element, "#SMSATWL: [<entryType>,<string>]" (an empty element: nothing after the colon).
    # Kept in NVM with the service settings [n/d: ATR10 does not say].
    st = _nvm(ctx.module)
    wl: list[Any] = st.setdefault("wl", [None] * 8)
    if ctx.kind == "test":
        return ok("#SMSATWL: (0-2),(1-8),(0,1)")
    if ctx.kind == "read":
        return ok(*[_wl_line(e) for e in wl])
    if ctx.kind != "set":
        return error()
    _only(ctx, 2, 4)
    action = _int(ctx, 0, (0, 1, 2))
    index = _int(ctx, 1, range(1, 9))
    if action != 0:
        if len(ctx.args) > 2:
            raise ArgError(ctx.name)
        if action == 1:
            wl[index - 1] = None
            return ok()
        return ok(_wl_line(wl[index - 1])) if wl[index - 1] else ok()
    kind = _int(ctx, 2, (0, 1))
    text = _str(ctx, 3, 32)
    if kind == 0 and not PHONE.fullmatch(text):
        raise ArgError(ctx.name)
    if kind == 1:
        if len(text) != 16:
            raise ArgError(ctx.name)
        others = sum(1 for i, e in enumerate(wl) if e and e[0] == 1 and i != index - 1)
        if others >= 2:
            return error()
    wl[index - 1] = [kind, text]
    return ok()


def _wl_line(entry: Any) -> str:
    return '#SMSATWL: %d,"%s"' % (entry[0], entry[1]) if entry else "#SMSATWL: "


# ------------------------------------------------------------- event monitor
# ATR10 pp.391-393: per label, the parameter types after 0 (the AT command) and their ranges and
# defaults; GPIO pins 1-13 (module.gpio), ADC inputs 1-3 (module.adc).
EVENTS: dict[str, tuple[tuple[range, int], ...]] = {
    "VBATT": ((range(0, 501), 0), (range(0, 256), 0)),
    "DTR": ((range(0, 2), 0), (range(0, 256), 0)),
    "ROAM": (),
    "CONTDEACT": (),
    "RING": ((range(1, 51), 1),),
    "STARTUP": (),
    "REGISTERED": (),
    **{"GPIO%d" % i: ((range(1, 14), 1), (range(0, 2), 0), (range(0, 256), 0)) for i in range(1, 6)},
    "ADCH1": ((range(1, 4), 1), (range(0, 2001), 0), (range(0, 256), 0)),
    "ADCL1": ((range(1, 4), 1), (range(0, 2001), 0), (range(0, 256), 0)),
}


def _event(st: dict[str, Any], label: str) -> list[Any]:
    return list(st.get("events", {}).get(label) or [0, ""] + [d for _, d in EVENTS[label]])


@_free("#EVMONI")
def evmoni(ctx: Ctx) -> Reply:
    # ATR10 pp.391-394: AT#EVMONI=<label>,<mode>[,<paramType>,<param>]; <paramType> 0: the AT
    # command (starts with "AT", at most 96 characters, '"' written \22, "" erases it); the
    # other types per label. Read: "#EVMONI: <label>,<mode>,<param0>[,<param1>[,<param2>
    # [,<param3>]]]" for each event. Kept in NVM with the service [n/d: ATR10 does not say].
    # Deep: STARTUP runs its command once the start-up is over; the others are polled every
    # second (AtRun._poll: battery_mv, the serial DTR, radio.reg, the PDP contexts, the CSD
    # call's rings, module.gpio, module.adc).
    st = _nvm(ctx.module)
    if ctx.kind == "test":
        labels = ",".join('"%s"' % n for n in EVENTS)
        return ok("#EVMONI: (%s),(0,1),(0-3)" % labels)
    if ctx.kind == "read":
        lines = []
        for label in EVENTS:
            ev = _event(st, label)
            lines.append('#EVMONI: "%s",%d,"%s"' % (label, ev[0], ev[1])
                         + "".join(",%d" % v for v in ev[2:]))
        return ok(*lines)
    if ctx.kind != "set":
        return error()
    if len(ctx.args) not in (2, 4) or not ctx.quoted[0]:
        raise ArgError(ctx.name)
    label = ctx.args[0].upper()
    if label not in EVENTS:
        raise ArgError(ctx.name)
    mode = _int(ctx, 1, (0, 1))
    ev = _event(st, label)
    if len(ctx.args) == 4:
        ptype = _int(ctx, 2, range(0, len(EVENTS[label]) + 1))
        if ptype == 0:
            cmd = _str(ctx, 3, 96)
            if cmd and not cmd[:2].upper() == "AT":
                raise ArgError(ctx.name)
            ev[1] = cmd
        else:
            ev[1 + ptype] = _int(ctx, 3, EVENTS[label][ptype - 1][0])
    ev[0] = mode
    st.setdefault("events", {})[label] = ev
    return ok()


# ---------------------------------------------------------------- TCP AT Run
TCPCFG_DEFAULT = [1, 2, 1024, 1024, "", 1, 5, 0, 0, 2]


@_free("#TCPATRUNCFG")
def tcpatruncfg(ctx: Ctx) -> Reply:
    # ATR10 pp.380-383: AT#TCPATRUNCFG=<connId>,<instance>,<tcpPort>,<tcpHostPort>,<tcpHost>
    # [,<urcmod>[,<timeout>[,<authMode>[,<retryCnt>[,<retryDelay>]]]]]; connId 1-6, instance 2-3,
    # ports 1-65535, host a string, urcmod 0-1 (1), timeout 1-5 (5), authMode 0-1 (0), retryCnt
    # 0-5 (0), retryDelay 1-3600 (2); NVM; ERROR while #TCPATRUNL or #TCPATRUND is enabled.
    st = _nvm(ctx.module)
    if ctx.kind == "test":
        return ok("#TCPATRUNCFG: (1-6),(2,3),(1-65535),(1-65535),,(0,1),(1-5),(0,1),(0-5),(1-3600)")
    if ctx.kind == "read":
        v = st.get("tcpcfg", TCPCFG_DEFAULT)
        return ok('#TCPATRUNCFG: %d,%d,%d,%d,"%s",%d,%d,%d,%d,%d' % tuple(v))
    if ctx.kind != "set":
        return error()
    _only(ctx, 5, 10)
    v = [_int(ctx, 0, range(1, 7)), _int(ctx, 1, (2, 3)), _int(ctx, 2, range(1, 65536)),
         _int(ctx, 3, range(1, 65536)), _str(ctx, 4, 255), _int(ctx, 5, (0, 1), 1),
         _int(ctx, 6, range(1, 6), 5), _int(ctx, 7, (0, 1), 0), _int(ctx, 8, range(0, 6), 0),
         _int(ctx, 9, range(1, 3601), 2)]
    if st.get("tcpl", 0) or st.get("tcpd", 0):
        return error()
    st["tcpcfg"] = v
    return ok()


@_free("#TCPATRUNL", "#TCPATRUND")
def tcpatrun_mode(ctx: Ctx) -> Any:
    # ATR10 pp.383-387: AT#TCPATRUNL=<mod> (listen) / AT#TCPATRUND=<mod> (dial), NVM; "If
    # SMSATRUN is active on the same instance (see AT#TCPATRUNCFG) the command will return
    # ERROR"; read "<mod>,<stat>": listen 1 "in listen or active"; dial 1 "connected or
    # connecting", 2 "not connected but still trying". "If the response to AT#TCPATRUND
    # command is "OK", the module is connected" (Run AT application note §3.3.1): the set form
    # waits for the connection; ERROR when it fails (the service stays enabled). 0 closes the
    # service's connection.
    st = _nvm(ctx.module)
    svc: TcpRun = ctx.module.tcprun  # type: ignore[attr-defined]
    server = ctx.name == "#TCPATRUNL"
    key = "tcpl" if server else "tcpd"
    if ctx.kind == "test":
        return ok("%s: (0,1)" % ctx.name)
    if ctx.kind == "read":
        mod = st.get(key, 0)
        return ok("%s: %d,%d" % (ctx.name, mod, svc.stat(server) if mod else 0))
    if ctx.kind != "set":
        return error()
    _only(ctx, 1, 1)
    mod = _int(ctx, 0, (0, 1))
    tcp_inst = st.get("tcpcfg", TCPCFG_DEFAULT)[1]
    if mod and st.get("sms", 0) and st.get("instance", 3) == tcp_inst:
        return error()
    st[key] = mod
    if mod:
        st["tcp_urc_inst"] = ctx.inst.index
    elif svc.link is not None:
        svc.close_link(svc.link, "local")
    if server or not mod:
        return ok()
    svc.retries = st.get("tcpcfg", TCPCFG_DEFAULT)[8]
    if svc.link is not None:
        return ok()
    if svc.context_ip() is None:
        # No context yet: enabled, it dials once the context is up (then <retryCnt> more).
        svc.retries += 1
        svc.kick()
        return ok()
    svc.dial(lambda up: ctx.done(ok() if up else error()))
    svc.kick()
    return PENDING


def _ip(text: str) -> bool:
    parts = text.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) <= 255 for p in parts)


@_free("#TCPATRUNFRWL", "#TCPATRUNAUTH")
def tcpatrun_lists(ctx: Ctx) -> Reply:
    # ATR10 pp.384-386: AT#TCPATRUNFRWL=<action>,<ip_addr>,<net_mask> (at most 5 rules) and
    # AT#TCPATRUNAUTH=<action>,<userid>,<passw> (at most 3 entries, strings of at most 50):
    # action 0 removes the entry, 1 adds it, 2 removes all (the other parameters have "no
    # meaning"); both lists are saved in NVM; read one "#TCPATRUNFRWL: <ip_addr>,<net_mask>"
    # line per entry (quoted like #FRWL's, tools/emulator/net/firewall.py); test "(0-2)".
    st = _nvm(ctx.module)
    frwl = ctx.name == "#TCPATRUNFRWL"
    entries: list[list[str]] = st.setdefault("frwl" if frwl else "auth", [])
    if ctx.kind == "test":
        return ok("%s: (0-2)" % ctx.name)
    if ctx.kind == "read":
        return ok(*['%s: "%s","%s"' % (ctx.name, a, b) for a, b in entries])
    if ctx.kind != "set":
        return error()
    _only(ctx, 1, 3)
    action = _int(ctx, 0, (0, 1, 2))
    if action == 2:
        entries.clear()
        return ok()
    _only(ctx, 3, 3)
    pair = [_str(ctx, 1, 15 if frwl else 50), _str(ctx, 2, 15 if frwl else 50)]
    if frwl and not (_ip(pair[0]) and _ip(pair[1])):
        raise ArgError(ctx.name)
    if action == 0:
        if pair not in entries:
            return error()
        entries.remove(pair)
        return ok()
    if pair in entries:
        return ok()
    if len(entries) >= (5 if frwl else 3):
        return error()
    entries.append(pair)
    return ok()


@_free_exec("#TCPATRUNCLOSE")
def tcpatrunclose(ctx: Ctx) -> Reply:
    # ATR10 p.387: "Closes the socket used by TCP ATRUN service"; "TCP ATRUN status is still
    # enabled after this command, so the service re-starts automatically"; test OK.
    svc: TcpRun = ctx.module.tcprun  # type: ignore[attr-defined]
    if svc.link is not None:
        svc.close_link(svc.link, "local")
    return ok()


BAUDS = (300, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)


@_free("#TCPATCONSER")
def tcpatconser(ctx: Ctx) -> Reply:
    # ATR10 p.388: AT#TCPATCONSER=<port>,<rate>, port 0-1, rate one of BAUDS; "the command has
    # to be issued from the TCP ATRUN instance": from a script's or the serial port's instance
    # (no TCP AT Run connection is emulated) a valid form answers ERROR too.
    if ctx.kind == "test":
        return ok("#TCPATCONSER: (0,1),(%s)" % ",".join(str(b) for b in BAUDS))
    if ctx.kind != "set":
        return error()
    _only(ctx, 2, 2)
    _int(ctx, 0, (0, 1))
    _int(ctx, 1, BAUDS)
    return error()


# ------------------------------------------------------------------------ OTA
@_free("#OTASNAP")
def otasnap(ctx: Ctx) -> Reply:
    # ATR10 pp.398-399 (SELINT 2): AT#OTASNAP=<addr>[,<company_name>]; #OTASNAP="" deletes the
    # number; an empty <company_name> is an ERROR; saved in NVM; read "#OTASNAP: <addr>[,
    # <company_name>]" (quoted, as the example); test "#OTASNAP: 21,15" (maximum lengths). The
    # Remote Registration SM to the OTA server is not sent (no OTA server is emulated).
    st = _nvm(ctx.module)
    if ctx.kind == "test":
        return ok("#OTASNAP: 21,15")
    if ctx.kind == "read":
        addr, company = st.get("ota", ["", ""])
        return ok('#OTASNAP: "%s"' % addr + (',"%s"' % company if company else ""))
    if ctx.kind != "set":
        return error()
    if not ctx.args and ctx.quoted == [True]:
        ctx.args = [""]  # AT#OTASNAP="" (split_args gives no argument for a lone "")
    _only(ctx, 1, 2)
    addr = _str(ctx, 0, 21)
    company = st.get("ota", ["", ""])[1]
    if len(ctx.args) == 2:
        company = _str(ctx, 1, 15)
        if not company:
            return error()
    st["ota"] = [addr, company]
    return ok()


@_free("#OTASUAN")
def otasuan(ctx: Ctx) -> Reply:
    # ATR10 pp.401-403 (SELINT 2): AT#OTASUAN=[<response>][,<mode>[,<bfr>]]: response 0-2, mode
    # 0-2, bfr 0-1; read "#OTASUAN: ,<mode>,<bfr>"; test "(0-2),(0-2),(0,1)". No OTA server asks
    # for a download here: <response> is accepted and forgotten; <mode>/<bfr> are RAM (§3.3 does
    # not list them; factory 0,0 [n/d]).
    cat = _cat(ctx)
    if ctx.kind == "test":
        return ok("#OTASUAN: (0-2),(0-2),(0,1)")
    if ctx.kind == "read":
        mode, bfr = cat.ram.get("#OTASUAN", [0, 0])
        return ok("#OTASUAN: ,%d,%d" % (mode, bfr))
    if ctx.kind != "set":
        return error()
    _only(ctx, 1, 3)
    mode, bfr = cat.ram.get("#OTASUAN", [0, 0])
    _int(ctx, 0, (0, 1, 2), 0)
    cat.ram["#OTASUAN"] = [_int(ctx, 1, (0, 1, 2), mode), _int(ctx, 2, (0, 1), bfr)]
    return ok()


# ----------------------------------------------------------------- SIM toolkit
SAT_PROFILE = "FFFFFFFF7F0300DF7F"  # SAT Terminal Profile (GSM 11.14 §5.2): the emulator's choice


def stia(ctx: Ctx) -> Reply:
    # ATR10 pp.520-527: the #STIA row (catalog_data.py: <mode>,<timeout> per instance) with the
    # read form "#STIA: <state>,<mode>,<timeout>,<SatProfile>", <state> 0 "SIM has not started
    # its application yet" (the emulated SIM has none); "Just one instance at a time, the one
    # which first issued AT#STIA=n (with n different from zero), is allowed to issue SAT
    # commands ... till the same instance issues AT#STIA=0": another instance's non-zero set
    # answers ERROR meanwhile.
    e = ENTRIES["#STIA"]
    cat = _cat(ctx)
    if ctx.kind == "read":
        mode, timeout = cat.value(e, ctx.inst)
        return ok("#STIA: 0,%d,%d,%s" % (mode, timeout, SAT_PROFILE))
    if ctx.kind == "set" and parse_set(e, ctx)[0]:
        for other in ctx.module.instances.values():
            if other is not ctx.inst and cat.value(e, other)[0]:
                return error()
    return table_handler(ctx)


COMMANDS["#STIA"] = stia

SAT_TYPES = (1, 5, 16, 17, 18, 19, 20, 32, 33, 34, 35, 36, 37, 40)  # ATR10 p.527
NO_PENDING = 3  # +CME ERROR: 3 "operation not allowed" [n/d: ATR10 says "an error message"]


@_free("#STGI", "#STSR")
def sat(ctx: Ctx) -> Reply | CmeError:
    # ATR10 pp.527-535: #STGI=[<cmdType>] asks for the parameters of a proactive command,
    # #STSR=[<cmdType>,<userResponse>[,<data>]] answers one; the read forms give "<state>,
    # <cmdType>" of the ongoing one, and "an error message will be returned if there is no
    # pending command". The emulated SIM has no SIM application (#STIA <state> 0, "SIM has not
    # started its application yet"): no proactive command is ever pending, so every read and
    # well-formed set form answers the error; a malformed one answers ERROR / +CME ERROR: 4
    # (#STIA's read form gives the same <state> 0).
    if ctx.kind == "test":
        return ok("%s: (0,1),(1,5,16-20,32-37,40)" % ctx.name)
    if ctx.kind == "set":
        if ctx.name == "#STGI":
            _only(ctx, 0, 1)
            if ctx.args:
                _int(ctx, 0, SAT_TYPES)
        else:
            if ctx.args:
                _only(ctx, 2, 3)
                _int(ctx, 0, SAT_TYPES)
                _int(ctx, 1, (0, 16, 17, 18, 19, 20, 32, 34, 35))
    elif ctx.kind != "read":
        return error()
    return CmeError(NO_PENDING) if ctx.inst.settings["+CMEE"] else error()


# --------------------------------------------------------------------- #SIMATR
DEFAULT_ATR = "3B9F95801FC78031E073FE211B63E208A68300009000"  # the emulator's choice


@_free_exec("#SIMATR")
def simatr(ctx: Ctx) -> Reply | CmeError:
    # ATR10 p.353: "returns the characters collected from the Reset/ATR procedure" (ISO/IEC
    # 7816-3); the line format is not shown: "#SIMATR: <hex>" like #CCID [n/d]. No SIM: +CME
    # ERROR: 10 (SIM not inserted).
    r = ctx.module.radio
    if r.sim is None:
        return CmeError(10)
    return ok("#SIMATR: %s" % getattr(r, "atr", DEFAULT_ATR))


# -------------------------------------------------------------- #CMGLCONCINDEX
@_free_exec("#CMGLCONCINDEX")
def cmglconcindex(ctx: Ctx) -> Reply | CmeError:
    # ATR10 p.363: "a line for each concatenated SMS ... #CMGLCONCINDEX: N,i,j,k,... N is the
    # number of segments ... i,j,k are the SMS indexes of each SMS segment, 0 if segment has
    # not been received"; no concatenated SMS on the SIM: only OK. The parts of one message
    # share originator and reference (3GPP TS 23.040 §9.2.3.24.1); m.sms.deliver(...,
    # concat=(ref, total, seq)) stores one part.
    m = ctx.module
    if m.sim_status() < 3:
        return CmeError(10 if m.radio.sim is None else 14)
    groups: dict[tuple[str, int], list[int]] = {}
    for idx in sorted(m.sms.store):  # type: ignore[attr-defined]
        msg = m.sms.store[idx]  # type: ignore[attr-defined]
        part = getattr(msg, "concat", None)
        if part is None:
            continue
        ref, total, seq = part
        slots = groups.setdefault((msg.number, ref), [0] * total)
        if 1 <= seq <= len(slots) and not slots[seq - 1]:
            slots[seq - 1] = idx
    return ok(*["#CMGLCONCINDEX: %d,%s" % (len(s), ",".join(str(i) for i in s))
                for s in groups.values()])
