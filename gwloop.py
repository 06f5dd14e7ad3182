# gwloop.py - the gateway's main loop and its boot steps.  On-module file in the
# dialect (../shared/dialect.md); docs/gateway-runtime.md describes the whole.
#
# One loop, one state (gwstate.py).  Each turn: reset the watchdog (only here, once a
# second); pump the bridge while a connection is open; file the URCs of MDM2 (and of MDM
# when it is not online; once a second while a connection is open); read the SMS store
# when +CMTI came or every 30 s (and check the alerts); a step of a remote update
# when one is under way; run one step of the state; sleep 0.1 s unless the turn moved a
# full piece.  Every step is bounded in time, a
# failure is a value with a retry policy (gwstate.failed), and any exception is caught
# here: one trace line, then the loop carries on; LIMITS['crash'] turns in a row that
# raise end in a clean restart (the watchdog reboots, REFERENCE.md 2.6, FIELD-LESSONS 15).

import sys
import MOD
import SER
import atc
import bridge
import config_store
import gwboot
import gwfleet
import gwmode
import gwnet
import gwsms
import gwstate
import gwupd

g = gwstate

# The figures, written in place (each name is an entry of the names table,
# docs/gateway-runtime.md "The names table"):
#   300  watchdog, s: above the longest step (the gprs step: 5 set-up commands,
#        #SGACT=1,0 and #SGACT=1,1 of 150 s, 5.10: about 260 s)
#   5    1/10 s: an idle turn waiting for the one event that matters
#   30   s between +CMGL polls when no +CMTI came (FIELD-LESSONS 12)
#   2    s between +CREG? polls;  600  s without registration: restart
# Turns in a row that raised are counted in g.fails['crash'] (LIMITS['crash'] restart).

where = 'init'      # the step running now, for the trace of an exception
last = -1           # the second of the last watchdog reset
sms_next = 0


def main():
    global where
    g.boot_t = MOD.secCounter()
    g.gprs_lost = g.boot_t
    gwfleet.heard = g.boot_t
    MOD.watchdogEnable(300)
    g.trace('start')
    while 1:
        try:
            if turn() < bridge.PIECE:
                # A turn that moved less than a full piece waits, so the module is not
                # kept busy (a few bytes a turn at 9600 bd kept it 100 % busy,
                # tools/bench_bridge.py); a full piece goes on at once.  Listening, the
                # wait is on MDM: SRING or RING ends it at once (receive returns the
                # first chunk, REFERENCE.md 2.0).  Idle on demand, it is on SER: the
                # first byte starts the connection.  Elsewhere, 0.1 s.
                where = 'wait'
                if g.state == 'listening':
                    atc.poll(gwnet.MDM, 5)
                elif g.state == 'idle':
                    gwmode.serial_wait(5)
                else:
                    bridge.sleep(1)     # MOD.sleep(1), counted by the bridge's bounds
            g.fails['crash'] = 0
        except:
            # One trace line per exception (type and value: line numbers are unreliable
            # in .pyo code, REFERENCE.md 1.5), then carry on.
            info = sys.exc_info()
            n = g.fails.get('crash', 0) + 1
            g.fails['crash'] = n
            g.trace('error in %s: %s %s' % (where, info[0], info[1]))
            if n >= g.LIMITS['crash']:
                g.restart('%d errors in a row, last in %s' % (n, where))
            MOD.sleep(1)


def turn():
    global where, last
    moved = 0
    g.now = MOD.secCounter()
    busy = g.state == 'connected' or g.state == 'csd'     # a connection is open
    if busy:
        where = 'bridge'
        r = bridge.turn(g.now)
        if r == bridge.CLOSED:
            gwmode.closed()
        elif r == bridge.ESCAPED:
            gwmode.escaped()
        else:
            moved = r
            if g.state == 'csd':
                gwmode.idle_call()
    # Once a second is plenty for the 300 s watchdog and, while a connection is open,
    # for MDM2's URCs (+CMTI) and the SMS check: each built-in call costs, and an open
    # connection turns 10 times a second (tools/bench_idle.py).  busy stays 1 while a
    # connection is open and this second's MDM2 poll is done.
    if g.now != last:
        last = g.now
        MOD.watchdogReset()
        busy = 0
    if g.state != 'init' and g.state != 'reg' and not busy:
        where = 'urcs'
        urcs()
        if g.sms_due or g.now >= sms_next:
            where = 'sms'
            sms()
    if gwboot.armed or gwupd.job is not None:
        # remote update: a new version's health check, a download step (gwupd.py); the
        # test keeps the turn's cost when no update is under way
        where = 'update'
        if gwupd.turn() > 0:
            moved = moved + bridge.PIECE    # a download step got bytes: on at once
    where = g.state
    step()
    return moved


