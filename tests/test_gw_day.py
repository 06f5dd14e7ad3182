"""A day of module time (issue 5, order of work 6): the gateway in server mode, with clients
coming and going, data both ways, SMS commands, and faults (peer resets, vanished peers,
context drops while listening and while connected, registration loss, a CSD call), plus
two hours as a maintained client whose server restarts.  Every byte sent while a
connection was open must arrive, in order, at the other side.  Deterministic (seeded,
virtual clock); the figures are printed (pytest -s) for docs/gateway-runtime.md."""
from __future__ import annotations

import random
import time
from pathlib import Path

from gw_helpers import boot, gw, received, ser_send, sms, state, wait_state

DAY = 24 * 3600


def blob(rng: random.Random, n: int) -> bytes:
    return bytes(rng.randrange(256) for _ in range(n))


def test_a_day_with_traffic_and_faults(tmp_path: Path) -> None:
    wall0 = time.monotonic()
    rng = random.Random(5)
    m = boot(tmp_path)
    sms(m, "connect dialin on")
    sms(m, "connect socketting 120 5 0")
    totals = {"up": 0, "down": 0, "sessions": 0, "faults": 0, "sms": 2}
    ends = ["close", "timeout", "reset", "vanish", "drop", "close", "close"]
    srv = m.net.sim.listen("203.0.113.5", 5000)
    i = 0
    while m.kernel.now() < (DAY - 3600) * 1000:
        i += 1
        m.run(rng.randrange(600, 2400))                     # 10-40 min quiet
        hour = m.kernel.now() // 3600000
        if hour in (12, 13):
            # two hours as a maintained client; its server restarts once
            assert sms(m, "connect mode client 203.0.113.5 5000 maintain")[0].startswith("Confirmed")
            totals["sms"] += 1
            for restart in range(2):
                c = srv.accept_next(300)
                assert c is not None and wait_state(m, "connected", 10)
                up, down = blob(rng, 2000), blob(rng, 3000)
                base = len(received(m))
                ser_send(m, up)
                c.send(down)
                assert c.wait(lambda c: c.received == up, 60)
                assert m.run_until(lambda: received(m)[base:] == down, 60)
                totals["up"] += len(up)
                totals["down"] += len(down)
                totals["sessions"] += 1
                c.close()                                   # the server restarts
                m.run(rng.randrange(20, 120))
            srv.accept_next(300)
            assert wait_state(m, "connected", 10)
            assert sms(m, "connect mode server any 1024")[0].endswith(
                "(applies when the current connection closes)")
            totals["sms"] += 1
            srv.connections[-1].close()
            assert wait_state(m, "listening", 30)
            continue
        kind = i % 9
        if kind == 3:
            m.net.drop_context(1)                           # fault while listening
            totals["faults"] += 1
            assert wait_state(m, "gprs", 10) or state(m) == "listening"
            assert wait_state(m, "listening", 120)
            continue
        if kind == 6:
            m.net.set_registration(0)                       # 3 minutes without network
            m.run(180)
            m.net.set_registration(1)
            totals["faults"] += 1
            assert wait_state(m, "listening", 400)
            continue
        if kind == 8:
            call = m.csd.call("+15551230002")
            assert m.run_until(lambda: state(m) == "csd" and call.state == "active", 45)
            up, down = blob(rng, 500), blob(rng, 800)
            base = len(received(m))
            ser_send(m, up)
            call.send(down)
            assert m.run_until(lambda: bytes(call.received) == up
                               and received(m)[base:] == down, 60)
            totals["up"] += len(up)
            totals["down"] += len(down)
            totals["sessions"] += 1
            call.hangup()
            assert wait_state(m, "listening", 20)
            continue
        # a client session with a few exchanges
        c = m.net.sim.connect("198.51.100.%d" % rng.randrange(1, 250), 1024)
        assert m.run_until(lambda: state(m) == "connected" and c.state == "connected", 20)
        totals["sessions"] += 1
        for _ in range(rng.randrange(1, 5)):
            up, down = blob(rng, rng.randrange(1, 3000)), blob(rng, rng.randrange(1, 6000))
            base, cbase = len(received(m)), len(c.received)
            ser_send(m, up)
            c.send(down)
            if rng.random() < 0.3:
                out = sms(m, "connect status", settle=0)   # SMS in the middle of it
                totals["sms"] += 1
                assert out[0].startswith("Status: connected 198.51.100.")
            assert m.run_until(lambda: c.received[cbase:] == up
                               and received(m)[base:] == down, 120), i
            totals["up"] += len(up)
            totals["down"] += len(down)
            m.run(rng.randrange(1, 60))
        end = ends[i % len(ends)]
        if end == "close":
            c.close()
        elif end == "reset":
            c.reset()
        elif end == "vanish":
            c.half_open()                                   # no FIN: keepalive / maxTo
        elif end == "drop":
            m.net.drop_context(1)
        if end != "close":
            totals["faults"] += 1
        assert m.run_until(lambda: state(m) == "listening", 400), (i, end, state(m))
    m.run(DAY - m.kernel.now() // 1000)
    assert state(m) == "listening"
    assert m.boots == 1                                     # recovered without a restart
    assert m.sms.store == {}
    assert m.serial.lost_rx == 0
    assert gw(m).dropped == 0
    wall = time.monotonic() - wall0
    print("\nday: %d s module time, %d sessions, %d bytes device->net, %d bytes net->device, "
          "%d faults, %d SMS, %d watchdog resets, wall %.1f s"
          % (m.kernel.now() // 1000, totals["sessions"], totals["up"], totals["down"],
             totals["faults"], totals["sms"], m.watchdog_resets, wall))
