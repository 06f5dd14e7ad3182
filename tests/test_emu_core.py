"""Emulator kernel: virtual and real clocks, the script baton, determinism (issue 3, item 5).

Each test names what it follows: REFERENCE sections (../shared/telit/REFERENCE.md) or the
issue's requirement ("ISSUE-3 §5": the virtual clock) where the reference has no section.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tools.emulator import EmulatorError, Module

CSQ_LOOP = (
    "import MDM\n"
    "import MOD\n"
    "n = 0\n"
    "last = ''\n"
    "while n < 20:\n"
    "    MDM.send('AT+CSQ\\r', 5)\n"
    "    last = MDM.receive(10)\n"
    "    MOD.sleep(10)\n"
    "    n = n + 1\n"
    "print(last)\n"
    "print('%d' % MOD.secCounter())\n"
)


def wait_for(cond: "object", seconds: float = 2.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():  # type: ignore[operator]
            return True
        time.sleep(0.01)
    return bool(cond())  # type: ignore[operator]


def boot(tmp: Path, script: str, name: str = "main.py", **kw: object) -> Module:
    m = Module(tmp, **kw)  # type: ignore[arg-type]
    m.flash.write(name, script.encode("latin-1"))
    m.nvm["escript"] = name
    m.power_on()
    return m


# ------------------------------------------------------------------ virtual clock
def test_issue3_5_virtual_clock_runs_to_exact_time_without_script(tmp_path: Path) -> None:
    m = Module(tmp_path)
    m.power_on()
    m.run(5)
    assert m.kernel.now() == 5000
    m.run(0.25)
    assert m.kernel.now() == 5250


def test_issue3_5_events_fire_in_time_order_then_schedule_order(tmp_path: Path) -> None:
    m = Module(tmp_path)
    seen: list[tuple[int, str]] = []
    k = m.kernel
    k.call_later(30, lambda: seen.append((k.now(), "c")))
    k.call_later(10, lambda: seen.append((k.now(), "a")))
    k.call_later(10, lambda: seen.append((k.now(), "b")))
    t = k.call_later(20, lambda: seen.append((k.now(), "cancelled")))
    t.cancel()
    m.run(1)
    assert seen == [(10, "a"), (10, "b"), (30, "c")]


def test_issue3_5_blocking_calls_jump_straight_to_the_deadline(tmp_path: Path) -> None:
    # REFERENCE §2.6 MOD.sleep in tenths; a script sleeping 10 hours of module time costs
    # almost no wall time, and wakes at exactly the right module time.
    m = boot(tmp_path, "import MOD\nn = 0\nwhile n < 11:\n    MOD.sleep(32767)\n    n = n + 1\nprint('%d' % MOD.secCounter())\n")
    m.run(11 * 3276.7 + 5)  # wall time: tools/bench_emulator.py prints the figure
    assert m.script_state == "ended"
    # 11 sleeps of 3276.7 s plus 1 ms per built-in call and the traced lines.
    assert m.trace_lines == ["36043"]


def test_issue3_5_run_stops_at_the_limit_while_the_script_runs(tmp_path: Path) -> None:
    m = boot(tmp_path, "import MOD\nwhile 1:\n    MOD.sleep(1)\n")
    m.run(5)
    assert m.kernel.now() == 5000
    assert m.script_state == "running"
    m.run(2.5)
    assert m.kernel.now() == 7500


def test_issue3_5_busy_script_advances_module_time_by_line_cost(tmp_path: Path) -> None:
    # A script that never blocks still uses module time (line tracing): the driver gets the
    # baton back at its limit.
    m = boot(tmp_path, "n = 0\nwhile 1:\n    n = n + 1\n")
    m.run(1)
    assert m.kernel.now() == 1000
    run = m.script_run  # type: ignore[attr-defined]
    # 50 us per line: about 20000 lines per second of module time.
    assert 19000 <= run.lines <= 20100


def test_issue3_5_determinism_same_script_same_trace_and_timing(tmp_path: Path) -> None:
    def once(d: Path) -> tuple[list[str], list[tuple[int, int, str]]]:
        m = boot(d, CSQ_LOOP, seed=7)
        m.run(60)
        assert m.script_state == "ended"
        return list(m.trace_lines), list(m.at_log)

    a = once(tmp_path / "a")
    b = once(tmp_path / "b")
    assert a == b
    assert a[0][0] == "\r"  # print of "\r\n+CSQ: 17,0\r\n\r\nOK\r\n" split at \n
    assert [t for t, _, _ in a[1]][:3] == [a[1][0][0], a[1][1][0], a[1][2][0]]
    assert len(a[1]) == 20


def test_issue3_done_hour_of_csq_loop_under_two_seconds(tmp_path: Path) -> None:
    # The issue's "done when": MDM.send('AT+CSQ\r', 5) / MDM.receive(10) / MOD.sleep(10) for an
    # hour of module time in under 2 s of wall time, seeing the REFERENCE §5.6 framing.
    script = ("import MDM\nimport MOD\nbad = 0\nn = 0\nwhile MOD.secCounter() < 3600:\n"
              "    MDM.send('AT+CSQ\\r', 5)\n    r = MDM.receive(10)\n"
              "    if r != '\\r\\n+CSQ: 17,0\\r\\n\\r\\nOK\\r\\n':\n        bad = bad + 1\n"
              "    MOD.sleep(10)\n    n = n + 1\nprint('%d %d' % (n, bad))\n")
    m = boot(tmp_path, script)
    m.run(3601)  # wall time (under 2 s): tools/bench_emulator.py prints the figure
    assert m.script_state == "ended", m.trace_text()
    n, bad = (int(x) for x in m.trace_lines[0].split())
    assert bad == 0 and n > 3000


# ------------------------------------------------------------------ the baton
def test_issue3_5_killed_script_without_successor_does_not_hang_the_driver(tmp_path: Path) -> None:
    # Regression: a killed (frozen) thread must not be handed the baton again. Power cut that
    # stays off: nothing runs afterwards, time still moves.
    m = boot(tmp_path, "import MOD\nwhile 1:\n    MOD.sleep(1)\n")
    m.run(1)
    m.power_cut(restore_after_ms=None)
    m.run(10)  # a hang here is caught by the suite's timeout
    assert m.kernel.now() == 11000
    assert m.script_state == "killed"
    # The killed thread was waiting for the baton; it freezes as soon as it gets the lock.
    assert wait_for(lambda: m.kernel.frozen_threads == 1)


def test_issue3_5_reboot_without_script_file_then_run(tmp_path: Path) -> None:
    m = boot(tmp_path, "import MOD\nMOD.watchdogEnable(2)\nwhile 1:\n    MOD.sleep(1)\n")
    m.run(1)
    m.flash.delete("main.py")  # the next boot finds no script
    m.run(5)  # the watchdog reboots at 2 s; nothing starts; the driver keeps going
    assert m.boot_reasons == ["power on", "watchdog"]
    assert m.script_state == "none"
    assert m.kernel.now() == 6000


def test_ref2_6_watchdog_reboot_from_inside_the_script_thread_starts_a_new_one(tmp_path: Path) -> None:
    # The expiry falls due while the script itself runs (in MOD.sleep): the new script thread
    # starts from inside the old one, which then freezes.
    m = boot(tmp_path, "import MOD\nprint('start')\nMOD.watchdogEnable(3)\nwhile 1:\n    MOD.sleep(5)\n")
    m.run(10)
    assert m.boot_reasons == ["power on", "watchdog", "watchdog", "watchdog"]
    assert m.trace_lines == ["start"] * 4
    assert wait_for(lambda: m.kernel.frozen_threads == 3)
    assert m.script_state == "running"


def test_issue3_5_many_reboots_leave_one_live_script(tmp_path: Path) -> None:
    m = boot(tmp_path, "import MOD\nMOD.watchdogEnable(1)\nwhile 1:\n    MOD.sleep(3)\n")
    m.run(100.5)
    assert m.boots == 101
    assert wait_for(lambda: m.kernel.frozen_threads == 100)


def test_ref1_5_run_continues_after_the_script_crashed(tmp_path: Path) -> None:
    m = boot(tmp_path, "import MOD\nMOD.sleep(10)\nx = {}['k']\n")
    fired: list[int] = []
    m.kernel.call_later(5000, lambda: fired.append(m.kernel.now()))
    m.run(10)
    assert m.script_state == "crashed"
    assert fired == [5000]
    assert m.kernel.now() == 10000


def test_issue3_5_event_callback_error_is_raised_in_the_driver(tmp_path: Path) -> None:
    m = Module(tmp_path)
    m.power_on()

    def bad() -> None:
        raise ValueError("boom")

    m.kernel.call_later(100, bad)
    with pytest.raises(EmulatorError, match="boom"):
        m.run(1)
    m.run(1)  # reported once; the emulator goes on
    assert m.kernel.now() == 2000


def test_issue3_5_event_error_during_script_does_not_reach_the_script(tmp_path: Path) -> None:
    m = boot(tmp_path, "import MOD\ntry:\n    MOD.sleep(20)\nexcept:\n    print('caught')\nprint('done')\n")

    def bad() -> None:
        raise ValueError("boom")

    m.kernel.call_later(500, bad)
    with pytest.raises(EmulatorError):
        m.run(5)
    assert m.trace_lines == ["done"]


# ------------------------------------------------------------------ stall
def test_ref10_2_python_stall_off_by_default_and_50ms_per_second_when_on(tmp_path: Path) -> None:
    # REFERENCE §10.2: the Python task is paused for 50 ms every second. A script waking from
    # MOD.sleep inside the pause resumes at its end.
    script = "import MDM\nimport MOD\nMOD.sleep(10)\nMDM.send('AT\\r', 0)\n"
    m = boot(tmp_path / "off", script)
    m.run(2)
    assert m.at_log[0][0] < 1050
    m2 = Module(tmp_path / "on")
    m2.python_stall = True
    m2.flash.write("main.py", script.encode())
    m2.nvm["escript"] = "main.py"
    m2.power_on()
    m2.run(2)
    assert m2.at_log[0][0] >= 1050


def test_ref10_2_python_stall_takes_5_percent_of_cpu(tmp_path: Path) -> None:
    script = "n = 0\nwhile 1:\n    n = n + 1\n"
    m = boot(tmp_path / "off", script)
    m.run(10)
    full = m.script_run.lines  # type: ignore[attr-defined]
    m2 = Module(tmp_path / "on")
    m2.python_stall = True
    m2.flash.write("main.py", script.encode())
    m2.nvm["escript"] = "main.py"
    m2.power_on()
    m2.run(10)
    stalled = m2.script_run.lines  # type: ignore[attr-defined]
    assert 0.93 < stalled / full < 0.97


# ------------------------------------------------------------------ real clock
def test_issue3_5_real_clock_sleep_takes_wall_time(tmp_path: Path) -> None:
    m = boot(tmp_path, "import MOD\nMOD.sleep(3)\nprint('woke')\n", virtual=False)
    try:
        t0 = time.monotonic()
        assert m.run_until(lambda: m.script_state == "ended", 5, step=0.02)
        wall = time.monotonic() - t0
        assert 0.25 <= wall < 1.5
        assert m.trace_lines == ["woke"]
    finally:
        m.close()


def test_issue3_5_real_clock_events_run_in_the_world_thread(tmp_path: Path) -> None:
    m = Module(tmp_path, virtual=False)
    try:
        m.power_on()
        got = threading.Event()
        m.kernel.call_later(100, got.set)
        assert got.wait(2.0)
    finally:
        m.close()


def test_ref2_6_real_clock_watchdog_reboots_a_busy_loop(tmp_path: Path) -> None:
    m = boot(tmp_path, "import MOD\nMOD.watchdogEnable(1)\nwhile 1:\n    pass\n", virtual=False)
    try:
        assert m.run_until(lambda: m.boots >= 2, 5, step=0.05)
        assert m.boot_reasons[1] == "watchdog"
    finally:
        m.close()
