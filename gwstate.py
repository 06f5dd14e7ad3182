# gwstate.py - the gateway's state, as plain module data shared by gwloop.py (the loop,
# boot steps, SMS) and gwmode.py (server, client, connections), plus the few helpers
# that change it: state changes, failure counting with backoff, the clean restart.
# On-module file in the dialect (../shared/dialect.md).
#
# States (docs/gateway-runtime.md):
#   init        load the config, set the serial port, set up MDM and MDM2
#   reg         wait for network registration (+CREG?)
#   gprs        define and activate the context, then the firewall (backoff on failure)
#   listen      server: #SL due at next_at      listening  server: wait for SRING / RING
#   idle        client on demand: wait for serial bytes
#   dial        client: #SD due at next_at      dialing    client: #SD running
#   connected   a socket is online: bridge      csd        a CSD call is online: bridge

import MOD
import SER

# Retry delays (gwstate.failed): 5 s first, doubled up to 40 s, so service is back within
# 60 s of the cause going away (a retry at most 40 s later, plus the activation or dial).
# Failures in a row before a clean restart, per step.  gprs: about 12 min without a
# context (5 + 10 + 20 + 40 x 17 s plus the tries); dial: a maintain client whose
# server stays away restarts about once an hour (80 tries, ~55 min with the dials).
# sms: the store could not be read (MDM2 not answering) on that many polls in a row.
LIMITS = {'init': 3, 'gprs': 20, 'listen': 6, 'dial': 80, 'crash': 3, 'sms': 5}

cfg = None          # the configuration in force (config_store dict)
state = 'init'
since = 0           # when the current state (or connection) began
next_at = 0         # when the state's next attempt is due
fails = {}          # step -> failures in a row
delays = {}         # step -> its current retry delay, s
deferred = []       # effects waiting for the connection to close
ip = ''             # the module's address (#SGACT: <ip>)
peer = ''           # ip:port of the connected peer
lport = 0           # the port we listen on (0: none)
conns = 0           # connections since boot
dropped = 0         # device bytes that had no connection to go to
boot_t = 0          # MOD.secCounter() at start
now = 0             # MOD.secCounter() at the start of this turn
sms_due = 1         # +CMTI came (or boot): read the store
sring = 0           # an SRING for our socket came
ring = 0            # a RING came
check_next = 0      # next idle health check
upq = ''            # on demand: device bytes waiting for their connection
tries = 0           # on demand: dial attempts for the bytes in upq
gprs_lost = -1      # when GPRS went away (states init, reg, gprs), -1 while it is up


def trace(s):
    # One line to the trace port (print goes there, REFERENCE.md 2.4), seconds since
    # start first.  Numbers with %d (secCounter is a long on the module, 2.6).
    print('gw %d: %s' % (MOD.secCounter() - boot_t, s))


def restart(why):
    # Clean restart: the watchdog reboots the module 1 s from now (REFERENCE.md 2.6;
    # MODEMG boot.py does the same).  Flash writes are complete (config_store flushes).
    # The reason goes to why.txt first, so the next boot knows this restart was chosen
    # (gwfleet.boot; a planned one starts with 'reboot' or 'update').
    trace('restart: ' + why)
    write_file('why.txt', why)
    SER.setDCD(0)
    MOD.watchdogEnable(1)
    while 1:
        MOD.sleep(10)


def write_file(name, s):
    # A small flash file (why.txt, alerts.txt) rewritten whole and flushed (REFERENCE.md
    # 1.4, section 3); a failure is traced, never raised.
    try:
        f = open(name, 'w')
        f.write(s)
        f.close()
        flashflush()
    except IOError:
        trace('cannot write ' + name)


def go(s, wait):
    # Enter state s; its step is due in wait seconds.
    global state, since, next_at, gprs_lost
    if s != state:
        trace(state + ' -> ' + s)
    state = s
    since = MOD.secCounter()
    next_at = since + wait
    if s != 'init' and s != 'reg' and s != 'gprs':
        gprs_lost = -1
    elif gprs_lost < 0:
        gprs_lost = since


def failed(step, why):
    # A step failed (a value, not an exception): count it, and retry with a growing
    # delay (5 s, then doubled up to 40 s); LIMITS[step] failures in a row
    # restart the module.  -> the delay before the next attempt, s.
    n = fails.get(step, 0) + 1
    fails[step] = n
    trace('%s failed (%d): %s' % (step, n, why))
    if n >= LIMITS[step]:
        restart('%s failed %d times' % (step, n))
    d = delays.get(step, 0) * 2
    if d < 5:
        d = 5
    if d > 40:
        d = 40
    delays[step] = d
    return d


def succeeded(step):
    fails[step] = 0
    delays[step] = 0


def online():
    # MDM is online (or a #SD is running on it): no AT command may go to MDM.
    return state == 'connected' or state == 'csd' or state == 'dialing'


def on_demand():
    return cfg['mode'] == 'client' and not cfg['maintain']
