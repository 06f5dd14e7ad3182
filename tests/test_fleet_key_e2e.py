"""End to end, the key (docs/fleet.md "Who gets in", docs/gateway.md 1.20): the gateway on an
emulated module (real clock, real loopback TCP) set by SMS as a user would (`name`,
`identity %ID:%KEY%0D%0A`, `key`, `mode client`) calls a fleet server whose section for it
has the same identity and key.  With a wrong key it is refused and none of its device bytes
reach the unit's port; once the right key is sent by SMS it is let in and the device's bytes
pass both ways."""
from __future__ import annotations

from pathlib import Path

from fleet_helpers import FleetThread, nothing_more, open_pty, write_config
from gw_helpers import flash_gateway, received, ser_send, sms, state, wait_state
from tools.emulator import Module

SECRET = "Xk4mQ9pL2v"
CONFIG = """
identify_ms = 3000
web = ""

[unit.pump3]
identity = "%ID:%KEY%0D%0A"
key = "{key}"
"""


def online(fleet: FleetThread) -> bool:
    u = fleet.srv.units.get("pump3")
    return u is not None and u.conn is not None


def test_the_fleet_server_lets_the_unit_in_by_the_key_it_was_sent_by_sms(tmp_path: Path) -> None:
    fleet = FleetThread(write_config(tmp_path, CONFIG.format(key=SECRET)))
    m = Module(tmp_path / "flash", virtual=False)
    flash_gateway(m)
    m.net.activation_ms = 200            # keep the real-clock test short
    m.sms.send_delay_ms = 200
    m.net.enable_real(listen_map={1024: 0})
    m.power_on()
    pty = open_pty(fleet.link("pump3"))
    try:
        assert wait_state(m, "listening", 60), state(m)
        # send timeout 100 ms: the identity leaves the module 0.1 s after it was written
        for cmd, reply in (("socketting 300 1 0", "Confirmed: socketting"),
                           ("name pump3", "Confirmed: name pump3"),
                           ("identity %ID:%KEY%0D%0A", "Confirmed: identity %ID:%KEY%0D%0A"),
                           ("key WrongKey99", "Confirmed: key set")):
            assert sms(m, "connect " + cmd, timeout=10)[0].startswith(reply)
        assert sms(m, "connect mode client 127.0.0.1 %d maintain" % fleet.srv.listen_port,
                   timeout=10)[0].startswith("Confirmed: mode client")
        # the wrong key: refused (at identify_ms), the device's bytes go nowhere
        # (the module runs only inside m.run/run_until: every wait goes through it)
        assert m.run_until(lambda: len(fleet.events("refused")) >= 1, 20)
        ser_send(m, b"EVIL")
        m.run(3)
        assert not online(fleet) and nothing_more(pty, 0.3) == b""
        # the right key by SMS: the next connection is the unit's
        reply = sms(m, "connect key " + SECRET, timeout=10)
        assert reply and reply[0].startswith("Confirmed: key set") and SECRET not in reply[0]
        assert m.run_until(lambda: online(fleet), 30)
        assert [e["by"] for e in fleet.events("connect")] == ["identity"]
        ser_send(m, b"GOOD")
        data = b""
        for _ in range(40):
            m.run(0.2)
            data += nothing_more(pty, 0.05)
            if data.endswith(b"GOOD"):
                break
        assert data == b"GOOD"              # no identity, no key, nothing of the refused ones
        pty.write(b"back")
        assert m.run_until(lambda: received(m).endswith(b"back"), 10)
    finally:
        pty.close()
        m.close()
        fleet.close()
