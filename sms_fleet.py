# sms_fleet.py - the SMS commands for fleets (docs/gateway.md 1.13-1.19): the unit's
# name, the identity and heartbeat packets, alerts, the sender allow-list, reset; and
# who may send commands at all.  Pure: no AT commands, no flash.  sms_commands.handle()
# calls these after the password was checked; each (named after its command word)
# changes its copy of the configuration and returns one reply ('Confirmed: ...' or
# 'Error: ...') or, for 'phones list', a list of report items.  On-module file in the
# dialect.

import config_store
import values

low = values.low
shown = values.shown

# The reply texts are written where they are used, not as module constants: each name
# is one of the ~500 the module loads (REFERENCE.md 3).


# ---- who may command --------------------------------------------------------------------
# Numbers compared (docs/gateway.md 1.19): '00' in front is the international prefix,
# the same as '+'.  Two international numbers (+CC...) or two national ones must be
# equal.  An international +<CC><NSN> matches a national 0<NSN> (the trunk prefix 0 of
# ITU-T E.164 national format, as phones show numbers in most of Europe) when the country
# code left over is 1-3 digits and the NSN has at least 6.  Nothing else is guessed.

def listed(items, sender):
    # 1 when sender is one of the numbers (an empty list obeys any sender with the
    # password: sms_commands.handle checks that first).
    for a in items:
        b = sender
        if a[:2] == '00':
            a = '+' + a[2:]
        if b[:2] == '00':
            b = '+' + b[2:]
        if a[:1] == '0' and b[:1] == '+':
            a, b = b, a
        if a == b:
            return 1
        if a[:1] == '+' and b[:1] == '0':
            b = b[1:]               # the NSN; what is left of a is the country code
            n = len(a) - 1 - len(b)
            if n >= 1 and n <= 3 and len(b) >= 6 and a[-len(b):] == b:
                return 1
    return 0


# ---- the commands -----------------------------------------------------------------------

def name(args, new, pw):
    if len(args) == 1 and low(args[0]) == 'off':
        new['name'] = ''
        return 'Confirmed: name off'
    if len(args) != 1 or not values.word_ok(args[0], 20):
        return 'Error: name must be 1-20 of letters, digits, - _ . or name off'
    new['name'] = args[0]
    return 'Confirmed: name ' + shown(args[0], pw)     # never the SMS password


def identity(args, new, pw):
    # The text of an identity or heartbeat is the words joined by one space (an SMS is
    # split on white space; %20 gives an exact space, %0D%0A a line end).
    if len(args) == 1 and low(args[0]) == 'off':
        new['ident'] = ''
        new['idevery'] = 0
        return 'Confirmed: identity off'
    n = 0
    if len(args) > 0 and low(args[0]) == 'every':
        n = 1
        args = args[1:]
    if len(args) < 1:
        return 'Error: use identity <text>, identity every <text> or identity off'
    t = ' '.join(args)
    if not values.tpl_ok(t):
        return ('Error: identity text must be up to 100 printable characters, escapes '
                '%IMEI %CCID %ID %KEY %HH (hex), no +++')
    new['ident'] = t
    new['idevery'] = n
    r = 'Confirmed: identity ' + shown(t, pw) + ', sent first on each connection'
    if n:
        r = r + ' and before each device frame'
    return r


def key(args, new):
    # The unit's secret for the fleet server (docs/fleet.md "Who gets in"), sent where
    # the identity has %KEY.  Never in a reply: not here, not in config (only 'key set').
    if len(args) == 1 and low(args[0]) == 'off':
        new['key'] = ''
        return 'Confirmed: key off'
    if len(args) == 1:
        new['key'] = args[0]
        if config_store.check_fleet(new) == '':
            return 'Confirmed: key set'
    return 'Error: key must be 8-32 letters and digits, or key off'


def heartbeat(args, new, pw):
    if len(args) == 1 and low(args[0]) == 'off':
        new['hbsecs'] = 0
        new['hbtext'] = ''
        return 'Confirmed: heartbeat off'
    n = -1
    if len(args) > 1:
        n = values.num(args[0], 3600)
    if n < 10:
        return 'Error: use heartbeat <10-3600 s> <text> or heartbeat off'
    t = ' '.join(args[1:])
    if not values.tpl_ok(t):
        return ('Error: heartbeat text must be up to 100 printable characters, escapes '
                '%IMEI %CCID %ID %KEY %HH (hex), no +++')
    new['hbsecs'] = n
    new['hbtext'] = t
    return 'Confirmed: heartbeat %s after %d s without a byte to the network' % (
        shown(t, pw), n)


