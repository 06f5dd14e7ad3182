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
# GSM 03.38 extension-table characters take two of the 160 septets.
GSM_EXT = ('[', ']', '{', '}', '|', '~', '^', '\\')



def septets(s):
    n = len(s) - s.count('\001')      # the marks around echoed values are not sent
    for c in GSM_EXT:
        n = n + s.count(c)
    return n


def pack(head, items):
    # Join items with ', ' into as few replies as fit: 'Head: a, b' or, when split,
    # 'Head 1/2: a, b' and 'Head 2/2: c'.
    whole = ', '.join(items)
    if septets(whole) <= MAXLEN - len(head) - 2:
        return [head + ': ' + whole]
    room = MAXLEN - len(head) - 7
    bodies = []
    cur = ''
    for it in items:
        if cur == '':
            cand = it
        else:
            cand = cur + ', ' + it
        if cur != '' and septets(cand) > room:
            bodies.append(cur)
            cur = it
        else:
            cur = cand
    bodies.append(cur)
    if len(bodies) == 1:
        return [head + ': ' + bodies[0]]
    out = []
    i = 0
    for b in bodies:
        i = i + 1
        out.append('%s %d/%d: %s' % (head, i, len(bodies), b))
    return out


def intval(status, key):
    # A counter from the gateway's status dict as an int, or -1 when missing or odd.
    # int() also turns MOD.secCounter()'s long into an int (REFERENCE.md 2.6).
    v = status.get(key)
    if v is None:
        return -1
    try:
        n = int(v)
    except (TypeError, ValueError, OverflowError, AttributeError):
        return -1
    return n


def textval(status, key, limit):
    v = status.get(key)
    if v is None or type(v) != type(''):
        return ''
    return v[:limit]


def onoff(n):
    if n:
        return 'on'
    return 'off'


def do_config(cfg, status, pw):
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
    items.append('dialin ' + onoff(cfg['dialin']))
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
    h, s = divmod(s, 3600)
    m = divmod(s, 60)[0]
    if d > 0:
        return '%dd%02dh%02dm' % (d, h, m)
    return '%dh%02dm' % (h, m)


def do_status(status):
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
    for key, label in (('tonet', 'to net %d B'), ('toser', 'to serial %d B'),
                       ('conns', 'connections %d')):
        n = intval(status, key)
        if n >= 0:
            items.append(label % n)
    return pack('Status', items)
