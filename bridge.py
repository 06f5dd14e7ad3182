# bridge.py - the SER <-> MDM pump of an open connection: a client socket in command
# mode on MDM, or a socket or a CSD call online on MDM.  On-module file in the dialect
# (../shared/dialect.md).
#
# The main loop calls turn(now) over and over while a connection is open.  A turn never
# blocks for long: it moves what surely fits in each direction and says how many bytes
# moved (the main loop waits only after a turn that moved less than a full piece, so a
# busy bridge runs flat out).
#
# Two data paths (docs/gateway-runtime.md "Device bytes and MDM's command line"):
#   command mode  a client socket (gwnet.dial) where AT#SSENDEXT=? answered at boot
#                 (SW 7.03.02/7.02.07 and later, ATR10 1.7; gwnet.init sets mode): MDM
#                 never leaves command mode.  Device bytes go only with AT#SSENDEXT=1,<n>
#                 after its prompt, exactly n <= 1500 of them (send()): once the socket
#                 is closed the command answers ERROR and nothing is written, so no device
#                 byte can ever reach MDM's command line.  Network bytes come with
#                 AT#SRECV=1,1500 when SRING: 1 announced them (receive()), taken by their
#                 count (atc.length).  The close: #SS=1 on MDM2 (ATR10 gives no URC).
#                 A +++ from the device is plain data here.
#   online        a socket accepted with #SA (#SSEND/#SSENDEXT "only if the connection was
#                 opened by #SD", ATR10 p.428-429), a client socket on older firmware, a
#                 CSD call: no AT command on MDM (on MDM2 at most one AT#SI a second),
#                 DCD read before each send (below); the one instant between that read
#                 and the send remains (gwmode.closed clears the line after).
#
#   start(up, down, k)  a connection is open: up = device bytes to send first (typed
#                    while an on-demand connection was dialled), down = network bytes
#                    that came with CONNECT (atc.take_data), k = 'csd' for a call,
#                    'client' for a socket gwnet.dial opened, 'server' for an accepted one
#   sleep(t)         the main loop's wait: MOD.sleep(t), counted for the bounds
#   turn(now)        now = the loop's MOD.secCounter() of this turn (read once per turn:
#                    every built-in call costs time on the module) -> bytes moved
#                    (>= 0), CLOSED (DCD fell, or #SS=1 says 0 in command mode: the
#                    peer, the network or the module ended the connection) or ESCAPED
#                    (online: the device's own +++ put MDM in command mode)
#   finish()         after CLOSED: hand the last network bytes to the device, -> the
#                    device bytes that never reached the network
#
# Behaviour relied on (REFERENCE.md):
#   2.1, 6.6  MDM.getDCD() is 1 while MDM is online with the connection (&C1, set at
#             boot) and 0 once it ended; at that moment the module writes its own
#             \r\nNO CARRIER\r\n behind the last payload.  DCD decides that the peer is
#             gone, never the text: a payload may contain "NO CARRIER".  The modem's
#             NO CARRIER never reaches the device.
#   2.1, 2.3  MDM.send and SER.send return 1, or -1 when the whole string could not
#             be sent (ES13 3.2.1 p.25, 3.4.1 p.37); whether the part that fitted stays
#             sent is not said (docs/emulator-fidelity.md: mdm_send, ser_send).  So the
#             bridge never sends a piece that may not fit: it keeps an upper bound on
#             how full each 4096-byte buffer is (2.0) and sends at most the room it can
#             prove (fill, mfill; docs/gateway-runtime.md "How full the buffers are").
#             Then a send takes all under either answer; a -1 all the same keeps the
#             bytes (nothing taken is the one answer a caller can act on) and counts the
#             buffer as full.  While device bytes wait, SER.setCTS(0) holds the device
#             (the module has no automatic flow control for the script, 2.3, 10.3).
#   SER       no flow control towards the device (2.3): the UART empties the buffer at
#             the line rate set with SER.set_speed, rate = baud / (start + data +
#             parity + stop bits) bytes a second (gwmode.serial).  What it took is
#             counted from time that surely passed: each MOD.sleep(t) blocks t/10 s
#             (ES13 3.7.2 p.52; the loop's wait goes through sleep() below), and
#             between two readings a, b of MOD.secCounter() (whole seconds, ES13 3.7.1
#             p.52) at least b-a-1 s passed; a turn reads it before its sends, so from
#             a turn's sends to the next turn's reading at least b-a-2 s.  Of the two
#             lower bounds of one interval the larger counts; the bound never goes
#             below 0 (a drained buffer banks nothing).  The module's 50 ms pause each
#             second (10.2) stops the script, not the UART.
#   MDM, CSD  the call's link takes MDM's bytes at the rate of its CONNECT <text>
#             (bit/s, ATR10 3.2.3 p.20; 9600 here), a tenth of it in bytes a second
#             (a character framed by start and stop bits): counted as for SER (csd,
#             set by gwnet.answer; without a rate, 75 bit/s, the slowest listed).
#   MDM, GPRS the TCP/IP stack takes them at no rate we can bound (the peer's window may
#             be closed).  AT#SI=1 on MDM2 (ATR10 #SI p.414-415, REFERENCE 6.9) gives
#             <sent> "since the last time the socket ... has been opened": bytes we
#             gave MDM minus <sent> bound what is still in the module, MDM's buffer
#             included.  That <sent> counts bytes that left MDM's buffer (not bytes
#             MDM.send accepted) is read from <ack_waiting>, "sent and not yet
#             acknowledged": a byte is sent when it went to the network.  Asked on
#             MDM2 (never online, so it answers while MDM carries the socket) only
#             when the next piece may not fit, at most once a second.
#   6.6, ATR10 3.2.2  once DCD falls MDM is in command mode: a byte written then goes
#             to the AT command line (payload with a CR could run as a command, and a
#             leftover is prefixed to the next command, which is then ignored).  So no
#             byte goes to MDM unless DCD reads 1 right before the send, and the send
#             never waits for room (SEND_WAIT); what was not sent is handed back by
#             finish().  The instant between that read and the send remains: the
#             gateway clears the command line after every connection (gwmode.closed).
#   2.3       SER.send takes no timeout: while the bound leaves no room, keep the
#             bytes and stop reading MDM, so the module's buffer and then the TCP window
#             hold the peer back (10.3).
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
# 0.1 s to hand the last bytes to the device; 40960, a 4096-byte buffer in tenths of a
# byte; 200 s (2000 tenths) empty any buffer at 300 bd, so no credit beyond it is
# needed (and ints stay in 32 bits); 'AT#SI=1', the socket gwnet.CONN_ID.

