"""firewall.py: the one meaning of the firewall, the #FRWL lines, list management."""
from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings, strategies as st

from onmodule import Flash, Loader

L = Loader(flash=Flash())
fwm = L.load("firewall")
cs = L.load("config_store")

HOST = "255.255.255.255"


def cfg(**kw):
    c = cs.defaults()
    c.update(kw)
    return c


# ---- the meaning ----------------------------------------------------------------------------

def test_defaults_admit_everyone():
    rules = fwm.rules(cfg())
    assert rules == [("0.0.0.0", "0.0.0.0")]
    for peer in ("1.2.3.4", "0.0.0.0", "255.255.255.255", "10.20.30.40"):
        assert fwm.admits(rules, peer) == 1


def test_permitted_ip_in_server_mode_admits_only_that_peer():
    rules = fwm.rules(cfg(permit="192.168.0.1"))
    assert rules == [("192.168.0.1", HOST)]
    assert fwm.admits(rules, "192.168.0.1") == 1
    assert fwm.admits(rules, "192.168.0.2") == 0


def test_permitted_ip_does_not_apply_in_client_mode():
    c = cfg(permit="192.168.0.1", mode="client", host="gw.example.net", rport=5000)
    assert fwm.rules(c) == [("0.0.0.0", "0.0.0.0")]


def test_list_restricts_even_when_permitted_is_any():
    rules = fwm.rules(cfg(firewall=[("10.0.0.0", "255.0.0.0")]))
    assert rules == [("10.0.0.0", "255.0.0.0")]
    assert fwm.admits(rules, "10.200.3.4") == 1
    assert fwm.admits(rules, "11.0.0.1") == 0


def test_permitted_ip_and_list_are_a_union():
    c = cfg(permit="192.168.0.1", firewall=[("10.0.0.0", "255.0.0.0"), ("5.6.7.8", HOST)])
    rules = fwm.rules(c)
    assert rules == [("192.168.0.1", HOST), ("10.0.0.0", "255.0.0.0"), ("5.6.7.8", HOST)]
    for peer, ok in [("192.168.0.1", 1), ("10.1.1.1", 1), ("5.6.7.8", 1), ("5.6.7.9", 0),
                     ("192.168.0.2", 0)]:
        assert fwm.admits(rules, peer) == ok, peer


def test_permitted_ip_also_in_the_list_is_sent_once():
    c = cfg(permit="5.6.7.8", firewall=[("5.6.7.8", HOST)])
    assert fwm.rules(c) == [("5.6.7.8", HOST)]


def test_client_mode_list_applies():
    c = cfg(mode="client", host="gw.example.net", rport=5000, firewall=[("5.6.7.8", HOST)])
    assert fwm.rules(c) == [("5.6.7.8", HOST)]


# ---- the AT lines ---------------------------------------------------------------------------

def test_frwl_lines_clear_first_then_one_add_per_rule():
    c = cfg(permit="192.168.0.1", firewall=[("10.0.0.0", "255.0.0.0")])
    assert fwm.frwl_lines(c) == [
        'AT#FRWL=2',
        'AT#FRWL=1,"192.168.0.1","255.255.255.255"',
        'AT#FRWL=1,"10.0.0.0","255.0.0.0"',
    ]


def test_frwl_lines_for_defaults_open_everything():
    assert fwm.frwl_lines(cfg()) == ['AT#FRWL=2', 'AT#FRWL=1,"0.0.0.0","0.0.0.0"']


def test_frwl_lines_fit_the_command_line_even_at_the_limit():
    fw = [("255.255.255.%d" % i, HOST) for i in range(200, 210)]
    c = cfg(permit="255.255.255.255", firewall=fw)
    lines = fwm.frwl_lines(c)
    assert len(lines) == 1 + 11
    assert max(len(x) for x in lines) == 45
    assert all(len(x) <= 80 for x in lines)


# ---- list management ---------------------------------------------------------------------------

def test_add_defaults_to_a_single_host():
    assert fwm.add([], "1.2.3.4", "") == ("added", [("1.2.3.4", HOST)])


def test_add_stores_the_network_and_canonical_quads():
    assert fwm.add([], "192.168.001.077", "255.255.255.0") == ("added", [("192.168.1.0", "255.255.255.0")])


def test_add_duplicate_is_reported_and_not_stored_twice():
    fw = [("192.168.1.0", "255.255.255.0")]
    assert fwm.add(fw, "192.168.1.99", "255.255.255.0") == ("exists", fw)
    assert fwm.add(fw, "192.168.1.0", "255.255.0.0")[0] == "added"   # another mask: another rule


def test_add_limit():
    fw = [("10.0.0.%d" % i, HOST) for i in range(10)]
    assert L.load("values").FW_MAX == 10
    assert fwm.add(fw, "10.0.1.1", "") == ("full", fw)
    assert fwm.add(fw, "10.0.0.3", "")[0] == "exists"          # a duplicate is not "full"


@pytest.mark.parametrize("ip,mask,status", [
    ("1.2.3", "", "badip"), ("1.2.3.256", "", "badip"), ("any", "", "badip"),
    ("1.2.3.4", "255.0.255.0", "badmask"), ("1.2.3.4", "255.255.255.256", "badmask"),
    ("1.2.3.4", "24", "badmask"),
])
def test_add_refuses_bad_quads(ip, mask, status):
    assert fwm.add([], ip, mask) == (status, [])


