"""The control interface: drive and watch the emulated module (issue 4, item 9).

Two faces of one dispatcher:

* Python: ``Controller(module).handle({"cmd": "sms.send", "number": "+1555...", "text": "hi"})``
  returns a dict ``{"ok": true, "result": ...}`` or ``{"ok": false, "error": "..."}``. Tests
  may also call the subsystems directly (``module.sms``, ``module.net``, ``module.csd``).
* JSON lines on loopback: ``ControlServer(controller, port=0).start()`` listens on
  127.0.0.1; each request is one JSON object on one line, each answer one line
  ``{"id": <the request's id>, "ok": ..., "result"|"error": ...}``. After
  ``{"cmd": "subscribe"}`` the connection also receives every event as it happens, one line
  ``{"event": {...}}`` each.

Byte strings travel as JSON strings holding latin-1 text (every byte 0-255 maps to one code
point); requests may give ``"hex"`` instead of ``"data"``.

The SMS, CSD and network subsystems belong to other parts of the emulator; each command
reaches them through a small adapter and answers ``{"ok": false, "error": "not available"}``
when the subsystem (or the method) is absent. The full command list is ``COMMANDS`` (and the
``help`` command); docs/emulator-cli.md describes each.
"""
from __future__ import annotations

import json
import socket
import struct
import threading
from collections import deque
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # pragma: no cover
    from .module import Module

Handler = Callable[["Controller", dict[str, Any]], Any]
COMMANDS: dict[str, tuple[Handler, str]] = {}


class Unavailable(Exception):
    """The subsystem or feature a command needs is not there."""


class BadRequest(Exception):
    pass


def cmd(name: str, doc: str) -> Callable[[Handler], Handler]:
    def reg(fn: Handler) -> Handler:
        COMMANDS[name] = (fn, doc)
        return fn

    return reg


def data_arg(req: dict[str, Any], key: str = "data") -> bytes:
    if "hex" in req:
        return bytes.fromhex(str(req["hex"]))
    value = req.get(key)
    if not isinstance(value, str):
        raise BadRequest("'%s' (latin-1 text) or 'hex' is required" % key)
    return value.encode("latin-1")


def text(data: bytes | bytearray) -> str:
    return bytes(data).decode("latin-1")


def _need(req: dict[str, Any], key: str, kind: type = str) -> Any:
    v = req.get(key)
    if v is None or (kind is int and not isinstance(v, int)) or (kind is str and not isinstance(v, str)):
        raise BadRequest("'%s' (%s) is required" % (key, kind.__name__))
    return v


