"""The status table (``python -m tools.fleet status``) and the client that asks a running
fleet server for it over its Unix socket (docs/fleet.md, "Status")."""
from __future__ import annotations

import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

COLUMNS = ("unit", "state", "address", "since", "to unit", "from unit", "last heartbeat", "pty")


def ago(t: float | None, now: float) -> str:
    if t is None:
        return "-"
    s = max(0, int(now - t))
    if s < 120:
        return "%ds ago" % s
    if s < 7200:
        return "%dm ago" % (s // 60)
    return "%dh%02dm ago" % (s // 3600, s % 3600 // 60)


def clock(t: float | None) -> str:
    if t is None:
        return "-"
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_table(rows: list[dict[str, Any]], now: float) -> str:
    """Plain text, one unit a line; "since" is when the connection opened (online) or
    closed (offline); byte counts are device bytes (identity and heartbeats not counted)."""
    cells = [COLUMNS]
    for r in rows:
        since = clock(r["since"]) if r["state"] == "online" else "(%s)" % clock(r["offline_since"])
        cells.append((r["unit"], r["state"], r["address"], since, str(r["to_unit"]), str(r["from_unit"]),
                      ago(r["last_heartbeat"], now), r["pty"]))
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines) + "\n"


def query(path: Path, want_json: bool = False, timeout: float = 5.0) -> str:
    """Ask the fleet server listening on ``path``; raises OSError when none answers."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(path))
        s.sendall(b"json\n" if want_json else b"table\n")
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    return out.decode()
