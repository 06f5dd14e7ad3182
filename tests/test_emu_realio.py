"""Real serial I/O: ASC0 on a pseudo-terminal (and through pyserial), paced at the line rate
(REFERENCE §2.3: SER.set_speed strings, default 9600; §10.1). Real peers: pyserial on the pty.
Each test is bounded to a few seconds of wall time."""
from __future__ import annotations

import os
import time
import tty
from pathlib import Path
from typing import Iterator

import pytest

serial = pytest.importorskip("serial")

from tools.emulator import Module  # noqa: E402
from tools.emulator.realio import PtyPort, PyserialPort, attach_serial, termios_speed  # noqa: E402

ECHO = (b"import SER\n"
        b"SER.set_speed('%s')\n"
        b"SER.send('ready')\n"
        b"while 1:\n"
        b"    d = SER.receive(5)\n"
        b"    if d:\n"
        b"        SER.send(d)\n")


def read_until(s: object, n: int, t: float = 4.0) -> bytes:
    got = b""
    end = time.monotonic() + t
    while len(got) < n and time.monotonic() < end:
        got += s.read(4096)  # type: ignore[attr-defined]
    return got


@pytest.fixture
def module(tmp_path: Path) -> Iterator[Module]:
    m = Module(tmp_path / "flash", virtual=False)
    yield m
    m.close()


def start(m: Module, script: bytes | None, baud: int = 115200, **kw: object) -> tuple[PtyPort, object]:
    if script is not None:
        m.flash.write("main.py", script)
        m.nvm["escript"] = "main.py"
    port = PtyPort(m, **kw)  # type: ignore[arg-type]
    path = port.start()
    s = serial.Serial(path, baud, timeout=0.05)
    time.sleep(0.15)  # termios mode: the reader notices the program's speed within 0.1 s
    m.power_on()
    return port, s


def test_s2_3_script_echo_through_the_pty(module: Module) -> None:
    port, s = start(module, ECHO % b"115200")
    try:
        assert read_until(s, 5) == b"ready"
        s.write(b"hello\x00\xff\r\n")  # every byte value passes
        assert read_until(s, 9) == b"hello\x00\xff\r\n"
        assert port.bytes_in == 9 and port.bytes_out == 14
    finally:
        s.close()
        port.close()


@pytest.mark.parametrize("speed,low,high", [("9600", 0.45, 1.2), ("115200", 0.0, 0.3)])
def test_s2_3_output_paced_at_the_set_speed(module: Module, speed: str, low: float, high: float) -> None:
    # 480 characters of 10 bits: 0.5 s at 9600 bps, about 42 ms at 115200 (REFERENCE §2.3).
    script = b"import SER\nimport MOD\nSER.set_speed('%s')\nMOD.sleep(5)\nSER.send('x' * 480)\nMOD.sleep(30)\n" % speed.encode()
    port, s = start(module, script)
    try:
        got = b""
        first = last = 0.0
        end = time.monotonic() + 4
        while len(got) < 480 and time.monotonic() < end:
            chunk = s.read(4096)
            if chunk and not got:
                first = time.monotonic()
            got += chunk
            last = time.monotonic()
        assert got == b"x" * 480
        assert low <= last - first <= high, last - first
    finally:
        s.close()
        port.close()


def test_s2_3_input_paced_at_the_line_rate(module: Module) -> None:
    # The program writes 240 bytes at once; the module gets them at 9600 bps (about 0.25 s).
    script = (b"import SER\nimport MOD\nSER.send('go')\nn = 0\nt0 = 0\nwhile n < 240:\n"
              b"    d = SER.receive(20)\n    if n == 0:\n        t0 = MOD.secCounter()\n"
              b"    n = n + len(d)\nSER.send('%d' % n)\n")
    port, s = start(module, script)
    try:
        assert read_until(s, 2) == b"go"
        t0 = time.monotonic()
        s.write(b"y" * 240)
        assert read_until(s, 3) == b"240"
        assert time.monotonic() - t0 >= 0.2
    finally:
        s.close()
        port.close()


def test_s2_3_termios_mode_speed_mismatch_garbles(module: Module) -> None:
    # speed="termios": the speed the program set on the pty is the device's speed.
    port, s = start(module, ECHO % b"9600", baud=9600, speed="termios")
    try:
        assert read_until(s, 5) == b"ready"
        s.baudrate = 1200
        time.sleep(0.15)  # the reader polls the pty's speed
        s.write(b"abc")
        got = read_until(s, 3, t=2)
        assert len(got) == 3 and got != b"abc"  # the module saw garbage and echoed garbage
        s.baudrate = 9600
        time.sleep(0.15)
        read_until(s, 100, t=0.3)
        s.write(b"abc")
        assert read_until(s, 3) == b"abc"
    finally:
        s.close()
        port.close()


def test_termios_speed_reads_what_the_program_set() -> None:
    master, slave = os.openpty()
    try:
        tty.setraw(slave)
        s = serial.Serial(os.ttyname(slave), 57600)
        assert termios_speed(slave) == "57600"
        s.baudrate = 300
        assert termios_speed(slave) == "300"
        s.close()
    finally:
        os.close(master)
        os.close(slave)


def test_pty_symlink_and_no_script_at(module: Module, tmp_path: Path) -> None:
    link = tmp_path / "gc864"
    port = attach_serial(module, "pty:%s" % link)
    assert isinstance(port, PtyPort)
    path = port.start()
    module.power_on()
    assert link.is_symlink() and os.path.realpath(link) == os.path.realpath(path)
    s = serial.Serial(str(link), 115200, timeout=0.05)
    try:
        s.write(b"AT+CGMM\r")
        assert read_until(s, 24) == b"AT+CGMM\r\r\nGC864-PY\r\n\r\nOK\r\n"
    finally:
        s.close()
        port.close()
    assert not link.exists()


def test_pty_module_output_survives_program_reopen(module: Module) -> None:
    port, s = start(module, None)
    try:
        s.write(b"AT\r")
        assert read_until(s, 9) == b"AT\r\r\nOK\r\n"
        s.close()  # the program goes away and comes back: the pty stays usable
        s = serial.Serial(port.path, 115200, timeout=0.05)
        s.write(b"AT\r")
        assert read_until(s, 9) == b"AT\r\r\nOK\r\n"
    finally:
        s.close()
        port.close()


def test_pyserial_port_attachment(module: Module) -> None:
    """PyserialPort with a pty standing in for the real port: data both ways, the port
    follows SER.set_speed, and the modem-line ioctls a pty refuses are given up quietly."""
    master, slave = os.openpty()
    tty.setraw(slave)
    tty.setraw(master)
    module.flash.write("main.py", ECHO % b"19200")
    module.nvm["escript"] = "main.py"
    port = PyserialPort(module, os.ttyname(slave))
    port.start()
    module.power_on()
    try:
        got = b""
        end = time.monotonic() + 4
        while len(got) < 5 and time.monotonic() < end:
            got += os.read(master, 100) if _readable(master) else b""
        assert got == b"ready"
        os.write(master, b"ping")
        got = b""
        end = time.monotonic() + 4
        while len(got) < 4 and time.monotonic() < end:
            got += os.read(master, 100) if _readable(master) else b""
        assert got == b"ping"
        time.sleep(0.2)
        assert port.port.baudrate == 19200
        assert port.lines_supported is False
    finally:
        port.close()
        os.close(master)
        os.close(slave)


def _readable(fd: int) -> bool:
    import select

    return bool(select.select([fd], [], [], 0.05)[0])
