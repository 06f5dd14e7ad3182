"""Conformance tests for the emulator's SMS (tools/emulator/sms.py).

Each test names the REFERENCE section it follows (../shared/telit/REFERENCE.md §8 SMS in text
mode, §5.3 per-instance settings, §5.9 +CMS ERROR, §5.10 response times, §11 F). Where
REFERENCE leaves a detail open, the test says which Telit document the emulator follows.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from emu_helpers import at, feed, take
from tools.emulator import Module

OK = b"\r\nOK\r\n"


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = Module(tmp_path)
    mod.radio.sim_ready_ms = 0  # SIM ready at once: the SIM's own timing is test_sim_* below
    mod.power_on()
    yield mod
    mod.close()


def text_mode(m: Module, inst: int = 1, cnmi: str = "2,1,0,0,0") -> None:
    assert at(m, "AT+CMGF=1", inst) == OK
    assert at(m, "AT+CNMI=%s" % cnmi, inst) == OK


class NullLink:
    """A data link that swallows everything: puts an instance online for URC tests."""

    kind = "gprs"
    only_ath = False
    connected = True
    owner = None

    def attach(self, inst) -> None:
        self.owner = inst

    def write(self, data: bytes) -> int:
        return len(data)

    def escaped(self, inst) -> None:
        pass

    def hangup_local(self) -> None:
        pass

    def room_available(self) -> None:
        pass


def go_online(m: Module, inst: int) -> NullLink:
    link = NullLink()
    with m.kernel.lock:
        m.instances[inst].go_online(link)
    return link


def drop_link(m: Module, inst: int, link: NullLink) -> None:
    with m.kernel.lock:
        m.instances[inst].link_closed(link)


# --------------------------------------------------------------------- §8.1 set-up
def test_cmgf_is_per_instance_and_pdu_by_default_ref_8_1_5_3(m: Module) -> None:
    assert at(m, "AT+CMGF?", 1) == b"\r\n+CMGF: 0\r\n" + OK  # factory setting: PDU
    assert at(m, "AT+CMGF=1", 2) == OK
    assert at(m, "AT+CMGF?", 2) == b"\r\n+CMGF: 1\r\n" + OK
    assert at(m, "AT+CMGF?", 1) == b"\r\n+CMGF: 0\r\n" + OK
    assert at(m, "AT+CMGF=?", 1) == b"\r\n+CMGF: (0,1)\r\n" + OK


@pytest.mark.parametrize("cmee", [0, 1, 2])
def test_cms_error_is_numeric_whatever_cmee_ref_5_9(m: Module, cmee: int) -> None:
    # SWUG6 §3.8.1.1: AT+CMGF=5 answers +CMS ERROR: 303 under +CMEE 0, 1 and 2.
    assert at(m, "AT+CMEE=%d" % cmee) == OK
    assert at(m, "AT+CMGF=5") == b"\r\n+CMS ERROR: 303\r\n"


def test_cscs_default_ira_per_instance_ref_8_1(m: Module) -> None:
    assert at(m, "AT+CSCS?", 1) == b'\r\n+CSCS: "IRA"\r\n' + OK
    assert at(m, 'AT+CSCS="UCS2"', 2) == OK
    assert at(m, "AT+CSCS?", 2) == b'\r\n+CSCS: "UCS2"\r\n' + OK
    assert at(m, "AT+CSCS?", 1) == b'\r\n+CSCS: "IRA"\r\n' + OK
    assert at(m, "AT+CSCS=?") == b'\r\n+CSCS: ("GSM","IRA","8859-1","PCCP437","UCS2")\r\n' + OK
    assert at(m, 'AT+CSCS="GSA"') == b"\r\nERROR\r\n"  # SWUG6 §3.8.2
    assert at(m, "AT+CMEE=2") == OK
    assert at(m, 'AT+CSCS="GSA"') == b"\r\n+CME ERROR: operation not supported\r\n"


def test_cpms_counters_ref_8_1(m: Module) -> None:
    assert at(m, "AT+CPMS?") == b'\r\n+CPMS: "SM",0,10,"SM",0,10,"SM",0,10\r\n' + OK
    for i in range(3):
        m.sms.deliver("+15551230001", "m%d" % i)
    assert at(m, "AT#SMSMODE=1") == OK                  # the #SMSMODE=1 page (p.204)
    assert at(m, "AT+CPMS?") == b'\r\n+CPMS: "SM",3,10,"SM",3,10,"SM",3,10\r\n' + OK
    assert at(m, 'AT+CPMS="SM"') == b"\r\n+CPMS: 3,10,3,10,3,10\r\n" + OK
    assert at(m, 'AT+CPMS="SM","SM","SM"') == b"\r\n+CPMS: 3,10,3,10,3,10\r\n" + OK
    assert at(m, "AT+CPMS=?") == b'\r\n+CPMS: ("SM"),("SM"),("SM")\r\n' + OK
    assert at(m, 'AT+CPMS="ME"') == b"\r\n+CMS ERROR: 302\r\n"  # #SMSMODE=1: "SM" only
    m.sms.capacity = 20
    assert at(m, "AT+CPMS?") == b'\r\n+CPMS: "SM",3,20,"SM",3,20,"SM",3,20\r\n' + OK


def test_csca_kept_on_sim_ref_8_4(m: Module) -> None:
    assert at(m, "AT+CSCA?") == b'\r\n+CSCA: "+15550000000",145\r\n' + OK
    assert at(m, 'AT+CSCA="+393205858500",145') == OK
    m.reboot()
    assert at(m, "AT+CSCA?") == b'\r\n+CSCA: "+393205858500",145\r\n' + OK


# ------------------------------------------------------------ §8.2 indications
def test_cmti_only_where_mt_1_ref_8_2(m: Module) -> None:
    assert at(m, "AT+CNMI=2,1,0,0,0", 2) == OK
    idx = m.sms.deliver("+15551230001", "hello")
    assert idx == 1
    m.run(0.1)
    assert take(m, 2) == b'\r\n+CMTI: "SM",1\r\n'
    assert take(m, 1) == b""  # MDM: +CNMI mt=0 (default)
    assert at(m, "AT+CNMI?", 2) == b"\r\n+CNMI: 2,1,0,0,0\r\n" + OK
    assert at(m, "AT+CNMI?", 1) == b"\r\n+CNMI: 0,0,0,0,0\r\n" + OK


def test_cmti_to_every_instance_with_mt_1_ref_8_2(m: Module) -> None:
    at(m, "AT+CNMI=1,1,0,0,0", 1)
    at(m, "AT+CNMI=1,1,0,0,0", 2)
    m.sms.deliver("+15551230001", "a")
    m.sms.deliver("+15551230001", "b")
    m.run(0.1)
    assert take(m, 1) == b'\r\n+CMTI: "SM",1\r\n\r\n+CMTI: "SM",2\r\n'
    assert take(m, 2) == b'\r\n+CMTI: "SM",1\r\n\r\n+CMTI: "SM",2\r\n'


def test_cnmi_mode1_discards_while_online_ref_8_2(m: Module) -> None:
    at(m, "AT+CNMI=1,1,0,0,0", 1)
    link = go_online(m, 1)
    take(m, 1)
    m.sms.deliver("+15551230001", "lost indication")
    m.run(0.5)
    drop_link(m, 1, link)
    m.run(0.1)
    assert take(m, 1) == b"\r\nNO CARRIER\r\n"  # and no +CMTI, before or after
    assert 1 in m.sms.store  # the message itself is stored


def test_cnmi_mode2_buffers_while_online_and_flushes_ref_8_2(m: Module) -> None:
    at(m, "AT+CNMI=2,1,0,0,0", 1)
    link = go_online(m, 1)
    take(m, 1)
    m.sms.deliver("+15551230001", "kept indication")
    m.run(0.5)
    assert take(m, 1) == b""  # nothing inside the data stream
    drop_link(m, 1, link)
    m.run(0.1)
    assert take(m, 1) == b'\r\nNO CARRIER\r\n\r\n+CMTI: "SM",1\r\n'


def test_cnmi_mode0_keeps_in_ta_until_mode_1_to_3_ref_8_2(m: Module) -> None:
    # ATR10 +CNMI: mode 0 buffers in the TA; <bfr>=0 flushes when mode 1..3 is entered, after
    # the OK; <bfr>=1 clears the buffer.
    at(m, "AT+CNMI=0,1,0,0,0", 1)
    m.sms.deliver("+15551230001", "one")
    m.sms.deliver("+15551230001", "two")
    m.run(0.5)
    assert take(m, 1) == b""
    assert at(m, "AT+CNMI=2,1,0,0,0", 1) == OK + b'\r\n+CMTI: "SM",1\r\n\r\n+CMTI: "SM",2\r\n'
    at(m, "AT+CNMI=0,1,0,0,0", 1)
    m.sms.deliver("+15551230001", "three")
    assert at(m, "AT+CNMI=2,1,0,0,1", 1) == OK  # bfr=1: cleared
    m.run(0.5)
    assert take(m, 1) == b""


def test_urc_waits_for_running_command_ref_8_2(m: Module) -> None:
    text_mode(m, 1, "1,1,0,0,0")
    feed(m, "AT+CMGL\r", 1)  # busy: the command takes list_delay_ms
    m.sms.deliver("+15551230001", "x")
    m.run(0.5)
    out = take(m, 1)
    assert out.endswith(OK + b'\r\n+CMTI: "SM",1\r\n')


def test_cnmi_bad_values_ref_8_2(m: Module) -> None:
    assert at(m, "AT+CNMI=4,1,0,0,0") == b"\r\n+CMS ERROR: 303\r\n"
    assert at(m, "AT+CNMI=1,1,1,0,0") == b"\r\n+CMS ERROR: 303\r\n"  # bm is 0 or 2
    assert at(m, "AT+CNMI=?") == b"\r\n+CNMI: (0-3),(0-3),(0,2),(0-2),(0,1)\r\n" + OK


def test_cmt_direct_delivery_with_mt_2_ref_8_2(m: Module) -> None:
    text_mode(m, 2, "2,2,0,0,0")
    assert at(m, 'AT+CCLK="24/05/06,12:34:56+00"') == OK
    assert m.sms.deliver("+15551230001", "direct") is None  # routed, not stored
    m.run(0.1)
    assert take(m, 2) == b'\r\n+CMT: "+15551230001","","24/05/06,12:34:56+00"\r\ndirect\r\n'
    assert m.sms.store == {}


# ---------------------------------------------------------------- §8.3 reading
def test_cmgr_format_and_unread_to_read_ref_8_3(m: Module) -> None:
    text_mode(m)
    # REFERENCE §8.3 example "09/08/03,14:14:04+08": local time, zone +2 h in quarter-hours;
    # the module clock (+CCLK here, UTC) reads 12:14:04.
    m.sms.tz_quarters = 8
    assert at(m, 'AT+CCLK="09/08/03,12:14:04+00"') == OK
    m.sms.deliver("+38641801924", "SEND THE SMS BY MEANS OF THE GPRS SERVICE TO ITSELF")
    take(m)
    assert at(m, "AT+CMGR=1") == (
        b'\r\n+CMGR: "REC UNREAD","+38641801924","","09/08/03,14:14:04+08"\r\n'
        b"SEND THE SMS BY MEANS OF THE GPRS SERVICE TO ITSELF\r\n" + OK)
    assert m.sms.store[1].status == "REC READ"
    assert at(m, "AT+CMGR=1").startswith(b'\r\n+CMGR: "REC READ",')


def test_scts_from_module_clock_ref_8_3(m: Module) -> None:
    assert at(m, 'AT+CCLK="24/05/06,12:34:56+00"') == OK
    m.run(61)
    m.sms.deliver("+15551230001", "t")
    assert m.sms.store[1].scts == "24/05/06,12:35:57+00"
    m.sms.tz_quarters = -20
    assert m.sms.scts_now() == "24/05/06,07:35:57-20"


def test_cmgr_csdh_1_shows_header_fields_ref_8_3(m: Module) -> None:
    text_mode(m)
    at(m, 'AT+CCLK="24/05/06,12:34:56+00"')
    m.sms.deliver("+15551230001", "hello")
    at(m, "AT+CSDH=1")
    assert at(m, "AT+CMGR=1") == (
        b'\r\n+CMGR: "REC UNREAD","+15551230001","","24/05/06,12:34:56+00",145,4,0,0,'
        b'"+15550000000",145,5\r\nhello\r\n' + OK)
    m.sms.write("5551234", "draft", "STO UNSENT")
    assert at(m, "AT+CMGR=2") == (
        b'\r\n+CMGR: "STO UNSENT","5551234","",129,17,0,0,167,"+15550000000",145,5\r\ndraft\r\n' + OK)
    at(m, "AT+CSDH=0")
    assert at(m, "AT+CMGR=2") == b'\r\n+CMGR: "STO UNSENT","5551234",""\r\ndraft\r\n' + OK


def test_cmgr_empty_index_ref_8_3(m: Module) -> None:
    text_mode(m)
    assert at(m, "AT+CMGR=1") == b"\r\n+CMS ERROR: 321\r\n"
    assert at(m, "AT+CMGR=99") == b"\r\n+CMS ERROR: 321\r\n"
    assert at(m, "AT+CMGR") == b"\r\nERROR\r\n"


def test_cmgl_all_unread_read_ref_8_3(m: Module) -> None:
    text_mode(m)
    at(m, 'AT+CCLK="12/06/06,15:59:50+00"')
    m.sms.deliver("+15551230001", "first")
    m.sms.deliver("+15551230002", "second")
    take(m)
    at(m, "AT+CMGR=1")  # now REC READ
    assert at(m, 'AT+CMGL="REC READ"') == (
        b'\r\n+CMGL: 1,"REC READ","+15551230001","","12/06/06,15:59:50+00"\r\nfirst\r\n' + OK)
    assert at(m, 'AT+CMGL="REC UNREAD"') == (
        b'\r\n+CMGL: 2,"REC UNREAD","+15551230002","","12/06/06,15:59:50+00"\r\nsecond\r\n' + OK)
    # listing marked it read (3GPP TS 27.005 §3.4.2)
    assert at(m, 'AT+CMGL="REC UNREAD"') == OK
    assert at(m, 'AT+CMGL="ALL"') == (
        b'\r\n+CMGL: 1,"REC READ","+15551230001","","12/06/06,15:59:50+00"\r\nfirst\r\n'
        b'+CMGL: 2,"REC READ","+15551230002","","12/06/06,15:59:50+00"\r\nsecond\r\n' + OK)


def test_cmgl_without_stat_lists_unread_and_order_is_position_ref_8_3(m: Module) -> None:
    text_mode(m)
    for t in ("a", "b", "c"):
        m.sms.deliver("+15551230001", t)
    at(m, "AT+CMGD=1")
    m.sms.deliver("+15551230001", "d")  # takes the free slot 1
    take(m)                                             # the +CMTI URCs
    assert at(m, "AT#SMSMODE?") == b"\r\n#SMSMODE: 0\r\n" + OK   # factory (ATR10 p.288)
    out = at(m, "AT+CMGL")
    # #SMSMODE=0: in the order the module processed them (ATR10 +CMGL p.260)
    assert [l.split(b",")[0] for l in out.split(b"\r\n") if l.startswith(b"+CMGL")] == [
        b"+CMGL: 2", b"+CMGL: 3", b"+CMGL: 1"]
    assert b"\r\nd\r\n" in out
    # #SMSMODE=1 (kept in NVM): by position (ATR10 +CMGL p.262)
    assert at(m, "AT#SMSMODE=1") == OK
    m.reboot()
    text_mode(m)
    assert at(m, "AT#SMSMODE?") == b"\r\n#SMSMODE: 1\r\n" + OK
    out = at(m, "AT+CMGL=\"ALL\"")
    assert [l.split(b",")[0] for l in out.split(b"\r\n") if l.startswith(b"+CMGL")] == [
        b"+CMGL: 1", b"+CMGL: 2", b"+CMGL: 3"]


def test_factory_defaults_regmode_0_cvhu_2_atr10(m: Module) -> None:
    # ATR10 #REGMODE (p.287): 0 "basic" except on GE865-QUAD / GE864-DUAL V2; +CVHU: 2
    # "(factory default)"
    assert at(m, "AT#REGMODE?") == b"\r\n#REGMODE: 0\r\n" + OK
    assert at(m, "AT+CVHU?") == b"\r\n+CVHU: 2\r\n" + OK


def test_cmgl_stored_messages_and_csdh_ref_8_3(m: Module) -> None:
    text_mode(m)
    m.sms.write("+39329123456", "SEND THE STORED SMS", "STO SENT")
    # SWUG6 §3.8.9: stored messages have no <scts>: the line ends in a comma
    assert at(m, 'AT+CMGL="ALL"') == (
        b'\r\n+CMGL: 1,"STO SENT","+39329123456","",\r\nSEND THE STORED SMS\r\n' + OK)
    at(m, "AT+CSDH=1")
    assert at(m, 'AT+CMGL="ALL"') == (
        b'\r\n+CMGL: 1,"STO SENT","+39329123456","",,145,19\r\nSEND THE STORED SMS\r\n' + OK)


def test_cmgl_numeric_stat_in_text_mode_ref_8_3_5_9(m: Module) -> None:
    text_mode(m)
    assert at(m, "AT+CMGL=4") == b"\r\n+CMS ERROR: 302\r\n"  # SWUG6 §3.8.9
    m.sms.deliver("+15551230001", "x")
    assert at(m, "AT+CMGL=ALL").count(b"+CMGL: 1,") == 1  # GTM's unquoted form works
    assert at(m, "AT+CMGL=?") == (
        b'\r\n+CMGL: ("REC UNREAD","REC READ","STO UNSENT","STO SENT","ALL")\r\n' + OK)


def test_pdu_mode_text_commands_refused_ref_8_1(m: Module) -> None:
    # +CMGF=0 (factory): text-mode syntax is an invalid PDU-mode parameter (SWUG6 §3.8.3: 304);
    # PDU output itself is not emulated (303).
    m.sms.deliver("+15551230001", "x")
    assert at(m, 'AT+CMGL="ALL"') == b"\r\n+CMS ERROR: 304\r\n"
    assert at(m, 'AT+CMGS="+15551230001"') == b"\r\n+CMS ERROR: 304\r\n"
    assert at(m, "AT+CMGR=1") == b"\r\n+CMS ERROR: 303\r\n"


# -------------------------------------------------------------- §8.5 deleting
def mixed_store(m: Module) -> None:
    m.sms.deliver("+1", "unread")  # 1
    m.sms.deliver("+1", "read")  # 2
    m.sms.store[2].status = "REC READ"
    m.sms.write("+2", "sent", "STO SENT")  # 3
    m.sms.write("+2", "unsent", "STO UNSENT")  # 4
    take(m)  # the two +CMTI


@pytest.mark.parametrize("flag,left", [
    (1, [1, 3, 4]),  # all read
    (2, [1, 4]),  # read + sent
    (3, [1]),  # read + sent + unsent
    (4, []),  # all
])
def test_cmgd_delflags_ref_8_5(m: Module, flag: int, left: list[int]) -> None:
    text_mode(m)
    mixed_store(m)
    assert at(m, "AT+CMGD=1,%d" % flag) == OK  # index ignored when delflag > 0
    assert sorted(m.sms.store) == left


def test_cmgd_single_and_errors_ref_8_5(m: Module) -> None:
    text_mode(m)
    mixed_store(m)
    assert at(m, "AT+CMGD=?") == b"\r\n+CMGD: (1,2,3,4),(0-4)\r\n" + OK
    assert at(m, "AT+CMGD=2") == OK
    assert at(m, "AT+CMGD=3,0") == OK
    assert sorted(m.sms.store) == [1, 4]
    assert at(m, "AT+CMGD=2") == b"\r\n+CMS ERROR: 321\r\n"  # SWUG6 §3.8.7
    assert at(m, "AT+CMGD") == b"\r\nERROR\r\n"
    assert at(m, "AT+CMGD=1,4") == OK
    assert at(m, "AT+CMGD=?") == b"\r\n+CMGD: (),(0-4)\r\n" + OK


def test_cmgd_takes_time_ref_5_10(m: Module) -> None:
    text_mode(m)
    m.sms.fill_store()
    feed(m, "AT+CMGD=1,4\r")
    m.run(0.05)
    assert take(m) == b""  # 10 messages: 100 ms + 9 x 50 ms
    m.run(0.6)
    assert take(m) == OK


# ---------------------------------------------------------------- §8.4 sending
def test_cmgs_prompt_ctrl_z_and_mr_ref_8_4(m: Module) -> None:
    text_mode(m)
    t0 = m.kernel.now()
    assert at(m, 'AT+CMGS="+15551234567"') == b"\r\n> "  # exactly 0D 0A 3E 20
    assert m.kernel.now() - t0 < 1000  # ATR10 §3.2.4: the prompt within 1 s
    feed(m, "reply text\x1a")
    m.run(m.sms.send_delay_ms / 1000.0 - 0.1)
    assert take(m) == b""  # the network has not answered yet
    m.run(0.2)
    assert take(m) == b"\r\n+CMGS: 0\r\n" + OK
    assert m.sms.sent == [("+15551234567", "reply text", m.sms.sent[0].time)]
    assert m.sms.sent[0].mr == 0 and m.sms.sent[0].parts == 1 and m.sms.sent[0].toda == 145
    assert at(m, 'AT+CMGS="5551234",129') == b"\r\n> "
    feed(m, "two\x1a")
    m.run(4)
    assert take(m) == b"\r\n+CMGS: 1\r\n" + OK
    assert m.sms.sent[1][:2] == ("5551234", "two") and m.sms.sent[1].toda == 129


def test_cmgs_mr_wraps_at_256_ref_8_4(m: Module) -> None:
    text_mode(m)
    m.sms.next_mr = 255
    m.sms.send_delay_ms = 100
    for expect in (255, 0):
        at(m, 'AT+CMGS="+1"')
        feed(m, "x\x1a")
        m.run(0.3)
        assert take(m) == b"\r\n+CMGS: %d\r\n" % expect + OK


def test_cmgs_esc_aborts_with_ok_ref_8_4(m: Module) -> None:
    text_mode(m)
    at(m, 'AT+CMGS="+15551234567"')
    feed(m, "never sent\x1b")
    m.run(5)
    assert take(m) == OK  # SWUG6 §3.8.3: "ESC to abort ... OK"
    assert m.sms.sent == []
    assert at(m, "AT") == OK  # back in command mode


def test_cmgs_backspace_and_cr_prompt_ref_8_4(m: Module) -> None:
    # ATR10 +CMGS (#SMSMODE=1): backspace deletes the last character; each CR is answered
    # with <CR><LF>> .
    text_mode(m)
    m.sms.send_delay_ms = 100
    at(m, 'AT+CMGS="+1"')
    feed(m, "line1\rlinx\x08e2\x1a")
    m.run(0.5)
    assert take(m) == b"\r\n> " + b"\r\n+CMGS: 0\r\n" + OK
    assert m.sms.sent[0].text == "line1\rline2"


def test_cmgs_echo_follows_ate_ref_8_4(m: Module) -> None:
    text_mode(m)
    m.sms.send_delay_ms = 100
    assert at(m, "ATE1") == OK
    assert at(m, 'AT+CMGS="+1"') == b'AT+CMGS="+1"\r\r\n> '
    feed(m, "hi\x1a")
    m.run(0.5)
    assert take(m) == b"hi\r\n+CMGS: 0\r\n" + OK


def test_cmgs_too_long_refused_ref_8_4(m: Module) -> None:
    # ATR10 +CMGS (#SMSMODE=1): up to 10 concatenated parts, 1520 GSM characters; longer text
    # "raises an error" (code n/d: 305). A 161-character text goes as 2 parts.
    text_mode(m)
    m.sms.send_delay_ms = 100
    at(m, 'AT+CMGS="+1"')
    feed(m, "x" * 161 + "\x1a")
    m.run(0.5)
    assert take(m) == b"\r\n+CMGS: 0\r\n" + OK
    assert m.sms.sent[0].parts == 2 and m.sms.next_mr == 2
    at(m, 'AT+CMGS="+1"')
    feed(m, "y" * 1521 + "\x1a")
    m.run(0.5)
    assert take(m) == b"\r\n+CMS ERROR: 305\r\n"
    m.sms.max_text_chars = 160  # a unit that sends single messages only
    at(m, 'AT+CMGS="+1"')
    feed(m, "{" * 81 + "\x1a")  # extension characters take two septets: 162
    m.run(0.5)
    assert take(m) == b"\r\n+CMS ERROR: 305\r\n"
    assert len(m.sms.sent) == 1


def test_cmgs_not_registered_ref_8_4_5_9(m: Module) -> None:
    text_mode(m)
    m.radio.reg = 2  # searching
    at(m, 'AT+CMGS="+1"')
    feed(m, "x\x1a")
    m.run(5)
    assert take(m) == b"\r\n+CMS ERROR: 331\r\n"
    assert m.sms.sent == []


def test_cmgs_network_failure_injected_ref_11_j(m: Module) -> None:
    text_mode(m)
    m.sms.fail_next_send(332)
    at(m, 'AT+CMGS="+1"')
    feed(m, "x\x1a")
    m.run(5)
    assert take(m) == b"\r\n+CMS ERROR: 332\r\n"
    at(m, 'AT+CMGS="+1"')
    feed(m, "x\x1a")
    m.run(5)
    assert take(m) == b"\r\n+CMGS: 0\r\n" + OK


def test_cmgs_ucs2_charset_ref_8_1(m: Module) -> None:
    # SWUG6 §3.8.2.2: address and text as 4 hex digits per character
    text_mode(m)
    m.sms.send_delay_ms = 100
    at(m, 'AT+CSCS="UCS2"')
    at(m, 'AT+CMGS="002B0031"')
    feed(m, "004300490041004F\x1a")
    m.run(0.5)
    assert take(m) == b"\r\n+CMGS: 0\r\n" + OK
    assert m.sms.sent[0][:2] == ("+1", "CIAO")
    m.sms.deliver("+1", "CIAO")
    m.run(0.1)
    take(m)
    assert at(m, "AT+CMGR=1").split(b"\r\n")[1:3] == [
        b'+CMGR: "REC UNREAD","002B0031","","00/01/01,00:00:00+00"', b"004300490041004F"]


def test_cmgw_stores_unsent_ref_8_3(m: Module) -> None:
    text_mode(m)
    assert at(m, 'AT+CMGW="+15551234567"') == b"\r\n> "
    feed(m, "draft\x1a")
    m.run(0.5)
    assert take(m) == b"\r\n+CMGW: 1\r\n" + OK
    assert m.sms.store[1].status == "STO UNSENT" and m.sms.store[1].text == "draft"


# --------------------------------------------------- full store (§8.6, §11 F)
def test_full_store_stops_cmti_and_holds_messages_ref_11_f(m: Module) -> None:
    text_mode(m)
    assert m.sms.fill_store() == 10
    assert at(m, "AT+CPMS?") == b'\r\n+CPMS: "SM",10,10,"SM",10,10,"SM",10,10\r\n' + OK
    assert m.sms.deliver("+15551230001", "held 1") is None
    assert m.sms.deliver("+15551230001", "held 2") is None
    m.run(30)
    assert take(m) == b""  # no +CMTI while full
    assert [p.text for p in m.sms.pending] == ["held 1", "held 2"]
    assert at(m, "AT+CMGD=3") == OK
    m.run(m.sms.redeliver_delay_ms / 1000.0 + 0.1)
    assert take(m) == b'\r\n+CMTI: "SM",3\r\n'  # the first held message, in order
    assert m.sms.store[3].text == "held 1"
    assert [p.text for p in m.sms.pending] == ["held 2"]
    assert at(m, "AT+CMGD=1,4") == OK
    m.run(m.sms.redeliver_delay_ms / 1000.0 + 0.1)
    assert take(m) == b'\r\n+CMTI: "SM",1\r\n'
    assert m.sms.pending == [] and m.sms.status()["used"] == 1


def test_capacity_is_configurable_ref_11_f(m: Module) -> None:
    m.sms.capacity = 2
    assert m.sms.deliver("+1", "a") == 1
    assert m.sms.deliver("+1", "b") == 2
    assert m.sms.deliver("+1", "c") is None
    assert m.sms.status() == {"used": 2, "capacity": 2, "unread": 2, "pending": 1, "sent": 0,
                              "next_mr": 0}


def test_snapshot_is_plain_data_ref_11_j(m: Module) -> None:
    import json

    m.sms.capacity = 1
    m.sms.deliver("+1", "stored")
    m.sms.deliver("+2", "held")
    snap = json.loads(json.dumps(m.sms.snapshot()))
    assert snap["store"] == [{"index": 1, "status": "REC UNREAD", "number": "+1", "text": "stored",
                              "scts": "00/01/01,00:00:00+00"}]
    assert [p["text"] for p in snap["pending"]] == ["held"]
    assert snap["used"] == 1 and snap["pending"] == [snap["pending"][0]] and snap["sent"] == []


# --------------------------------------------------------- SIM vs RAM (§5.3)
def test_store_survives_reboot_settings_do_not_ref_5_3_8_1(m: Module) -> None:
    text_mode(m)
    m.sms.deliver("+15551230001", "keep me")
    m.sms.fill_store()
    m.sms.deliver("+15551230001", "held across reboot")
    m.reboot()
    assert at(m, "AT+CMGF?") == b"\r\n+CMGF: 0\r\n" + OK  # RAM: back to factory
    assert at(m, "AT+CNMI?") == b"\r\n+CNMI: 0,0,0,0,0\r\n" + OK
    assert m.sms.store[1].text == "keep me"  # SIM: kept
    assert [p.text for p in m.sms.pending] == ["held across reboot"]
    m.power_cut(restore_after_ms=None)
    assert m.sms.deliver("+1", "while off") is None
    m.power_on()
    assert len(m.sms.store) == 10 and len(m.sms.pending) == 2


# ---------------------------------------------------- a dialect script (§8.6)
SCRIPT = r"""
import MDM
import MOD