# ---------------------------------------------------------------------------- events
class EventMonitor:
    """Turns changes in the module into a numbered event log (polled, so it works with every
    subsystem's plain state): trace lines, script state, boots, SMS sent by the module, SMS
    delivered, sockets and contexts changing state, socket byte counters, calls, serial
    traffic."""

    def __init__(self, module: "Module", keep: int = 2000) -> None:
        self.m = module
        self.seq = 0
        self.events: deque[dict[str, Any]] = deque(maxlen=keep)
        self.listeners: list[Callable[[dict[str, Any]], None]] = []
        self._trace_n = len(module.trace_lines)
        self._script = (module.script_state, module.boots)
        self._sent_n = 0
        self._problems_n = 0
        self._sockets: dict[int, tuple[Any, ...]] = {}
        self._counters: dict[int, tuple[int, int]] = {}
        self._contexts: dict[int, tuple[Any, ...]] = {}
        self._call: tuple[Any, ...] = ()
        self._serial: dict[str, bytearray] = {"in": bytearray(), "out": bytearray()}
        self._lock = threading.RLock()  # taken after kernel.lock, never before it
        self._silent = False
        self._fresh: list[dict[str, Any]] = []  # emitted, not yet given to the listeners
        from .realio import add_receive_listener

        add_receive_listener(module.serial.dte, lambda chunk: self.serial_traffic("out", chunk))
        # The state at start is the baseline, not news.
        self._silent = True
        with module.kernel.lock, self._lock:
            self._poll_sms()
            self._poll_net()
            self._poll_csd()
        self._silent = False

    def serial_traffic(self, direction: str, data: bytes) -> None:
        with self._lock:
            buf = self._serial[direction]
            if len(buf) < 4096:
                buf += data[: 4096 - len(buf)]

    def emit(self, kind: str, **fields: Any) -> dict[str, Any]:
        if self._silent:
            return {}
        with self._lock:
            self.seq += 1
            ev = {"seq": self.seq, "t_ms": self.m.kernel.now(), "kind": kind, **fields}
            self.events.append(ev)
            self._fresh.append(ev)
        return ev

    def dispatch(self) -> None:
        """Give new events to the listeners (outside every emulator lock)."""
        with self._lock:
            fresh, self._fresh = self._fresh, []
        for ev in fresh:
            for fn in list(self.listeners):
                fn(ev)

    def since(self, seq: int) -> list[dict[str, Any]]:
        return [e for e in self.events if e["seq"] > seq]

    def poll(self) -> None:
        m = self.m
        with m.kernel.lock, self._lock:
            lines = m.trace_lines
            if len(lines) < self._trace_n:
                self._trace_n = 0
            for line in lines[self._trace_n:]:
                self.emit("trace", text=line)
            self._trace_n = len(lines)
            if (m.script_state, m.boots) != self._script:
                old_boots = self._script[1]
                if m.boots != old_boots:
                    self.emit("boot", reason=m.boot_reasons[-1] if m.boot_reasons else "")
                if m.script_state != self._script[0] or m.script_state == "running":
                    self.emit("script", state=m.script_state, error=m.script_error)
                self._script = (m.script_state, m.boots)
            for direction in ("in", "out"):
                buf = self._serial[direction]
                if buf:
                    self.emit("serial", direction=direction, data=text(buf))
                    buf.clear()
            self._poll_sms()
            self._poll_net()
            self._poll_csd()
        self.dispatch()

    def _poll_sms(self) -> None:
        sms = getattr(self.m, "sms", None)
        sent = getattr(sms, "sent", None)
        if sent is None:
            return
        for x in sent[self._sent_n:]:
            self.emit("sms_out", number=getattr(x, "destination", None), text=getattr(x, "text", None))
        self._sent_n = len(sent)

    def _poll_net(self) -> None:
        net = getattr(self.m, "net", None)
        if net is None or not hasattr(net, "status"):
            return
        problems = getattr(getattr(net, "real", None), "problems", [])
        for text in problems[self._problems_n:]:
            self.emit("host", text=text)
        self._problems_n = len(problems)
        st = net.status()
        for c in st.get("contexts", []):
            key = (c.get("state"), c.get("ip"))
            if self._contexts.get(c.get("cid")) != key:
                self._contexts[c.get("cid")] = key
                self.emit("context", cid=c.get("cid"), state=c.get("state"), ip=c.get("ip"))
        for s in st.get("sockets", []):
            cid = s.get("conn_id")
            key = (s.get("state"), s.get("phase"), tuple(s.get("remote") or ()), s.get("close_reason"))
            if self._sockets.get(cid, (0, "closed", (), None))[:3] != key[:3]:
                self.emit("socket", conn_id=cid, state=s.get("state"), phase=s.get("phase"),
                          remote=s.get("remote"), local=s.get("local"), close_reason=s.get("close_reason"))
            self._sockets[cid] = key
            counters = (s.get("sent", 0), s.get("received", 0))
            old = self._counters.get(cid, (0, 0))
            if counters != old:
                if counters[0] >= old[0] and counters[1] >= old[1]:
                    self.emit("traffic", conn_id=cid, sent=counters[0] - old[0], received=counters[1] - old[1],
                              total_sent=counters[0], total_received=counters[1])
                self._counters[cid] = counters

    def _poll_csd(self) -> None:
        csd = getattr(self.m, "csd", None)
        if csd is None or not hasattr(csd, "status"):
            return
        st = csd.status()
        key = (st.get("state"), st.get("calls"))
        if key != self._call:
            self._call = key
            self.emit("call", **st)


