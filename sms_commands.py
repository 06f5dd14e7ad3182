# sms_commands.py - parse and apply one SMS command (seed 001 manual, the firewall
# commands of seed 000, plus status).  Pure: no AT commands, no flash.  On-module file
# in the dialect (../shared/dialect.md).
#
#   handle(text, cfg, status) -> (replies, new_cfg, effects)
#
#   text     the SMS body as read with +CMGL/+CMGR in text mode (REFERENCE.md 8.3)
#   cfg      the current configuration (config_store dict); never modified
#   status   plain dict from the gateway (all keys optional):
#              busy 0/1 (a GPRS connection or CSD call is open), state (text),
#              peer (text), ip (local ip text), csq (+CSQ rssi 0-31, 99), uptime (s),
#              tonet / toser (bytes serial->net / net->serial), conns (connections)
#   replies  list of reply SMS texts, each <= 160 GSM-7 characters; [] = send nothing
#            (wrong password: no reply at all, seed 001 "General Notes")
#   new_cfg  the configuration to use: cfg itself when nothing changed, else a new
#            dict; the caller saves it (config_store.save) when new_cfg != cfg
#   effects  what the gateway must re-apply, in this order:
#              'serial'   SER.set_speed(baud, charformat)   (REFERENCE.md 2.3)
#              'gprs'     +CGDCONT, then #SGACT with user and password (6.1, 6.4)
#              'scfg'     #SCFG for the data socket (6.2)
#              'mode'     restart the mode: re-listen (#SL) or reconnect (#SD)
#              'dialin'   answer / stop answering CSD calls (section 9)
#              'firewall' AT#FRWL lines from firewall.frwl_lines(new_cfg) (section 7)
#              'ident'    the identity changed: used from the next connection on
#              'beat'     the heartbeat changed: hand it to the bridge
#              'reboot'   a clean restart (after the reply went)
#            Timing rule: 'firewall', 'ident' and 'beat' apply at once (firewall on
#            MDM2 affects new incoming connections, the identity is sent at the next
#            connection); every other effect waits until no connection is open,
#            because it would break the open one (#SCFG even answers ERROR on an
#            online socket, REFERENCE.md 6.2).  The reply says so when busy.
#   The status dict's 'sender' (the number the SMS came from) is checked against the
#   phones allow-list (sms_fleet.listed): a sender not listed gets no reply.

import config_store
import firewall
import sms_fleet
import sms_report
import values

low = values.low
shown = values.shown
septets = sms_report.septets
pack = sms_report.pack
intval = sms_report.intval
textval = sms_report.textval
MAXLEN = sms_report.MAXLEN

COMMANDS = ('gprs baud charformat mode socketting smspassword dialin config firewall status '
            'name identity key heartbeat alert phones reboot reset update')
# The error texts used once are written where they are used (each name is an entry of
# the names table, docs/gateway-runtime.md "The names table").


# ---- text helpers ---------------------------------------------------------------------

def words(text):
    # Split on ASCII white space only (space, tab, CR, LF, VT, FF): str.split() with no
    # argument also splits on other characters in Python 3, but not on the module.
    s = text
    for c in ('\t', '\r', '\n', '\013', '\014'):
        s = s.replace(c, ' ')
    out = []
    for w in s.split(' '):
        if w != '':
            out.append(w)
    return out


def fit(s):
    # Every reply fits one SMS: MAXLEN septets, the extension characters counting two
    # (sms_report.septets).  Echoed values come between chr(1) marks (values.shown):
    # when the reply is too long the longest of them is shortened and ends in '...',
    # so what was done and the notes ' (applies when ...)', ' (unchanged)' are always
    # whole.  A reply without marks that is too long is cut at the end (none is).
    p = s.split('\001')         # odd items: the echoed values
    out = []                    # out[i]: 1 once p[i] was shortened
    for v in p:
        out.append(0)
    while septets(''.join(p)) + 3 * out.count(1) > MAXLEN:
        k = -1
        for i in range(1, len(p), 2):
            if len(p[i]) > 1 and (k == -1 or septets(p[i]) > septets(p[k])):
                k = i
        if k == -1:
            break
        p[k] = p[k][:-1]
        out[k] = 1
    for i in range(len(p)):
        if out[i]:
            p[i] = p[i] + '...'
    s = ''.join(p)
    while septets(s) > MAXLEN:
        s = s[:-1]
    return s


