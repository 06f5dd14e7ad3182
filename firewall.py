# firewall.py - what the gateway's firewall means, and the #FRWL lines that make the
# module enforce it.  Pure functions over plain data; on-module file in the dialect.
#
# The meaning (docs/gateway.md "Firewall"):
#   A peer may open an incoming connection when it matches
#     - the server-mode permitted ip (config 'permit', when not 'any', mode server), or
#     - any rule of the SMS-managed list (config 'firewall', at most FW_MAX rules).
#   When neither gives a rule, everyone is admitted (rule 0.0.0.0/0.0.0.0).
#   A rule (ip, mask) admits peer when peer & mask == ip & mask.
#
# The module side (REFERENCE.md section 7): #FRWL rules are ACCEPT chains with a DROP
# policy, checked for incoming (listening) connections only; outgoing #SD peers are
# always admitted.  The list is EMPTY after every boot, so the gateway must send
# frwl_lines(cfg) at every boot, before #SL, and again after every change.

import config_store
import values

low = config_store.low
# Written in place (each name is an entry of the names table, docs/gateway-runtime.md):
# values.FW_MAX rules at most; a single host's mask '255.255.255.255'; everyone is the
# rule ('0.0.0.0', '0.0.0.0').  A rule is r = (ip, mask), a list of rules fw.


def add(fw, ip, mask):
    # Add rule ip/mask (mask '' = a single host) to list fw.
    # -> (status, new list): 'added', 'exists' (a rule with the same network and mask
    # is already there), 'full', 'badip', 'badmask'.  The stored ip is the network
    # address ip & mask, which is exactly what the module matches on.
    ip = config_store.canon_ip(ip)
    if ip == '':
        return 'badip', fw
    if mask == '':
        mask = '255.255.255.255'
    mask = config_store.canon_mask(mask)
    if mask == '':
        return 'badmask', fw
    r = (config_store.network(ip, mask), mask)
    if fw.count(r) > 0:
        return 'exists', fw
    if len(fw) >= values.FW_MAX:
        return 'full', fw
    new = list(fw)
    new.append(r)
    return 'added', new


def rem(fw, ip, mask):
    # Remove the rules whose ip is ip (with a mask: the rule for ip & mask, mask).
    # -> (number removed, new list); -1 when ip or mask is not a valid dotted quad.
    ip = config_store.canon_ip(ip)
    if ip == '':
        return -1, fw
    if mask != '':
        mask = config_store.canon_mask(mask)
        if mask == '':
            return -1, fw
        ip = config_store.network(ip, mask)
    new = []
    for r in fw:
        if r[0] == ip and (mask == '' or r[1] == mask):
            continue
        new.append(r)
    return len(fw) - len(new), new


def show(r):
    # '1.2.3.4' for a single host, '10.0.0.0/255.0.0.0' for a network.
    if r[1] == '255.255.255.255':
        return r[0]
    return r[0] + '/' + r[1]


def list_items(fw):
    # The list as display strings, in the order the rules were added.
    out = []
    for r in fw:
        out.append(show(r))
    return out


def rules(cfg):
    # The effective ACCEPT rules for cfg: the permitted ip (server mode, not 'any')
    # first, then the SMS-managed list without repeats; everyone when that is empty.
    out = []
    if cfg['mode'] == 'server' and cfg['permit'] != 'any':
        out.append((cfg['permit'], '255.255.255.255'))
    for r in cfg['firewall']:
        if not (r in out):
            out.append(r)
    if len(out) == 0:
        out.append(('0.0.0.0', '0.0.0.0'))
    return out


def frwl_lines(cfg):
    # The AT lines that make the module's #FRWL list equal rules(cfg): 'AT#FRWL=2'
    # drops every chain, then one 'AT#FRWL=1,"<ip>","<mask>"' per rule (REFERENCE.md
    # section 7).  The longest line is 45 characters, inside the 80-character command
    # line limit (REFERENCE.md 5.5).  Send each with atc.cmd() and check for OK.
    out = ['AT#FRWL=2']
    for r in rules(cfg):
        out.append('AT#FRWL=1,"%s","%s"' % (r[0], r[1]))
    return out


def admits(fw, peer):
    # What the module does with an incoming connection from peer, given the rules fw
    # that frwl_lines() installed: 1 admitted, 0 dropped (policy DROP).  A rule admits
    # when peer & mask == ip & mask, compared as networks (values.network works octet by
    # octet: bit operations stay inside 31 bits, dialect.md "Silent traps").
    if values.quad(peer) is None:
        return 0
    for r in fw:
        if values.quad(r[0]) is not None and values.quad(r[1]) is not None \
                and values.network(peer, r[1]) == values.network(r[0], r[1]):
            return 1
    return 0


# ---- the SMS sub-commands: firewall add / rem / list (docs/gateway.md) -------------

def sms(args, cfg):
    # args: the words after 'firewall'.  -> (reply, new list): reply is one
    # 'Confirmed: ...' / 'Error: ...' text, or for 'list' a list of items that the
    # caller packs into 'Firewall: ...' messages.  cfg is not modified.
    fw = cfg['firewall']
    if len(args) < 1:
        return 'Error: use firewall add <ip> [<mask>], firewall rem <ip> [<mask>] or firewall list', fw
    verb = low(args[0])
    rest = args[1:]
    # 'ip/mask', as the list shows a rule, is accepted as well as 'ip mask'.
    if len(rest) == 1 and rest[0].find('/') != -1:
        i = rest[0].find('/')
        rest = [rest[0][:i], rest[0][i + 1:]]
    if verb == 'list' and len(rest) == 0:
        # the items of the reply: the rules in the order they were added, and the
        # server-mode permitted ip, which is admitted as well
        permit = ''
        if cfg['mode'] == 'server' and cfg['permit'] != 'any':
            permit = cfg['permit']
        if len(fw) == 0:
            if permit == '':
                return ['no rules, every peer admitted'], fw
            return ['no rules, only the server permitted ip %s admitted' % permit], fw
        items = ['%d of %d rules' % (len(fw), values.FW_MAX)]
        items.extend(list_items(fw))
        if permit != '':
            items.append('also the server permitted ip ' + permit)
        return items, fw
    if verb == 'rem' and len(rest) == 1 and low(rest[0]) == 'all':
        return 'Confirmed: firewall rem all, %d removed, 0 left' % len(fw), []
    if (verb != 'add' and verb != 'rem') or len(rest) < 1 or len(rest) > 2:
        return 'Error: use firewall add <ip> [<mask>], firewall rem <ip> [<mask>] or firewall list', fw
    mask = ''
    if len(rest) == 2:
        mask = rest[1]
    st, r = add([], rest[0], mask)      # the rule add() stores for ip/mask, if valid
    if st != 'added':
        return 'Error: ip and mask must be dotted quads like 10.0.0.0 255.0.0.0 (masks without holes)', fw
    r = r[0]
    if verb == 'add':
        st, new = add(fw, rest[0], mask)
        if st == 'full':
            return 'Error: firewall full (%d rules), remove one first' % values.FW_MAX, fw
        if st == 'exists':
            return 'Confirmed: firewall add ' + show(r), fw
        return 'Confirmed: firewall add %s, %d of %d rules' % (show(r), len(new), values.FW_MAX), new
    n, new = rem(fw, rest[0], mask)
    text = config_store.canon_ip(rest[0])
    if mask != '':
        text = show(r)
    if n == 0:
        return 'Error: firewall has no rule for %s, send firewall list' % text, fw
    return 'Confirmed: firewall rem %s, %d removed, %d left' % (text, n, len(new)), new
