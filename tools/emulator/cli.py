"""Run the emulated GC864-PY from the command line (issue 4, item 11).

    python -m tools.emulator.cli --flash DIR [--main gateway.py] [--virtual]
        [--serial pty|pty:LINK|/dev/ttyUSB0|none] [--control-port N] [--real | --interpreter PATH]
        [--scratch DIR | --in-place] [--fresh] [--pyo] [--startmode 0|1|2] [--no-console]
        [--variant NAME=VALUE ...] [--profile FILE]

* The module's flash is a scratch directory (default ``./flash-run/``, git-ignored): the
  on-module files (``*.py``, ``*.pyo`` and any ``--copy`` pattern) of ``--flash DIR`` are
  copied there at every start, so the emulator never writes into DIR (the repository). Files
  the module writes itself (its configuration, logs) stay in the scratch directory between
  runs; ``--fresh`` empties it first. ``--in-place`` uses DIR itself as the flash.
  ``--pyo``: the set the uploader writes instead (README "What to flash"): the main script as
  source and every other module only as its compiled ``DIR/build/NAME.pyo`` (a ``NAME.py``
  left on the scratch flash by an earlier run is removed, so the bytecode is what runs).
* ``--main NAME`` selects the script (``AT#ESCRIPT``). Without it, or when the file is not on
  the flash, the module boots with no script: ASC0 is the AT port and a terminal program on the
  printed pty can talk AT to it, upload with ``#WSCRIPT`` and start with ``#EXECSCR``.
* The clock is real unless ``--virtual`` (then time moves only with ``advance``).
* ``--real``: the script runs under the real CPython 1.5.2+ (``tools/py152.py``, built once
  and cached) with ``-X``, string exceptions as on the module (ES13 5.2.27): a ``.pyo`` on the
  flash runs as its bytecode. When it cannot be built here the reason is printed and the
  in-process runner is used. ``--interpreter PATH`` runs any other interpreter.
* ``--serial``: a pseudo-terminal (default; its path is printed, ``pty:LINK`` also makes a
  symlink), a real port through pyserial, or ``none``.
* Sockets use real TCP on loopback (real clock): ``#SD`` to any address connects to
  127.0.0.1 on the dialled port unless ``--connect IP:PORT=HOSTPORT`` maps it; ``#SL`` listens
  on 127.0.0.1 (``--listen PORT=HOSTPORT`` maps it).
* The control socket (JSON lines) listens on 127.0.0.1: ``--control-port`` (0 = any free
  port; the port is printed).
* The console reads commands on stdin (``help`` lists them) and prints what happens: SMS the
  module sends, sockets and contexts changing state, traffic counters, trace-port lines, serial
  traffic (``quiet serial`` hides it).

* ``--variant NAME=VALUE`` picks one answer to a question the manuals leave open, ``--profile
  FILE`` takes them all from a real unit's probe.py report (docs/emulator-fidelity.md,
  docs/probe.md); a bad name or value stops the start with the accepted values.

The first lines printed are stable for tools: ``serial: <path>`` and ``control: 127.0.0.1:<port>``.
"""
from __future__ import annotations

import argparse
import codecs
import fnmatch
import json
import re
import shlex
import shutil
import signal
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

from . import Module
from .names_table import LIMIT
from .control import ControlServer, Controller
from .flash import valid_name

DEFAULT_SCRATCH = Path("flash-run")
DEFAULT_PATTERNS = ("*.py", "*.pyo")


# ------------------------------------------------------------------------- flash
def lock_flash(flash: Path) -> int:
    """Hold ``.<flash>.lock`` beside the flash folder for this run: two emulators on one
    flash folder would write each other's configuration and logs.  Raises OSError, saying
    which process has it and what to do, when another run holds it."""
    from ..pidlock import Held, take

    flash = flash.resolve()
    try:
        return take(flash.parent / ("." + flash.name + ".lock"))
    except Held as e:
        raise OSError("another emulator (pid %s) is using the flash folder %s; stop it, or give this one its "
                      "own flash with --scratch DIR (bash scripts/run.sh --scratch flash-run2 --serial pty:ttyGW2)" % (e.holder, flash)) from None