# ------------------------------------------------------------------------ controller
class Controller:
    def __init__(self, module: "Module", serial_port: Any = None) -> None:
        self.m = module
        self.serial_port = serial_port  # a realio attachment, when there is one
        self.monitor = EventMonitor(module)
        self.calls: list[Any] = []
        self._drive = threading.Lock()  # one driver of the virtual clock at a time
        if serial_port is not None and hasattr(serial_port, "listeners"):
            serial_port.listeners.append(lambda d, data: d == "in" and self.monitor.serial_traffic("in", data))

    def handle(self, req: Any) -> dict[str, Any]:
        """One request -> one answer; never raises."""
        if not isinstance(req, dict) or not isinstance(req.get("cmd"), str):
            return {"ok": False, "error": "a request is an object with a 'cmd' string"}
        entry = COMMANDS.get(req["cmd"])
        if entry is None:
            return {"ok": False, "error": "unknown command %r (try 'help')" % req["cmd"]}
        try:
            return {"ok": True, "result": entry[0](self, req)}
        except Unavailable as e:
            return {"ok": False, "error": str(e) or "not available"}
        except BadRequest as e:
            return {"ok": False, "error": str(e)}
        except Exception as e:  # noqa: BLE001 - a tool's mistake must not kill the emulator
            return {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}

    def __call__(self, cmd_name: str, **kw: Any) -> Any:
        """Python convenience: ``ctl("sms.send", number=..., text=...)`` -> result or raises."""
        answer = self.handle({"cmd": cmd_name, **kw})
        if not answer["ok"]:
            raise RuntimeError(answer["error"])
        return answer["result"]

    # --------------------------------------------------------------- adapters
    def sub(self, name: str, *methods: str) -> Any:
        obj = getattr(self.m, name, None)
        if obj is None or any(not hasattr(obj, meth) for meth in methods):
            raise Unavailable("not available")
        return obj


# ----------------------------------------------------------------------- commands
@cmd("help", "this list")
def _help(c: Controller, req: dict[str, Any]) -> Any:
    return {name: doc for name, (_, doc) in sorted(COMMANDS.items())}


@cmd("variants", "the answers in force where the manuals are silent (docs/emulator-fidelity.md); "
                 "{\"set\": {name: value}} changes them first (all or none)")
def _variants(c: Controller, req: dict[str, Any]) -> Any:
    from . import variants

    if "set" in req:
        if not isinstance(req["set"], dict):
            raise BadRequest("'set' is an object {name: value}")
        with c.m.kernel.lock:
            try:
                variants.apply(c.m, {str(k): str(v) for k, v in req["set"].items()})
            except ValueError as e:
                raise BadRequest(str(e)) from None
    return variants.current(c.m)


@cmd("status", "time, power, script, serial line, AT instances, network, SMS, call, losses")
def _status(c: Controller, req: dict[str, Any]) -> Any:
    m = c.m
    with m.kernel.lock:
        line = m.serial
        serial_at = getattr(m, "serial_at", None)
        out: dict[str, Any] = {
            "time_ms": m.kernel.now(),
            "module_seconds": m.seconds(),
            "virtual": m.kernel.virtual,
            "power": m.power,
            "boots": m.boots,
            "boot_reasons": m.boot_reasons[-10:],
            "script": {"state": m.script_state, "error": m.script_error, "escript": m.nvm.get("escript", ""),
                       "startmode": m.nvm.get("startmode", 0), "owns_serial": m.ser_owned_by_script},
            "serial": {
                "speed": line.speed, "format": line.fmt, "effective": list(line.module_side()),
                "rx_buffered": len(line.rx), "tx_buffered": len(line.tx), "lost_rx": line.lost_rx,
                "module_lines": {"dcd": line.dcd, "cts": line.cts, "dsr": line.dsr, "ri": line.ri},
                "device_lines": {"rts": line.dte.rts, "dtr": line.dte.dtr},
                "device_pending": len(line.dte.pending),
                "at_port": serial_at.status() if serial_at is not None else None,
            },
            "instances": {
                str(i): {"name": inst.name, "mode": inst.mode, "frozen": inst.frozen, "out_buffered": len(inst.out),
                         "in_buffered": len(inst.inbuf), "lost_out": inst.out.lost, "dcd": inst.dcd(),
                         "ri": inst.ri, "pending_urcs": len(inst.pending_urcs)}
                for i, inst in sorted(m.instances.items())
            },
            "flash": {"files": len(m.flash.names()), "free": m.flash.free(), "open": len(m.flash.open_files)},
            "watchdog": m.watchdog is not None,
        }
        port = c.serial_port
        if port is not None:
            out["serial"]["host"] = {"path": getattr(port, "path", None) or getattr(port, "device", None),
                                     "bytes_in": port.bytes_in, "bytes_out": port.bytes_out,
                                     "lost_out": port.lost_out}
    for name, method in (("net", "status"), ("sms", "status"), ("csd", "status")):
        obj = getattr(m, name, None)
        out[name] = getattr(obj, method)() if obj is not None and hasattr(obj, method) else None
    out["losses"] = {
        "serial_rx": out["serial"]["lost_rx"],
        "instances_out": {k: v["lost_out"] for k, v in out["instances"].items()},
        "net": (out["net"] or {}).get("losses"),
    }
    return out


