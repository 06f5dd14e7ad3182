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


class Answering(Port):
    """A port that starts answering once a command line is sent: the pieces given."""

    def __init__(self, pieces: list[str]) -> None:
        super().__init__()
        self.pieces = pieces

    def send(self, s, t):
        self.sent.append(s)
        if s.endswith("\r"):
            self.queue = list(self.pieces)
        return 1


def test_srecv_answer_is_taken_by_its_count_whatever_the_bytes() -> None:
    # ATR10 #SRECV (REFERENCE 6.10): '#SRECV: <connId>,<n>' CR LF, n raw bytes, CR LF, OK.
    # The bytes hold every framing the module prints; a URC comes before the answer; the
    # answer arrives cut at awkward places (inside the header, inside a CR LF of the data,
    # right before the trailing CR LF).
    atc, clock, _ = fresh()
    data = ("\r\nOK\r\n" + "ERROR\r\n" + "\r\nSRING: 1\r\n" + "\r\nNO CARRIER\r\n" + "> "
            + "#SRECV: 1,5\r\n" + "".join(chr(i) for i in range(256)) + "\r")
    whole = "\r\nSRING: 1\r\n\r\n#SRECV: 1,%d\r\n%s\r\n\r\nOK\r\n" % (len(data), data)
    cuts = [5, 17, 22, 24, 40, 300, len(whole) - 9, len(whole) - 7]
    pieces = [whole[a:b] for a, b in zip([0] + cuts, cuts + [len(whole)])]
    port = Answering(pieces)
    st, text = atc.cmd(port, "AT#SRECV=1,1500", 5)
    assert st == "OK"
    head, _, got = text.partition("\r\n")
    assert head == "#SRECV: 1,%d" % len(data) and got == data
    assert atc.urcs() == ["SRING: 1"]          # the URC before it, filed; none from the data


def test_srecv_error_when_nothing_is_buffered() -> None:
    atc, clock, _ = fresh()
    port = Answering(["\r\n+CME ERROR: 551\r\n"])
    assert atc.cmd(port, "AT#SRECV=1,1500", 5) == ("ERROR", "+CME ERROR: 551")
