"""atc.begin()/atc.check(): the non-blocking command the gateway dials with (it keeps
reading the serial port while #SD runs, REFERENCE.md 5.10).  Same fake port as
tests/test_atc.py: replies are handed out exactly as split."""
from __future__ import annotations

from onmodule import Loader


class Clock:
    def __init__(self) -> None:
        self.t = 1000

    def secCounter(self) -> int:
        return self.t


class Port:
    def __init__(self) -> None:
        self.queue: list[str] = []
        self.sent: list[str] = []

    def send(self, s, t):
        self.sent.append(s)
        return 1

    def receive(self, t):
        return self.queue.pop(0) if self.queue else ""

    def read(self):
        out = "".join(self.queue)
        self.queue = []
        return out


def fresh():
    clock = Clock()
    return Loader(modules={"MOD": clock}).load("atc"), clock, Port()


def test_connect_arrives_in_pieces_with_data_behind_it() -> None:
    atc, clock, port = fresh()
    assert atc.begin(port, 'AT#SD=1,0,5000,"gw.example.net",0,0') == ("", "")
    assert port.sent == ['AT#SD=1,0,5000,"gw.example.net",0,0\r']
    assert atc.check(port, 30) == ("", "")
    port.queue = ["\r\nCONN"]
    assert atc.check(port, 30) == ("", "")
    port.queue = ["ECT\r\nhello"]
    assert atc.check(port, 30) == ("CONNECT", "CONNECT")
    assert atc.take_data(port) == "hello"
    assert atc.check(port, 30) == ("TIMEOUT", "")  # nothing begun any more


def test_error_urcs_kept_and_timeout() -> None:
    atc, clock, port = fresh()
    atc.begin(port, 'AT#SD=1,0,5000,"1.2.3.4",0,0')
    port.queue = ['\r\n+CMTI: "SM",2\r\n', "\r\n+CME ERROR: 562\r\n"]
    status, text = atc.check(port, 30)
    assert (status, atc.cme(text)) == ("ERROR", 562)
    assert atc.urcs() == ['+CMTI: "SM",2']
    atc.begin(port, 'AT#SD=1,0,5000,"1.2.3.4",0,0')
    clock.t += 31
    port.queue = ["\r\nCONNE"]
    assert atc.check(port, 30) == ("TIMEOUT", "CONNE")


def test_long_line_refused_before_sending() -> None:
    atc, clock, port = fresh()
    status, _ = atc.begin(port, "AT" + "X" * 79)
    assert status == "ERROR" and port.sent == []
