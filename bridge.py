# bridge.py - the SER <-> MDM pump of an open connection (a GPRS socket or a CSD call
# online on MDM).  On-module file in the dialect (../shared/dialect.md).
#
# The main loop calls turn(now) over and over while a connection is open.  A turn never
# blocks for long and sends no AT command: it moves what is there in each direction
# and says how many bytes moved (the main loop sleeps only after a turn that moved
# nothing, so a busy bridge runs flat out).
#
#   start(up, down)  a connection is online: up = device bytes to send first (typed
#                    while an on-demand connection was dialled), down = network bytes
#                    that came with CONNECT (atc.take_data)
#   turn(now)        now = the loop's MOD.secCounter() of this turn (read once per turn:
#                    every built-in call costs time on the module) -> bytes moved
#                    (>= 0), CLOSED (DCD fell: the peer, the network or
#                    the module ended the connection) or ESCAPED (the device's own +++
#                    put MDM in command mode)
#   finish()         after CLOSED: hand the last network bytes to the device, -> the
#                    device bytes that never reached the network
#
# Behaviour relied on (REFERENCE.md):
#   2.1, 6.6  MDM.getDCD() is 1 while MDM is online with the connection (&C1, set at
#             boot) and 0 once it ended; at that moment the module writes its own
#             \r\nNO CARRIER\r\n behind the last payload.  DCD decides that the peer is
#             gone, never the text: a payload may contain "NO CARRIER".  The modem's
#             NO CARRIER never reaches the device.
#   2.1, 11A3 MDM.send(data, t) returns -1 when flow control held it up for t; the
#             emulator takes all or nothing (tools/emulator/telit.py), so -1 means keep
#             every byte and try again.  Meanwhile SER.setCTS(0) holds the device (the
#             module has no automatic flow control for the script, 2.3, 10.3).
#   6.6, ATR10 3.2.2  once DCD falls MDM is in command mode: a byte written then goes
#             to the AT command line (payload with a CR could run as a command, and a
#             leftover is prefixed to the next command, which is then ignored).  So no
#             byte goes to MDM unless DCD reads 1 right before the send, and the send
#             never waits for room (SEND_WAIT); what was not sent is handed back by
#             finish().  The instant between that read and the send remains: the
#             gateway clears the command line after every connection (gwmode.closed).
#   2.3       SER.send takes no timeout and returns -1 when its 4096-byte buffer has
#             no room: keep the bytes and stop reading MDM, so the module's buffer and
#             then the TCP window hold the peer back (10.3).
#   6.7       a +++ framed by S12 of silence in the device's data suspends the socket
#             (#SKIPESC=1 swallows it): the module answers \r\nOK\r\n after the
#             second silence.  Only then, a +++ sent alone after 5 s of silence and 5 s
#             without a byte since (the guard time: S12=255 is 5.1 s, set by gwnet.init),
#             is a final \r\nOK\r\n taken for the module's answer (a peer's own OK
#             sooner is payload).  We report it; the main loop resumes with #SO and
#             re-sends the +++ as data.
#
# Written in place (each name is an entry of the names table, docs/gateway-runtime.md):
# the module's '\r\nNO CARRIER\r\n' and '\r\nOK\r\n', the 5 s guard, finish()'s 100 x
# 0.1 s to hand the last bytes to the device.

import MDM
import SER
import MOD
import atc

CLOSED = -1
ESCAPED = -2
SEND_WAIT = 0       # MDM.send flow-control wait, 1/10 s: none.  A send that waits for
                    # room could end after the connection did, and then the bytes would
                    # go to the command line (6.6); -1 is retried on the next turn
PIECE = 2048        # bytes per SER.send / MDM.send: both take all or nothing and their
                    # buffers hold 4096 (2.0), so a longer string could never go
COUNT_MOD = 1000000000  # counters wrap here: ints stay in 32 bits (1.5.2 raises
                        # OverflowError beyond, dialect.md "Numbers")

up = ''             # device bytes read from SER, not yet taken by MDM.send
down = ''           # network bytes read from MDM, not yet taken by SER.send
held = ''           # tail of the last MDM read that may be the start of NO CARRIER
cts = 1             # what we last set with SER.setCTS
armed = 0           # when a lone +++ went out after 5 s of silence (0: none since)
last_up = 0         # when device bytes last went to MDM
last = 0            # MOD.secCounter() of the last byte moved (idle timeout of a call)
beat = ''           # heartbeat bytes, sent after beat_s s without a byte to the
beat_s = COUNT_MOD  # network (gwfleet.beat: at least quiet; COUNT_MOD = never)
prefix = ''         # identity sent before each device frame ('' = only at connect)
quiet = 2           # s of device silence that ends a frame (gwfleet.beat sets it)
tonet = 0           # device bytes to the network since boot, modulo COUNT_MOD
toser = 0           # bytes network -> device since boot, modulo COUNT_MOD