def test_rem_by_ip_and_by_ip_and_mask():
    fw = [("10.0.0.0", "255.0.0.0"), ("10.0.0.0", "255.255.0.0"), ("1.2.3.4", HOST)]
    assert fwm.rem(fw, "10.0.0.0", "") == (2, [("1.2.3.4", HOST)])
    assert fwm.rem(fw, "10.9.9.9", "255.0.0.0") == (1, [("10.0.0.0", "255.255.0.0"), ("1.2.3.4", HOST)])
    assert fwm.rem(fw, "9.9.9.9", "") == (0, fw)
    assert fwm.rem(fw, "9.9.9", "") == (-1, fw)


def test_list_items_show_hosts_plainly():
    assert fwm.list_items([("1.2.3.4", HOST), ("10.0.0.0", "255.0.0.0")]) == ["1.2.3.4", "10.0.0.0/255.0.0.0"]


# ---- the SMS sub-commands (the exact replies; sms_commands packs the list) ------------------------

@pytest.mark.parametrize("args,reply,fw_after", [
    (["add", "1.2.3.4"], "Confirmed: firewall add 1.2.3.4, 1 of 10 rules", [("1.2.3.4", HOST)]),
    (["ADD", "10.1.2.3", "255.0.0.0"], "Confirmed: firewall add 10.0.0.0/255.0.0.0, 1 of 10 rules",
     [("10.0.0.0", "255.0.0.0")]),
    (["add", "10.1.2.3/255.0.0.0"], "Confirmed: firewall add 10.0.0.0/255.0.0.0, 1 of 10 rules",
     [("10.0.0.0", "255.0.0.0")]),
    (["add"], "Error: use firewall add <ip> [<mask>], firewall rem <ip> [<mask>] or firewall list", []),
    (["add", "1.2.3.4", "255.255.255.0", "x"],
     "Error: use firewall add <ip> [<mask>], firewall rem <ip> [<mask>] or firewall list", []),
    (["add", "1.2.3.x"], "Error: ip and mask must be dotted quads like 10.0.0.0 255.0.0.0 (masks without holes)", []),
    (["add", "1.2.3.4", "255.0.255.0"], "Error: ip and mask must be dotted quads like 10.0.0.0 255.0.0.0 (masks without holes)", []),
    (["rem", "1.2.3.4"], "Error: firewall has no rule for 1.2.3.4, send firewall list", []),
    (["drop", "1.2.3.4"], "Error: use firewall add <ip> [<mask>], firewall rem <ip> [<mask>] or firewall list", []),
    ([], "Error: use firewall add <ip> [<mask>], firewall rem <ip> [<mask>] or firewall list", []),
])
def test_sms_on_an_empty_list(args, reply, fw_after):
    assert fwm.sms(args, cfg()) == (reply, fw_after)


def test_sms_rem_and_rem_all():
    c = cfg(firewall=[("1.2.3.4", HOST), ("10.0.0.0", "255.0.0.0")])
    assert fwm.sms(["rem", "1.2.3.4"], c) == ("Confirmed: firewall rem 1.2.3.4, 1 removed, 1 left",
                                              [("10.0.0.0", "255.0.0.0")])
    assert fwm.sms(["Rem", "10.0.0.0", "255.0.0.0"], c) == (
        "Confirmed: firewall rem 10.0.0.0/255.0.0.0, 1 removed, 1 left", [("1.2.3.4", HOST)])
    assert fwm.sms(["rem", "10.0.0.0", "255.255.0.0"], c) == (
        "Error: firewall has no rule for 10.0.0.0/255.255.0.0, send firewall list", c["firewall"])
    assert fwm.sms(["rem", "ALL"], c) == ("Confirmed: firewall rem all, 2 removed, 0 left", [])


def test_sms_add_duplicate_and_full():
    c = cfg(firewall=[("1.2.3.4", HOST)])
    assert fwm.sms(["add", "1.2.3.4"], c) == ("Confirmed: firewall add 1.2.3.4", c["firewall"])
    full = cfg(firewall=[("10.0.0.%d" % i, HOST) for i in range(10)])
    assert fwm.sms(["add", "1.2.3.4"], full) == (
        "Error: firewall full (10 rules), remove one first", full["firewall"])


def test_sms_list_items():
    assert fwm.sms(["list"], cfg()) == (["no rules, every peer admitted"], [])
    assert fwm.sms(["list"], cfg(permit="5.6.7.8"))[0] == [
        "no rules, only the server permitted ip 5.6.7.8 admitted"]
    c = cfg(permit="5.6.7.8", firewall=[("1.2.3.4", HOST), ("10.0.0.0", "255.0.0.0")])
    assert fwm.sms(["list"], c)[0] == ["2 of 10 rules", "1.2.3.4", "10.0.0.0/255.0.0.0",
                                       "also the server permitted ip 5.6.7.8"]


def test_sms_never_modifies_the_config():
    c = cfg(firewall=[("1.2.3.4", HOST)])
    before = cs.copy(c)
    fwm.sms(["add", "5.5.5.5"], c)
    fwm.sms(["rem", "all"], c)
    assert c == before


# ---- admits() agrees with the module's rule: peer & mask == ip & mask -----------------------------

_quad = st.tuples(*[st.integers(0, 255)] * 4).map(lambda q: "%d.%d.%d.%d" % q)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_quad, st.integers(0, 32)), max_size=5), _quad)
def test_admits_matches_ipaddress(raw_rules, peer):
    rules = []
    for ip, bits in raw_rules:
        mask = str(ipaddress.IPv4Network("0.0.0.0/%d" % bits).netmask)
        st_, fw = fwm.add(rules, ip, mask)
        rules = fw
    expect = any(ipaddress.IPv4Address(peer) in ipaddress.IPv4Network("%s/%s" % r) for r in rules)
    assert fwm.admits(rules, peer) == int(expect)
    # the stored ip is the network itself, as the module compares ip & mask
    for ip, mask in rules:
        assert cs.network(ip, mask) == ip