def cmd(c, wait):
    MDM.send(c + '\r', 5)
    buf = ''
    t = MOD.secCounter() + wait
    while MOD.secCounter() < t:
        buf = buf + MDM.receive(5)
        if buf.find('\r\nOK\r\n') != -1 or buf.find('ERROR') != -1 or buf.find('\r\n> ') != -1:
            return buf
    return buf

def quoted(line, n):
    parts = line.split('"')
    return parts[2 * n + 1]

cmd('AT+CMGF=1', 2)
cmd('AT+CNMI=2,1,0,0,0', 2)
print('ready')
pending = ''
done = 0
while done < 2:
    pending = pending + MDM.receive(10)
    at = pending.find('+CMTI: "SM",')
    if at == -1:
        continue
    end = pending.find('\r\n', at)
    if end == -1:
        continue
    index = pending[at + 12:end]
    pending = pending[end:]
    answer = cmd('AT+CMGR=' + index, 5)
    lines = answer.split('\r\n')
    sender = quoted(lines[1], 1)
    text = lines[2]
    cmd('AT+CMGD=' + index, 5)
    prompt = cmd('AT+CMGS="' + sender + '"', 5)
    if prompt.find('> ') == -1:
        print('no prompt')
        continue
    result = cmd('pong: ' + text + chr(26), 70)
    print('sent ' + sender + ' ' + result.split('\r\n')[1])
    done = done + 1