import MDM
import MDM2
import SER
import MOD
import atc
import gwstate

g = gwstate

CLOSED = -1
ESCAPED = -2
SEND_WAIT = 0       # MDM.send flow-control wait, 1/10 s: none.  A send that waits for
                    # room could end after the connection did, and then the bytes would
                    # go to the command line (6.6); -1 is retried on the next turn
PIECE = 2048        # bytes per SER.send / MDM.send at most (their buffers hold 4096,
                    # 2.0): smaller when the bound proves less room
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
# How full the buffers can be (header; docs/gateway-runtime.md), in tenths of a byte:
fill = 0            # SER's TX buffer; kept across connections (it drains on its own)
mfill = 0           # MDM's input buffer (0 at each connection)
rate = 960          # SER's line rate, bytes a second (9600 8N1 until gwmode.serial)
csd = 0             # a CSD call: bytes a second its link takes from MDM (gwnet.answer);
                    # 0: a socket
sent = 0            # <sent> of the last AT#SI answer (a socket: counted since it opened)
stamp = -1          # MOD.secCounter() of the last AT#SI (online) or AT#SS (command
                    # mode) question
mode = 0            # #SD <connMode> of the next client socket: 1 command mode
                    # (AT#SSENDEXT=? was answered at boot, gwnet.init), 0 online.  A socket
                    # accepted with #SA and a CSD call are always online (csd, online)
online = 1          # 1: the open connection is online on MDM (read(), DCD), 0: a client
                    # socket in command mode (receive(), send())
tick = 0            # MOD.secCounter() read by the last turn (before its sends)
nap = 0             # tenths of a second slept (sleep()) since that turn, already counted


def count(t, n):
    return divmod(t + n, COUNT_MOD)[1]


def set_cts(v):
    global cts
    if v != cts:
        SER.setCTS(v)
        cts = v


def start(u, d, k):
    # u: device bytes to send first, d: network bytes that came with CONNECT, k: what
    # the connection is ('csd': csd was set by gwnet.answer; 'client': opened by
    # gwnet.dial, in command mode when mode is 1; 'server': accepted, online)
    global up, down, held, armed, last_up, last, mfill, csd, sent, online
    up = u
    down = d
    held = ''
    armed = 0
    last = MOD.secCounter()
    last_up = last              # the guard silence counts from CONNECT too (6.7)
    mfill = 0                   # MDM left command mode with its buffer empty
    if k != 'csd':
        csd = 0
    sent = 0                    # #SI counts from the socket's opening (ATR10 p.414)
    online = not mode or k != 'client'
    if not online:
        g.sring = 1             # command mode: bytes may wait from before the OK (#SRECV)
    if u == '':
        set_cts(1)              # else the first turns send u first, then raise it


