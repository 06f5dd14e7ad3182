"""The fleet server: each remote unit as a local serial port (docs/fleet.md).

commands:
  serve   (the default) run the fleet server: a pty per unit in ports/, and per unit the
          RFC 2217, raw TCP and Modbus TCP ports and the status page its configuration asks for
  status  ask the running server for its table of units (--json: one JSON object)
  check   read the configuration and say what it understood (listeners, units, ports),
          without starting anything; exits 2 with the file and line of an error

examples:
  python -m tools.fleet -c fleet.toml            (or gc864-fleet -c fleet.toml)
  python -m tools.fleet check -c fleet.toml
  python -m tools.fleet status -c fleet.toml
"""
from __future__ import annotations

import argparse
import asyncio
import sys

from .config import ConfigError, load
from .escapes import show


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.fleet", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", nargs="?", default="serve", choices=("serve", "status", "check"))
    ap.add_argument("-c", "--config", default="fleet.toml", help="the TOML configuration (default fleet.toml)")
    ap.add_argument("--json", action="store_true", help="status: one JSON object instead of the table")
    a = ap.parse_args(argv)
    try:
        cfg = load(a.config)
    except ConfigError as e:
        print("fleet: %s" % e, file=sys.stderr)
        return 2
    if a.command == "check":
        print("listen: %s" % ("%s:%d" % cfg.listen if cfg.listen else "none"))
        print("ports: %s; status: %s; log: %s" % (cfg.ports, cfg.status, cfg.log or "stdout"))
        print("page: %s" % ("http://%s:%d/" % cfg.web if cfg.web else "none"))
        print("unknown peers: %s; at most %d units named from their address, %d connections per address; "
              "takeover: %s" % ("named from their address" if cfg.unknown_policy() == "address" else "refused",
                                cfg.max_units, cfg.max_per_address, cfg.takeover))
        for u in cfg.units.values():
            how = ("calls %s:%d" % u.connect) if u.connect else ("calls in on %s:%d" % u.listen) if u.listen else "calls in"
            ident = "(carries its key, not shown)" if u.key else show(u.identity) or "-"
            print("unit %s: %s, identity %s, heartbeat %s, offline %s%s" % (
                u.name, how, ident, show(u.heartbeat) or "-", u.offline,
                " %d B" % u.offline_buffer if u.offline == "buffer" else ""))
            ways = ["%s %s:%d" % (w, *a) for w in ("rfc2217", "raw", "modbus") if (a := cfg.way_address(u, w))]
            if ways:
                print("  line %d %s; %s" % (u.baud, u.charformat, ", ".join(ways)))
        return 0
    if a.command == "status":
        from .status import query
        try:
            sys.stdout.write(query(cfg.status, a.json))
        except OSError as e:
            print("fleet: no fleet server answers on %s (%s)" % (cfg.status, e), file=sys.stderr)
            return 1
        return 0
    from .server import new_loop, serve_forever
    try:
        with asyncio.Runner(loop_factory=new_loop) as runner:
            runner.run(serve_forever(cfg))
    except OSError as e:
        print("fleet: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
