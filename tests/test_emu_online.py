"""Online (data) mode: payload both ways, the +++ escape with its guard times, #SKIPESC, #E2ESC,
DCD with &C, DTR with &D, remote close, URCs held while online (REFERENCE §6.6-6.8, §6.10, §2.1;
§11 C). The link is a small loopback object implementing the link protocol of
docs/emulator-design.md."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from emu_helpers import at, feed, take
from tools.emulator import Module
from tools.emulator.at import AtInstance, Online


class Loop:
    """A data link: what the DTE sends lands in ``rx``; ``to_dte`` delivers to the DTE."""

    def __init__(self, kind: str = "gprs", room: int | None = None) -> None:
        self.kind = kind
        self.only_ath = False
        self.owner: AtInstance | None = None
        self.inst: AtInstance | None = None
        self.connected = True
        self.rx = bytearray()
        self.escapes = 0
        self.hangups = 0
        self.room = room  # None: unlimited; else bytes the link can still take
        self.held = bytearray()  # for the DTE, waiting for output room

    def attach(self, inst: AtInstance) -> None:
        self.inst = inst
        self.owner = inst
        self.flush()

    def write(self, data: bytes) -> int:
        n = len(data) if self.room is None else min(self.room, len(data))
        self.rx += data[:n]
        if self.room is not None:
            self.room -= n
        return n

    def escaped(self, inst: AtInstance) -> None:
        self.escapes += 1

    def hangup_local(self) -> None:
        self.hangups += 1
        self.close()

    def room_available(self) -> None:
        self.flush()

    # test side
    def to_dte(self, data: bytes) -> None:
        self.held += data
        self.flush()

    def flush(self) -> None:
        if self.inst is not None and self.held:
            n = self.inst.deliver(bytes(self.held))
            del self.held[:n]

    def give_room(self, n: int) -> None:
        self.room = (self.room or 0) + n
        assert self.inst is not None
        self.inst.link_ready()

    def close(self) -> None:
        self.connected = False
        assert self.inst is not None
        self.inst.link_closed(self)


class LoopExt:
    """Extension that lists the test's links (so DCD sees a suspended connection)."""

    def __init__(self) -> None:
        self.items: list[Loop] = []

    def on_boot(self) -> None:
        self.items = []

    def links(self) -> list[Any]:
        return list(self.items)


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = Module(tmp_path)
    mod.extensions.append(LoopExt())
    mod.power_on()
    return mod


def online(m: Module, inst: int = 1, **kw: Any) -> Loop:
    link = Loop(**kw)
    m.extensions[-1].items.append(link)
    with m.kernel.lock:
        m.instances[inst]._apply(Online(link, delay=0))
    return link


def connect(m: Module, inst: int = 1, **kw: Any) -> Loop:
    """Online, CONNECT read, and the post-CONNECT guard time (1 s at S12=50) passed."""
    link = online(m, inst, **kw)
    assert take(m, inst) == b"\r\nCONNECT\r\n"
    m.run(1.2)
    return link


# ------------------------------------------------------------------ payload
def test_ref6_6_payload_both_ways_untouched(m: Module) -> None:
    link = connect(m)
    every = bytes(range(256))
    feed(m, every + b"AT\r")
    assert bytes(link.rx) == every + b"AT\r"
    link.to_dte(every + b"\r\nOK\r\n")
    assert take(m) == every + b"\r\nOK\r\n"
    assert m.instances[1].mode == "online"


# ------------------------------------------------------------------ escape
def test_ref6_7_escape_with_guard_before_and_after(m: Module) -> None:
    link = connect(m)
    feed(m, b"data")
    m.run(1.1)
    feed(m, b"+++")
    m.run(0.9)
    assert take(m) == b"" and m.instances[1].mode == "online"
    m.run(0.2)
    assert take(m) == b"\r\nOK\r\n"
    assert m.instances[1].mode == "cmd" and link.escapes == 1
    assert bytes(link.rx) == b"data+++"  # #SKIPESC=0 (default): the +++ goes to the peer
    assert at(m, "AT+CSQ") == b"\r\n+CSQ: 17,0\r\n\r\nOK\r\n"  # command mode now


def test_ref6_7_skipesc_keeps_the_plus_from_the_peer(m: Module) -> None:
    at(m, "AT#SKIPESC=1")
    link = connect(m)
    feed(m, b"+++")
    m.run(1.1)
    assert take(m) == b"\r\nOK\r\n"
    assert bytes(link.rx) == b""


