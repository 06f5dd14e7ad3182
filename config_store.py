# config_store.py - the gateway configuration: defaults, validation, and its
# power-cut-safe storage on the module's flash.
#
# On-module file: written in the dialect (../shared/dialect.md), the intersection of
# Telit Python 1.5.2+ and Python 3.11.  Errors are returned as values, never raised.
#
# A configuration is a plain dict:
#   password     SMS password, 1-12 of 0-9 a-z (stored lower case)
#   apn apnuser apnpass   GPRS context and credentials (apnuser/apnpass may be '')
#   baud         int, a SER rate (values.baud_ok);  charformat  one of CHARFORMATS
#   mode         'server' or 'client'
#   permit       'any' or a dotted quad (server mode: the one permitted peer)
#   lport        server listening port 1-65535
#   host rport   client: server host (dotted quad or DNS name) and port; '' and 0 = unset
#   maintain     0/1 client keeps the connection up (1) or connects on serial data (0)
#   sktimeout sendtimeout pktsize   #SCFG maxTo (s), txTo (x100 ms), pktSz (0 = auto)
#   dialin       0/1 answer CSD data calls in server mode
#   name         the unit's name ('' = none), 1-20 of letters, digits, - _ .
#   ident idevery   identity template ('' = off), sent first on each connection;
#                idevery 1: also before every device frame (docs/gateway.md 1.14)
#   hbsecs hbtext   heartbeat: after hbsecs s without a byte to the network send
#                hbtext (0 and '' = off; 10-3600 s)
#   host2 rport2 client backup server ('' and 0 = none)
#   alertto alerts silentmin   alert SMS number ('' = off), events 'gprs,restart'
#                (any of them, ',' between), device-silent alert minutes (0 = off)
#   firewall     list of (ip, mask) tuples, canonical dotted quads, ip == ip & mask
#   phones       list of sender numbers obeyed ([] = any sender with the password)
#   key          the unit's secret for the fleet server, '' (none) or 8-32 letters and
#                digits, sent only where a template has %KEY (docs/gateway.md 1.22)
#
# Flash format (docs/gateway.md "Configuration file"): two slot files, each
#   format=gwcfg2 \n seq=<n> \n <key>=<value> lines \n md5=<32 hex of all before> \n
# Load takes the valid slot with the newest sequence number; save rewrites the other
# one.  A power cut at any byte of a save leaves the old slot untouched, and the
# half-written slot fails its checksum, so load returns the old or the new config.

import md5
import values

# The value checks live in values.py (size); these names keep the callers' spelling.
FW_MAX = values.FW_MAX
CHARFORMATS = values.CHARFORMATS
num = values.num
canon_ip = values.canon_ip
canon_mask = values.canon_mask
network = values.network
host_ok = values.host_ok
baud_ok = values.baud_ok
apn_ok = values.apn_ok
cred_ok = values.cred_ok
low = values.low
password_ok = values.password_ok

# File names <= 16 characters (REFERENCE.md section 3).
SLOTS = ('cfg_a.txt', 'cfg_b.txt')
# The format is gwcfg2, written only inside the 'format=gwcfg2\n' line (a word alone would
# be one more entry of the names table, docs/gateway-runtime.md).  Format gwcfg1 (before the fleet settings) is read too: its slots load with the keys it
# did not have at their defaults (decode, parse_slot).
# Sequence numbers count modulo SEQ_MOD (far inside 32 bits, dialect.md "Numbers") and
# are compared with serial-number arithmetic, so a wrap is harmless.
SEQ_MOD = 1000000000
SEQ_HALF = 500000000
# A slot is about 1 KB; read_slot reads no more than 4096 bytes.


# Order of the key=value lines in a slot file.
KEYS = ('password', 'apn', 'apnuser', 'apnpass', 'baud', 'charformat', 'mode',
        'permit', 'lport', 'host', 'rport', 'maintain', 'sktimeout', 'sendtimeout',
        'pktsize', 'dialin', 'name', 'ident', 'idevery', 'hbsecs', 'hbtext', 'host2',
        'rport2', 'alertto', 'alerts', 'silentmin', 'key')
NUMKEYS = ('baud', 'lport', 'rport', 'maintain', 'sktimeout', 'sendtimeout',
           'pktsize', 'dialin', 'idevery', 'hbsecs', 'rport2', 'silentmin')