# ---- the commands ---------------------------------------------------------------------
# Each command's function, named after its word, takes the argument words and a copy of
# the configuration, which it may change, and returns one reply: 'Confirmed: ...' or
# 'Error: ...' (then the copy is thrown away) or, for the reporting commands, a list of
# replies.

def gprs(args, new, pw):
    if len(args) < 1 or len(args) > 3:
        return 'Error: use gprs <apn> [<user> <password>]'
    apn = args[0]
    u = ''          # the GPRS user and password
    p = ''
    if len(args) > 1:
        u = args[1]
    if len(args) > 2:
        p = args[2]
    if not config_store.apn_ok(apn):
        return 'Error: apn must be 1-50 of letters, digits, . - _'
    # at most 30 each: #SGACT's 80-character line (values.py)
    if not config_store.cred_ok(u) or not config_store.cred_ok(p) or len(u) > 30 or len(p) > 30:
        return 'Error: user and password must be up to 30 characters each, no quote or backslash'
    new['apn'] = apn
    new['apnuser'] = u
    new['apnpass'] = p
    r = 'Confirmed: gprs apn ' + shown(apn, pw)
    if u == '':
        return r + ', no user, no password'
    r = r + ', user ' + shown(u, pw)
    if p == '':
        return r + ', no password'
    return r + ', password set'


def baud(args, new):
    n = -1
    if len(args) == 1:
        n = config_store.num(args[0], 115200)
    if not config_store.baud_ok(n):
        return 'Error: baud must be one of 300 1200 2400 4800 9600 19200 38400 57600 115200'
    new['baud'] = n
    return 'Confirmed: baud %d' % n


def charformat(args, new):
    for f in config_store.CHARFORMATS:
        if len(args) == 1 and low(f) == low(args[0]):
            new['charformat'] = f
            return 'Confirmed: charformat ' + f
    return 'Error: charformat must be one of 8N1 8N2 8E1 8O1 7E1 7O1'


def mode(args, new, pw):
    bad = ('Error: use mode server <any|ip> <port> or mode client <server> <port> '
           '[<backup> <port>] [maintain]')
    if len(args) < 1:
        return bad
    kind = low(args[0])
    if kind == 'server':
        if len(args) != 3:
            return bad
        permit = low(args[1])
        if permit != 'any':
            permit = config_store.canon_ip(args[1])
            if permit == '':
                return 'Error: permitted must be any or an ip like 192.168.0.1'
        port = config_store.num(args[2], 65535)
        if port < 1:
            return 'Error: port must be 1-65535'
        new['mode'] = 'server'
        new['permit'] = permit
        new['lport'] = port
        return 'Confirmed: mode server, permitted %s, port %d' % (permit, port)
    if kind == 'client':
        # client <server> <port> [<backup> <port>] [maintain]
        n = 0
        if len(args) > 3 and low(args[-1]) == 'maintain':
            n = 1
            args = args[:-1]
        if len(args) != 3 and len(args) != 5:
            return bad
        items = []
        i = 1
        while i < len(args):
            host = args[i]
            if config_store.canon_ip(host) != '':
                host = config_store.canon_ip(host)
            if not config_store.host_ok(host):
                return ('Error: server must be an ip or a host name of letters, digits, - . '
                        '(up to 50)')
            port = config_store.num(args[i + 1], 999999999)
            if port < 0:
                return bad         # not a number: the words are out of place
            if port < 1 or port > 65535:
                return 'Error: port must be 1-65535'
            items.append((host, port))
            i = i + 2
        new['mode'] = 'client'
        new['host'], new['rport'] = items[0]
        new['host2'] = ''
        new['rport2'] = 0
        r = 'Confirmed: mode client, server %s port %d' % (shown(items[0][0], pw), items[0][1])
        if len(items) == 2:
            new['host2'], new['rport2'] = items[1]
            r = r + ', backup %s port %d' % (shown(items[1][0], pw), items[1][1])
        new['maintain'] = n
        if n:
            return r + ', always connected'
        return r + ', connects on serial data'
    return bad


