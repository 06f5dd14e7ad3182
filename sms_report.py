# sms_report.py - the SMS reports: the config and status replies, and splitting a long
# report into numbered replies that each fit one SMS.  Pure; on-module file in the
# dialect.  (Split from sms_commands.py, whose .pyo must stay under 16 KB.)
#
# status: the plain dict of sms_commands.handle() (see there).

import config_store
import firewall
import sms_fleet
import values

shown = values.shown

MAXLEN = 160


def septets(s):
    # GSM 03.38 extension-table characters take two of the 160 septets.
    n = len(s) - s.count('\001')      # the marks around echoed values are not sent
    for c in ('[', ']', '{', '}', '|', '~', '^', '\\'):
        n = n + s.count(c)
    return n


def pack(head, items):
    # Join items with ', ' into as few replies as fit: 'Head: a, b' or, when split,
    # 'Head 1/2: a, b' and 'Head 2/2: c'.
    text = ', '.join(items)
    if septets(text) <= MAXLEN - len(head) - 2:
        return [head + ': ' + text]
    n = MAXLEN - len(head) - 7      # room for the items of one 'Head i/n: ' reply
    parts = []                      # the replies' item texts
    cur = ''
    for w in items:
        if cur == '':
            t = w
        else:
            t = cur + ', ' + w
        if cur != '' and septets(t) > n:
            parts.append(cur)
            cur = w
        else:
            cur = t
    parts.append(cur)
    if len(parts) == 1:
        return [head + ': ' + parts[0]]
    out = []
    i = 0
    for b in parts:
        i = i + 1
        out.append('%s %d/%d: %s' % (head, i, len(parts), b))
    return out


def intval(status, k):
    # A counter from the gateway's status dict as an int, or -1 when missing or odd.
    # int() also turns MOD.secCounter()'s long into an int (REFERENCE.md 2.6).
    v = status.get(k)
    if v is None:
        return -1
    try:
        n = int(v)
    except (TypeError, ValueError, OverflowError, AttributeError):
        return -1
    return n


def textval(status, k, n):
    # a text from the status dict, at most n characters ('' when missing or odd)
    v = status.get(k)
    if v is None or type(v) != type(''):
        return ''
    return v[:n]


def config(cfg, status, pw):
    # SMS 'config' (named after its word, as every command's function)
    # The settings written as the commands that would set them, so a reply can be
    # copied into a command; the GPRS password shows as ***, the SMS password never.
    items = []
    if cfg['mode'] == 'server':
        items.append('mode server %s %d' % (cfg['permit'], cfg['lport']))
        ip = textval(status, 'ip', 15)
        if ip != '':
            items.append('ip ' + ip)
    else:
        r = 'mode client %s %d' % (shown(cfg['host'], pw), cfg['rport'])
        if cfg['host2'] != '':
            r = r + ' %s %d' % (shown(cfg['host2'], pw), cfg['rport2'])
        if cfg['maintain']:
            r = r + ' maintain'
        items.append(r)
    items.append('dialin ' + ('off', 'on')[cfg['dialin']])     # dialin is 0 or 1
    r = 'gprs ' + shown(cfg['apn'], pw)
    if cfg['apnuser'] != '':
        r = r + ' ' + shown(cfg['apnuser'], pw)
    if cfg['apnpass'] != '':
        r = r + ' ***'
    items.append(r)
    items.append('baud %d' % cfg['baud'])
    items.append('charformat ' + cfg['charformat'])
    items.append('socketting %d %d %d' % (cfg['sktimeout'], cfg['sendtimeout'],
                                          cfg['pktsize']))
    fw = firewall.list_items(cfg['firewall'])
    if len(fw) == 0:
        items.append('firewall empty')
    else:
        items.append('firewall ' + fw[0])
        items.extend(fw[1:])
    items.extend(sms_fleet.config_items(cfg, pw))
    if cfg['password'] == config_store.defaults()['password']:
        items.append('smspassword default')
    else:
        items.append('smspassword changed')
    return pack('Config', items)


def uptime(s):
    d, s = divmod(s, 86400)
    n, s = divmod(s, 3600)      # hours
    m = divmod(s, 60)[0]
    if d > 0:
        return '%dd%02dh%02dm' % (d, n, m)
    return '%dh%02dm' % (n, m)


def status(status):
    # SMS 'status'; status: the gateway's status dict (it hides this function in here)
    items = []
    state = textval(status, 'state', 40)       # e.g. 'connected, 711 B dropped'
    if state == '':
        state = 'unknown'
    peer = textval(status, 'peer', 21)
    if peer != '':
        i = (state + ',').find(',')             # the peer right after the state word
        state = state[:i] + ' ' + peer + state[i:]
    items.append(state)
    server = textval(status, 'server', 7)
    if server != '':
        items.append('server ' + server)        # client with a backup: which one
    csq = intval(status, 'csq')
    if csq >= 0 and csq <= 31:
        items.append('signal %d (%d dBm)' % (csq, 2 * csq - 113))
    else:
        items.append('signal unknown')
    ip = textval(status, 'ip', 15)
    if ip != '':
        items.append('ip ' + ip)
    else:
        items.append('no ip')
    up = intval(status, 'uptime')
    if up >= 0:
        items.append('up ' + uptime(up))
    for k, label in (('tonet', 'to net %d B'), ('toser', 'to serial %d B'),
                     ('conns', 'connections %d')):
        n = intval(status, k)
        if n >= 0:
            items.append(label % n)
    return pack('Status', items)
