"""atc.py: AT exchanges over a fake MDM port (split chunks, interleaved URCs, timeouts) and
the reply parsers, fed with the reply lines quoted in REFERENCE.md."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from onmodule import Loader


class Clock:
    """MOD stand-in: secCounter() in whole seconds (REFERENCE.md 2.6)."""

    def __init__(self, start: int = 1000) -> None:
        self.t = start

    def secCounter(self) -> int:
        return self.t


class FakePort:
    """MDM/MDM2 stand-in (REFERENCE.md 2.1).

    replies[i] is the list of chunks the module produces after the i-th send; receive()
    hands them out one per call, exactly as split, and '' (after a 1 s wait on the clock)
    when nothing is there.  read() returns whatever is queued, without waiting.
    """

    def __init__(self, clock: Clock, replies=(), pending=(), send_result: int = 1) -> None:
        self.clock = clock
        self.replies = [list(r) for r in replies]
        self.queue = list(pending)
        self.sent: list[str] = []
        self.send_result = send_result
        self.receive_calls = 0

    def send(self, s, t):
        assert type(s) is str and type(t) is int
        self.sent.append(s)
        if self.send_result == 1 and self.replies:
            self.queue.extend(self.replies.pop(0))
        return self.send_result

    def receive(self, t):
        assert type(t) is int and 0 <= t <= 32767
        self.receive_calls += 1
        if self.queue:
            return self.queue.pop(0)
        self.clock.t += max(1, t // 10)
        return ""

    def read(self):
        out = "".join(self.queue)
        self.queue = []
        return out


def fresh():
    clock = Clock()
    atc = Loader(modules={"MOD": clock}).load("atc")
    return atc, clock


def every_split(s: str):
    """All ways of cutting s into two chunks, plus byte-by-byte."""
    for i in range(1, len(s)):
        yield [s[:i], s[i:]]
    yield list(s)


CSQ = "\r\n+CSQ: 15,0\r\n\r\nOK\r\n"                  # REFERENCE.md 5.6


# ---- framing ------------------------------------------------------------------------------------

def test_simple_ok_reply():
    atc, clock = fresh()
    port = FakePort(clock, [[CSQ]])
    assert atc.cmd(port, "AT+CSQ", 5) == ("OK", "+CSQ: 15,0")
    assert port.sent == ["AT+CSQ\r"]
    assert atc.urcs() == []


@pytest.mark.parametrize("chunks", list(every_split(CSQ)))
def test_ok_split_anywhere(chunks):
    atc, clock = fresh()
    port = FakePort(clock, [chunks])
    assert atc.cmd(port, "AT+CSQ", 5) == ("OK", "+CSQ: 15,0")
    assert atc.csq(atc.cmd(FakePort(clock, [chunks]), "AT+CSQ", 5)[1]) == (15, 0)


STREAM = ('\r\nSRING: 1\r\n' + '\r\n+CSQ: 15,0\r\n' + '\r\n+CMTI: "SM",3\r\n' + '\r\nOK\r\n'
          + '\r\nRING\r\n')


@pytest.mark.parametrize("chunks", list(every_split(STREAM)))
def test_urcs_interleaved_before_inside_and_after_the_reply(chunks):
    atc, clock = fresh()
    port = FakePort(clock, [chunks])
    assert atc.cmd(port, "AT+CSQ", 5) == ("OK", "+CSQ: 15,0")
    # RING may still be on the way when OK is seen: it is filed by the next call
    atc.poll(port, 0)
    assert atc.urcs() == ["SRING: 1", '+CMTI: "SM",3', "RING"]
    assert atc.urcs() == []                           # urcs() clears


def test_urc_split_across_two_commands_is_not_lost():
    atc, clock = fresh()
    port = FakePort(clock, [["\r\nOK\r\n\r\nSRI"], ["NG: 2\r\n", "\r\nOK\r\n"]])
    assert atc.cmd(port, "AT", 5) == ("OK", "")
    assert atc.urcs() == []
    assert atc.cmd(port, "AT", 5) == ("OK", "")
    assert atc.urcs() == ["SRING: 2"]


def test_sneaky_urc_before_any_reply_byte():
    atc, clock = fresh()
    port = FakePort(clock, [['\r\n+CMTI: "SM",1\r\n', "\r\n#SGACT: 10.20.30.40\r\n\r\nOK\r\n"]])
    assert atc.cmd(port, "AT#SGACT=1,1", 150) == ("OK", "#SGACT: 10.20.30.40")
    assert atc.urcs() == ['+CMTI: "SM",1']


@pytest.mark.parametrize("reply,status,text", [
    ("\r\nERROR\r\n", "ERROR", "ERROR"),
    ("\r\n+CME ERROR: 555\r\n", "ERROR", "+CME ERROR: 555"),
    ("\r\n+CME ERROR: context already activated\r\n", "ERROR", "+CME ERROR: context already activated"),
    ("\r\n+CMS ERROR: 302\r\n", "ERROR", "+CMS ERROR: 302"),
])
def test_errors(reply, status, text):
    atc, clock = fresh()
    assert atc.cmd(FakePort(clock, [[reply]]), "AT#SGACT=1,1", 5) == (status, text)


def test_cme_codes():
    atc, _ = fresh()
    assert atc.cme("+CME ERROR: 555") == 555
    assert atc.cme("+CMS ERROR: 302") == 302
    assert atc.cme("+CME ERROR: context already activated") == -1
    assert atc.cme("ERROR") == -1


def test_connect_keeps_the_payload_behind_it():
    atc, clock = fresh()
    port = FakePort(clock, [["\r\nCONNECT\r\nhello", " world"]])
    assert atc.cmd(port, "AT#SO=1", 10) == ("CONNECT", "CONNECT")
    assert atc.take_data(port) == "hello"
    assert atc.take_data(port) == ""
    assert port.read() == " world"                   # the rest is the bridge's business


def test_connect_with_rate_for_csd():
    atc, clock = fresh()
    assert atc.cmd(FakePort(clock, [["\r\nCONNECT 9600\r\n"]]), "ATA", 30) == ("CONNECT", "CONNECT 9600")


@pytest.mark.parametrize("word", ["NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE"])
def test_connection_failures_end_connection_commands(word):
    atc, clock = fresh()
    port = FakePort(clock, [["\r\n%s\r\n" % word]])
    assert atc.cmd(port, "AT#SD=1,0,5000,\"gw.example.net\",0,0", 140) == ("NO CARRIER", word)
    assert atc.urcs() == []


def test_no_carrier_during_another_command_is_a_urc():
    atc, clock = fresh()
    port = FakePort(clock, [["\r\nNO CARRIER\r\n", "\r\n#SS: 1,0\r\n\r\nOK\r\n"]])
    assert atc.cmd(port, "AT#SS=1", 5) == ("OK", "#SS: 1,0")
    assert atc.urcs() == ["NO CARRIER"]


def test_so_on_idle_socket_gives_no_carrier():
    # REFERENCE.md 6.6: AT#SO=<connId> on an idle connId -> NO CARRIER
    atc, clock = fresh()
    assert atc.cmd(FakePort(clock, [["\r\nNO CARRIER\r\n"]]), "AT#SO=1", 5) == ("NO CARRIER", "NO CARRIER")


def test_reply_of_the_command_is_not_taken_for_a_urc():
    atc, clock = fresh()
    port = FakePort(clock, [["\r\n+CREG: 0,1\r\n\r\nOK\r\n"]])
    assert atc.cmd(port, "AT+CREG?", 5) == ("OK", "+CREG: 0,1")
    assert atc.urcs() == []
    port = FakePort(clock, [["\r\n+CREG: 5\r\n\r\n+CSQ: 9,0\r\n\r\nOK\r\n"]])
    assert atc.cmd(port, "AT+CSQ", 5) == ("OK", "+CSQ: 9,0")
    assert atc.urcs() == ["+CREG: 5"]


def test_sms_text_that_looks_like_ok_does_not_end_the_listing():
    listing = ('\r\n+CMGL: 1,"REC UNREAD","+38641801924","","09/08/03,14:14:04+08"\r\nOK\r\n'
               '+CMGL: 2,"REC UNREAD","+15551234567","","09/08/03,14:15:00+08"\r\nRING\r\n'
               '\r\nOK\r\n')
    for chunks in every_split(listing):
        atc, clock = fresh()
        status, text = atc.cmd(FakePort(clock, [chunks]), 'AT+CMGL="REC UNREAD"', 5)
        assert status == "OK"
        assert atc.cmgl(text) == [(1, "REC UNREAD", "+38641801924", "OK"),
                                  (2, "REC UNREAD", "+15551234567", "RING")]
        assert atc.urcs() == []


def test_direct_sms_urc_keeps_its_text():
    atc, clock = fresh()
    port = FakePort(clock, [['\r\n+CMT: "+15551234567","","12/06/06,15:59:50-20"\r\nconnect status\r\n'
                             '\r\nOK\r\n']])
    assert atc.cmd(port, "AT", 5) == ("OK", "")
    assert atc.urcs() == ['+CMT: "+15551234567","","12/06/06,15:59:50-20"\r\nconnect status']


# ---- prompts and SMS sending (REFERENCE.md 8.4) ------------------------------------------------------

@pytest.mark.parametrize("chunks", list(every_split("\r\n> ")))
def test_prompt(chunks):
    atc, clock = fresh()
    port = FakePort(clock, [chunks, ["\r\n+CMGS: 17\r\n", "\r\nOK\r\n"]])
    assert atc.cmd(port, 'AT+CMGS="+15551234567"', 5, "> ") == ("PROMPT", "")
    status, text = atc.send(port, "Confirmed: baud 19200" + chr(26), 60)
    assert (status, atc.cmgs(text)) == ("OK", 17)
    assert port.sent == ['AT+CMGS="+15551234567"\r', "Confirmed: baud 19200\032"]


@pytest.mark.parametrize("chunks", list(every_split("> ")) + list(every_split('\r\n#SL: ABORTED\r\n> ')))
def test_ssend_prompt_without_cr_lf(chunks):
    # ATR10 p.428: #SSEND answers "the prompt '>' <greater_than><space>", not framed by
    # CR LF; a URC on the way does not hide it.
    atc, clock = fresh()
    port = FakePort(clock, [chunks, ["\r\nOK\r\n"]])
    assert atc.cmd(port, "AT#SSEND=1", 5, "> ") == ("PROMPT", "")
    assert atc.send(port, "GET /\032", 10) == ("OK", "")


def test_prompt_refused_with_error():
    atc, clock = fresh()
    port = FakePort(clock, [["\r\n+CMS ERROR: 304\r\n"]])
    assert atc.cmd(port, 'AT+CMGS="+1"', 5, "> ") == ("ERROR", "+CMS ERROR: 304")


# ---- timeouts, stale data, refusals --------------------------------------------------------------------

def test_timeout_when_no_final_result():
    atc, clock = fresh()
    port = FakePort(clock, [["\r\n+CSQ: 15,0\r\n"]])
    t0 = clock.t
    assert atc.cmd(port, "AT+CSQ", 3) == ("TIMEOUT", "+CSQ: 15,0")
    assert 3 <= clock.t - t0 <= 5
    assert port.receive_calls <= 6


def test_timeout_returns_a_partial_line():
    atc, clock = fresh()
    assert atc.cmd(FakePort(clock, [["\r\nOK\r"]]), "AT", 2) == ("TIMEOUT", "OK\r")


def test_timeout_bounded_even_if_the_clock_is_set_back():
    class StuckPort(FakePort):
        def receive(self, t):
            self.receive_calls += 1
            self.clock.t -= 100          # +CCLK moved the clock backwards during the wait
            return ""
    atc, clock = fresh()
    port = StuckPort(clock)
    assert atc.cmd(port, "AT", 5)[0] == "TIMEOUT"
    assert port.receive_calls <= 7


def test_a_stream_of_urcs_does_not_extend_the_deadline():
    class Chatty(FakePort):
        def receive(self, t):
            self.receive_calls += 1
            self.clock.t += 1
            return "\r\nRING\r\n"
    atc, clock = fresh()
    port = Chatty(clock)
    assert atc.cmd(port, "AT", 5)[0] == "TIMEOUT"
    assert port.receive_calls <= 7
    assert atc.urcs() == ["RING"] * port.receive_calls


def test_late_reply_of_a_timed_out_command_is_not_taken_for_the_next():
    atc, clock = fresh()
    port = FakePort(clock, [[], ["\r\nERROR\r\n"]])
    assert atc.cmd(port, "AT#SGACT=1,1", 2)[0] == "TIMEOUT"
    port.queue.append("\r\n#SGACT: 10.0.0.1\r\n\r\nOK\r\n\r\nSRING: 1\r\n")   # arrives late
    assert atc.cmd(port, "AT#SH=1", 5) == ("ERROR", "ERROR")
    # the stale OK is dropped; '#SGACT: <ip>' is also a URC (#SGACTCFG, REFERENCE 6.1),
    # so it is kept: the gateway learns that the context came up after all
    assert atc.urcs() == ["#SGACT: 10.0.0.1", "SRING: 1"]


def test_stale_data_mode_residue_is_dropped():
    atc, clock = fresh()
    port = FakePort(clock, [["\r\nOK\r\n"]], pending=["binary junk without line end"])
    assert atc.cmd(port, "AT", 5) == ("OK", "")


def test_line_too_long_is_refused_without_sending():
    atc, clock = fresh()
    port = FakePort(clock, [["\r\nOK\r\n"]])
    line = 'AT+CGDCONT=1,"IP","' + "a" * 70 + '"'
    assert len(line) > 80
    assert atc.cmd(port, line, 5) == ("ERROR", "line longer than 80 characters")
    assert port.sent == []
    assert atc.cmd(port, "A" * 80, 5)[0] == "OK"


def test_send_refused_by_flow_control():
    atc, clock = fresh()
    assert atc.cmd(FakePort(clock, [["\r\nOK\r\n"]], send_result=-1), "AT", 5) == ("TIMEOUT", "")


def test_poll_files_urcs_of_an_idle_port():
    atc, clock = fresh()
    port = FakePort(clock, pending=["\r\n+SRING : 1\r\n\r\nRI", "NG\r\n"])
    assert atc.poll(port, 0) == 2
    assert atc.urcs() == ["+SRING : 1", "RING"]
    port.queue.append('\r\n+CMTI: "SM",4\r\n')
    assert atc.poll(port, 10) == 1
    assert atc.urcs() == ['+CMTI: "SM",4']
    assert atc.poll(port, 10) == 0


def test_ports_keep_separate_tails():
    atc, clock = fresh()
    mdm = FakePort(clock, pending=["\r\nSRI"])
    mdm2 = FakePort(clock, pending=['\r\n+CMT'])
    atc.poll(mdm, 0)
    atc.poll(mdm2, 0)
    mdm.queue.append("NG: 1\r\n")
    mdm2.queue.append('I: "SM",2\r\n')
    atc.poll(mdm, 0)
    atc.poll(mdm2, 0)
    assert atc.urcs() == ["SRING: 1", '+CMTI: "SM",2']


_pieces = st.sampled_from(["\r\nSRING: 1\r\n", "\r\nRING\r\n", '\r\n+CMTI: "SM",7\r\n',
                           "\r\n+CLIP: \"+15551234567\",145\r\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_pieces, max_size=4), st.lists(_pieces, max_size=4), st.data())
def test_random_urcs_and_random_splits(before, after, data):
    stream = "".join(before) + CSQ + "".join(after)
    cuts = sorted(set(data.draw(st.lists(st.integers(1, len(stream) - 1), max_size=8))))
    chunks, last = [], 0
    for c in cuts + [len(stream)]:
        chunks.append(stream[last:c])
        last = c
    atc, clock = fresh()
    port = FakePort(clock, [chunks])
    assert atc.cmd(port, "AT+CSQ", 5) == ("OK", "+CSQ: 15,0")
    atc.poll(port, 0)
    assert atc.urcs() == [p.strip("\r\n") for p in before + after]


# ---- parsers on the reply lines quoted in REFERENCE.md ------------------------------------------------

def test_csq():
    atc, _ = fresh()
    assert atc.csq("+CSQ: 15,0") == (15, 0)
    assert atc.csq("+CSQ: 99,99") == (99, 99)
    assert atc.csq("") is None
    assert atc.csq("+CSQ: x,0") is None


@pytest.mark.parametrize("text,prefix,stat", [
    ("+CREG: 0,1", "+CREG", 1),                  # AT+CREG? with n=0
    ("+CREG: 2,5,\"00C3\",\"0000B8C2\"", "+CREG", 5),   # n=2 read form
    ("+CREG: 1", "+CREG", 1),                    # URC, n=1
    ("+CREG: 2,\"00C3\",\"B8C2\"", "+CREG", 2),   # URC, n=2
    ("+CGREG: 0,5", "+CGREG", 5),
    ("+CSQ: 1,2", "+CREG", -1),
])
def test_reg(text, prefix, stat):
    atc, _ = fresh()
    assert atc.reg(text, prefix) == stat


def test_sgact_both_spellings_and_read_form():
    atc, _ = fresh()
    assert atc.sgact_ip("#SGACT: 10.20.30.40") == "10.20.30.40"            # REFERENCE.md 6.4
    assert atc.sgact_ip('#SGACT: "212.195.45.65"') == "212.195.45.65"
    assert atc.sgact_ip("#SGACT: 193.199.234.255") == "193.199.234.255"
    assert atc.sgact_ip("#SGACT: 1,1") == ""
    text = "#SGACT: 1,1\r\n#SGACT: 2,0"
    assert (atc.sgact_state(text, 1), atc.sgact_state(text, 2), atc.sgact_state(text, 3)) == (1, 0, -1)


def test_ip_reply_of_legacy_gprs():
    atc, _ = fresh()
    assert atc.ip_reply("+IP: 10.1.2.3") == "10.1.2.3"
    assert atc.ip_reply("+IP: nope") == ""


def test_ss_lines():
    atc, _ = fresh()
    text = ("#SS: 1,2,10.20.30.40,1025,198.51.100.7,5000\r\n"      # REFERENCE.md 6.9
            "#SS: 2,0\r\n"
            "#SS: 3,4,10.20.30.40,3000\r\n"
            "#SS: 4,5,10.20.30.40,3000,203.0.113.9,40001")
    assert atc.ss(text) == [(1, 2, "10.20.30.40", 1025, "198.51.100.7", 5000),
                            (2, 0, "", 0, "", 0),
                            (3, 4, "10.20.30.40", 3000, "", 0),
                            (4, 5, "10.20.30.40", 3000, "203.0.113.9", 40001)]
    assert atc.ss("#SS: x,1") == []


def test_si_lines():
    atc, _ = fresh()
    assert atc.si("#SI: 1,123,456,0,7\r\n#SI: 2,0,0,0,0") == [(1, 123, 456, 0, 7), (2, 0, 0, 0, 0)]
    assert atc.si("#SI: 1,2,3") == []


def test_cmgl_reference_examples():
    atc, _ = fresh()
    text = ('+CMGL: 1,"REC UNREAD","+xxxxxxxxxxx","test","12/06/06,15:59:50-20"\r\n'   # REFERENCE 8.3
            'connect baud 9600\r\n'
            '+CMGL: 2,"STO SENT","+39329","WIND SIM",\r\n'                          # no <scts>
            'hello\r\n'
            '+CMGL: 3,"REC READ","+15551234567","Smith, John","12/06/06,16:00:00+04"\r\n'
            'line one\r\nline two')
    assert atc.cmgl(text) == [
        (1, "REC UNREAD", "+xxxxxxxxxxx", "connect baud 9600"),
        (2, "STO SENT", "+39329", "hello"),
        (3, "REC READ", "+15551234567", "line one\nline two"),
    ]
    assert atc.cmgl("") == []


def test_cmgr_reference_example():
    atc, _ = fresh()
    text = '+CMGR: "REC UNREAD","+38641801924","","09/08/03,14:14:04+08"\r\nconnect config'
    assert atc.cmgr(text) == ("REC UNREAD", "+38641801924", "connect config")
    assert atc.cmgr("") is None


def test_cmgs():
    atc, _ = fresh()
    assert atc.cmgs("+CMGS: 17") == 17
    assert atc.cmgs("") == -1


@pytest.mark.parametrize("line,conn", [
    ("SRING: 1", 1), ("SRING : 2", 2), ("+SRING : 3", 3),        # REFERENCE.md 6.11
    ("SRING: 2,15", 2), ("SRING: 3,15,hello, world", 3),         # srMode 1 and 2 (6.3)
    ("RING", -1), ("SRING", -1), ("SRING: x", -1), ("+CMTI: \"SM\",3", -1),
])
def test_sring_all_spellings(line, conn):
    atc, _ = fresh()
    assert atc.sring(line) == conn


def test_cmti_and_clip():
    atc, _ = fresh()
    assert atc.cmti('+CMTI: "SM",3') == ("SM", 3)
    assert atc.cmti('+CMTI: "ME",1') == ("ME", 1)
    assert atc.cmti("+CMTI: ,-1") is None                       # FIELD-LESSONS 12
    assert atc.cmti("RING") is None
    assert atc.clip('+CLIP: "+15551234567",145,"",128,"",0') == "+15551234567"
    assert atc.clip("RING") == ""


def test_urcs_seen_by_the_framing_are_the_ones_the_parsers_read():
    atc, clock = fresh()
    port = FakePort(clock, [['\r\n+SRING : 1\r\n\r\n+CMTI: "SM",3\r\n\r\nRING\r\n'
                             '\r\n+CLIP: "+15551234567",145\r\n\r\nOK\r\n']])
    assert atc.cmd(port, "AT", 5) == ("OK", "")
    u = atc.urcs()
    assert [atc.sring(x) for x in u] == [1, -1, -1, -1]
    assert atc.cmti(u[1]) == ("SM", 3)
    assert atc.clip(u[3]) == "+15551234567"


def test_verb():
    atc, _ = fresh()
    assert atc.verb("AT+CREG?") == "+CREG"
    assert atc.verb("AT#SGACT=1,1") == "#SGACT"
    assert atc.verb('AT+CMGL="ALL"') == "+CMGL"
    assert atc.verb("ATA") == "A"