def defaults():
    # The factory configuration (docs/gateway.md "Defaults").  Baud 9600 is the
    # module's own ASC0 speed for a script (REFERENCE.md 2.3); mode, port and
    # socketting come from the seed manual (seed 001).
    return {'password': 'connect',
            'apn': 'internet', 'apnuser': '', 'apnpass': '',
            'baud': 9600, 'charformat': '8N1',
            'mode': 'server', 'permit': 'any', 'lport': 1024,
            'host': '', 'rport': 0, 'maintain': 0,
            'sktimeout': 300, 'sendtimeout': 10, 'pktsize': 0,
            'dialin': 0,
            'name': '', 'ident': '', 'idevery': 0, 'hbsecs': 0, 'hbtext': '',
            'host2': '', 'rport2': 0, 'alertto': '', 'alerts': '', 'silentmin': 0,
            'key': '', 'firewall': [], 'phones': []}


def copy(cfg):
    # A new dict that shares nothing mutable with cfg.
    new = cfg.copy()
    new['firewall'] = list(cfg['firewall'])
    new['phones'] = list(cfg['phones'])
    return new


def validate(cfg):
    # '' when cfg is a complete, valid configuration, else the name of the first bad key.
    for k in KEYS:
        v = cfg.get(k)
        if v is None:
            return k
        if k in NUMKEYS:
            if type(v) != type(0):
                return k
        elif type(v) != type(''):
            return k
    if not password_ok(cfg['password']):
        return 'password'
    if not apn_ok(cfg['apn']):
        return 'apn'
    if not cred_ok(cfg['apnuser']):
        return 'apnuser'
    if not cred_ok(cfg['apnpass']) or (cfg['apnpass'] != '' and cfg['apnuser'] == ''):
        return 'apnpass'
    if not baud_ok(cfg['baud']):
        return 'baud'
    if not values.charformat_ok(cfg['charformat']):
        return 'charformat'
    if not (cfg['mode'] in ('server', 'client')):
        return 'mode'
    if cfg['permit'] != 'any' and canon_ip(cfg['permit']) != cfg['permit']:
        return 'permit'
    if cfg['lport'] < 1 or cfg['lport'] > 65535:
        return 'lport'
    if cfg['host'] == '':
        if cfg['rport'] != 0 or cfg['mode'] == 'client':
            return 'host'
    else:
        if not host_ok(cfg['host']):
            return 'host'
        if cfg['rport'] < 1 or cfg['rport'] > 65535:
            return 'rport'
    if not (cfg['maintain'] in (0, 1)):
        return 'maintain'
    if cfg['sktimeout'] < 0 or cfg['sktimeout'] > 65535:
        return 'sktimeout'
    if cfg['sendtimeout'] < 0 or cfg['sendtimeout'] > 255:
        return 'sendtimeout'
    if cfg['pktsize'] < 0 or cfg['pktsize'] > 512:
        return 'pktsize'
    if not (cfg['dialin'] in (0, 1)):
        return 'dialin'
    bad = check_fleet(cfg)
    if bad != '':
        return bad
    fw = cfg.get('firewall')
    if type(fw) != type([]) or len(fw) > FW_MAX:
        return 'firewall'
    seen = []
    for r in fw:
        if type(r) != type(()) or len(r) != 2:
            return 'firewall'
        if type(r[0]) != type('') or type(r[1]) != type(''):
            return 'firewall'
        if canon_ip(r[0]) != r[0] or canon_mask(r[1]) != r[1]:
            return 'firewall'
        if network(r[0], r[1]) != r[0] or r in seen:
            return 'firewall'
        seen.append(r)
    fw = cfg.get('phones')
    if type(fw) != type([]) or len(fw) > 5:
        return 'phones'
    seen = []
    for p in fw:
        if type(p) != type('') or not values.phone_ok(p) or p in seen:
            return 'phones'
        seen.append(p)
    if len(cfg) != len(KEYS) + 2:
        return 'unknown key'
    return ''


