# sms_fleet.py - the SMS commands for fleets (docs/gateway.md 1.14-1.20): the unit's
# name, the identity and heartbeat packets, alerts, the sender allow-list, reset; and
# who may send commands at all.  Pure: no AT commands, no flash.  sms_commands.handle()
# calls these after the password was checked; each do_* changes its copy of the
# configuration and returns one reply ('Confirmed: ...' or 'Error: ...') or, for
# 'phones list', a list of report items.  On-module file in the dialect.

import config_store
import values

low = values.low
shown = values.shown

ERR_NAME = 'Error: name must be 1-20 of letters, digits, - _ . or name off'
ERR_IDENT = 'Error: use identity <text>, identity every <text> or identity off'
ERR_HEART = 'Error: use heartbeat <10-3600 s> <text> or heartbeat off'
ERR_TEXT = ('Error: %s text must be up to 100 printable characters, escapes %%IMEI '
            '%%CCID %%ID %%HH (hex), no +++')
ERR_ALERT = 'Error: use alert <phone> [gprs] [restart] [silent <10-10080 min>] or alert off'
ERR_PHONE = 'Error: a phone number is + and 3-20 digits, or 3-20 digits'
ERR_PHONES = 'Error: use phones add <number>, phones rem <number> or phones list'
ERR_SELF = 'Error: the list must keep the number you send from (%s): add it first'
NONE_LEFT = 'none, any sender with the password is obeyed'
# What reset names, and the settings behind each name (its reply lists those changed).
GROUPS = (('gprs', ('apn', 'apnuser', 'apnpass')), ('baud', ('baud',)),
          ('charformat', ('charformat',)),
          ('mode', ('mode', 'permit', 'lport', 'host', 'rport', 'maintain', 'host2',
                    'rport2')),
          ('socketting', ('sktimeout', 'sendtimeout', 'pktsize')), ('dialin', ('dialin',)),
          ('firewall', ('firewall',)), ('name', ('name',)),
          ('identity', ('ident', 'idevery')), ('heartbeat', ('hbsecs', 'hbtext')),
          ('alert', ('alertto', 'alerts', 'silentmin')), ('phones', ('phones',)))


# ---- who may command --------------------------------------------------------------------
# Numbers compared (docs/gateway.md 1.20): '00' in front is the international prefix,
# the same as '+'.  Two international numbers (+CC...) or two national ones must be
# equal.  An international +<CC><NSN> matches a national 0<NSN> (the trunk prefix 0 of
# ITU-T E.164 national format, as phones show numbers in most of Europe) when the country
# code left over is 1-3 digits and the NSN has at least 6.  Nothing else is guessed.

def intl(s):
    if s[:2] == '00':
        return '+' + s[2:]
    return s


def same_phone(a, b):
    a = intl(a)
    b = intl(b)
    if a == b:
        return 1
    if a[:1] == '0' and b[:1] == '+':
        a, b = b, a
    if a[:1] != '+' or b[:1] != '0':
        return 0
    n = b[1:]
    cc = len(a) - 1 - len(n)
    return cc >= 1 and cc <= 3 and len(n) >= 6 and a[-len(n):] == n


def listed(phones, sender):
    for p in phones:
        if same_phone(p, sender):
            return 1
    return 0


def allowed(cfg, sender):
    # An empty list obeys any sender with the password; else only the listed ones.
    return len(cfg['phones']) == 0 or listed(cfg['phones'], sender)


# ---- the commands -----------------------------------------------------------------------

def do_name(args, new):
    if len(args) != 1:
        return ERR_NAME
    if low(args[0]) == 'off':
        new['name'] = ''
        return 'Confirmed: name off'
    if not values.name_ok(args[0]):
        return ERR_NAME
    new['name'] = args[0]
    return 'Confirmed: name ' + args[0]


def template(args):
    # The text of an identity or heartbeat: the words joined by one space (an SMS is
    # split on white space; %20 gives an exact space, %0D%0A a line end).  -> '' if bad.
    t = ' '.join(args)
    if not values.tpl_ok(t):
        return ''
    return t


def do_identity(args, new, pw):
    if len(args) < 1:
        return ERR_IDENT
    if len(args) == 1 and low(args[0]) == 'off':
        new['ident'] = ''
        new['idevery'] = 0
        return 'Confirmed: identity off'
    every = 0
    if low(args[0]) == 'every':
        every = 1
        args = args[1:]
        if len(args) < 1:
            return ERR_IDENT
    t = template(args)
    if t == '':
        return ERR_TEXT % 'identity'
    new['ident'] = t
    new['idevery'] = every
    r = 'Confirmed: identity ' + shown(t, pw) + ', sent first on each connection'
    if every:
        r = r + ' and before each device frame'
    return r


