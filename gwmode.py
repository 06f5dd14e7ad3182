# gwmode.py - the gateway's modes: server (listen, accept, CSD dial-in), client (on
# demand or maintained), the open connection around the bridge, and applying
# configuration changes when it is safe.  On-module file in the dialect.
#
# Device bytes while no connection exists (FIELD-LESSONS 7, docs/gateway-runtime.md):
#   client on demand  kept, in order, for the connection they start (sent first);
#                     beyond 4096 bytes CTS holds the device; after 3 failed dials
#                     per server they are dropped, traced and counted (status shows them)
#   server, maintain  read and dropped at once, counted: they have nowhere to go and
#                     would be stale when a connection comes; the device sees DCD low
# Network bytes: what arrived before a connection ended is handed to the device; a new
# connection starts with empty buffers both ways, so nothing stale crosses over.

import MDM
import MOD
import SER
import atc
import bridge
import gwfleet
import gwnet
import gwstate

g = gwstate

# The figures, written in place (each name is an entry of the names table,
# docs/gateway-runtime.md "The names table"):
#   60    s between idle health checks (context, listener)
#   3     on-demand dial attempts for the bytes typed, then they are dropped
#   4096  device bytes kept for an on-demand connection; beyond: CTS low


def enter_mode():
    g.check_next = MOD.secCounter() + 60
    if g.cfg['mode'] == 'server':
        g.go('listen', 0)
    elif g.cfg['maintain'] or g.upq != '':
        g.go('dial', 0)
    else:
        g.go('idle', 0)


def leave_mode():
    # Stop listening (a listener on the old port would stay, REFERENCE.md 6.11).  A
    # client that is not connected has nothing open.
    if g.lport != 0 and not g.online():
        gwnet.unlisten(g.lport)
        g.lport = 0
    if not g.on_demand():
        g.upq = ''


def healthy():
    # Idle health check: the context (a drop gives an idle client no URC) and, in
    # server mode, the listener (#SS state 4, or 5 with a connection waiting, 6.9).
    g.check_next = MOD.secCounter() + 60
    if gwnet.context_up() == 0:
        g.trace('context lost')
        g.go('gprs', 0)
        return
    if g.state == 'listening':
        s = bridge.socket_state()[0]
        if s == 5:
            g.sring = 1         # a connection waits for #SA: its SRING was missed
        elif s != 4:
            g.trace('listener gone (%d)' % s)
            g.go('listen', 0)


def serial_idle():
    # Serial bytes while no connection is open (see the top of this file).
    if g.cfg is None:
        return
    if g.on_demand():
        if len(g.upq) < 4096:
            g.upq = g.upq + SER.read()
            bridge.set_cts(1)
        else:
            bridge.set_cts(0)
        return
    data = SER.read()
    if data != '':
        g.dropped = bridge.count(g.dropped, len(data))


def serial_wait(t):
    # Idle on demand: wait up to t/10 s for the device's first byte.
    if len(g.upq) < 4096:
        g.upq = g.upq + SER.receive(t)
    else:
        MOD.sleep(t)


# ---- server ---------------------------------------------------------------------------

def listen():
    serial_idle()
    if g.now < g.next_at:
        return
    bad = gwnet.listen(g.cfg['lport'])
    if bad != '':
        if gwnet.context_up() == 0:
            g.go('gprs', 0)
            return
        g.go('listen', g.failed('listen', bad))
        return
    g.succeeded('listen')
    g.lport = g.cfg['lport']
    g.sring = 0
    g.go('listening', 0)


def do_listening():
    serial_idle()
    if g.sring:
        g.sring = 0
        ok, data = gwnet.accept()
        if ok:
            connected('connected', data)
        else:
            g.trace(data)
            g.lport = 0
            g.go('listen', 0)   # a failed accept leaves no listener (6.11)
        return
    if g.ring:
        g.ring = 0              # without dialin the call is not answered: it rings out
        if g.cfg['dialin']:
            ok, data = gwnet.answer()
            if ok:
                connected('csd', data)
            else:
                g.trace(data)
            return
    if g.now >= g.check_next:
        healthy()


# ---- client ---------------------------------------------------------------------------

def idle():
    serial_idle()
    if g.upq != '':
        g.go('dial', 0)
        return
    if g.now >= g.check_next:
        healthy()


def dial():
    serial_idle()
    if g.now < g.next_at:
        return
    # FIELD-LESSONS 4: check the context and the socket before each #SD
    if gwnet.context_up() == 0:
        g.go('gprs', 0)
        return
    if bridge.socket_state()[0] != 0:
        gwnet.close()
    host, port = gwfleet.server(g.cfg)
    bad = gwnet.dial(host, port)
    if bad != '':
        dial_failed(bad)
        return
    g.go('dialing', 0)