def register_sources(m: Any, src: Path) -> int:
    """In-process (or under ``--interpreter``) a ``.pyo`` runs from its source, found by
    content (``module.pyo_sources``): register what our compiler makes of every ``*.py`` of
    ``src``. A ``.pyo`` that ``tools/compile_pyo.sh`` or ``tools.release`` built from those
    files then runs whatever its name on the flash (an update's ``ua00.pyo``); one built from
    other sources gets ``no source for ...`` (``--real`` runs any bytecode). Returns how many
    were registered."""

    from tools.pyo15.api import compile_to_bytes

    n = 0
    for p in sorted(src.glob("*.py")):
        try:
            m.add_pyo_source(compile_to_bytes(p, check_dialect=False), p.name,
                             p.read_bytes().decode("latin-1"))
            n += 1
        except Exception:  # noqa: BLE001 - a file our compiler refuses just has no .pyo
            pass
    return n


def copy_pyo(build: Path, flash_dir: Path, main: str) -> list[str]:
    """--pyo: every ``build/*.pyo`` but the main script's onto the flash, without its .py."""
    stem = main[:-3] if main.endswith(".py") else main
    copied: list[str] = []
    for p in sorted(build.glob("*.pyo")):
        if p.stem == stem or not valid_name(p.name):
            continue
        shutil.copyfile(p, flash_dir / p.name)
        (flash_dir / (p.stem + ".py")).unlink(missing_ok=True)
        copied.append(p.name)
    return copied


def prepare_flash(src: Path | None, scratch: Path, in_place: bool = False, fresh: bool = False,
                  patterns: tuple[str, ...] = DEFAULT_PATTERNS) -> tuple[Path, list[str], list[str]]:
    """The directory to use as the flash, the files copied into it, and the files skipped
    (names the module's flash cannot hold)."""
    if in_place:
        if src is None:
            raise ValueError("--in-place needs --flash DIR")
        src.mkdir(parents=True, exist_ok=True)
        return src, [], []
    if src is not None and src.resolve() == scratch.resolve():
        return scratch, [], []
    if fresh and scratch.is_dir():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    copied: list[str] = []
    skipped: list[str] = []
    if src is not None:
        if not src.is_dir():
            raise ValueError("--flash %s is not a directory" % src)
        for p in sorted(src.iterdir()):
            if not p.is_file() or not any(fnmatch.fnmatch(p.name, pat) for pat in patterns):
                continue
            if not valid_name(p.name):
                skipped.append(p.name)
                continue
            shutil.copyfile(p, scratch / p.name)
            copied.append(p.name)
    return scratch, copied, skipped


def _mapping(items: list[str], flag: str) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit("%s wants KEY=VALUE, not %r" % (flag, item))
        if ":" in key:
            ip, port = key.rsplit(":", 1)
            k: Any = (ip, int(port))
        elif key.isdigit():
            k = int(key)
        else:
            k = key
        if ":" in value:
            host, port = value.rsplit(":", 1)
            v: Any = (host, int(port))
        else:
            v = int(value)
        out[k] = v
    return out


# ----------------------------------------------------------------------- console
PHONE_RE = re.compile(r"^\+?[0-9]{3,20}$")     # what the console accepts as an SMS sender


def _number(text: str, usage: str, kind: Any) -> Any:
    try:
        return kind(text)
    except ValueError:
        raise ValueError("%r is not a number; usage: %s" % (text, usage)) from None