@cmd("advance", "virtual clock only: run {seconds} of module time")
def _advance(c: Controller, req: dict[str, Any]) -> Any:
    m = c.m
    if not m.kernel.virtual:
        raise BadRequest("the clock is real: time advances by itself")
    seconds = req.get("seconds", 1)
    if not isinstance(seconds, (int, float)) or seconds < 0:
        raise BadRequest("'seconds' must be a non-negative number")
    with c._drive:
        m.run(seconds)
    c.monitor.poll()
    return {"time_ms": m.kernel.now()}


@cmd("trace", "trace-port lines (print output, tracebacks) from {since} (line number, default 0)")
def _trace(c: Controller, req: dict[str, Any]) -> Any:
    since = int(req.get("since", 0))
    with c.m.kernel.lock:
        lines = list(c.m.trace_lines[since:])
    return {"lines": lines, "next": since + len(lines)}


@cmd("events", "events after {since} (sequence number, default 0); see 'subscribe'")
def _events(c: Controller, req: dict[str, Any]) -> Any:
    c.monitor.poll()
    evs = c.monitor.since(int(req.get("since", 0)))
    return {"events": evs, "next": c.monitor.seq}


# ---- SMS (module.sms)
@cmd("sms.send", "a phone sends an SMS to the module: {number, text}")
def _sms_send(c: Controller, req: dict[str, Any]) -> Any:
    sms = c.sub("sms", "deliver")
    index = sms.deliver(_need(req, "number"), _need(req, "text"))
    c.monitor.emit("sms_in", number=req["number"], text=req["text"], index=index)
    c.monitor.dispatch()
    return {"index": index}


@cmd("sms.sent", "SMS the module sent (+CMGS) from {since} (default 0)")
def _sms_sent(c: Controller, req: dict[str, Any]) -> Any:
    sms = c.sub("sms", "sent")
    since = int(req.get("since", 0))
    with c.m.kernel.lock:
        sent = list(sms.sent[since:])
    return {"sent": [{"number": getattr(x, "destination", None), "text": getattr(x, "text", None),
                      "time": getattr(x, "time", None)} for x in sent], "next": since + len(sent)}


@cmd("sms.store", "the SIM store, pending and sent messages")
def _sms_store(c: Controller, req: dict[str, Any]) -> Any:
    return c.sub("sms", "snapshot").snapshot()


# ---- CSD (module.csd)
@cmd("call.place", "a remote modem dials the module: {number} (optional {rate}, {type}, {max_rings})")
def _call_place(c: Controller, req: dict[str, Any]) -> Any:
    csd = c.sub("csd", "call")
    kw: dict[str, Any] = {}
    for key, arg in (("rate", "rate"), ("type", "call_type"), ("max_rings", "max_rings")):
        if key in req:
            kw[arg] = req[key]
    call = csd.call(req.get("number", "+15551230002"), **kw)
    c.calls.append(call)
    return {"call": len(c.calls) - 1, "state": call.state, "end_reason": call.end_reason}


def _the_call(c: Controller, req: dict[str, Any]) -> Any:
    if "call" in req:
        try:
            return c.calls[int(req["call"])]
        except (IndexError, ValueError):
            raise BadRequest("no such call") from None
    csd = c.sub("csd", "call")
    call = getattr(csd, "current", None) or (c.calls[-1] if c.calls else None)
    if call is None:
        raise BadRequest("no call")
    return call


@cmd("call.end", "the remote end hangs up: {call} (default: the current call)")
def _call_end(c: Controller, req: dict[str, Any]) -> Any:
    call = _the_call(c, req)
    call.hangup()
    return {"state": call.state, "end_reason": call.end_reason}


@cmd("call.send", "the caller sends {data} (or {hex}) to the module")
def _call_send(c: Controller, req: dict[str, Any]) -> Any:
    call = _the_call(c, req)
    data = data_arg(req)
    call.send(data)
    return {"sent": len(data)}


@cmd("call.received", "what the caller got from the module; {take}: clear it")
def _call_received(c: Controller, req: dict[str, Any]) -> Any:
    call = _the_call(c, req)
    with c.m.kernel.lock:
        data = bytes(call.received)
        if req.get("take"):
            call.received.clear()
    return {"data": text(data), "state": call.state}


# ---- network (module.net)
@cmd("net.status", "contexts, sockets with states and counters, firewall, radio")
def _net_status(c: Controller, req: dict[str, Any]) -> Any:
    return c.sub("net", "status").status()


