"""E-mail (tools/emulator/net/mail.py, catalogue rows #ESMTP #EADDR #EUSER #EPASSW; ATR10
pp.485-498): the settings kept by #ESAV and reset by #ERST, #EMAILD on an active context,
#SEMAIL activating and releasing context 1, ESC, authentication and server errors."""
from __future__ import annotations

from pathlib import Path

import pytest

from emu_helpers import at, fast_network, feed, take
from tools.emulator import Module

OK = b"\r\nOK\r\n"
ERR = b"\r\nERROR\r\n"


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = Module(tmp_path)
    mod.power_on()
    mod.net.dns["smtp.example.net"] = "203.0.113.25"
    fast_network(mod)
    assert at(mod, 'AT#ESMTP="smtp.example.net";#EADDR="unit7@example.net"') == OK
    assert at(mod, 'AT#EUSER="unit7";#EPASSW="pw"') == OK
    yield mod
    mod.close()


def send(m: Module, cmd: str, body: bytes, timeout: float = 5) -> bytes:
    assert at(m, cmd, timeout=timeout) == b"> "
    feed(m, body + b"\x1a")
    m.run(2)
    return take(m)


def test_settings_rows_saved_and_reset(m: Module) -> None:
    assert at(m, "AT#EADDR?") == b'\r\n#EADDR: "unit7@example.net"\r\n' + OK
    assert at(m, "AT#EADDR=?") == b"\r\n#EADDR: 100\r\n" + OK
    assert at(m, "AT#EPASSW?") == ERR  # no read form for the password
    assert at(m, "AT#ESAV") == OK
    m.reboot()
    m.run(0.5)
    assert at(m, "AT#ESMTP?") == b'\r\n#ESMTP: "smtp.example.net"\r\n' + OK
    assert at(m, "AT#ERST") == OK
    m.reboot()
    m.run(0.5)
    assert at(m, "AT#ESMTP?") == b'\r\n#ESMTP: ""\r\n' + OK


def test_emaild_needs_a_context_and_sends(m: Module) -> None:
    smtp = m.net.mail.server("203.0.113.25", users={"unit7": "pw"})
    assert at(m, "AT+CMEE=1") == OK
    assert at(m, 'AT#EMAILD="ops@example.net","alarm"') == b"\r\n+CME ERROR: 609\r\n"
    assert at(m, "AT#EMAILACT=1", timeout=5) == OK
    assert at(m, "AT#EMAILACT?") == b"\r\n#EMAILACT: 1\r\n" + OK
    assert send(m, 'AT#EMAILD="ops@example.net","alarm"', b"door open") == OK
    assert smtp.outbox == [("unit7@example.net", "ops@example.net", "alarm", "door open")]
    assert at(m, "AT#EMAILMSG") == b"\r\n#EMAILMSG: 250 OK: queued\r\n" + OK
    assert at(m, 'AT#EMAILD="ops@example.net","x"') == b"> "
    feed(m, b"never\x1b")  # ESC: nothing is sent
    m.run(1)
    assert take(m) == OK
    assert len(smtp.outbox) == 1


def test_semail_activates_and_releases_the_context(m: Module) -> None:
    smtp = m.net.mail.server("203.0.113.25", users={"unit7": "pw"})
    assert send(m, 'AT#SEMAIL="ops@example.net","boot"', b"hello") == OK
    assert smtp.outbox[-1][3] == "hello"
    assert at(m, "AT#GPRS?") == b"\r\n#GPRS: 0\r\n" + OK  # deactivated when sent


def test_errors(m: Module) -> None:
    assert at(m, "AT+CMEE=1;#EMAILACT=1", timeout=5) == OK
    assert send(m, 'AT#EMAILD="a@b","s"', b"x") == b"\r\n+CME ERROR: 605\r\n"  # no server there
    m.net.mail.server("203.0.113.25", users={"unit7": "other"})
    assert send(m, 'AT#EMAILD="a@b","s"', b"x") == b"\r\n+CME ERROR: 606\r\n"
    assert at(m, "AT#EMAILMSG") == b"\r\n#EMAILMSG: 535 Authentication failed\r\n" + OK
    assert at(m, 'AT#ESMTP="nowhere.example"') == OK
    assert send(m, 'AT#EMAILD="a@b","s"', b"x") == b"\r\n+CME ERROR: 603\r\n"
    assert at(m, "AT#EMAILD=a@b,s") == b"\r\n+CME ERROR: 4\r\n"  # strings must be quoted


@pytest.mark.parametrize("cmd", ["#EMAILD", "#SEMAIL"])
def test_send_commands_share_their_forms(m: Module, cmd: str) -> None:
    # net/mail.py _send_command: the test form OK, exec and read ERROR, the set form needs
    # two quoted fields, handed on as given.
    smtp = m.net.mail.server("203.0.113.25", users={"unit7": "pw"})
    assert at(m, "AT+CMEE=1;#EMAILACT=1", timeout=5) == OK
    assert at(m, "AT%s=?" % cmd) == OK
    assert at(m, "AT" + cmd) == ERR
    assert at(m, "AT%s?" % cmd) == ERR
    assert at(m, 'AT%s="a@b"' % cmd) == b"\r\n+CME ERROR: 4\r\n"
    assert at(m, 'AT%s="a@b","s",1' % cmd) == b"\r\n+CME ERROR: 4\r\n"
    assert send(m, 'AT%s="ops@example.net","boot"' % cmd, b"x") == OK
    assert smtp.outbox[-1][1:] == ("ops@example.net", "boot", "x")