def dialing():
    serial_idle()
    st, data = gwnet.dialled()
    if st == '':
        return
    if st == 'CONNECT':
        connected('connected', data)
        return
    if atc.cme(data) == 556:        # context not opened (5.8): recover GPRS first
        g.go('gprs', 0)
    else:
        dial_failed(st + ' ' + data)
    apply_deferred()


def dial_failed(why):
    wait = g.failed('dial', why)
    gwfleet.dial_failed(g.cfg)
    if g.on_demand():
        # kept bytes are dropped after 3 attempts on each server
        g.tries = g.tries + 1
        n = 3
        if g.cfg['host2'] != '':
            n = 6         # 3 on each of the two servers
        if g.tries >= n:
            g.trace('%d bytes dropped: no connection after %d attempts'
                    % (len(g.upq), g.tries))
            g.dropped = bridge.count(g.dropped, len(g.upq))
            g.upq = ''
            g.tries = 0
            bridge.set_cts(1)
            g.go('idle', 0)
            apply_deferred()        # a reboot waited for those bytes
            return
    g.go('dial', wait)


# ---- the open connection --------------------------------------------------------------

def connected(kind, data):
    first = ''
    if g.on_demand():
        first = g.upq           # typed before and during the dial: sent first, in order
    else:
        serial_idle()           # stale bytes typed while no connection existed: dropped
    g.upq = ''                  # before the state says connected: from here on bytes are kept
    g.conns = bridge.count(g.conns, 1)
    g.sring = 0
    g.ring = 0
    g.go(kind, 0)
    SER.setDCD(1)
    k = kind
    if kind == 'csd':
        g.peer = ''             # the listener stays (it is another use of MDM)
    elif g.cfg['mode'] == 'client':
        g.peer = '%s:%d' % (gwfleet.host, gwfleet.port)
        gwfleet.tries = 0
        k = 'client'            # opened by gwnet.dial: in command mode where it can be
    else:
        g.lport = 0             # the listening socket now carries the connection
        s = bridge.socket_state()
        g.peer = '%s:%d' % (s[1], s[2])
    g.tries = 0
    g.succeeded('dial')         # the next dial after a close goes at once
    g.trace('connected %s %s' % (kind, g.peer))
    gwfleet.beat(g.cfg, kind)
    t = gwfleet.expand(g.cfg, g.cfg['ident'])
    bridge.extra(t)
    bridge.start(t + first, data, k)        # the identity before any device byte


def closed():
    # The connection ended (DCD fell).  Apply what waited for it, and go on.
    left = bridge.finish()
    SER.setDCD(0)
    # Clear MDM's command line of device bytes that may have reached it after DCD fell
    # (the online bridge, bridge.py; in command mode none can, and the line is empty
    # anyway): 81 inert characters and CR.  A leftover that starts with AT becomes
    # a line over the 80-character limit, so nothing on it runs and the answer is ERROR
    # (ATR10 3.2.2 "Command Lines"); one without AT is ignored.  Either way the next
    # command starts on an empty line.  Waits at most ~1 s for the answer.
    atc.send(MDM, 'x' * 81 + '\r', 0)
    t = MOD.secCounter() - g.since     # how long it lasted
    g.trace('closed %s after %d s' % (g.peer, t))
    g.peer = ''
    old = g.state
    if g.on_demand():
        g.upq = left            # typed, never sent: it starts the next connection
    else:
        # Server and maintain: what the device sent for the connection that ended is
        # stale.  finish() raised CTS, so a device that was held back sends its held
        # bytes now: they are read and dropped (counted) until the line has been quiet
        # for 0.1 s, 5 s at most, so none reaches the next connection
        # (docs/gateway-runtime.md "Device bytes between connections").
        n = MOD.secCounter()
        left = left + SER.receive(1)    # the first bytes, or '' after 0.1 s of quiet
        while left != '':
            g.dropped = bridge.count(g.dropped, len(left))
            left = ''
            if MOD.secCounter() - n < 5 and MOD.secCounter() >= n:
                left = SER.receive(1)
    g.go('closing', 0)
    apply_deferred()
    if g.state != 'closing':
        return                  # a change chose the next state (gprs)
    if gwnet.context_up() == 0:
        g.go('gprs', 0)
        return
    if g.cfg['mode'] == 'server':
        if old == 'csd' and bridge.socket_state()[0] == 4:
            g.go('listening', 0)    # the listener outlived the call
        else:
            g.go('listen', 0)       # a closed connection needs #SL again (6.11)
    elif g.cfg['maintain']:
        # The server was there: redial at once (docs/gateway-runtime.md "Return to
        # service").  Only failed dials back off; so does a connection closed within
        # its first second (a server that accepts and drops at once).
        if t < 1:
            g.go('dial', g.failed('dial', 'connection lost'))
        else:
            g.go('dial', 0)
    else:
        enter_mode()