# ---- serial device side
@cmd("serial.send", "the device on ASC0 sends {data} (or {hex}) to the module")
def _serial_send(c: Controller, req: dict[str, Any]) -> Any:
    data = data_arg(req)
    with c.m.kernel.lock:
        c.m.serial.device_send(data)
        c.m.kernel.notify()
    c.monitor.serial_traffic("in", data)
    return {"sent": len(data)}


@cmd("serial.read", "what the module sent to the device (kept when a pty is attached: last 64 KiB); {take}")
def _serial_read(c: Controller, req: dict[str, Any]) -> Any:
    dte = c.m.serial.dte
    with c.m.kernel.lock:
        data = bytes(dte.received)
        if req.get("take"):
            dte.received.clear()
    return {"data": text(data)}


@cmd("serial.lines", "set the device's {rts} and/or {dtr} (0/1); answers the module's lines")
def _serial_lines(c: Controller, req: dict[str, Any]) -> Any:
    line = c.m.serial
    with c.m.kernel.lock:
        if "rts" in req:
            line.set_rts(1 if req["rts"] else 0)
        if "dtr" in req:
            line.dte.dtr = 1 if req["dtr"] else 0
        c.m.kernel.notify()
        return {"dcd": line.dcd, "cts": line.cts, "dsr": line.dsr, "ri": line.ri,
                "rts": line.dte.rts, "dtr": line.dte.dtr}


# ---- faults
def _fault_context_drop(c: Controller, req: dict[str, Any]) -> Any:
    c.sub("net", "drop_context").drop_context(int(req.get("cid", 1)))


def _fault_registration(stat: int) -> Callable[[Controller, dict[str, Any]], Any]:
    def run(c: Controller, req: dict[str, Any]) -> Any:
        c.sub("net", "set_registration").set_registration(int(req.get("stat", stat)))

    return run


def _fault_socket(method: str) -> Callable[[Controller, dict[str, Any]], Any]:
    def run(c: Controller, req: dict[str, Any]) -> Any:
        getattr(c.sub("net", method), method)(int(_need(req, "conn_id", int)))

    return run


def _fault_sms_full(c: Controller, req: dict[str, Any]) -> Any:
    return {"added": c.sub("sms", "fill_store").fill_store()}


def _fault_power_cut(c: Controller, req: dict[str, Any]) -> Any:
    after = req.get("restore_after_s", 1)
    c.m.power_cut(None if after is None else int(float(after) * 1000))


def _fault_freeze(frozen: bool) -> Callable[[Controller, dict[str, Any]], Any]:
    def run(c: Controller, req: dict[str, Any]) -> Any:
        n = int(req.get("instance", 1))
        with c.m.kernel.lock:
            inst = c.m.instances.get(n)
            if inst is None:
                raise BadRequest("no AT instance %d" % n)
            inst.frozen = frozen
            if not frozen:
                inst.pump()
            c.m.kernel.notify()

    return run


def _fault_reboot(c: Controller, req: dict[str, Any]) -> Any:
    c.m.reboot("control")


def _fault_fail(sub: str, method: str, default: int) -> Callable[[Controller, dict[str, Any]], Any]:
    def run(c: Controller, req: dict[str, Any]) -> Any:
        getattr(c.sub(sub, method), method)(int(req.get("code", default)), int(req.get("count", 1)))

    return run


FAULTS: dict[str, tuple[Callable[[Controller, dict[str, Any]], Any], str]] = {
    "context_drop": (_fault_context_drop, "the network deactivates context {cid} (default 1)"),
    "deregister": (_fault_registration(0), "the module loses the network (+CREG/+CGREG stat {stat}, default 0)"),
    "register": (_fault_registration(1), "the module is registered again ({stat}, default 1)"),
    "peer_reset": (_fault_socket("peer_reset"), "the peer of socket {conn_id} resets (RST)"),
    "peer_close": (_fault_socket("peer_close"), "the peer of socket {conn_id} closes (FIN)"),
    "half_open": (_fault_socket("peer_half_open"), "the peer of socket {conn_id} goes silent without FIN"),
    "sms_full": (_fault_sms_full, "fill the SIM store"),
    "power_cut": (_fault_power_cut, "cut the power; back after {restore_after_s} (default 1; null: stays off)"),
    "freeze_at": (_fault_freeze(True), "AT instance {instance} (default 1) stops answering"),
    "unfreeze_at": (_fault_freeze(False), "AT instance {instance} answers again"),
    "reboot": (_fault_reboot, "reboot now (RAM lost, flash and NVM kept)"),
    "fail_activation": (_fault_fail("net", "fail_activation", 555), "next {count} activations fail with {code}"),
    "fail_connect": (_fault_fail("net", "fail_connect", 562), "next {count} #SD fail with {code}"),
    "fail_sms": (_fault_fail("sms", "fail_next_send", 332), "next {count} +CMGS fail with +CMS ERROR {code}"),
}