def socketting(args, new):
    # t: socket timeout 0-65535 s, send timeout 0-255 x100 ms, packet size 0-512
    t = [-1]
    if len(args) == 3:
        t = [config_store.num(args[0], 65535), config_store.num(args[1], 255),
             config_store.num(args[2], 512)]
    if min(t) < 0:
        return ('Error: use socketting <socket timeout 0-65535 s> '
                '<send timeout 0-255 x100 ms> <packet size 0-512>')
    new['sktimeout'] = t[0]
    new['sendtimeout'] = t[1]
    new['pktsize'] = t[2]
    r = 'Confirmed: socketting socket timeout '
    if t[0] == 0:
        r = r + '0 (never)'
    else:
        r = r + '%d s' % t[0]
    if t[1] == 0:
        r = r + ', send timeout 0 (full packets only)'
    else:
        r = r + ', send timeout %d00 ms' % t[1]
    if t[2] == 0:
        r = r + ', packet size 0 (automatic)'
    else:
        r = r + ', packet size %d' % t[2]
    return r


def smspassword(args, new):
    # The password is compared case-insensitively (phones capitalise the first word),
    # so it is stored in lower case; its alphabet has no upper case anyway (seed 001).
    p = ''
    if len(args) == 1:
        p = low(args[0])
    if not config_store.password_ok(p):
        return 'Error: smspassword must be 1-12 characters of 0-9 a-z'
    new['password'] = p
    return 'Confirmed: smspassword set'


def dialin(args, new):
    v = ''
    if len(args) == 1:
        v = low(args[0])
    if v == 'on':
        new['dialin'] = 1
        if new['mode'] == 'server':
            return 'Confirmed: dialin on, CSD data calls are answered'
        return 'Confirmed: dialin on, CSD data calls are answered in server mode only'
    if v == 'off':
        new['dialin'] = 0
        return 'Confirmed: dialin off'
    return 'Error: use dialin on or dialin off'


# ---- the entry point ------------------------------------------------------------------

def changed(old, new, keys):
    for k in keys:
        if old[k] != new[k]:
            return 1
    return 0


def effects(old, new):
    # What differs between two configurations, as gateway actions (see the header).
    out = []
    if changed(old, new, ('baud', 'charformat')):
        out.append('serial')
    if changed(old, new, ('apn', 'apnuser', 'apnpass')):
        out.append('gprs')
    if changed(old, new, ('sktimeout', 'sendtimeout', 'pktsize')):
        out.append('scfg')
    if changed(old, new, ('mode', 'lport', 'host', 'rport', 'maintain', 'host2', 'rport2')):
        out.append('mode')
    if old['dialin'] != new['dialin']:
        out.append('dialin')
    if firewall.rules(old) != firewall.rules(new):
        out.append('firewall')
    if changed(old, new, ('name', 'ident', 'idevery', 'key')):
        out.append('ident')
    if changed(old, new, ('hbsecs', 'hbtext')):
        out.append('beat')
    return out