def alert(args, new):
    if len(args) == 1 and low(args[0]) == 'off':
        new['alertto'] = ''
        new['alerts'] = ''
        new['silentmin'] = 0
        return 'Confirmed: alert off'
    bad = 'Error: use alert <phone> [gprs] [restart] [silent <10-10080 min>] or alert off'
    if len(args) < 1:
        return bad
    if not values.phone_ok(args[0]):
        return 'Error: a phone number is + and 3-20 digits, or 3-20 digits'
    items = []
    n = 0                           # silent minutes
    i = 1
    while i < len(args):
        w = low(args[i])
        if w == 'silent' and i + 1 < len(args) and n == 0:
            n = values.num(args[i + 1], 10080)
            if n < 10:
                return bad
            i = i + 2
        elif values.alert_ok(w) and items.count(w) == 0:
            items.append(w)
            i = i + 1
        else:
            return bad
    if len(args) == 1:
        items = ['gprs', 'restart']     # no events named: both
    new['alertto'] = args[0]
    new['alerts'] = ','.join(items)
    new['silentmin'] = n
    r = []
    for w in items:
        if w == 'gprs':
            r.append('gprs down 10 min')
        else:
            r.append('unplanned restart')
    if n > 0:
        r.append('device silent %d min' % n)
    return 'Confirmed: alert to %s on %s' % (args[0], ', '.join(r))


def phones(args, new, sender):
    # At most 5 numbers (config_store.validate).
    if len(args) == 1 and low(args[0]) == 'list':
        if len(new['phones']) == 0:
            return ['none, any sender with the password is obeyed']
        return new['phones']
    if len(args) != 2:
        return 'Error: use phones add <number>, phones rem <number> or phones list'
    w = low(args[0])
    p = args[1]
    if not values.phone_ok(p):
        return 'Error: a phone number is + and 3-20 digits, or 3-20 digits'
    items = new['phones']
    if w == 'add':
        if listed(items, p):
            return 'Confirmed: phones add ' + p
        if len(items) >= 5:
            return 'Error: phones full (5 numbers), remove one first'
        items.append(p)
    elif w == 'rem':
        if not listed(items, p):
            return 'Error: phones has no number ' + p + ', send phones list'
        new['phones'] = []
        for q in items:
            if not listed([q], p):
                new['phones'].append(q)
        items = new['phones']
    else:
        return 'Error: use phones add <number>, phones rem <number> or phones list'
    if len(items) > 0 and not listed(items, sender):
        return ('Error: the list must keep the number you send from (%s): add it first'
                % sender)
    if len(items) == 0:
        return 'Confirmed: phones %s %s, no numbers left, any sender obeyed' % (w, p)
    return 'Confirmed: phones %s %s, %d of 5 numbers' % (w, p, len(items))


def reset(cfg):
    # Factory settings except the SMS password (only smspassword changes it).
    # -> (reply, new configuration); the reply names every setting that changed.
    new = config_store.defaults()
    new['password'] = cfg['password']
    items = []
    for name, keys in (('gprs', ('apn', 'apnuser', 'apnpass')), ('baud', ('baud',)),
                       ('charformat', ('charformat',)),
                       ('mode', ('mode', 'permit', 'lport', 'host', 'rport', 'maintain',
                                 'host2', 'rport2')),
                       ('socketting', ('sktimeout', 'sendtimeout', 'pktsize')),
                       ('dialin', ('dialin',)), ('firewall', ('firewall',)),
                       ('name', ('name',)), ('identity', ('ident', 'idevery')),
                       ('heartbeat', ('hbsecs', 'hbtext')),
                       ('alert', ('alertto', 'alerts', 'silentmin')),
                       ('phones', ('phones',)), ('key', ('key',))):
        for k in keys:
            if cfg[k] != new[k]:
                items.append(name)
                break
    if len(items) == 0:
        return 'Confirmed: reset, all settings at defaults, smspassword kept', cfg
    return 'Confirmed: reset %s to defaults, smspassword kept' % ', '.join(items), new


def config_items(cfg, pw):
    # The fleet settings for the config report, only those not at their defaults.
    items = []
    if cfg['name'] != '':
        items.append('name ' + shown(cfg['name'], pw))
    if cfg['ident'] != '':
        r = 'identity '
        if cfg['idevery']:
            r = r + 'every '
        items.append(r + shown(cfg['ident'], pw))
    if cfg['hbsecs'] > 0:
        items.append('heartbeat %d %s' % (cfg['hbsecs'], shown(cfg['hbtext'], pw)))
    if cfg['alertto'] != '':
        r = 'alert ' + cfg['alertto']
        if cfg['alerts'] != '':
            r = r + ' ' + cfg['alerts'].replace(',', ' ')
        if cfg['silentmin'] > 0:
            r = r + ' silent %d' % cfg['silentmin']
        items.append(r)
    if len(cfg['phones']) > 0:
        items.append('phones ' + ' '.join(cfg['phones']))
    if cfg['key'] != '':
        items.append('key set')     # never the key itself
    return items
