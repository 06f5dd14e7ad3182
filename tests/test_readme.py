"""The README's SMS examples are what the gateway answers (sms_commands.handle)."""
from __future__ import annotations

import pytest

from onmodule import Flash, Loader
from tools.paths import ROOT

L = Loader(flash=Flash())
sc = L.load("sms_commands")
cs = L.load("config_store")

# What the gateway knows when the examples are sent (the status row shows it all).
# The examples are sent from +15551230001 (the phones rows say so).
STATUS = {"state": "connected", "peer": "203.0.113.9:40001", "ip": "10.20.30.40", "csq": 17,
          "uptime": 183845, "tonet": 1234, "toser": 567, "conns": 4, "sender": "+15551230001"}


def readme_rows() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### SMS commands"):text.index("### Defaults")]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith("`") and cells[0] != "SMS":
            sms = cells[0].split("`")[1]
            reply = cells[1].split("`")[1] if cells[1].startswith("`") else ""
            rows.append((sms, reply))
    assert len(rows) >= 15
    return rows


@pytest.mark.parametrize("sms,reply", readme_rows())
def test_readme_example(sms: str, reply: str) -> None:
    replies, _, _ = sc.handle(sms, cs.defaults(), dict(STATUS))
    assert replies == ([reply] if reply else [])
