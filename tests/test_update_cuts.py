"""Power cuts during a remote update (docs/update.md): at every byte of the version-pointer
write, and at random points of the staging. The unit always comes back on the old version or
the new one, never on neither, and always answers SMS afterwards."""
from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from gw_helpers import PHONE, boot, fast_boots, sms, wait_state
from tools.emulator import Module
from upd_helpers import UPDATE, pointer, release, running, serve, wait_text


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return release(tmp_path_factory.mktemp("rel"), "1.3")


def answers(m: Module) -> None:
    assert wait_state(m, "listening", 120), m.trace_text()[-2000:]
    out = sms(m, "connect baud 9600", timeout=30)
    assert out == ["Confirmed: baud 9600 (unchanged)"], out


def pointer_text(seq: int, fields: list[tuple[str, str]]) -> bytes:
    # gwboot.put's file, written host-side to know its length
    body = "format=gwsw1\nseq=%d\n" % seq + "".join("%s=%s\n" % kv for kv in fields)
    return (body + "md5=" + hashlib.md5(body.encode()).hexdigest() + "\n").encode()


def switch_on_next_turn(m: Module) -> None:
    # What updater.switch() does once the slot is staged and its manifest written:
    # gwboot.switch(...), then the restart; run in the script's thread at its next turn.
    run = m.script_run  # type: ignore[attr-defined]
    gb, gs, gu = run.modules["gwboot"], run.modules["gwstate"], run.modules["gwupd"]
    orig = gu.turn

    def once() -> int:
        gu.turn = orig
        gu.job = None
        if gb.switch("a", "1.3", PHONE):
            gs.restart("update 1.3 installed")
        return 0

    gu.turn = once
    gu.job = once       # the loop calls gwupd.turn only while an update is under way


def test_power_cut_at_every_byte_of_the_pointer_write(tmp_path: Path, monkeypatch, good) -> None:
    fast_boots(monkeypatch)
    m = boot(tmp_path)
    serve(m, good)
    staged = sum(p.stat().st_size for p in good.glob("*.pyo"))
    man = len((good / "manifest.txt").read_bytes()) + 37          # + its md5 line
    # the real update, cut at the first byte of its pointer write: the slot is complete
    m.flash.arm_power_cut(staged + man)
    m.sms.deliver(PHONE, UPDATE)
    assert m.run_until(lambda: m.boots == 2, 600)
    m.flash.disarm_power_cut()
    assert m.flash.exists("ua.man") and m.flash.read("sw_a.txt") == b""
    answers(m)
    assert running(m) == "factory" and pointer(m) == {}
    text = pointer_text(0, [("cur", "a"), ("ver", "1.3"), ("prev", ""), ("pver", "factory"),
                            ("state", "trial"), ("boots", "0"), ("who", PHONE), ("why", "")])
    for n in range(1, len(text)):
        boots = m.boots
        m.flash.arm_power_cut(n)
        switch_on_next_turn(m)
        assert m.run_until(lambda: m.boots > boots, 30)
        m.flash.disarm_power_cut()
        assert m.flash.read("sw_a.txt") == text[:n]                # cut exactly there
        answers(m)
        assert running(m) == "factory" and pointer(m) == {}        # the old version
    switch_on_next_turn(m)                                          # and once uncut
    since = len(m.sms.sent)
    assert wait_text(m, "running, was", 600, since) == "Confirmed: update 1.3 running, was factory"
    p = pointer(m)                  # written again since: the trial start, the confirmation
    assert (p["cur"], p["ver"], p["state"], p["seq"]) == ("a", "1.3", "good", "2") and running(m) == "1.3"
    answers(m)
    m.close()


def test_power_cuts_at_random_points_of_the_staging(tmp_path: Path, monkeypatch, good) -> None:
    fast_boots(monkeypatch)
    m = boot(tmp_path)
    serve(m, good)
    staged = sum(p.stat().st_size for p in good.glob("*.pyo"))
    man = len((good / "manifest.txt").read_bytes()) + 37
    first = int((good / "manifest.txt").read_text().split("\n")[2].split(" ")[1])  # 1st file
    rng = random.Random(10)
    # 100 random byte counts of the staging writes (the files, then the slot's manifest),
    # and the edges: nothing written, the first byte, around the end of the first file
    cuts = sorted(rng.sample(range(staged + man), 100)) + [0, 1, first - 1, first, first + 1]
    for n in cuts:
        boots = m.boots
        m.flash.arm_power_cut(n)
        m.sms.deliver(PHONE, UPDATE)
        assert m.run_until(lambda: m.boots > boots, 600), n
        m.flash.disarm_power_cut()
        answers(m)
        assert running(m) == "factory" and pointer(m) == {}, n
    # what the cuts left behind does not stop the next update
    since = len(m.sms.sent)
    m.sms.deliver(PHONE, UPDATE)
    assert wait_text(m, "running, was", 900, since) == "Confirmed: update 1.3 running, was factory"
    answers(m)
    m.close()


def test_power_cuts_in_the_trial_start_and_confirmation_writes(
        tmp_path: Path, monkeypatch, good) -> None:
    # After the switch the pointer is written twice more: at the trial's first start
    # (boots=1) and when it is confirmed (state good).  A cut at a byte of either ends on
    # the new version (it runs, answers SMS, and is confirmed later).  Each round starts from
    # the factory version with the slot staged: the pointer files are removed host-side.
    fast_boots(monkeypatch)
    m = boot(tmp_path)
    serve(m, good)
    since = len(m.sms.sent)
    m.sms.deliver(PHONE, UPDATE)                                    # stage slot a once
    assert wait_text(m, "running, was", 900, since)
    common = [("cur", "a"), ("ver", "1.3"), ("prev", ""), ("pver", "factory")]
    switch = len(pointer_text(0, common + [("state", "trial"), ("boots", "0"), ("who", PHONE), ("why", "")]))
    trial = len(pointer_text(1, common + [("state", "trial"), ("boots", "1"), ("who", PHONE), ("why", "")]))
    confirm = len(pointer_text(2, common + [("state", "good"), ("boots", "0"), ("who", PHONE), ("why", "")]))
    # gwstate.restart writes its reason to why.txt after the switch (gwfleet.boot reads it)
    why = len("update 1.3 installed")
    # every third byte, and every one of the first and last five, of each write
    picks = [(base, n) for base, size in ((switch + why, trial), (switch + why + trial, confirm))
             for n in range(size) if n % 3 == 0 or n < 5 or n >= size - 5]
    for base, n in picks:
        budget = base + n
        for name in ("sw_a.txt", "sw_b.txt"):
            m.flash.delete(name)
        m.reboot()
        assert wait_state(m, "listening", 60) and running(m) == "factory"
        boots = m.boots
        m.flash.arm_power_cut(budget)
        switch_on_next_turn(m)
        assert m.run_until(lambda: m.boots >= boots + 2, 400), budget   # the switch, the cut
        m.flash.disarm_power_cut()
        answers(m)
        assert running(m) == "1.3" and pointer(m)["state"] in ("trial", "good"), budget
    assert m.run_until(lambda: pointer(m).get("state") == "good", 400)
    assert running(m) == "1.3"
    m.close()