def do_heartbeat(args, new, pw):
    if len(args) == 1 and low(args[0]) == 'off':
        new['hbsecs'] = 0
        new['hbtext'] = ''
        return 'Confirmed: heartbeat off'
    if len(args) < 2:
        return ERR_HEART
    n = values.num(args[0], 3600)
    if n < 10:
        return ERR_HEART
    t = template(args[1:])
    if t == '':
        return ERR_TEXT % 'heartbeat'
    new['hbsecs'] = n
    new['hbtext'] = t
    return 'Confirmed: heartbeat %s after %d s without a byte to the network' % (
        shown(t, pw), n)


def alert_items(cfg):
    # The events of an alert setting, as its command's words.
    items = []
    if cfg['alerts'] != '':
        items = cfg['alerts'].split(',')
    if cfg['silentmin'] > 0:
        items.append('silent %d' % cfg['silentmin'])
    return items


def do_alert(args, new):
    if len(args) == 1 and low(args[0]) == 'off':
        new['alertto'] = ''
        new['alerts'] = ''
        new['silentmin'] = 0
        return 'Confirmed: alert off'
    if len(args) < 1:
        return ERR_ALERT
    if not values.phone_ok(args[0]):
        return ERR_PHONE
    events = []
    mins = 0
    i = 1
    while i < len(args):
        w = low(args[i])
        if w == 'silent' and i + 1 < len(args) and mins == 0:
            mins = values.num(args[i + 1], 10080)
            if mins < 10:
                return ERR_ALERT
            i = i + 2
        elif values.alert_ok(w) and events.count(w) == 0:
            events.append(w)
            i = i + 1
        else:
            return ERR_ALERT
    if len(args) == 1:
        events = list(values.ALERTS)    # no events named: gprs and restart
    new['alertto'] = args[0]
    new['alerts'] = ','.join(events)
    new['silentmin'] = mins
    what = []
    for w in events:
        if w == 'gprs':
            what.append('gprs down 10 min')
        else:
            what.append('unplanned restart')
    if mins > 0:
        what.append('device silent %d min' % mins)
    return 'Confirmed: alert to %s on %s' % (args[0], ', '.join(what))


def do_phones(args, new, sender):
    if len(args) == 1 and low(args[0]) == 'list':
        if len(new['phones']) == 0:
            return [NONE_LEFT]
        return new['phones']
    if len(args) != 2:
        return ERR_PHONES
    how = low(args[0])
    p = args[1]
    if not values.phone_ok(p):
        return ERR_PHONE
    ph = new['phones']
    if how == 'add':
        if listed(ph, p):
            return 'Confirmed: phones add ' + p
        if len(ph) >= values.PH_MAX:
            return 'Error: phones full (%d numbers), remove one first' % values.PH_MAX
        ph.append(p)
    elif how == 'rem':
        if not listed(ph, p):
            return 'Error: phones has no number ' + p + ', send phones list'
        for q in list(ph):
            if same_phone(q, p):
                ph.remove(q)
    else:
        return ERR_PHONES
    if len(ph) > 0 and not listed(ph, sender):
        return ERR_SELF % sender
    if len(ph) == 0:
        return 'Confirmed: phones %s %s, no numbers left, any sender obeyed' % (how, p)
    return 'Confirmed: phones %s %s, %d of %d numbers' % (how, p, len(ph), values.PH_MAX)


def do_reset(cfg):
    # Factory settings except the SMS password (only smspassword changes it).
    # -> (reply, new configuration); the reply names every setting that changed.
    new = config_store.defaults()
    new['password'] = cfg['password']
    names = []
    for name, keys in GROUPS:
        for k in keys:
            if cfg[k] != new[k]:
                names.append(name)
                break
    if len(names) == 0:
        return 'Confirmed: reset, all settings at defaults, smspassword kept', cfg
    return 'Confirmed: reset %s to defaults, smspassword kept' % ', '.join(names), new


def config_items(cfg, pw):
    # The fleet settings for the config report, only those not at their defaults.
    items = []
    if cfg['name'] != '':
        items.append('name ' + cfg['name'])
    if cfg['ident'] != '':
        r = 'identity '
        if cfg['idevery']:
            r = r + 'every '
        items.append(r + shown(cfg['ident'], pw))
    if cfg['hbsecs'] > 0:
        items.append('heartbeat %d %s' % (cfg['hbsecs'], shown(cfg['hbtext'], pw)))
    if cfg['alertto'] != '':
        items.append(' '.join(['alert', cfg['alertto']] + alert_items(cfg)))
    if len(cfg['phones']) > 0:
        items.append('phones ' + ' '.join(cfg['phones']))
    return items