def drain(t):
    # t tenths of a second surely passed: the UART took rate * t / 10 bytes from SER's
    # buffer, a CSD call csd * t / 10 from MDM's (header).
    global fill, mfill
    fill = fill - rate * t
    if fill < 0:
        fill = 0
    if csd > 0:
        mfill = mfill - csd * t
        if mfill < 0:
            mfill = 0


def sleep(t):
    # The main loop's wait while the bridge may have bytes on their way: MOD.sleep
    # blocks for t/10 s (ES13 3.7.2 p.52), so the lines drained that long.
    global nap
    MOD.sleep(t)
    if nap < 2000:
        nap = nap + t           # (every bound is 0 long before: drain)
    if fill > 0 or csd > 0:
        drain(t)


def si():
    # AT#SI=1 on MDM2 (header): what left the module since the last answer leaves
    # MDM's buffer bound.  <sent> is read by its last 9 digits, modulo COUNT_MOD (ints
    # stay in 32 bits; a socket may carry more than 1 GB).  More than the bound holds
    # cannot have left: such an answer (a counter that restarted) only sets the base.
    # A missing or odd answer changes nothing.
    global mfill, sent
    st, text = atc.cmd(MDM2, 'AT#SI=1', 2)     # a local answer: at once
    v = atc.values(text, '#SI:')
    if st == 'OK' and len(v) == 1 and len(v[0]) == 5 and atc.num(v[0][0]) == 1:
        n = atc.num(v[0][1][-9:])
        if n >= 0:
            d = divmod(n - sent, COUNT_MOD)[1]
            sent = n
            if 10 * d <= mfill:
                mfill = mfill - 10 * d


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


def read(now):
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


# ---- command mode: the socket's bytes only through AT#SSENDEXT and AT#SRECV -----------

def socket_state():
    # AT#SS=1 on MDM2 -> (state 0-5, remote ip, remote port) of the data socket (REFERENCE
    # 6.9: 0 closed, 1 online, 2 suspended, 3 suspended with pending data, 4 listening,
    # 5 incoming), state -1 when there is no answer.  MDM2 is never online, so it answers
    # whatever MDM is doing.
    st, text = atc.cmd(MDM2, 'AT#SS=1', 5)
    for s in atc.ss(text):
        if s[0] == 1:
            return s[1], s[4], s[5]
    return -1, '', 0


def receive(now):
    # The network side of a command-mode turn (read() is the online one).  -> CLOSED or 0.
    # SRING: 1 on MDM announces bytes (#SCFGEXT srMode 0, ATR10 #SCFGEXT; gwnet sets it):
    # they are read with AT#SRECV=1,1500 (1500 the maximum, ATR10 #SRECV, REFERENCE 6.10)
    # while an answer comes full.  The module writes no URC when a command-mode socket
    # closes (ATR10 is silent; docs/emulator-fidelity.md cmd_close_urc): AT#SS=1 tells,
    # asked after 2 s without a byte either way and then every 2 s, and whenever #SRECV
    # or #SSENDEXT fails.  State 3 (bytes pending) also stands for a missed SRING.
    global down, stamp
    if down != '':
        return 0
    new = MDM.read()
    if new != '':
        atc.drain(MDM, new)         # URCs filed; SRING taken out here (gwloop reads the
    i = 0                           # others once a second)
    while i < len(atc._urcs):
        if atc.sring(atc._urcs[i]) == 1:
            del atc._urcs[i]
            g.sring = 1
        else:
            i = i + 1
    if not g.sring:
        if now - last < 2 or now - stamp < 2:
            return 0
        stamp = now
        n = socket_state()[0]
        if n == 0:
            return CLOSED
        if n != 3:
            return 0
    st, text = atc.cmd(MDM, 'AT#SRECV=1,1500', 5)
    i = text.find('\r\n')
    if st == 'OK' and i != -1 and text[:7] == '#SRECV:':
        down = text[i + 2:]
        g.sring = len(down) >= 1500     # full: more may wait
        return 0
    g.sring = 0                     # nothing buffered (an error, ATR10 #SRECV), or closed
    if socket_state()[0] == 0:
        return CLOSED
    return 0


def send(data):
    # AT#SSENDEXT=1,<n> on MDM, then exactly n bytes after the prompt '> ' (ATR10
    # #SSENDEXT p.429: "the device responds to the command with the prompt ... and waits
    # for the data to send"; every byte value is data, no Ctrl-Z or ESC meaning).  A
    # device byte reaches MDM only after that prompt, counted: when the socket is closed
    # the command answers ERROR and nothing is written (ATR10 #SSENDEXT; REFERENCE 6.10).
    # n <= 1500 always fits MDM's empty 4096-byte buffer (REFERENCE 2.0).  -> 1 sent.
    st, text = atc.cmd(MDM, 'AT#SSENDEXT=1,%d' % len(data), 5, '> ')
    if st != 'PROMPT':
        return 0
    st, text = atc.send(MDM, data, 10)
    return st == 'OK'