print('done')
"""


def test_dialect_script_reads_sms_and_replies_ref_8_6(m: Module) -> None:
    m.flash.write("main.py", SCRIPT.encode())
    m.nvm["escript"] = "main.py"
    m.reboot()
    assert m.run_until(lambda: "ready" in m.trace_lines, 10)
    m.sms.deliver("+15551230001", "ping")
    m.run(8)
    m.sms.deliver("+15551230002", "status?")
    assert m.run_until(lambda: "done" in m.trace_lines, 30), m.trace_text()
    assert [(d, t) for d, t, _ in m.sms.sent] == [("+15551230001", "pong: ping"),
                                                  ("+15551230002", "pong: status?")]
    assert "sent +15551230001 +CMGS: 0" in m.trace_lines
    assert "sent +15551230002 +CMGS: 1" in m.trace_lines
    assert m.sms.store == {}  # the script deleted what it read
    assert m.script_state == "ended"


def test_script_is_in_the_dialect() -> None:
    # The test scripts are on-module code: the project's dialect checker must accept them.
    from tools.dialect import check_source

    assert check_source(SCRIPT, "main.py") == []


# ------------------------------------------------------------------ SIM readiness (ATR10 p.324)
def test_sim_busy_until_ready_then_qss_3(tmp_path: Path) -> None:
    # ATR10 #QSS (p.324): status 3 "SIM INSERTED and READY (SMS and Phonebook access are
    # possible)", reported with mode 2; before it SMS answers +CMS ERROR 314 "SIM busy".
    m = Module(tmp_path)
    m.radio.sim_ready_ms = 20000
    m.power_on()
    at(m, "AT+CMGF=1")
    assert at(m, "AT#QSS?") == b"\r\n#QSS: 0,1\r\n" + OK      # mode 0: 0/1 only
    assert at(m, "AT#QSS=2") == OK
    assert at(m, "AT#QSS?") == b"\r\n#QSS: 2,2\r\n" + OK
    assert at(m, 'AT+CPMS="SM","SM","SM"') == b"\r\n+CMS ERROR: 314\r\n"
    assert at(m, "AT+CMGL=\"ALL\"") == b"\r\n+CMS ERROR: 314\r\n"
    assert at(m, "AT+CMEE=1") == OK and at(m, "AT#CCID") == b"\r\n+CME ERROR: 14\r\n"
    assert at(m, "AT+CPMS=?").endswith(OK)                        # the test form works
    assert m.sms.deliver("+1555", "early") is None                # the network holds it
    m.run(20)
    assert at(m, "AT#QSS?") == b"\r\n#QSS: 2,3\r\n" + OK
    m.run(5)                                                      # then delivers it
    assert [x.text for x in m.sms.store.values()] == ["early"]
    assert at(m, 'AT+CPMS="SM","SM","SM"').endswith(OK)
    assert at(m, "AT#CCID") == b"\r\n#CCID: %s\r\n" % m.radio.iccid.encode() + OK
    m.reboot()                                                    # read again at every boot
    assert at(m, 'AT+CPMS="SM","SM","SM"') == b"\r\n+CMS ERROR: 314\r\n"
    m.close()


@pytest.mark.parametrize("sim,code", [(None, 310), ("SIM PIN", 311)])
def test_sim_absent_or_locked_cms_error(tmp_path: Path, sim, code) -> None:
    m = Module(tmp_path)
    m.radio.sim = sim
    m.power_on()
    m.run(10)
    assert at(m, 'AT+CPMS="SM","SM","SM"') == b"\r\n+CMS ERROR: %d\r\n" % code
    m.close()


def test_class_0_sms_goes_to_me_under_smsmode_0_atr10_p203(m: Module) -> None:
    # ATR10 +CPMS (#SMSMODE=0, p.203): class-0 messages are stored in "ME" whatever <mems>,
    # and deleted at power off; <memr> "ME" reads them.  Under #SMSMODE=1 only "SM" exists.
    text_mode(m)
    assert at(m, "AT+CPMS=?") == b'\r\n+CPMS: ("ME","SM"),("SM"),("SM")\r\n' + OK
    assert m.sms.deliver("+15551230001", "flash", klass=0) == 1
    assert take(m) == b'\r\n+CMTI: "ME",1\r\n'
    assert at(m, 'AT+CMGL="ALL"') == OK                 # not in "SM"
    assert at(m, 'AT+CPMS="ME","SM","SM"') == b"\r\n+CPMS: 1,10,0,10,0,10\r\n" + OK
    assert b"\r\nflash\r\n" in at(m, 'AT+CMGL="ALL"')
    assert at(m, 'AT+CPMS="SM","ME","SM"') == b"\r\n+CMS ERROR: 302\r\n"
    m.reboot()
    text_mode(m)
    assert at(m, 'AT+CPMS="ME"') == b"\r\n+CPMS: 0,10,0,10,0,10\r\n" + OK   # gone
    assert at(m, "AT#SMSMODE=1") == OK
    assert m.sms.deliver("+15551230001", "flash2", klass=0) == 1
    assert take(m) == b'\r\n+CMTI: "SM",1\r\n'