def check_fleet(cfg):
    # The fleet settings (validate() has checked their types).  -> '' or the bad key.
    if cfg['name'] != '' and not values.word_ok(cfg['name'], 20):
        return 'name'
    if cfg['ident'] != '' and not values.tpl_ok(cfg['ident']):
        return 'ident'
    if not (cfg['idevery'] in (0, 1)) or (cfg['idevery'] and cfg['ident'] == ''):
        return 'idevery'
    if cfg['hbsecs'] == 0:
        if cfg['hbtext'] != '':
            return 'hbtext'
    elif cfg['hbsecs'] < 10 or cfg['hbsecs'] > 3600:
        return 'hbsecs'
    elif not values.tpl_ok(cfg['hbtext']):
        return 'hbtext'
    if cfg['host2'] == '':
        if cfg['rport2'] != 0:
            return 'host2'
    else:
        if not host_ok(cfg['host2']) or cfg['host'] == '':
            return 'host2'
        if cfg['rport2'] < 1 or cfg['rport2'] > 65535:
            return 'rport2'
    if cfg['alertto'] == '':
        if cfg['alerts'] != '' or cfg['silentmin'] != 0:
            return 'alertto'
    elif not values.phone_ok(cfg['alertto']):
        return 'alertto'
    if cfg['alerts'] != '':
        for w in cfg['alerts'].split(','):
            if not values.alert_ok(w):
                return 'alerts'
    m = cfg['silentmin']
    if m != 0 and (m < 10 or m > 10080):
        return 'silentmin'
    # the key: '' or 8-32 letters and digits (word_ok's set without . - _)
    k = cfg['key']
    if k != '' and (len(k) < 8 or not values.word_ok(k, 32)):
        return 'key'
    for c in '.-_':
        if k.find(c) != -1:
            return 'key'
    return ''


# ---- text encoding ------------------------------------------------------------------

def esc(v):
    # Percent-escape '%' and everything outside printable ASCII 33..126, so a value can
    # never break a line (today's values cannot hold spaces; the format could).
    out = []
    for c in v:
        o = ord(c)
        if o < 33 or o > 126 or c == '%':
            out.append('%%%02X' % o)
        else:
            out.append(c)
    return ''.join(out)


def unesc(v):
    # Inverse of esc(); None when an escape is malformed.
    if v.find('%') == -1:
        return v
    out = []
    i = 0
    n = len(v)
    while i < n:
        c = v[i]
        if c == '%':
            if i + 3 > n:
                return None
            hi = values.HEX.find(v[i + 1])
            lo = values.HEX.find(v[i + 2])
            if hi == -1 or lo == -1:
                return None
            out.append(chr(hi * 16 + lo))
            i = i + 3
        else:
            out.append(c)
            i = i + 1
    return ''.join(out)


def encode(cfg):
    # cfg -> 'key=value\n' lines in KEYS order, then one 'fw=ip,mask' line per rule.
    # No key line without a key: such a slot is what the versions before the key wrote,
    # so a rollback to one of them still loads it (docs/update.md).
    out = []
    for k in KEYS:
        v = cfg[k]
        if k == 'key' and v == '':
            pass
        elif k in NUMKEYS:
            out.append('%s=%d\n' % (k, v))
        else:
            out.append('%s=%s\n' % (k, esc(v)))
    for r in cfg['firewall']:
        out.append('fw=%s,%s\n' % (r[0], r[1]))
    for p in cfg['phones']:
        out.append('ph=%s\n' % p)
    return ''.join(out)


def decode(text, old):
    # Inverse of encode().  -> (1, cfg) or (0, reason).  Strict: an unknown, repeated
    # or missing key, a bad value, or a non-canonical number makes the text invalid.
    # old: the text is format gwcfg1, which had no fleet settings (the keys after
    # 'dialin' in KEYS, and no ph lines): they start at their defaults (the one
    # migration; a gwcfg1 slot holding one of them is invalid).
    if text == '' or text[-1] != '\n':
        return 0, 'no final newline'
    cfg = {'firewall': [], 'phones': []}
    if old:
        d = defaults()
        for k in KEYS[16:]:     # gwcfg1 had the first 16, up to 'dialin'
            cfg[k] = d[k]
    lines = text[:-1].split('\n')
    for line in lines:
        i = line.find('=')
        if i < 1:
            return 0, 'not key=value'
        k = line[:i]
        v = line[i + 1:]
        if k == 'fw':
            parts = v.split(',')
            if len(parts) != 2:
                return 0, 'fw'
            cfg['firewall'].append((parts[0], parts[1]))
        elif k == 'ph' and not old:
            cfg['phones'].append(v)
        elif k in KEYS:
            if cfg.get(k) is not None:
                return 0, 'repeated ' + k
            if k in NUMKEYS:
                n = num(v, 999999999)
                if n < 0 or '%d' % n != v:
                    return 0, k
                cfg[k] = n
            else:
                u = unesc(v)
                if u is None:
                    return 0, k
                cfg[k] = u
        else:
            return 0, 'unknown key'
    if cfg.get('key') is None:
        cfg['key'] = ''         # no key line: no key (and every slot from before the key)
    bad = validate(cfg)
    if bad != '':
        return 0, bad
    return 1, cfg


# ---- the two slot files -------------------------------------------------------------

