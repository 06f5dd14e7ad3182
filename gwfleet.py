# gwfleet.py - the fleet features at run time (docs/gateway-runtime.md "Fleet"): the
# identity and heartbeat bytes of a connection, the backup server of a client, why the
# module restarted, and the alert SMS with their rate limits.  On-module file in the
# dialect (../shared/dialect.md).
#
# Behaviour relied on:
#   REFERENCE.md 2.6  MOD.secCounter() is the module clock (seconds since 2000, kept
#        across a reboot), so alert items written to flash still mean something after
#        one.  A clock that went back (set with +CCLK, or lost with the power) makes a
#        stored time lie in the future: it is taken as "now", which only delays alerts.
#   REFERENCE.md 3    flash files survive a reboot; writes are flushed with flashflush().
#        A file cut short by a power cut has no final newline: it is refused.
#   The module cannot tell a watchdog reset from a power loss (neither leaves a trace a
#   script can read, REFERENCE.md 2.6): a restart the gateway did not choose itself
#   (gwstate.restart writes why.txt first) is reported as "watchdog or power loss".

import MOD
import bridge
import gwsms
import gwstate
import values

g = gwstate

# The figures, written where they are used (each module-level name is one of the ~500
# names the module loads, REFERENCE.md 3, so the constants of this file are not names):
#   3      failed connects in a row to one server before the other one is tried
#   1800   s on the backup before the primary is tried again (at the next connect)
#   600    s without GPRS before the gprs alert ("more than 10 minutes")
#   3600   s between two alert SMS of one kind ("at most one per event kind per hour")
#   6      alert SMS in any 86400 s, all kinds together (the daily cap)
#   60     s to wait after an alert SMS that did not go
#   why.txt     gwstate.restart's reason, read and emptied at the next boot
#   alerts.txt  the alert state (load, save)

imei = ''           # +CGSN, read once at boot (gwnet.ids)
ccid = ''           # #CCID
why = None          # this boot: why the module restarted ('' = planned; None: not read)
backup = 0          # client: 1 while the backup server is the one used
since = 0         # when the primary is due again
tries = 0           # failed connects in a row to the server in use
host = ''           # the server of the last server() call
port = 0
# Alert state, kept in alerts.txt: when each kind was last sent (-1: never), unplanned
# restarts not yet reported, and the items of the last 6 alert SMS (any kind).
sent = [-1, -1, -1]
held = 0
items = []          # the times of the last 6 alert SMS
next_at = 0      # no alert SMS before (after one that did not go)
heard = 0           # when the device was last heard (seen at each check)
seen = -1           # device bytes counted then (bridge.tonet + dropped + kept): the
                    # first check after alerts were set counts as heard


# ---- identity and heartbeat -------------------------------------------------------------

def expand(cfg, t):
    # A template's bytes for this unit ('' for ''); %ID is the name, or the IMEI when
    # none is set.  The identity of a connection is expand(cfg, cfg['ident']).
    name = cfg['name']
    if name == '':
        name = imei
    b = values.expand(t, imei, ccid, name, cfg['key'])
    if b is None:
        return ''       # cannot happen for a saved configuration (config_store.validate)
    return b


def beat(cfg, kind):
    # Hand the heartbeat and the per-frame identity to the bridge for this connection.
    # quiet: the device must have been silent this long before either is sent: longer
    # than the send timeout (txTo, 1/10 s: the module sends what it holds after it,
    # REFERENCE.md 6.2), plus 1 s for the whole-second clock.  So a heartbeat never
    # lands inside a device frame, and the packet before it has gone.  A CSD call has
    # no NAT to keep open, and a heartbeat would defeat its idle hang-up: none there.
    bridge.quiet = divmod(cfg['sendtimeout'] + 9, 10)[0] + 1
    bridge.beat = ''
    bridge.beat_s = bridge.COUNT_MOD
    if kind != 'csd' and cfg['hbsecs'] > 0:
        bridge.beat = expand(cfg, cfg['hbtext'])
        bridge.beat_s = cfg['hbsecs']
        if bridge.beat_s < bridge.quiet:    # a send timeout above the heartbeat period
            bridge.beat_s = bridge.quiet
    bridge.prefix = ''
    if cfg['idevery']:
        bridge.prefix = expand(cfg, cfg['ident'])


# ---- client: primary and backup server ----------------------------------------------------

def server(cfg):
    # -> (host, port) for the next connect.  After 1800 s on the backup the primary
    # is tried again; a working connection to the backup is never cut for it.
    global backup, host, port, tries
    if cfg['host2'] == '':
        backup = 0
    elif backup and g.now - since >= 1800:
        g.trace('primary server due again')
        backup = 0
        tries = 0
    if backup:
        host = cfg['host2']
        port = cfg['rport2']
    else:
        host = cfg['host']
        port = cfg['rport']
    return host, port


