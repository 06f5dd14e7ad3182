"""The fleet configuration: one TOML file (docs/fleet.md, "Configuration").

Every error is a ``ConfigError`` whose message names the file and line (``fleet.toml:12:
unit.pump3.offline must be "drop" or "buffer", not "keep"``); nothing starts with a half-read
configuration and no unknown key is silently ignored.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .escapes import EscapeError, expand

NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
FLEET_KEYS = {"listen", "ports", "log", "status", "identify_ms", "heartbeat_hold_ms"}
# the operator's ways in and who gets in (docs/fleet.md, "Ways in", "Who gets in")
FLEET_KEYS |= {"rfc2217_base", "raw_base", "modbus_base", "web", "unknown", "max_units",
               "max_per_address", "takeover"}
UNIT_KEYS = {"identity", "identity_every", "heartbeat", "imei", "ccid", "id", "connect", "listen", "offline",
             "offline_buffer", "silence_timeout", "backoff_min", "backoff_max"}
UNIT_KEYS |= {"key", "baud", "charformat", "rfc2217", "raw", "modbus", "modbus_timeout"}
DEFAULT_KEYS = UNIT_KEYS - {"identity", "identity_every", "imei", "ccid", "id", "connect", "listen",
                            "key", "rfc2217", "raw", "modbus"}
BAUDS = (300, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)   # the gateway's SMS "baud"
CHARFORMAT_RE = re.compile(r"^[78][NEO][12]$")                         # the gateway's SMS "charformat"
WAYS = ("rfc2217", "raw", "modbus")
MAX_BUFFER = 1 << 20


class ConfigError(ValueError):
    pass


@dataclass
class UnitConfig:
    name: str
    identity: bytes = b""           # what the unit sends first (expanded), b"": none
    identity_every: bool = False    # SMS "identity every": also before each device frame, removed too
    heartbeat: bytes = b""          # removed from the unit's stream, b"": none
    connect: tuple[str, int] | None = None    # a server-mode unit: the fleet server calls it
    listen: tuple[str, int] | None = None     # a client-mode unit calling its own port
    offline: str = "drop"           # "drop" or "buffer": what the program writes while offline
    offline_buffer: int = 4096      # bytes kept with "buffer"
    silence_timeout: float = 0.0    # s without a byte from the unit: connection deemed dead (0: never)
    backoff_min: float = 1.0        # s, first retry of an outgoing connection
    backoff_max: float = 60.0       # s, the longest wait between retries
    configured: bool = True         # False: a unit named from its address
    key: bool = False               # the identity carries %KEY (a secret): no prefix waits are revealed
    baud: int = 9600                # the unit's serial line as set by SMS (RFC 2217 answers these)
    charformat: str = "8N1"
    ways: dict[str, tuple[str, int]] = field(default_factory=dict)   # rfc2217 / raw / modbus: address
    modbus_timeout: float = 5.0     # s for an RTU reply through GPRS (exception 0x0B after it)
    index: int = 0                  # position among the configured units (base port + index)


@dataclass
class FleetConfig:
    path: Path
    listen: tuple[str, int] | None = ("0.0.0.0", 7000)
    ports: Path = Path("ports")
    log: Path | None = None         # None: stdout
    status: Path = Path("ports/.status")
    identify_ms: int = 3000
    heartbeat_hold_ms: int = 200
    defaults: UnitConfig = field(default_factory=lambda: UnitConfig("defaults", configured=False))
    units: dict[str, UnitConfig] = field(default_factory=dict)
    bases: dict[str, tuple[str, int]] = field(default_factory=dict)   # rfc2217 / raw / modbus base ports
    web: tuple[str, int] | None = ("127.0.0.1", 8470)   # the status page; None: none
    web_set: bool = False           # False: the default address (a busy port is then not an error)
    unknown: str = ""               # "address" | "refuse"; "": refuse once units are configured
    max_units: int = 64             # units named from their address, at most
    max_per_address: int = 16       # connections at once from one peer address (units behind one NAT share it)
    takeover: str = "replace"       # a second connection for an online unit: "replace" | "keep"

    def unknown_unit(self, name: str) -> UnitConfig:
        d = self.defaults
        return UnitConfig(name, heartbeat=d.heartbeat, offline=d.offline,
                          offline_buffer=d.offline_buffer, silence_timeout=d.silence_timeout,
                          configured=False, baud=d.baud, charformat=d.charformat,
                          modbus_timeout=d.modbus_timeout)

    def unknown_policy(self) -> str:
        return self.unknown or ("refuse" if self.units else "address")

    def way_address(self, u: UnitConfig, way: str) -> tuple[str, int] | None:
        """Where unit ``u``'s RFC 2217 / raw / Modbus port listens: its own key, else the
        fleet's base port + its index; None: it has none."""
        if way in u.ways:
            return u.ways[way]
        if way in self.bases and u.configured:
            host, port = self.bases[way]
            return host, port + u.index
        return None