def test_ref6_7_no_silence_before_means_data(m: Module) -> None:
    link = connect(m)
    feed(m, b"x")
    m.run(0.5)
    feed(m, b"+++")
    m.run(3)
    assert take(m) == b"" and m.instances[1].mode == "online"
    assert bytes(link.rx) == b"x+++"


def test_ref6_7_byte_after_within_guard_means_data(m: Module) -> None:
    link = connect(m)
    feed(m, b"+++")
    m.run(0.5)
    feed(m, b"y")
    m.run(3)
    assert take(m) == b"" and bytes(link.rx) == b"+++y"


def test_ref6_7_fourth_plus_means_data(m: Module) -> None:
    link = connect(m)
    feed(m, b"++++")
    m.run(3)
    assert take(m) == b"" and bytes(link.rx) == b"++++"


def test_ref6_7_gap_between_pluses_over_guard_means_data(m: Module) -> None:
    link = connect(m)
    feed(m, b"+")
    m.run(1.1)
    feed(m, b"+")
    m.run(1.1)
    feed(m, b"+")
    m.run(3)
    assert take(m) == b"" and m.instances[1].mode == "online"
    assert bytes(link.rx) == b"+++"


def test_ref6_7_gaps_between_pluses_within_guard_escape(m: Module) -> None:
    link = connect(m)
    feed(m, b"+")
    m.run(0.9)
    feed(m, b"+")
    m.run(0.9)
    feed(m, b"+")
    m.run(1.1)
    assert take(m) == b"\r\nOK\r\n" and link.escapes == 1


def test_ref6_7_guard_also_right_after_connect(m: Module) -> None:
    link = online(m)
    take(m)
    m.run(0.5)
    feed(m, b"+++")
    m.run(3)
    assert take(m) == b"" and bytes(link.rx) == b"+++"


def test_ref6_7_s12_sets_the_guard(m: Module) -> None:
    at(m, "ATS12=40")  # 0.8 s (JANUS uses ATS12=40)
    link = connect(m)
    m.run(0.8)
    feed(m, b"+++")
    m.run(0.81)
    assert take(m) == b"\r\nOK\r\n" and link.escapes == 1


@pytest.mark.parametrize("kind", ["gprs", "csd"])
def test_ref6_7_e2esc_replaces_s12_for_gprs_only(m: Module, kind: str) -> None:
    # #E2ESC=2: a 2 s guard for GPRS; a CSD link keeps S12 (1 s).
    at(m, "AT#E2ESC=2")
    link = connect(m, kind=kind)
    feed(m, b"d")
    m.run(1.05)
    feed(m, b"+++")
    m.run(2.5)
    if kind == "csd":
        assert take(m) == b"\r\nOK\r\n" and bytes(link.rx) == b"d+++"
        return
    assert take(m) == b"" and m.instances[1].mode == "online" and bytes(link.rx) == b"d+++"
    feed(m, b"+++")  # now after 2.5 s of silence, and 2 s after: an escape
    m.run(1.9)
    assert take(m) == b""
    m.run(0.2)
    assert take(m) == b"\r\nOK\r\n"


def test_ref6_7_escape_by_a_dialect_script(tmp_path: Path) -> None:
    # JANUS/MODEMG pattern (REFERENCE §6.7): wait, MDM.send('+++'), wait for OK.
    m = Module(tmp_path)
    m.flash.write("main.py", b"import MDM\nimport MOD\nprint(repr(MDM.receive(10)))\nMOD.sleep(12)\n"
                  b"MDM.send('hello', 5)\nMOD.sleep(12)\nMDM.send('+++', 5)\nr = MDM.receive(30)\nprint(repr(r))\n"
                  b"print('%d' % MDM.getDCD())\n")
    m.nvm["escript"] = "main.py"
    m.extensions.append(LoopExt())
    m.power_on()
    link = online(m)
    m.run(5)
    assert m.trace_lines == ["'\\015\\012CONNECT\\015\\012'", "'\\015\\012OK\\015\\012'", "1"]
    assert bytes(link.rx) == b"hello+++"


# ------------------------------------------------------------------ DCD, DTR
def test_ref6_8_dcd_follows_the_connection_with_c1(m: Module) -> None:
    inst = m.instances[1]
    assert inst.dcd() == 0
    link = connect(m)
    assert inst.dcd() == 1
    m.run(1)
    feed(m, b"+++")
    m.run(1.1)
    assert take(m) == b"\r\nOK\r\n"
    assert inst.dcd() == 1  # suspended, still connected
    link.connected = False
    link.inst = inst
    inst.link_closed(link)
    assert inst.dcd() == 0


def test_ref6_8_c0_keeps_dcd_high(m: Module) -> None:
    at(m, "AT&C0")
    assert m.instances[1].dcd() == 1