def dial_failed(cfg):
    # 3 failed connects in a row to one server: use the other one.
    global backup, since, tries
    tries = tries + 1
    if cfg['host2'] == '' or tries < 3:
        return
    tries = 0
    backup = 1 - backup
    if backup:
        since = g.now
        g.trace('failover to the backup server')
    else:
        g.trace('back to the primary server')


# ---- why the module restarted -------------------------------------------------------------

def read_file(name):
    try:
        f = open(name, 'r')
    except IOError:
        return ''
    try:
        s = f.read(200)
        f.close()
    except IOError:
        return ''
    return s


def boot(cfg):
    # Once per boot, before anything else: the reason of this restart and the alert
    # state.  A planned restart (SMS reboot, a software update) leaves its reason
    # starting with 'reboot' or 'update'; any other written reason is the gateway's
    # own recovery (a crash loop, a step failing again and again).
    global why, held
    w = read_file('why.txt')
    if w == '':
        why = 'watchdog or power loss'
    elif w[:6] == 'reboot' or w[:6] == 'update':
        why = ''
    else:
        why = w
    if w != '':
        g.write_file('why.txt', '')
    if why != '':
        g.trace('unplanned restart: ' + why)
    load()                      # also when alerts are off: an SMS may set them
    if why != '' and cfg['alertto'] != '':
        held = held + 1         # reported when the limits allow (alerts())
        save()


# ---- alerts -------------------------------------------------------------------------------

def load():
    # alerts.txt: one line '<gprs> <restart> <silent> <held> [<time> ...]\n' (up to 6
    # items).  Absent: nothing sent yet.  Unreadable or cut short: as if every
    # kind was just sent and the day's SMS used up, so a damaged file never causes a
    # storm (it costs at most a day of alerts).
    global sent, held, items
    s = read_file('alerts.txt')
    if s == '':
        return
    n = []
    ok = s[-1:] == '\n'
    for v in s[:-1].split(' '):
        if v == '-1':
            n.append(-1)
        elif values.num(v, 999999999) >= 0:
            n.append(values.num(v, 999999999))
        else:
            ok = 0
    now = MOD.secCounter()
    if not ok or len(n) < 4 or len(n) > 10:
        g.trace('alert state unreadable, alerts held for a day')
        n = [now, now, now, 0, now, now, now, now, now, now]
    held = n[3]
    n = n[:3] + n[4:]
    i = 0
    while i < len(n):
        if n[i] > now:
            n[i] = now          # the clock went back: wait from now
        i = i + 1
    sent = n[:3]
    items = n[3:]


def save():
    n = sent + [held] + items
    out = []
    for v in n:
        out.append('%d' % v)
    g.write_file('alerts.txt', ' '.join(out) + '\n')


def may(i, now):
    # 1 when an alert of kind i may go now: an hour since the last one of its kind, and
    # fewer than 6 alert SMS in the last 24 hours.
    if sent[i] >= 0 and now - sent[i] < 3600:
        return 0
    return len(items) < 6 or now - items[0] >= 86400


def send(cfg, i, text, now):
    # -> 1 when the SMS went (then it counts against the limits).
    global items, next_at
    name = cfg['name']
    if name == '':
        name = imei
    if not gwsms.reply(cfg['alertto'], 'Alert %s: %s' % (name, text)):
        next_at = now + 60
        return 0
    g.trace('alert sent: ' + text)
    sent[i] = now
    items = (items + [now])[-6:]
    save()
    return 1


def alerts(cfg):
    # One check with each SMS poll (every SMS_POLL = 30 s, gwloop.sms): each event
    # is reported once, when the limits allow (an outage or a silence is reported when
    # no alert of its kind went since it began); the restart report waits for a free
    # slot (its count of restarts is kept on flash meanwhile).
    global held, heard, seen
    now = g.now
    n = bridge.tonet + g.dropped + len(g.upq)
    if n != seen:
        seen = n
        heard = now             # the device sent something since the last check
    if now < next_at:
        return
    w = cfg['alerts'].split(',')
    n = g.gprs_lost
    if n >= 0 and sent[0] < n and now - n > 600 and w.count('gprs') > 0 and may(0, now):
        send(cfg, 0, 'gprs down for %d min' % divmod(now - n, 60)[0], now)
    if held > 0 and w.count('restart') > 0 and g.state != 'reg' and may(1, now):
        r = 'unplanned restart (%s)' % why[:60]      # the SMS stays within 160
        if why == '':
            r = 'unplanned restart'
        if held > 1:
            r = r + ', %d restarts since the last alert' % held
        n = held
        held = 0
        if not send(cfg, 1, r, now):
            held = n
    n = cfg['silentmin'] * 60
    if n > 0 and now - heard >= n and sent[2] < heard and may(2, now):
        send(cfg, 2, 'device silent for %d min' % divmod(now - heard, 60)[0], now)