class _Lines:
    """Where a key is in the file: the line of ``key =`` under the table ``[a.b]``."""

    def __init__(self, text: str) -> None:
        self.keys: dict[tuple[str, ...], int] = {}
        table: tuple[str, ...] = ()
        for n, line in enumerate(text.splitlines(), 1):
            s = line.strip()
            m = re.match(r"^\[\s*([^\[\]]+?)\s*\]", s)
            if m:
                parts = re.findall(r""""[^"]*"|'[^']*'|[^.\s]+""", m.group(1))
                table = tuple(p.strip('"').strip("'") for p in parts)
                self.keys.setdefault(table, n)
                continue
            m = re.match(r"""^("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""", s)
            if m:
                self.keys.setdefault(table + (m.group(1).strip('"').strip("'"),), n)

    def line(self, path: tuple[str, ...]) -> int | None:
        while path:
            if path in self.keys:
                return self.keys[path]
            path = path[:-1]
        return None


class _Reader:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = _Lines(text)

    def error(self, where: tuple[str, ...], message: str) -> ConfigError:
        n = self.lines.line(where)
        at = "%s:%d" % (self.path, n) if n else str(self.path)
        return ConfigError("%s: %s %s" % (at, ".".join(where), message))

    def table(self, where: tuple[str, ...], value: Any, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(where, "must be a table")
        for k in value:
            if k not in allowed:
                raise self.error(where + (k,), "is not a known key (known: %s)" % ", ".join(sorted(allowed)))
        return value

    def string(self, where: tuple[str, ...], value: Any) -> str:
        if not isinstance(value, str):
            raise self.error(where, "must be a string, not %s" % type(value).__name__)
        return value

    def number(self, where: tuple[str, ...], value: Any, low: float, high: float) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise self.error(where, "must be a number from %g to %g, not %r" % (low, high, value))
        return float(value)

    def address(self, where: tuple[str, ...], value: Any, need_host: bool) -> tuple[str, int]:
        if isinstance(value, int) and not isinstance(value, bool) and not need_host:
            host, port = "0.0.0.0", value
        else:
            text = self.string(where, value)
            host, sep, p = text.rpartition(":")
            if not sep or not host or not p.isdigit():
                raise self.error(where, 'must be "host:port", not %r' % text)
            port = int(p)
        if not 0 <= port <= 65535 or (need_host and port == 0):
            raise self.error(where, "port must be %s-65535, not %d" % ("1" if need_host else "0", port))
        return host.strip("[]"), port

    def text(self, where: tuple[str, ...], value: Any, values: dict[str, str]) -> bytes:
        s = self.string(where, value)
        try:
            return expand(s, values)
        except EscapeError as e:
            raise self.error(where, "%s (at character %d)" % (e, e.column + 1)) from None


def load(path: str | Path) -> FleetConfig:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError("%s: cannot read: %s" % (p, e)) from None
    return parse(text, p)


def parse(text: str, path: Path) -> FleetConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e))
        where = "%s:%s" % (path, m.group(1)) if m else str(path)
        raise ConfigError("%s: not valid TOML: %s%s" % (where, msg, " (column %s)" % m.group(2) if m else "")) from None
    r = _Reader(path, text)
    base = path.resolve().parent
    cfg = FleetConfig(path=path)
    r.table((), data, {"fleet", "defaults", "unit"})
    fl = r.table(("fleet",), data.get("fleet", {}), FLEET_KEYS)
    if "listen" in fl:
        cfg.listen = None if fl["listen"] == "" else r.address(("fleet", "listen"), fl["listen"], False)
    if "ports" in fl:
        cfg.ports = Path(r.string(("fleet", "ports"), fl["ports"]))
    cfg.ports = base / cfg.ports
    cfg.status = cfg.ports / ".status"
    if "status" in fl:
        cfg.status = base / r.string(("fleet", "status"), fl["status"])
    if "log" in fl:
        log = r.string(("fleet", "log"), fl["log"])
        cfg.log = None if log == "-" else base / log
    if "identify_ms" in fl:
        cfg.identify_ms = int(r.number(("fleet", "identify_ms"), fl["identify_ms"], 0, 60000))
    if "heartbeat_hold_ms" in fl:
        cfg.heartbeat_hold_ms = int(r.number(("fleet", "heartbeat_hold_ms"), fl["heartbeat_hold_ms"], 0, 10000))
    _fleet_ops(r, fl, cfg)
    d = r.table(("defaults",), data.get("defaults", {}), DEFAULT_KEYS)
    _unit_keys(r, ("defaults",), d, cfg.defaults, {})
    units = r.table(("unit",), data.get("unit", {}), set(data.get("unit", {})) if isinstance(data.get("unit", {}), dict) else set())
    seen_ident: dict[bytes, str] = {}
    seen_listen: dict[tuple[str, int], str] = {}
    for index, (name, u) in enumerate(units.items()):
        where = ("unit", name)
        if not NAME_RE.match(name):
            raise r.error(where, "is not a usable unit name (letters, digits, _ . -; at most 64; not starting with . or -)")
        u = r.table(where, u, UNIT_KEYS)
        uc = cfg.unknown_unit(name)
        uc.configured = True
        uc.index = index
        uc.backoff_min, uc.backoff_max = cfg.defaults.backoff_min, cfg.defaults.backoff_max
        values = {"ID": r.string(where + ("id",), u.get("id", name)),
                  "IMEI": r.string(where + ("imei",), u.get("imei", "")),
                  "CCID": r.string(where + ("ccid",), u.get("ccid", "")),
                  "KEY": r.string(where + ("key",), u.get("key", ""))}
        if "key" in u:
            if not 8 <= len(values["KEY"]) <= 32 or not values["KEY"].isalnum():
                raise r.error(where + ("key",), "must be 8-32 letters and digits")
            if "%KEY" not in str(u.get("identity", "")):
                raise r.error(where + ("key",), "is set but the identity does not carry %KEY")
            uc.key = True
        if "identity" in u:
            uc.identity = r.text(where + ("identity",), u["identity"], values)
            if not uc.identity:
                raise r.error(where + ("identity",), "is empty; leave the key out for a unit without one")
            if uc.identity in seen_ident:
                raise r.error(where + ("identity",), "is the same as unit %s's" % seen_ident[uc.identity])
            seen_ident[uc.identity] = name
        if "identity_every" in u:
            if not isinstance(u["identity_every"], bool):
                raise r.error(where + ("identity_every",), "must be true or false")
            if not uc.identity:
                raise r.error(where + ("identity_every",), "needs an identity")
            uc.identity_every = u["identity_every"]
        if "connect" in u:
            uc.connect = r.address(where + ("connect",), u["connect"], True)
        if "listen" in u:
            uc.listen = r.address(where + ("listen",), u["listen"], False)
            key = uc.listen
            if uc.listen[1] and (key in seen_listen or (cfg.listen is not None and key[1] == cfg.listen[1])):
                raise r.error(where + ("listen",), "port %d is already used by %s" % (key[1], seen_listen.get(key, "fleet.listen")))
            seen_listen[key] = name
        if uc.connect and uc.listen:
            raise r.error(where + ("listen",), "and connect exclude each other (a unit is either called or calls)")
        _unit_keys(r, where, u, uc, values)
        for way in WAYS:
            if way in u:
                uc.ways[way] = r.address(where + (way,), u[way], False)
        cfg.units[name] = uc
    _check_way_ports(r, cfg)
    return cfg


