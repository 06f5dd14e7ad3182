"""The soak, bounded to fit the suite (tools/bench_soak.py runs it for days): client (maintain)
and server mode, every fault in turn (context drop with a held-back burst, peer close, reset,
half-open peer, registration loss, server away, SMS burst, CTS held, power cut).  Every byte
both ways checked in order, nothing stale crosses into a new connection, nothing of the
device's reaches MDM's command line, and service is back within 60 s of each cause going away
(a half-open peer is found by the 2-minute keepalive: that one is the network's time)."""
from __future__ import annotations

import pytest

from tools.bench_soak import FAULTS, NOT_IN_TARGET, report, soak


@pytest.mark.parametrize("mode", ["client", "server"])
def test_soak_every_fault_once(mode: str) -> None:
    kinds = [k for k in FAULTS if not (k == "server away" and mode != "client")]
    fig = soak(mode, 1500, seed=7, cycle=True)
    print(report(fig))
    assert fig.errors == []
    assert set(fig.faults) == set(kinds)
    assert fig.boots == 0                               # no restart besides the power cuts
    assert fig.bytes_checked > 20000
    for kind, times in fig.recovery.items():
        limit = 300 if kind in NOT_IN_TARGET else 60
        assert max(times) <= limit, (kind, times)
