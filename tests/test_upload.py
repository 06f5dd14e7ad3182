"""The uploader (tools/upload.py) against the emulated module's serial port in no-script mode:
REFERENCE §4.2 (#WSCRIPT prompt and exact byte count), §4.3 (#ESCRIPT, #EXECSCR), §4.4
(#LSCRIPT, #LCSCRIPT CRC, #DSCRIPT)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import pytest
import serial

from tools.emulator import Module
from tools.emulator.realio import PtyPort
from tools.upload import Item, UploadError, crc16_ccitt, main, prepare, upload


def test_crc16_ccitt_check_value() -> None:
    # CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF): check value of "123456789" is 0x29B1.
    assert crc16_ccitt(b"123456789") == 0x29B1


def test_prepare_sends_text_scripts_with_crlf(tmp_path: Path) -> None:
    p = tmp_path / "main.py"
    p.write_bytes(b"import SER\nSER.send('a')\r\n")
    assert prepare(p).data == b"import SER\r\nSER.send('a')\r\n"


def test_prepare_refuses_what_the_module_cannot_take(tmp_path: Path) -> None:
    long = tmp_path / "a_very_long_name_x.pyo"
    long.write_bytes(b"\x99\x4e\x0d\x0a1234")
    with pytest.raises(UploadError, match="longer than 16"):
        prepare(long)
    bad = tmp_path / "bad.pyo"
    bad.write_bytes(b"\x03\xf3\r\n1234")  # a Python 3 .pyc header
    with pytest.raises(UploadError, match="not a CPython 1.5.2"):
        prepare(bad)


@pytest.fixture
def module(tmp_path: Path) -> Iterator[tuple[Module, serial.Serial]]:
    m = Module(tmp_path / "flash", virtual=False)
    port = PtyPort(m)
    path = port.start()
    s = serial.Serial(path, 115200, timeout=0.05)
    m.power_on()
    time.sleep(0.1)
    yield m, s
    s.close()
    port.close()
    m.close()


def test_upload_select_and_run_over_the_pty(module: tuple[Module, serial.Serial]) -> None:
    m, s = module
    main_py = Item("main.py", b"import SER\r\nimport helper\r\nSER.send(helper.WORD)\r\n")
    helper_py = Item("helper.py", b"WORD = 'uploaded'\r\n")
    pyo = Item("blob.pyo", b"\x99\x4e\x0d\x0a" + bytes(range(256)) * 3)  # every byte value
    lines: list[str] = []
    got = upload(s, [helper_py, pyo, main_py], main="main.py", run=True, out=lines.append)
    assert m.flash.read("blob.pyo") == pyo.data  # binary-exact
    assert m.flash.read("main.py") == main_py.data
    assert m.nvm["escript"] == "main.py"
    assert (m.nvm["startmode"], m.nvm["startmode_to"]) == (1, 10)      # ATR10 p.545, README
    assert lines[-3:] == ["start-up script: main.py", "start mode: 1, 10 s (AT#STARTMODESCR)", "started"]
    deadline = time.monotonic() + 5
    while b"uploaded" not in got and time.monotonic() < deadline:
        got += s.read(64)
    assert b"uploaded" in got  # the uploaded script ran and owns ASC0


def test_reupload_replaces_the_file(module: tuple[Module, serial.Serial]) -> None:
    m, s = module
    upload(s, [Item("cfg.txt", b"old contents, longer")], main=None, out=lambda _: None)
    upload(s, [Item("cfg.txt", b"new")], main=None, out=lambda _: None)
    assert m.flash.read("cfg.txt") == b"new"


def test_cli_uploads_files(module: tuple[Module, serial.Serial], tmp_path: Path) -> None:
    m, s = module
    f = tmp_path / "tiny.py"
    f.write_text("x = 1\n")
    s.close()  # the CLI opens the port itself
    rc = main(["--port", s.port, "--no-rtscts", "--main", "tiny.py", str(f)])
    assert rc == 0
    assert m.flash.read("tiny.py") == b"x = 1\r\n"
    assert m.nvm["escript"] == "tiny.py"


def test_cli_reports_a_silent_port(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os
    import pty

    master, slave = pty.openpty()  # nobody answers on the other end
    f = tmp_path / "tiny.py"
    f.write_text("x = 1\n")
    try:
        rc = main(["--port", os.ttyname(slave), "--no-rtscts", str(f)])
    finally:
        os.close(master)
        os.close(slave)
    assert rc == 1
    assert "does not answer AT" in capsys.readouterr().err


def test_startmode_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tools.upload import parse_startmode

    assert parse_startmode("1,10") == (1, 10)
    assert parse_startmode("2") == (2, 10)
    assert parse_startmode("keep") is None
    for bad in ("3", "1,5", "1,61", "x"):
        with pytest.raises(UploadError, match="startmode"):
            parse_startmode(bad)
    f = tmp_path / "tiny.py"
    f.write_text("x = 1\n")
    assert main(["--port", "/nonexistent", "--startmode", "0,99", str(f)]) == 1
    assert "timeout 10-60" in capsys.readouterr().err
