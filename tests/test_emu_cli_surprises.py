"""The emulator's command line without surprises for a new user (README "Running it"): the
first lines name the serial port and the control socket, a stable serial link, one emulator
per flash folder, a busy host port named on the console, clear console errors."""
from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

serial = pytest.importorskip("serial")

from test_emu_cli import Cli  # noqa: E402
from tools.emulator.cli import main  # noqa: E402


def test_console_refuses_a_sender_that_is_not_a_phone_number_and_says_what_is_wrong(tmp_path: Path) -> None:
    cli = Cli("--scratch", str(tmp_path / "flash"), "--virtual", "--serial", "none", cwd=tmp_path)
    cli.console("sms hello connect config", "trace abc", "json {bad", "json [1]", "advance x", "store", "quit")
    out = cli.finish()
    assert "error: the sender must be a phone number (+15551230001 or 07700900123), not 'hello'" in out
    assert "error: 'abc' is not a number; usage: trace [n]" in out
    assert 'error: not JSON (' in out and 'usage: json {"cmd": "help"}' in out
    assert "error: a request is a JSON object" in out
    assert "error: 'x' is not a number; usage: advance <seconds>" in out
    assert "Traceback" not in out and '"used": 0' in out           # nothing was stored


def test_stable_serial_link_and_the_first_lines(tmp_path: Path) -> None:
    link = tmp_path / "ttyGW"
    cli = Cli("--scratch", str(tmp_path / "flash"), "--serial", "pty:%s" % link, cwd=tmp_path)
    try:
        assert cli.head[0].startswith("serial: /dev/") and cli.head[1].startswith("control: 127.0.0.1:")
        assert cli.head[2] == "serial link: %s (the same at every start: open this one)\n" % link
        assert str(link.resolve()) == cli.serial_path
        s = serial.Serial(str(link), 115200, timeout=1)
        s.write(b"AT\r")
        assert b"OK" in s.read(20)
        s.close()
    finally:
        cli.console("quit")
        cli.finish()


def test_a_second_emulator_on_the_same_flash_folder_refuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = Cli("--scratch", str(tmp_path / "flash-run"), "--serial", "none", cwd=tmp_path)
    try:
        rc = main(["--scratch", str(tmp_path / "flash-run"), "--serial", "none", "--fresh"])
        err = capsys.readouterr().err
        assert rc == 2
        assert "another emulator (pid %d) is using the flash folder %s" % (first.proc.pid, tmp_path / "flash-run") in err
        assert "--scratch DIR" in err
    finally:
        first.console("quit")
        first.finish()


def test_a_busy_host_port_is_named_on_the_console(tmp_path: Path) -> None:
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    cli = Cli("--scratch", str(tmp_path / "flash"), "--listen", "1024=%d" % port, cwd=tmp_path)
    try:
        s = serial.Serial(cli.serial_path, 115200, timeout=0.2)
        got = b""
        for cmd in (b"AT+CMEE=1\r", b"AT#SGACT=1,1\r", b"AT#SL=1,1,1024\r"):
            s.write(cmd)
            end = time.monotonic() + 15
            while time.monotonic() < end and not (b"OK" in got or b"ERROR" in got):
                got += s.read(100)
            last, got = got, b""
        assert b"+CME ERROR" in last
        s.close()
    finally:
        busy.close()
        cli.console("quit")
        out = cli.finish()
    assert ("host: #SL on module port 1024: host port 127.0.0.1:%d is busy" % port) in out
    assert "--listen 1024=HOSTPORT" in out