def step():
    s = g.state
    # A state's step is named after the state (its word is in the names table already;
    # do_gprs and gwmode.do_listening keep the names tests replace them by).
    if s == 'init':
        init()
    elif s == 'reg':
        reg()
    elif s == 'gprs':
        do_gprs()
    elif s == 'listen':
        gwmode.listen()
    elif s == 'listening':
        gwmode.do_listening()
    elif s == 'idle':
        gwmode.idle()
    elif s == 'dial':
        gwmode.dial()
    elif s == 'dialing':
        gwmode.dialing()
    elif s != 'connected' and s != 'csd':
        gwmode.enter_mode()     # a step that raised half-way: start the mode afresh


def urcs():
    # URCs of MDM2, and those atc met during other commands (MDM's SRING and RING are
    # read by main()'s wait while listening, the only state that acts on them).
    atc.poll(gwnet.MDM2, 0)
    for u in atc.urcs():
        if u[:6] == '+CMTI:':
            g.sms_due = 1
        elif atc.sring(u) == gwnet.CONN_ID:
            g.sring = 1
        elif u == 'RING' or u[:7] == '+CRING:':
            g.ring = 1
        elif u[:4] == '#SL:':
            g.trace('listener aborted')      # #SL: ABORTED, the network closed it (6.11)
            if g.state == 'listening':
                g.lport = 0
                g.go('listen', 0)


# ---- boot steps -----------------------------------------------------------------------

def init():
    if g.now < g.next_at:
        return
    st, g.cfg = config_store.load()
    g.trace('config ' + st)
    if gwfleet.why is None:
        gwfleet.boot(g.cfg)     # why this restart, the alert state (once per boot)
    gwmode.serial()
    SER.setDCD(0)
    SER.setCTS(1)
    bad = gwnet.init()
    if bad[:7] == '#SELINT':
        g.restart(bad)          # #SELINT=2 was set: reboot (ATR10 p.41)
        return
    if bad != '':
        g.go('init', g.failed('init', bad))
        return
    if gwfleet.ccid == '':      # read after the SIM is ready (gwnet.init), again if absent
        gwfleet.imei, gwfleet.ccid = gwnet.ids()
        # the firmware, for the record (docs/gateway.md: 7.02.x/7.03.x, ATR10 +CGMR)
        g.trace('firmware ' + atc.cmd(gwnet.MDM2, 'AT+CGMR', 5)[1])
    g.succeeded('init')
    g.go('reg', 0)


def reg():
    now = g.now
    gwmode.serial_idle()
    if now < g.next_at:
        return
    if gwnet.registered():
        g.sms_due = 1           # read the store before GPRS (issue 5 "Boot")
        g.go('gprs', 0)
        return
    if now - g.since > 600:
        g.restart('not registered for %d s' % (now - g.since))
    g.next_at = now + 2


def do_gprs():
    gwmode.serial_idle()
    if g.now < g.next_at:
        return
    ip, bad = gwnet.gprs_up(g.cfg)
    if bad == '':
        bad = gwnet.apply_firewall(g.cfg)   # empty after boot, re-sent after activation
    if bad != '':
        g.go('gprs', g.failed('gprs', bad))
        return
    g.succeeded('gprs')
    g.ip = ip
    g.trace('gprs up, ip ' + ip)
    gwmode.enter_mode()


# ---- SMS --------------------------------------------------------------------------------

def status():
    # The status dict of sms_commands.handle() (docs/gateway.md 5).
    s = {'init': 'starting', 'reg': 'no network', 'gprs': 'no gprs',
         'listen': 'listening', 'listening': 'listening', 'idle': 'idle',
         'dial': 'connecting', 'dialing': 'connecting', 'connected': 'connected',
         'csd': 'csd call'}.get(g.state, g.state)
    if g.dropped > 0:
        s = s + ', %d B dropped' % g.dropped
    d = {'busy': g.online(), 'state': s, 'ip': g.ip, 'csq': gwnet.csq(),
         'uptime': MOD.secCounter() - g.boot_t, 'tonet': bridge.tonet,
         'toser': bridge.toser, 'conns': g.conns}
    if g.peer != '':
        d['peer'] = g.peer
    if g.cfg['mode'] == 'client' and g.cfg['host2'] != '':
        d['server'] = 'primary'
        if gwfleet.backup:
            d['server'] = 'backup'
    return d


def sms():
    # SMS are handled on MDM2 in every state, a connection open or not.  While the
    # bridge pauses for it (a reply takes seconds, REFERENCE.md 5.10), CTS holds the
    # device and network data waits in the module (10.3): nothing is lost.
    # On demand, the device's bytes are being kept: it is held too.
    global sms_next
    g.sms_due = 0
    sms_next = MOD.secCounter() + 30
    busy = g.state == 'connected' or g.state == 'csd' or g.on_demand()
    if busy:
        SER.setCTS(0)
    new, effects, left = gwsms.poll(g.cfg, status, gwupd.start)
    if new['alertto'] != '':
        gwfleet.alerts(new)     # alerts are SMS too: with each poll, the device held
    if busy:
        SER.setCTS(bridge.cts)
    if left < 0:
        g.failed('sms', 'store not readable')    # MDM2 not answering: restart at 5
    else:
        g.succeeded('sms')
        if left > 0:
            g.sms_due = 1       # the next one on the next turn
    g.cfg = new
    if len(effects) > 0:
        gwmode.apply(effects)