def hexdigest(s):
    # md5 on the module has no hexdigest() (REFERENCE.md 1.4, ES13 5.2.34).
    out = []
    for c in md5.new(s).digest():
        out.append('%02x' % ord(c))
    return ''.join(out)


def slot_text(cfg, seq):
    body = 'format=gwcfg2\nseq=%d\n%s' % (seq, encode(cfg))
    return body + 'md5=' + hexdigest(body) + '\n'


def parse_slot(data):
    # -> (1, seq, cfg) for a slot whose checksum, format and contents are all valid,
    # else (0, 0, reason).  The checksum covers every byte before the md5 line, so a
    # slot cut short at any byte is refused.
    i = data.rfind('\nmd5=')
    if i == -1:
        return 0, 0, 'no checksum'
    body = data[:i + 1]
    if data[i + 1:] != 'md5=' + hexdigest(body) + '\n':
        return 0, 0, 'bad checksum'
    old = 0
    if body[:14] == 'format=gwcfg1\n':
        old = 1
        body = 'format=gwcfg2\n' + body[14:]
    head = 'format=gwcfg2\nseq='
    if body[:len(head)] != head:
        return 0, 0, 'bad format'
    rest = body[len(head):]
    j = rest.find('\n')
    if j == -1:
        return 0, 0, 'bad seq'
    seq = num(rest[:j], SEQ_MOD - 1)
    if seq < 0 or '%d' % seq != rest[:j]:
        return 0, 0, 'bad seq'
    ok, cfg = decode(rest[j + 1:], old)
    if not ok:
        return 0, 0, cfg
    return 1, seq, cfg


def read_slot(name):
    # -> (state, seq, cfg): state 'new' (no file), 'bad' (unreadable or invalid)
    # or 'ok'.  open() raises IOError for a missing file (REFERENCE.md section 3).
    try:
        f = open(name, 'r')
    except IOError:
        return 'new', 0, None
    try:
        data = f.read(4097)
        f.close()
    except IOError:
        return 'bad', 0, None
    ok, seq, cfg = parse_slot(data)
    if not ok:
        return 'bad', 0, None
    return 'ok', seq, cfg


def newer(a, b):
    # 1 when sequence number a comes after b, modulo SEQ_MOD (serial-number arithmetic:
    # valid slots only ever differ by one save, so half the ring is plenty).
    d = divmod(a - b, SEQ_MOD)[1]
    return d != 0 and d < SEQ_HALF


def scan():
    # Read both slots.  -> (newest, seq, cfg, states): newest is the index in SLOTS of
    # the valid slot with the newest sequence (-1 if none), states the two states.
    states = []
    out = (-1, 0, None)     # (index, seq, cfg) of the newest valid slot so far
    i = 0
    for name in SLOTS:
        state, seq, cfg = read_slot(name)
        states.append(state)
        if state == 'ok' and (out[0] == -1 or newer(seq, out[1])):
            out = (i, seq, cfg)
        i = i + 1
    return out[0], out[1], out[2], states


def load():
    # -> (status, cfg).  status (for the gateway's trace):
    #   'ok'       loaded the newest valid slot; the other slot is valid or absent
    #   'partial'  loaded a valid slot; the other exists but is invalid (a save was cut
    #              short, or the flash is damaged): still the last completed save
    #   'new'      no slot file at all (first boot): defaults
    #   'corrupt'  slot files exist but none is valid: defaults
    best, seq, cfg, states = scan()
    if best == -1:
        if states[0] == 'new' and states[1] == 'new':
            return 'new', defaults()
        return 'corrupt', defaults()
    if states[0] == 'bad' or states[1] == 'bad':
        return 'partial', cfg
    return 'ok', cfg


def save(cfg):
    # Write cfg into the slot that does NOT hold the newest valid config, with the next
    # sequence number, flashflush() (REFERENCE.md 1.4, section 3), then read it back.
    # The newest valid slot is never opened for writing, so a power cut at any byte
    # leaves it intact.  -> 'ok', 'invalid' (cfg would not load: nothing written),
    # 'ioerror' or 'verify' (the slot read back differs).
    if validate(cfg) != '':
        return 'invalid'
    best, seq, old, states = scan()
    if best == -1:
        target = 0
        seq = 1
    else:
        target = 1 - best
        seq = divmod(seq + 1, SEQ_MOD)[1]
    name = SLOTS[target]
    text = slot_text(cfg, seq)
    try:
        f = open(name, 'w')
        f.write(text)
        f.close()
        flashflush()
    except IOError:
        return 'ioerror'
    if read_slot(name) != ('ok', seq, cfg):
        return 'verify'
    return 'ok'