def escaped():
    # The device's own +++ suspended the socket (6.7): resume it and pass the +++ on,
    # right after CONNECT, where no escape can be recognised (the guard time, 6.7).
    # bridge counts the guard in whole seconds (MOD.secCounter) against S12's 5.1 s, so
    # 4.1 s of silence can look like 5: ask MDM2 first whether the socket really is
    # suspended (#SS state 1 = still online, 6.9); if not, the OK was the peer's own
    # and goes to the device, and no AT#SO goes into the live socket.
    if bridge.socket_state()[0] == 1:
        bridge.down = bridge.down + '\r\nOK\r\n'      # the peer's own OK
        bridge.armed = 0
        return
    g.trace('escape in the data, resuming')
    if gwnet.resume():
        bridge.resend('+++')
        return
    gwnet.close()
    closed()


def idle_call():
    # A CSD call has no inactivity timeout of its own: the socket timeout applies to it
    # too (a call keeps GPRS suspended, class B, REFERENCE.md section 9).
    t = g.cfg['sktimeout']
    if t > 0 and MOD.secCounter() - bridge.last >= t:
        g.trace('call idle for %d s, hanging up' % t)
        if gwnet.hangup():
            closed()
        else:
            g.restart('call did not hang up')


# ---- configuration changes ------------------------------------------------------------

def apply(effects):
    # docs/gateway.md 5: the firewall changes at once (it concerns new incoming
    # connections only); everything else would break an open connection and waits.
    if g.online():
        for e in effects:
            if e == 'firewall':
                firewall_now()
            elif e == 'beat':
                gwfleet.beat(g.cfg, g.state)    # the open connection's heartbeat too
            elif e != 'ident' and g.deferred.count(e) == 0:
                g.deferred.append(e)
        return
    run_effects(effects)


def apply_deferred():
    if len(g.deferred) > 0 and not g.online():
        e = g.deferred
        g.deferred = []
        run_effects(e)


def firewall_now():
    bad = gwnet.apply_firewall(g.cfg)
    if bad != '':
        g.trace('firewall: ' + bad)


def run_effects(effects):
    for e in ('serial', 'gprs', 'scfg', 'mode', 'dialin', 'firewall', 'beat', 'reboot'):
        if effects.count(e) == 0:
            continue
        g.trace('apply ' + e)
        if e == 'serial':
            serial()
        elif e == 'gprs':
            # re-define and re-activate; the gprs step then does firewall and mode
            leave_mode()
            gwnet.gprs_down()
            g.go('gprs', 0)
            return
        elif e == 'scfg':
            bad = gwnet.scfg(g.cfg)
            if bad != '':
                g.trace('scfg: ' + bad)
        elif e == 'mode':
            if g.state != 'reg' and g.state != 'gprs' and g.state != 'init':
                leave_mode()
                enter_mode()
        elif e == 'firewall':
            firewall_now()
        elif e == 'beat':
            gwfleet.beat(g.cfg, g.state)
        elif e == 'reboot':
            # SMS reboot: the reply went, the configuration is saved.  Device bytes kept
            # for an on-demand connection go first (or are dropped by its rule).
            if g.upq != '':
                g.deferred.append('reboot')
            else:
                g.restart('reboot by sms')


def serial():
    # SER.set_speed takes strings (REFERENCE.md 2.3); the values were checked by
    # config_store.  A script's port starts at 9600 8N1 whatever +IPR says.
    if SER.set_speed('%d' % g.cfg['baud'], g.cfg['charformat']) != 1:
        g.trace('serial %d %s refused' % (g.cfg['baud'], g.cfg['charformat']))
    else:
        # the bridge's line rate: a character is start + data + parity + stop bits
        # (REFERENCE.md 2.3 formats, e.g. '8E1': a parity bit for E or O), bytes a
        # second rounded down
        f = g.cfg['charformat']
        bridge.rate = divmod(g.cfg['baud'], 1 + int(f[0]) + ('E O'.find(f[1]) >= 0) + int(f[2]))[0]