@cmd("fault", "inject a fault: {kind} is one of " + ", ".join(sorted(FAULTS)))
def _fault(c: Controller, req: dict[str, Any]) -> Any:
    kind = req.get("kind")
    entry = FAULTS.get(kind) if isinstance(kind, str) else None
    if entry is None:
        raise BadRequest("'kind' must be one of: " + ", ".join(sorted(FAULTS)))
    result = entry[0](c, req)
    c.monitor.emit("fault", fault=kind)
    c.monitor.dispatch()
    return result


@cmd("faults", "the fault kinds and their arguments")
def _faults(c: Controller, req: dict[str, Any]) -> Any:
    return {k: doc for k, (_, doc) in sorted(FAULTS.items())}


@cmd("subscribe", "this connection receives every event as {\"event\": ...} lines (socket only)")
def _subscribe(c: Controller, req: dict[str, Any]) -> Any:
    raise BadRequest("subscribe works on a control socket connection")


# -------------------------------------------------------------------------- server
class ControlServer:
    """JSON lines on 127.0.0.1 (loopback only)."""

    def __init__(self, controller: Controller, port: int = 0, host: str = "127.0.0.1",
                 poll_s: float = 0.1) -> None:
        if host not in ("127.0.0.1", "localhost") and not host.startswith("127."):
            raise ValueError("the control socket listens on loopback only")
        self.c = controller
        self.host = host
        self.port = port
        self.poll_s = poll_s
        self._sock: socket.socket | None = None
        self._stop = threading.Event()
        self._subscribers: list[tuple[socket.socket, threading.Lock]] = []
        self._threads: list[threading.Thread] = []
        controller.monitor.listeners.append(self._push)

    def start(self) -> int:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.host, self.port))
        s.listen(8)
        s.settimeout(0.2)
        self._sock = s
        self.port = s.getsockname()[1]
        for target in (self._accept_loop, self._poll_loop):
            t = threading.Thread(target=target, name="control-" + target.__name__, daemon=True)
            t.start()
            self._threads.append(t)
        return self.port

    def _poll_loop(self) -> None:
        while not self._stop.wait(self.poll_s):
            if self._subscribers:
                try:
                    self.c.monitor.poll()
                except Exception:  # noqa: BLE001 - keep the poller alive
                    pass

    def _push(self, ev: dict[str, Any]) -> None:
        line = (json.dumps({"event": ev}) + "\n").encode()
        for conn, lock in list(self._subscribers):
            try:
                with lock:
                    conn.sendall(line)
            except OSError:
                self._drop(conn)

    def _drop(self, conn: socket.socket) -> None:
        self._subscribers = [(s, lk) for s, lk in self._subscribers if s is not conn]

    def _accept_loop(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(None)
            t = threading.Thread(target=self._serve, args=(conn,), name="control-conn", daemon=True)
            t.start()

    def _serve(self, conn: socket.socket) -> None:
        lock = threading.Lock()
        buf = b""
        try:
            while not self._stop.is_set():
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
                while b"\n" in buf:
                    raw, buf = buf.split(b"\n", 1)
                    if not raw.strip():
                        continue
                    answer = self._answer(raw, conn, lock)
                    with lock:
                        conn.sendall((json.dumps(answer) + "\n").encode())
        except OSError:
            return
        finally:
            self._drop(conn)
            conn.close()

    def _answer(self, raw: bytes, conn: socket.socket, lock: threading.Lock) -> dict[str, Any]:
        try:
            req = json.loads(raw)
        except ValueError as e:
            return {"id": None, "ok": False, "error": "bad JSON: %s" % e}
        rid = req.get("id") if isinstance(req, dict) else None
        if isinstance(req, dict) and req.get("cmd") == "subscribe":
            # A subscriber that stops reading is dropped (send times out), never waited for.
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", 5, 0))
            self._subscribers.append((conn, lock))
            answer: dict[str, Any] = {"ok": True, "result": {"next": self.c.monitor.seq}}
        else:
            answer = self.c.handle(req)
        answer["id"] = rid
        return answer

    def close(self) -> None:
        self._stop.set()
        if self._sock is not None:
            self._sock.close()
        for t in self._threads:
            t.join(timeout=1)