def describe(ev: dict[str, Any]) -> str | None:
    """One event as a console line (None: not shown)."""
    t = "[%9.3f]" % (ev.get("t_ms", 0) / 1000.0)
    k = ev.get("kind")
    if k == "trace":
        return "%s trace: %s" % (t, ev.get("text", "").rstrip("\r"))
    if k == "sms_out":
        return "%s SMS from the module to %s: %s" % (t, ev.get("number"), json.dumps(ev.get("text")))
    if k == "sms_in":
        where = "stored at index %s" % ev["index"] if ev.get("index") is not None else "held by the network"
        return "%s SMS to the module from %s (%s): %s" % (t, ev.get("number"), where, json.dumps(ev.get("text")))
    if k == "socket":
        remote = ev.get("remote") or ["", 0]
        local = ev.get("local") or ["", 0]
        peer = " %s:%s" % (remote[0], remote[1]) if remote and remote[0] else ""
        if ev.get("phase") == "listening" and local and local[1]:
            peer = " on port %s" % local[1]
        why = " (%s)" % ev["close_reason"] if ev.get("phase") == "closed" and ev.get("close_reason") else ""
        return "%s socket %s: %s%s%s" % (t, ev.get("conn_id"), ev.get("phase"), peer, why)
    if k == "traffic":
        return "%s socket %s traffic: +%d sent, +%d received (total %d/%d)" % (
            t, ev.get("conn_id"), ev.get("sent", 0), ev.get("received", 0), ev.get("total_sent", 0),
            ev.get("total_received", 0))
    if k == "context":
        return "%s context %s: %s %s" % (t, ev.get("cid"), ev.get("state"), ev.get("ip") or "")
    if k == "call":
        return "%s call: %s %s (rings %s)" % (t, ev.get("state"), ev.get("number") or "", ev.get("rings"))
    if k == "serial":
        arrow = "device -> module" if ev.get("direction") == "in" else "module -> device"
        return "%s serial %s: %s" % (t, arrow, json.dumps(ev.get("data")))
    if k == "script":
        err = ev.get("error")
        return "%s script %s%s" % (t, ev.get("state"), (": " + err.splitlines()[-1]) if err else "")
    if k == "boot":
        return "%s boot (%s)" % (t, ev.get("reason"))
    if k == "fault":
        return "%s fault injected: %s" % (t, ev.get("fault"))
    if k == "host":
        return "%s host: %s" % (t, ev.get("text"))
    return "%s %s" % (t, json.dumps(ev))


HELP = """commands:
  sms <number> <text...>     a phone sends an SMS to the module
  sent                       SMS the module has sent
  store                      the SIM store
  call <number>              a remote modem calls the module (CSD)
  calldata <text>            the caller sends text (escapes like \\r work)
  hangup                     the caller hangs up
  serial <text>              the device on ASC0 sends text (escapes like \\r work)
  status                     a summary; 'status json' for everything
  net                        contexts and sockets (JSON)
  fault <kind> [k=v ...]     inject a fault; 'faults' lists the kinds
  reboot                     reboot the module
  advance <seconds>          virtual clock only: run module time
  trace [n]                  the last n trace-port lines (default 20)
  quiet [serial|traffic|trace|off]   hide a kind of event ('quiet off' shows all)
  json <request>             a raw control request, e.g. json {"cmd": "help"}
  help                       this text
  quit                       stop the emulator"""


