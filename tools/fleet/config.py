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
FLEET_KEYS = {"listen", "ports", "log", "status", "identify_ms", "heartbeat_hold_ms", "ptys"}
UNIT_KEYS = {"identity", "identity_every", "heartbeat", "imei", "ccid", "id", "connect", "listen", "offline",
             "offline_buffer", "silence_timeout", "backoff_min", "backoff_max"}
DEFAULT_KEYS = UNIT_KEYS - {"identity", "identity_every", "imei", "ccid", "id", "connect", "listen"}
MAX_BUFFER = 1 << 20
MQTT_KEYS = {"broker", "prefix", "server_id", "qos", "username", "password", "keepalive", "queue"}


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


@dataclass
class FleetConfig:
    path: Path
    listen: tuple[str, int] | None = ("0.0.0.0", 7000)
    ports: Path = Path("ports")
    log: Path | None = None         # None: stdout
    status: Path = Path("ports/.status")
    identify_ms: int = 3000
    heartbeat_hold_ms: int = 200
    ptys: bool = True               # False: no pty per unit (MQTT only, past the kernel's pty limit)
    mqtt: Any = None                # tools.fleet.mqtt.MqttConfig when [mqtt] is present
    defaults: UnitConfig = field(default_factory=lambda: UnitConfig("defaults", configured=False))
    units: dict[str, UnitConfig] = field(default_factory=dict)

    def unknown_unit(self, name: str) -> UnitConfig:
        d = self.defaults
        return UnitConfig(name, heartbeat=d.heartbeat, offline=d.offline,
                          offline_buffer=d.offline_buffer, silence_timeout=d.silence_timeout,
                          configured=False)


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
    r.table((), data, {"fleet", "defaults", "unit", "mqtt"})
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
    if "ptys" in fl:
        if not isinstance(fl["ptys"], bool):
            raise r.error(("fleet", "ptys"), "must be true or false")
        cfg.ptys = fl["ptys"]
    if "mqtt" in data:
        try:
            from .mqtt import parse_mqtt
        except ImportError as e:
            raise r.error(("mqtt",), "needs the aiomqtt package (requirements-test.txt): %s" % e) from None
        cfg.mqtt = parse_mqtt(r, r.table(("mqtt",), data["mqtt"], MQTT_KEYS))
    d = r.table(("defaults",), data.get("defaults", {}), DEFAULT_KEYS)
    _unit_keys(r, ("defaults",), d, cfg.defaults, {})
    units = r.table(("unit",), data.get("unit", {}), set(data.get("unit", {})) if isinstance(data.get("unit", {}), dict) else set())
    seen_ident: dict[bytes, str] = {}
    seen_listen: dict[tuple[str, int], str] = {}
    for name, u in units.items():
        where = ("unit", name)
        if not NAME_RE.match(name):
            raise r.error(where, "is not a usable unit name (letters, digits, _ . -; at most 64; not starting with . or -)")
        u = r.table(where, u, UNIT_KEYS)
        uc = cfg.unknown_unit(name)
        uc.configured = True
        uc.backoff_min, uc.backoff_max = cfg.defaults.backoff_min, cfg.defaults.backoff_max
        values = {"ID": r.string(where + ("id",), u.get("id", name)),
                  "IMEI": r.string(where + ("imei",), u.get("imei", "")),
                  "CCID": r.string(where + ("ccid",), u.get("ccid", ""))}
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
        cfg.units[name] = uc
    return cfg


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
    if "backoff_max" in u:
        uc.backoff_max = r.number(where + ("backoff_max",), u["backoff_max"], 0.01, 3600)
    if uc.backoff_max < uc.backoff_min:
        raise r.error(where + ("backoff_max",), "must not be less than backoff_min (%g)" % uc.backoff_min)