def turn(now):
    global up, down, armed, last_up, last, tonet, toser, fill, mfill, tick, nap, stamp
    moved = 0
    # Time since the last turn's sends that no sleep() counted (header): whole seconds
    # between the two readings, less 2; 200 s at most (header), as a plain int
    # (secCounter may be a long, REFERENCE.md 2.6; tenths of a gap of years would
    # pass 32 bits as an int).
    n = now - tick - 2
    if n > 0:
        if n > 200:
            n = 200
        n = 10 * int(n) - nap
        if n > 0:
            drain(n)
    tick = now
    nap = 0
    if not online:
        r = receive(now)
    else:
        r = read(now)
    if down != '':
        n = divmod(40960 - fill, 10)[0]     # bytes that surely fit
        if n > PIECE:
            n = PIECE
        if n > 0:
            data = down[:n]
            if SER.send(data) == 1:
                moved = len(data)
                fill = fill + 10 * moved
                toser = divmod(toser + moved, COUNT_MOD)[1]     # count(), inline: every
                down = down[moved:]                             # line of a turn costs
            else:
                fill = 40960
    if r == CLOSED or r == ESCAPED:
        return r
    # device -> network: read SER only when nothing is waiting, so the order is kept
    # (in command mode also while gathering a block, below).  A frame is what the device
    # sends without a pause of quiet s; the per-frame identity goes before one, a
    # heartbeat only in a pause (docs/gateway-runtime.md).
    new = ''
    if up == '' or (not online and len(up) < 1500 and up != beat):
        new = SER.read()
        if prefix != '' and new != '' and up == '' and now - last_up >= quiet:
            new = prefix + new
            extra(prefix)
        up = up + new
    n = 0
    if up != '' and not online and (new == '' or len(up) >= 1500):
        # command mode: a block goes once the device paused for a turn (a read that
        # brought nothing) or 1500 bytes (AT#SSENDEXT's maximum) wait, so a stream at a
        # low baud rate costs one exchange per 1500 bytes, not one per turn; no bound
        # needed on MDM (send()).  The exchange blocks the script (two answers): bytes
        # beyond the block already wait, so the device is held meanwhile and its
        # 4096-byte RX buffer is never at risk (REFERENCE 2.3: no automatic flow control).
        data = up[:1500]
        if len(up) > 1500:
            set_cts(0)
        if send(data):
            n = len(data)
        elif socket_state()[0] == 0:
            return CLOSED               # the bytes go back through finish()
    elif up != '' and online:
        n = divmod(40960 - mfill, 10)[0]    # bytes that surely fit
        if n < PIECE and n < len(up) and csd == 0 and now != stamp:
            stamp = now
            si()                            # it may fit by now: ask (header)
            n = divmod(40960 - mfill, 10)[0]
        if n > PIECE:
            n = PIECE
        data = up[:n]
        if n > 0 and MDM.getDCD() != 0:     # read right before the send (6.6)
            if MDM.send(data, SEND_WAIT) == 1:
                mfill = mfill + 10 * len(data)
            else:
                mfill = 40960
                n = 0
        else:
            n = 0
    if up != '' and n > 0:
        up = up[len(data):]
        armed = 0
        if data == '+++' and up == '' and now - last_up >= 5:
            armed = now
        last_up = now
        moved = moved + len(data)
        tonet = divmod(tonet + len(data), COUNT_MOD)[1]
        if up == '':
            set_cts(1)
    if not online:
        set_cts(len(up) < 1500)     # command mode: held only while a full block waits
    elif up != '':
        set_cts(0)              # bytes wait (no room that surely fits): hold the device
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
    global up, down, held, toser, fill, tick, nap
    n = 0
    while down != '' and n < 100:
        data = down[:divmod(40960 - fill, 10)[0]]
        if len(data) > PIECE:
            data = data[:PIECE]
        if data != '' and SER.send(data) == 1:
            fill = fill + 10 * len(data)
            toser = count(toser, len(data))
            down = down[len(data):]
        else:
            if data != '':
                fill = 40960
            sleep(1)
            n = n + 1
    tick = MOD.secCounter()     # read after the last send: the next turn counts from here
    nap = 0
    left = up
    up = ''
    down = ''
    held = ''
    set_cts(1)
    return left