def test_ref6_8_dtr_drop_with_d1_goes_to_command_mode_keeping_the_link(m: Module) -> None:
    at(m, "AT&D1")
    link = connect(m)
    with m.kernel.lock:
        m.instances[1].set_dtr(0)
    assert take(m) == b"\r\nOK\r\n"
    assert m.instances[1].mode == "cmd" and link.connected and link.escapes == 1
    assert m.instances[1].dcd() == 1


def test_ref6_8_dtr_drop_with_d2_closes(m: Module) -> None:
    at(m, "AT&D2")
    link = connect(m)
    with m.kernel.lock:
        m.instances[1].set_dtr(0)
    assert take(m) == b"\r\nNO CARRIER\r\n"
    assert link.hangups == 1 and m.instances[1].mode == "cmd" and m.instances[1].dcd() == 0


def test_ref6_8_dtr_ignored_with_d0(m: Module) -> None:
    link = connect(m)
    with m.kernel.lock:
        m.instances[1].set_dtr(0)
    assert take(m) == b"" and m.instances[1].mode == "online" and link.hangups == 0


def test_ref6_8_dtr_by_script_setdtr(tmp_path: Path) -> None:
    m = Module(tmp_path)
    m.flash.write("main.py", b"import MDM\nimport MOD\nMDM.send('AT&D2\\r', 5)\nMDM.receive(10)\nMOD.sleep(20)\n"
                  b"MDM.setDTR(0)\nprint(repr(MDM.receive(10)))\nprint('%d' % MDM.getDCD())\n")
    m.nvm["escript"] = "main.py"
    m.extensions.append(LoopExt())
    m.power_on()
    m.run(1)
    link = online(m)
    m.run(5)
    assert m.trace_lines == ["'\\015\\012CONNECT\\015\\012\\015\\012NO CARRIER\\015\\012'", "0"]
    assert link.hangups == 1


# ------------------------------------------------------------------ remote close
def test_ref6_6_remote_close_gives_no_carrier_and_dcd_low(m: Module) -> None:
    link = connect(m)
    link.to_dte(b"last words")
    link.close()
    assert take(m) == b"last words\r\nNO CARRIER\r\n"
    assert m.instances[1].dcd() == 0 and m.instances[1].mode == "cmd"
    assert at(m, "AT") == b"\r\nOK\r\n"


# ------------------------------------------------------------------ URCs
def test_ref6_10_urcs_wait_while_online_and_follow_the_escape(m: Module) -> None:
    link = connect(m)
    with m.kernel.lock:
        m.instances[1].urc("SRING: 1")
        m.instances[1].urc("+CMTI: \"SM\",1", while_busy="drop")
    link.to_dte(b"payload")
    assert take(m) == b"payload"
    m.run(1)
    feed(m, b"+++")
    m.run(1.1)
    assert take(m) == b"\r\nOK\r\n\r\nSRING: 1\r\n"


def test_ref6_10_urc_in_command_mode_at_once(m: Module) -> None:
    with m.kernel.lock:
        m.instances[1].urc("SRING: 2")
    assert take(m) == b"\r\nSRING: 2\r\n"


# ------------------------------------------------------------------ flow control
def test_ref2_1_flow_control_holds_bytes_in_order(tmp_path: Path) -> None:
    # The link takes nothing: MDM.send fills the 4096-byte buffer, then waits and returns -1
    # (ES13 §3.2.1); when the link makes room the bytes move in order.
    m = Module(tmp_path)
    m.flash.write("main.py", b"import MDM\nimport MOD\nMOD.sleep(15)\nprint(MDM.send('a' * 4000, 0))\n"
                  b"print(MDM.send('b' * 200, 5))\nprint(MDM.getCTS())\nMOD.sleep(10)\n"
                  b"print(MDM.send('b' * 200, 5))\n")
    m.nvm["escript"] = "main.py"
    m.extensions.append(LoopExt())
    m.power_on()
    link = online(m, room=0)
    m.run(2.2)
    assert m.trace_lines == ["1", "-1", "1"]
    link.give_room(10000)
    m.run(2)
    assert m.trace_lines[-1] == "1"
    assert bytes(link.rx) == b"a" * 4000 + b"b" * 200


def test_ref6_6_output_held_by_the_link_until_the_script_reads(m: Module) -> None:
    link = connect(m)
    link.to_dte(b"z" * 5000)
    assert len(m.instances[1].out) == 4096 and len(link.held) == 904
    assert m.instances[1].out.lost == 0
    data = take(m)
    link.room_available()
    assert len(data) == 4096 and take(m) == b"z" * 904