def _fleet_ops(r: _Reader, fl: dict[str, Any], cfg: FleetConfig) -> None:
    """The [fleet] keys of the ways in and of who gets in (docs/fleet.md)."""
    for way in WAYS:
        key = way + "_base"
        if key in fl:
            cfg.bases[way] = r.address(("fleet", key), fl[key], False)
            if not cfg.bases[way][1]:
                raise r.error(("fleet", key), "must be a fixed port (base + index), not 0")
    if "web" in fl:
        cfg.web_set = True
        cfg.web = None if fl["web"] == "" else r.address(("fleet", "web"), fl["web"], False)
        if isinstance(fl["web"], int):
            cfg.web = ("127.0.0.1", fl["web"])   # a bare port: loopback, the page is for this machine
    if "unknown" in fl:
        cfg.unknown = r.string(("fleet", "unknown"), fl["unknown"])
        if cfg.unknown not in ("address", "refuse"):
            raise r.error(("fleet", "unknown"), 'must be "address" or "refuse", not %r' % cfg.unknown)
    if "max_units" in fl:
        cfg.max_units = int(r.number(("fleet", "max_units"), fl["max_units"], 0, 10000))
    if "max_per_address" in fl:
        cfg.max_per_address = int(r.number(("fleet", "max_per_address"), fl["max_per_address"], 1, 10000))
    if "takeover" in fl:
        cfg.takeover = r.string(("fleet", "takeover"), fl["takeover"])
        if cfg.takeover not in ("replace", "keep"):
            raise r.error(("fleet", "takeover"), 'must be "replace" or "keep", not %r' % cfg.takeover)