def count(t, n):
    return divmod(t + n, COUNT_MOD)[1]


def set_cts(v):
    global cts
    if v != cts:
        SER.setCTS(v)
        cts = v


def start(u, d):
    # u: device bytes to send first, d: network bytes that came with CONNECT
    global up, down, held, armed, last_up, last
    up = u
    down = d
    held = ''
    armed = 0
    last = MOD.secCounter()
    last_up = last              # the guard silence counts from CONNECT too (6.7)
    set_cts(1)


def resend(data):
    # Bytes that were swallowed (a +++ taken as an escape) go out again, first.
    global up, armed
    up = data + up
    extra(data)
    armed = 0


def extra(data):
    # Bytes that go to the network but are not the device's (a +++ already counted, the
    # identity, a heartbeat): taken off tonet beforehand, which counts device bytes.
    global tonet
    tonet = count(tonet, COUNT_MOD - len(data))


def from_net(now):
    # Read MDM unless earlier bytes still wait for the device.  -> CLOSED, ESCAPED or 0.
    global down, held
    if down != '':
        return 0
    online = MDM.getDCD()
    new = MDM.read()
    if new == '' and held == '' and online != 0:
        return 0                # the common idle turn: nothing came, still online
    data = held + new
    held = ''
    if online == 0:
        # DCD fell before this read, so the module's NO CARRIER is in data: the last
        # one (a payload may hold the same text).  What follows it came after MDM left
        # online mode: URCs (e.g. SRING held back during a CSD call) for atc.
        i = data.rfind('\r\nNO CARRIER\r\n')
        if i != -1:
            atc.drain(MDM, data[i + 14:])
            data = data[:i]
        down = data
        return CLOSED
    if armed and data[-6:] == '\r\nOK\r\n' and now - armed >= 5:
        down = data[:-6]        # peer bytes that came before the escape
        return ESCAPED
    # The longest end of data that could be the modem's NO CARRIER or the beginning of
    # it waits one turn: if DCD is still 1 then, it was payload after all.  Most reads
    # end in a byte that NO CARRIER does not hold: one find() answers for them, instead
    # of up to 14 comparisons (every line of a turn costs, tools/bench_*).
    if new != '' and '\r\nNO CARRIER\r\n'.find(data[-1:]) != -1:
        n = len(data)
        if n > 14:
            n = 14
        while n > 0 and data[-n:] != '\r\nNO CARRIER\r\n'[:n]:
            n = n - 1
        if n > 0:
            held = data[-n:]
            data = data[:-n]
    down = data
    return 0


def turn(now):
    global up, down, armed, last_up, last, tonet, toser
    moved = 0
    r = from_net(now)
    if down != '':
        data = down[:PIECE]
        if SER.send(data) == 1:
            moved = len(data)
            toser = divmod(toser + moved, COUNT_MOD)[1]     # count(), inline: every
            down = down[moved:]                             # line of a turn costs
    if r == CLOSED or r == ESCAPED:
        return r
    # device -> network: read SER only when nothing is waiting, so the order is kept.
    # A frame is what the device sends without a pause of quiet s; the per-frame
    # identity goes before one, a heartbeat only in a pause (docs/gateway-runtime.md).
    if up == '':
        up = SER.read()
        if prefix != '' and up != '' and now - last_up >= quiet:
            up = prefix + up
            extra(prefix)
    if up != '' and MDM.getDCD() != 0:     # read again right before the send (6.6)
        data = up[:PIECE]
        if MDM.send(data, SEND_WAIT) == 1:
            up = up[len(data):]
            armed = 0
            if data == '+++' and up == '' and now - last_up >= 5:
                armed = now
            last_up = now
            moved = moved + len(data)
            tonet = divmod(tonet + len(data), COUNT_MOD)[1]
            if up == '':
                set_cts(1)
        else:
            set_cts(0)
    if moved > 0:
        last = now
    elif up == '' and now - last_up >= beat_s:
        up = beat               # a pause: the heartbeat goes on the next turn
        extra(beat)
    return moved


def finish():
    # The connection ended.  Network bytes that arrived before the end belong to it:
    # hand them to the device (bounded wait while its buffer drains at the line rate).
    # -> device bytes that never reached the network (the caller decides their fate).
    global up, down, held, toser
    n = 0
    while down != '' and n < 100:
        data = down[:PIECE]
        if SER.send(data) == 1:
            toser = count(toser, len(data))
            down = down[len(data):]
        else:
            MOD.sleep(1)
            n = n + 1
    left = up
    up = ''
    down = ''
    held = ''
    set_cts(1)
    return left