class Console:
    def __init__(self, controller: Controller, out: TextIO = sys.stdout) -> None:
        self.c = controller
        self.out = out
        self.hidden: set[str] = set()
        self._lock = threading.Lock()
        controller.monitor.listeners.append(self.show)

    def say(self, text: str) -> None:
        with self._lock:
            self.out.write(text + "\n")
            self.out.flush()

    def show(self, ev: dict[str, Any]) -> None:
        if ev.get("kind") in self.hidden:
            return
        line = describe(ev)
        if line is not None:
            self.say(line)

    def run_line(self, line: str) -> bool:
        """Execute one console line; False means quit."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        word, _, rest = line.partition(" ")
        word = word.lower()
        rest = rest.strip()
        try:
            return self._run(word, rest)
        except (RuntimeError, ValueError) as e:
            self.say("error: %s" % e)
            return True

    @staticmethod
    def unescape(text: str) -> str:
        return codecs.decode(text.encode("latin-1"), "unicode_escape").encode("latin-1").decode("latin-1")

    def _run(self, word: str, rest: str) -> bool:
        c = self.c
        if word in ("quit", "exit"):
            return False
        if word == "help":
            self.say(HELP)
        elif word == "sms":
            number, _, text = rest.partition(" ")
            if not number or not text:
                raise ValueError("usage: sms <number> <text>")
            if not PHONE_RE.match(number):
                raise ValueError("the sender must be a phone number (+15551230001 or 07700900123), not %r; "
                                 "usage: sms <number> <text>" % number)
            c("sms.send", number=number, text=text)
        elif word == "sent":
            for x in c("sms.sent")["sent"]:
                self.say("  to %s: %s" % (x["number"], json.dumps(x["text"])))
        elif word == "store":
            self.say(json.dumps(c("sms.store"), indent=1))
        elif word == "call":
            r = c("call.place", number=rest or "+15551230002")
            self.say("call %d: %s" % (r["call"], r["state"]))
        elif word == "calldata":
            c("call.send", data=self.unescape(rest))
        elif word == "hangup":
            c("call.end")
        elif word == "serial":
            c("serial.send", data=self.unescape(rest))
        elif word == "status":
            st = c("status")
            self.say(json.dumps(st, indent=1) if rest == "json" else self.summary(st))
        elif word == "net":
            self.say(json.dumps(c("net.status"), indent=1))
        elif word == "faults":
            for k, doc in c("faults").items():
                self.say("  %-16s %s" % (k, doc))
        elif word == "fault":
            parts = shlex.split(rest)
            if not parts:
                raise ValueError("usage: fault <kind> [key=value ...]")
            req: dict[str, Any] = {"kind": parts[0]}
            for p in parts[1:]:
                k, _, v = p.partition("=")
                req[k] = None if v == "null" else int(v) if v.lstrip("-").isdigit() else v
            self.say("fault %s: %s" % (parts[0], json.dumps(c("fault", **req))))
        elif word == "reboot":
            c("fault", kind="reboot")
        elif word == "advance":
            r = c("advance", seconds=_number(rest or "1", "advance <seconds>", float))
            self.say("module time %.3f s" % (r["time_ms"] / 1000.0))
        elif word == "trace":
            n = _number(rest or "20", "trace [n] (the last n lines)", int)
            lines = c("trace")["lines"]
            for ln in lines[-n:]:
                self.say("  " + ln.rstrip("\r"))
        elif word == "quiet":
            if rest in ("", "off"):
                self.hidden.clear()
            else:
                self.hidden.add(rest)
        elif word == "json":
            try:
                req = json.loads(rest)
            except ValueError as e:
                raise ValueError('not JSON (%s); usage: json {"cmd": "help"}' % e) from None
            if not isinstance(req, dict):
                raise ValueError('a request is a JSON object; usage: json {"cmd": "help"}')
            self.say(json.dumps(c.handle(req), indent=1))
        else:
            self.say("unknown command %r: type 'help'" % word)
        return True

    @staticmethod
    def summary(st: dict[str, Any]) -> str:
        s = st["serial"]
        lines = [
            "time %.3f s (%s clock), power %s, boots %d" % (st["time_ms"] / 1000.0, "virtual" if st["virtual"] else "real",
                                                           "on" if st["power"] else "off", st["boots"]),
            "script %s (%s)%s" % (st["script"]["escript"] or "-", st["script"]["state"],
                                 ", owns ASC0" if st["script"]["owns_serial"] else ""),
            "serial %s %s%s, rx %d tx %d, lost %d" % (
                s["effective"][0], s["effective"][1],
                " (AT port)" if (s.get("at_port") or {}).get("at_port") else "",
                s["rx_buffered"], s["tx_buffered"], s["lost_rx"]),
        ]
        net = st.get("net")
        if net:
            for ctx in net.get("contexts", []):
                lines.append("context %s: %s %s" % (ctx["cid"], ctx["state"], ctx.get("ip") or ""))
            for sk in net.get("sockets", []):
                if sk.get("phase") == "listening":
                    lines.append("socket %s: listening on port %s" % (sk["conn_id"], sk["local"][1]))
                elif sk.get("phase") != "closed" or sk.get("sent") or sk.get("received"):
                    lines.append("socket %s: %s remote %s:%s sent %d received %d buffered %d" % (
                        sk["conn_id"], sk["phase"], sk["remote"][0], sk["remote"][1], sk["sent"], sk["received"],
                        sk["buff_in"]))
        sms = st.get("sms")
        if sms:
            lines.append("SMS store %d/%d (%d unread), %d held by the network, %d sent" % (
                sms["used"], sms["capacity"], sms["unread"], sms["pending"], sms["sent"]))
        csd = st.get("csd")
        if csd:
            lines.append("call: %s %s" % (csd["state"], csd.get("number") or ""))
        return "\n".join(lines)


# -------------------------------------------------------------------------- main
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tools.emulator.cli", description="Run the emulated GC864-PY.")
    p.add_argument("--flash", type=Path, help="directory with the on-module files (copied to the scratch flash)")
    p.add_argument("--main", help="the script to run at start-up (AT#ESCRIPT); none: no-script mode")
    p.add_argument("--scratch", type=Path, default=DEFAULT_SCRATCH, help="the flash directory (default ./flash-run)")
    p.add_argument("--in-place", action="store_true", help="use --flash DIR itself as the flash")
    p.add_argument("--fresh", action="store_true", help="empty the scratch flash first")
    p.add_argument("--pyo", action="store_true",
                   help="flash the main script as source and the other modules as DIR/build/*.pyo only")
    p.add_argument("--copy", action="append", default=[], metavar="PATTERN",
                   help="also copy files matching PATTERN (e.g. '*.cfg')")
    p.add_argument("--virtual", action="store_true", help="virtual clock (time moves with 'advance')")
    p.add_argument("--serial", default="pty", help="pty (default), pty:LINK, a device path, or none")
    p.add_argument("--serial-speed", choices=("match", "termios"), default="match",
                   help="pty speed: match the module (default) or take the program's termios speed")
    p.add_argument("--control-port", type=int, default=0, help="control socket port on 127.0.0.1 (0: any)")
    p.add_argument("--interpreter", help="run the script under this interpreter in a child process")
    p.add_argument("--names-limit", type=int, default=LIMIT, metavar="N",
                   help="the names table's size: an import past it raises MemoryError (default %d, "
                        "ES13 7.1; 0: count only)" % LIMIT)
    p.add_argument("--real", action="store_true",
                   help="run the script under the real CPython 1.5.2+ with -X (tools/py152.py)")
    p.add_argument("--startmode", type=int, choices=(0, 1, 2), help="AT#STARTMODESCR for this run")
    p.add_argument("--connect", action="append", default=[], metavar="IP:PORT=HOSTPORT",
                   help="real TCP: where a #SD to IP:PORT goes (127.0.0.1:HOSTPORT)")
    p.add_argument("--listen", action="append", default=[], metavar="PORT=HOSTPORT",
                   help="real TCP: #SL on PORT listens on 127.0.0.1:HOSTPORT")
    p.add_argument("--csd-port", type=int, metavar="PORT",
                   help="real CSD callers: each TCP connection to 127.0.0.1:PORT dials the module")
    p.add_argument("--no-console", action="store_true", help="no console: run until interrupted")
    p.add_argument("--variant", action="append", default=[], metavar="NAME=VALUE",
                   help="an open behaviour's variant (docs/emulator-fidelity.md); repeatable")
    p.add_argument("--profile", type=Path, metavar="FILE",
                   help="a real unit's report from probe.py (docs/probe.md): its variants and firmware")
    return p


def chosen_variants(args: argparse.Namespace) -> dict[str, str]:
    """--profile first, then --variant on top; a bad one stops the start (nothing changed)."""
    from . import variants

    try:
        out = variants.load_profile(args.profile) if args.profile is not None else {}
        out.update(variants.parse_assignments(args.variant))
    except (OSError, ValueError) as e:
        raise SystemExit("emulator: %s" % e) from None
    return out


def main(argv: list[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = stdout or sys.stdout
    chosen = chosen_variants(args)
    src = args.flash.resolve() if args.flash is not None else None
    try:
        flash_lock = lock_flash(src if args.in_place and src is not None else args.scratch)
    except OSError as e:
        print("emulator: %s" % e, file=sys.stderr)
        return 2
    patterns = DEFAULT_PATTERNS + tuple(args.copy)
    if args.pyo:
        patterns = (args.main or "gateway.py",) + tuple(args.copy)
    flash_dir, copied, skipped = prepare_flash(src, args.scratch, args.in_place, args.fresh, patterns)
    if args.pyo and src is not None and not args.in_place:
        pyos = copy_pyo(src / "build", flash_dir, args.main or "gateway.py")
        if not pyos:
            print("--pyo: %s has no .pyo files: run tools/compile_pyo.sh first" % (src / "build"),
                  file=stdout or sys.stderr, flush=True)
            return 2
        copied = copied + pyos
    m = Module(flash_dir, virtual=args.virtual)
    m.names_limit = args.names_limit or None
    from . import variants

    variants.apply(m, chosen)
    if src is not None:
        m.source_dirs = [src]
    interpreter_line = None
    if args.real and not args.interpreter:
        from tools.py152 import interpreter, why_not

        exe = interpreter()
        if exe is None:
            interpreter_line = "interpreter: in-process (the real 1.5.2+ is not available: %s)" % why_not()
        else:
            from .remote import use_interpreter

            use_interpreter(m, str(exe), extra_args=["-X"])
            interpreter_line = "interpreter: %s -X (the real 1.5.2+)" % exe
    elif args.interpreter:
        from .remote import use_interpreter

        use_interpreter(m, args.interpreter)
        interpreter_line = "interpreter: %s" % args.interpreter
    if src is not None and "(the real 1.5.2+)" not in (interpreter_line or ""):
        register_sources(m, src)   # the real 1.5.2+ runs the bytecode itself
    if args.startmode is not None:
        m.nvm["startmode"] = args.startmode
    main_name = args.main or ""
    if main_name and not m.flash.exists(main_name):
        print("note: %s is not on the flash: no-script mode" % main_name, file=out, flush=True)
    m.nvm["escript"] = main_name

    port: Any = None
    if args.serial != "none":
        from .realio import PtyPort, attach_serial

        port = attach_serial(m, args.serial) if not args.serial.startswith("pty") else \
            PtyPort(m, speed=args.serial_speed, link=args.serial[4:] or None)
        port.start()
    net = getattr(m, "net", None)
    if net is not None and not args.virtual and hasattr(net, "enable_real"):
        net.enable_real(connect_map=_mapping(args.connect, "--connect"),
                        listen_map=_mapping(args.listen, "--listen"))
    csd = getattr(m, "csd", None)
    csd_line = None
    if args.csd_port is not None:
        if csd is None or not hasattr(csd, "tcp_caller"):
            csd_line = "csd: not available"
        else:
            csd_line = "csd: 127.0.0.1:%s" % getattr(csd.tcp_caller(port=args.csd_port), "port", args.csd_port)
    controller = Controller(m, serial_port=port)
    server = ControlServer(controller, port=args.control_port)
    cport = server.start()
    console = Console(controller, out)

    what = "copied %d file(s) from %s" % (len(copied), src) if copied else "in place" if args.in_place else \
        "emptied (--fresh)" if args.fresh else "as it was"
    # the first two lines are stable for tools and for the README's walk-throughs
    console.say("serial: %s" % (getattr(port, "path", None) or getattr(port, "device", None) or "none"))
    console.say("control: 127.0.0.1:%d" % cport)
    if getattr(port, "link", None) is not None:
        console.say("serial link: %s (the same at every start: open this one)" % port.link)
    console.say("GC864-PY emulator: flash %s (%s)%s" % (flash_dir.resolve(), what,
                                                       "; skipped %s" % ", ".join(skipped) if skipped else ""))
    if csd_line is not None:
        console.say(csd_line)
    if interpreter_line is not None:
        console.say(interpreter_line)
    console.say("clock: %s; script: %s" % ("virtual" if args.virtual else "real",
                                          main_name if m.flash.exists(main_name) else "none (no-script mode: AT on the serial port)"))
    if chosen:
        console.say("variants: %s" % ", ".join("%s=%s" % kv for kv in sorted(chosen.items())))
    m.power_on()

    stop = threading.Event()

    def poller() -> None:
        while not stop.wait(0.1):
            try:
                controller.monitor.poll()
            except Exception:  # noqa: BLE001 - keep printing
                pass

    threading.Thread(target=poller, name="console-events", daemon=True).start()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    try:
        signal.signal(signal.SIGTERM, on_signal)
    except ValueError:  # not the main thread (tests calling main())
        pass
    try:
        if args.no_console:
            console.say("no console: stop with Ctrl-C")
            while not stop.wait(0.5):
                pass
        else:
            console.say("type 'help' for commands")
            inp = stdin or sys.stdin
            while not stop.is_set():
                line = inp.readline()
                if not line:
                    break
                if not console.run_line(line):
                    break
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        controller.monitor.poll()
        server.close()
        if port is not None:
            port.close()
        m.close()
        console.say("stopped")
        import os

        os.close(flash_lock)
    return 0


if __name__ == "__main__":
    sys.exit(main())