def _check_way_ports(r: _Reader, cfg: FleetConfig) -> None:
    """No two listeners on one fixed port (port 0: any free port, never a clash)."""
    seen: dict[int, str] = {}
    if cfg.listen is not None and cfg.listen[1]:
        seen[cfg.listen[1]] = "fleet.listen"
    if cfg.web is not None and cfg.web[1]:
        seen.setdefault(cfg.web[1], "fleet.web")
    for u in cfg.units.values():
        if u.listen is not None and u.listen[1]:
            seen.setdefault(u.listen[1], "unit.%s.listen" % u.name)
    for u in cfg.units.values():
        for way in WAYS:
            a = cfg.way_address(u, way)
            if a is None or not a[1]:
                continue
            if a[1] > 65535:
                raise r.error(("unit", u.name, way), "port %d (base + index %d) is above 65535" % (a[1], u.index))
            if a[1] in seen:
                raise r.error(("unit", u.name, way), "port %d is already used by %s" % (a[1], seen[a[1]]))
            seen[a[1]] = "unit.%s.%s" % (u.name, way)


def _unit_keys(r: _Reader, where: tuple[str, ...], u: dict[str, Any], uc: UnitConfig, values: dict[str, str]) -> None:
    if "heartbeat" in u:
        uc.heartbeat = r.text(where + ("heartbeat",), u["heartbeat"], values)
    if "offline" in u:
        uc.offline = r.string(where + ("offline",), u["offline"])
        if uc.offline not in ("drop", "buffer"):
            raise r.error(where + ("offline",), 'must be "drop" or "buffer", not %r' % uc.offline)
    if "offline_buffer" in u:
        uc.offline_buffer = int(r.number(where + ("offline_buffer",), u["offline_buffer"], 1, MAX_BUFFER))
    if "silence_timeout" in u:
        uc.silence_timeout = r.number(where + ("silence_timeout",), u["silence_timeout"], 0, 86400)
    if "backoff_min" in u:
        uc.backoff_min = r.number(where + ("backoff_min",), u["backoff_min"], 0.01, 3600)
    if "baud" in u:
        if u["baud"] not in BAUDS or isinstance(u["baud"], bool):
            raise r.error(where + ("baud",), "must be one of %s, not %r" % (" ".join(map(str, BAUDS)), u["baud"]))
        uc.baud = int(u["baud"])
    if "charformat" in u:
        uc.charformat = r.string(where + ("charformat",), u["charformat"]).upper()
        if not CHARFORMAT_RE.match(uc.charformat):
            raise r.error(where + ("charformat",), 'must be like "8N1" (7 or 8 bits, N E or O, 1 or 2 stop bits)')
    if "modbus_timeout" in u:
        uc.modbus_timeout = r.number(where + ("modbus_timeout",), u["modbus_timeout"], 0.05, 600)
    if "backoff_max" in u:
        uc.backoff_max = r.number(where + ("backoff_max",), u["backoff_max"], 0.01, 3600)
    if uc.backoff_max < uc.backoff_min:
        raise r.error(where + ("backoff_max",), "must not be less than backoff_min (%g)" % uc.backoff_min)