def handle(text, cfg, status):
    if status is None:
        status = {}
    w = words(text)
    pw = cfg['password']
    # Wrong or missing password: silence, nothing changes (seed 001).  Compared in
    # ASCII lower case: phones capitalise the first word ('Connect gprs ...').
    if len(w) == 0 or low(w[0]) != pw:
        return [], cfg, []
    sender = textval(status, 'sender', 24)
    if len(cfg['phones']) > 0 and not sms_fleet.listed(cfg['phones'], sender):
        return [], cfg, []      # the allow-list: even the right password is not enough
    if len(w) == 1:
        return ['Error: try: ' + COMMANDS], cfg, []       # no command
    cmd = low(w[1])
    args = w[2:]
    new = config_store.copy(cfg)
    # Each command's function is named after its word (sms_fleet's too): the word is an
    # entry of the names table already (docs/gateway-runtime.md "The names table").
    if cmd == 'gprs':
        r = gprs(args, new, pw)
    elif cmd == 'baud':
        r = baud(args, new)
    elif cmd == 'charformat':
        r = charformat(args, new)
    elif cmd == 'mode':
        r = mode(args, new, pw)
    elif cmd == 'socketting':
        r = socketting(args, new)
    elif cmd == 'smspassword':
        r = smspassword(args, new)
    elif cmd == 'dialin':
        r = dialin(args, new)
    elif cmd == 'firewall':
        r, new['firewall'] = firewall.sms(args, cfg)
        if type(r) == type([]):
            r = pack('Firewall', r)
    elif cmd == 'update':
        return [], cfg, ['update']      # gwsms.py hands it to gwupd.start (docs/update.md)
    elif cmd == 'name':
        r = sms_fleet.name(args, new, pw)
    elif cmd == 'identity':
        r = sms_fleet.identity(args, new, pw)
    elif cmd == 'key':
        r = sms_fleet.key(args, new)
    elif cmd == 'heartbeat':
        r = sms_fleet.heartbeat(args, new, pw)
    elif cmd == 'alert':
        r = sms_fleet.alert(args, new)
    elif cmd == 'phones':
        r = sms_fleet.phones(args, new, sender)
        if type(r) == type([]):
            r = pack('Phones', r)
    elif len(args) != 0 and (cmd == 'config' or cmd == 'status' or cmd == 'reboot' or
                             cmd == 'reset'):
        return ['Error: %s takes no arguments' % cmd], cfg, []
    elif cmd == 'config':
        r = sms_report.config(cfg, status, pw)
    elif cmd == 'status':
        r = sms_report.status(status)
    elif cmd == 'reboot':
        # Nothing to save: the reply goes first, then the restart (gwmode, 'reboot').
        if intval(status, 'busy') > 0:
            return ['Confirmed: reboot (applies when the current connection closes)'], cfg, \
                ['reboot']
        return ['Confirmed: reboot, restarting now'], cfg, ['reboot']
    elif cmd == 'reset':
        r, new = sms_fleet.reset(cfg)
    else:
        r = 'Error: unknown, try: ' + COMMANDS     # 160 characters: one SMS
    # The key is never in a reply, whatever text holds it (a name or an identity written
    # with it literally; docs/gateway.md 1.22).  '(hidden)' is never longer than a key.
    for k in (cfg['key'], new['key']):
        if k != '' and type(r) == type([]):
            out = []
            for m in r:
                out.append(m.replace(k, '(hidden)'))
            r = out
        elif k != '':
            r = r.replace(k, '(hidden)')
    if type(r) == type([]):
        out = []
        for m in r:
            out.append(fit(m))
        return out, cfg, []
    if r[:6] == 'Error:':
        return [fit(r)], cfg, []
    if new == cfg:
        return [fit(r + ' (unchanged)')], cfg, []
    items = effects(cfg, new)
    if intval(status, 'busy') > 0:
        n = 0                   # 2: an effect waits for the close, 1: for new connections
        for e in items:
            if e == 'firewall' or e == 'ident':
                if n == 0:
                    n = 1
            elif e != 'beat':
                n = 2
        if n == 2:
            r = r + ' (applies when the current connection closes)'
        elif n == 1:
            r = r + ' (applies to new connections)'
    return [fit(r)], new, items
