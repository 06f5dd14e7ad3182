# updater.py - the remote update: download a release over GPRS, stage and check every
# file, then switch the version pointer (gwboot.py) and restart.  Loaded only when an
# update is asked for (gwboot.need), so its names do not load at start-up.  On-module
# file in the dialect; docs/update.md describes the whole.
#
# One bounded step per turn of the main loop (gwupd.turn): SMS, the watchdog and the
# bridge keep running.  Nothing runs while a connection is open (the busy rule,
# docs/gateway.md 1.1); a file being fetched then is fetched again afterwards.
#
# Download (REFERENCE.md 6.5, 6.10): socket 2 on MDM2 in command mode (#SD ... ,1),
# so MDM keeps its listener or its connection and MDM2 stays the control instance.
# Closure type 255: with 0 the "local host closes immediately when remote host has
# closed" (ATR10 p.422 #SD), and an HTTP/1.0 server closes right behind the last byte,
# so the tail not yet read with #SRECV could go with the socket.  With 255 the socket
# stays until our #SH, and a reply is complete when its length is in (the manifest's
# length for a file, Content-Length for the manifest): the close is not waited for.
# The request is a plain HTTP/1.0 GET sent with #SSEND (works on every firmware; the
# manuals show no FTP commands for the GC864-PY, only FTP error codes, 5.8).  The reply
# is read with #SRECV in hex (#SCFGEXT recvDataMode 1, 6.3): binary data then can never
# pass for an AT result line.
#
# Staging (REFERENCE.md 3): each file goes to u<target><nn>.pyo of the target that is not
# running, its length and md5 checked as it arrives and again from the flash; the flash
# room and the file count are checked first (#LSCRIPT, 4.4).  Only then the target's
# manifest u<target>.man and the pointer are written: a power cut anywhere before leaves
# the running version as it was.

import MOD
import MDM2
import md5
import atc
import config_store
import gwboot
import gwnet
import gwsms
import gwstate
import sms_commands
import values

g = gwstate

# The figures, written in place (each name is an entry of the names table,
# docs/gateway-runtime.md "The names table"):
#   2      connId of the download (1 is the gateway's data socket); its set-up: context
#          1, automatic packets, 90 s idle close, connTo 10 s, txTo 1 s; SRING without
#          data, received data in hex, no keepalive (6.2, 6.3; #SCFGEXT in the 4-field
#          form every 7.x firmware takes, gwnet.context_lines)
#   1500   bytes per #SRECV, its maximum (6.10); 4 #SRECV per step: about 6 KB, a
#          fraction of a second
#   35     s for #SD: DNS (up to 20 s, REFERENCE.md 5.10) plus connTo 10 s plus 5 s
#   60     s without a byte: the server is gone
#   4000   bytes of a manifest;  2000  bytes of HTTP reply headers;  40 files at most
#   16384  flash bytes left free besides the release (REFERENCE.md 3: the free figure
#          may be inexact);  250  files on the flash after staging (limit 255)

host = ''
port = 80
path = ''           # the manifest's path on the server
who = ''            # the phone that asked
ver = ''            # the version being installed
target = ''         # the slot staged into ('a' or 'b')
items = []          # (module, length, md5 hex, 'boot'|'lazy')
idx = -1            # the file being fetched, -1: the manifest
state = ''          # the download's state: 'get', 'read' (the reply), 'check'; '': no update running
head = ''           # HTTP reply headers so far
body = 0            # 1: in the reply's body (the headers are read)
parts = []          # the manifest's bytes
count = 0           # bytes of the file (or manifest) so far
length = -1         # bytes the body has (Content-Length or the manifest), -1: unknown
m = None            # md5 of the file so far
f = None            # its staging file
last = 0            # when the last byte came
table = {}          # 'A7' -> chr(167)


def start(text, sender, busy):
    global host, port, path, who, ver, target, idx, state, table, items
    w = sms_commands.words(text)
    if len(w) != 3:
        return 'Error: use update http://<server>[:<port>]/<path>/manifest.txt'
    if state != '':
        return 'Error: an update is already running, %d of %d files' % (idx + 1, len(items))
    if gwboot.armed and gwboot.ptr['state'] == 'trial':
        return 'Error: update %s is not confirmed yet, try again later' % gwboot.ptr['ver']
    # the url: 'http://host[:port]/path' (host, port, path set)
    bad = 'Error: url must be http://<server>[:<port>]/<path>'
    if config_store.low(w[2][:7]) != 'http://':
        return bad
    rest = w[2][7:]
    i = rest.find('/')
    if i < 1 or len(rest) > 120:
        return bad
    u = rest[:i].split(':')     # host, port
    p = 80
    if len(u) == 2:
        p = config_store.num(u[1], 65535)
    if len(u) > 2 or p < 1 or not config_store.host_ok(u[0]):
        return bad
    for c in rest[i:]:
        if ord(c) < 33 or ord(c) > 126 or c == '"' or c == '\\':
            return bad
    host = u[0]
    port = p
    path = rest[i:]
    if len(table) == 0:
        for i in range(256):
            table['%02X' % i] = chr(i)
    who = sender
    ver = ''
    target = ''
    idx = -1
    items = []
    state = 'get'
    r = 'Confirmed: update from %s started' % sms_commands.shown(w[2], g.cfg['password'])
    if busy:
        r = r + ' (starts when the current connection closes)'
    g.trace('update from http://%s:%d%s' % (host, port, path))
    return sms_commands.fit(r)


def step():
    # One bounded piece of work.  -> bytes moved (the loop does not wait after one).
    global state, f
    if state == '' or not (g.state in ('listening', 'idle', 'dial')):
        if state == 'read' and g.online():
            close()
            if f is not None:
                f.close()
                f = None
            state = 'get'       # fetched again once the connection is over
        return 0
    # The loop does not wait on MDM after a turn that moved bytes: read its URCs here,
    # so an SRING or RING meanwhile is acted on at the next turn (gwloop.urcs).
    atc.poll(gwnet.MDM, 0)
    if state == 'get':
        return get()
    if state == 'read':
        return read()
    return check()


def name(n):
    return 'u%s%02d.pyo' % (target, n)


def get():
    # Open the socket and send the request for the manifest or file idx.
    global state, head, body, count, m, f, last, parts
    if idx < 0:
        bad = gwnet.run(MDM2, ('AT#SCFG=2,1,0,90,100,10', 'AT#SCFGEXT=2,0,1,0'), 5)
        if bad != '':
            return failed('socket set-up: ' + bad)
        p = path
    else:
        # the files are beside the manifest: its path up to the last '/'
        p = path[:path.rfind('/') + 1] + items[idx][0] + '.pyo'
    st, t = atc.cmd(MDM2, 'AT#SD=2,0,%d,"%s",255,0,1' % (port, host), 35)
    if st != 'OK':
        return failed('server not reachable (%s %s)' % (st, t))
    st, t = atc.cmd(MDM2, 'AT#SSEND=2', 5, '> ')
    if st == 'PROMPT':
        st, t = atc.send(MDM2, 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n%s' % (p, host, chr(26)),
                         20)
    if st != 'OK':
        close()
        return failed('request not sent (%s)' % st)
    head = ''
    body = 0            # 1: in the reply's body (the headers are read)
    count = 0
    parts = []
    m = md5.new()
    if idx >= 0:
        try:
            f = open(name(idx), 'wb')
        except IOError:
            close()
            return failed('cannot write ' + name(idx))
    last = MOD.secCounter()
    state = 'read'
    return 1


def close():
    atc.cmd(MDM2, 'AT#SH=2', 10)        # OK even when closed (6.6)


def read():
    global last
    moved = 0
    n = 0
    while n < 4:
        st, t = atc.cmd(MDM2, 'AT#SRECV=2,1500', 5)
        if st != 'OK':
            break               # nothing buffered (an error, 6.10)
        data = decode(t)
        if data is None:
            return failed('bad #SRECV reply')
        bad = write(data)
        if bad != '':
            return failed(bad)
        moved = moved + len(data)
        n = n + 1
    if body and count == length:
        return closed()         # all of it: the server's close is not waited for
    now = MOD.secCounter()
    if moved > 0:
        last = now
        return moved
    st, t = atc.cmd(MDM2, 'AT#SS=2', 5)
    for s in atc.ss(t):
        if s[0] == 2 and s[1] == 0:
            return closed()       # closed by the server, everything read (6.9)
    if now - last > 60:
        return failed('no data from the server for 60 s')
    atc.poll(gwnet.MDM, 1)      # 0.1 s for more data (and MDM's URCs), then the next turn
    return 1


def decode(t):
    # '#SRECV: 2,<n>' then <n> bytes as 2n hex digits -> the bytes, or None
    lines = t.split('\r\n')
    v = atc.values(lines[0], '#SRECV:')
    if len(lines) < 2 or len(v) != 1 or len(v[0]) != 2:
        return None
    s = lines[1].upper()
    if atc.num(v[0][1]) * 2 != len(s):
        return None
    # four bytes a line: a quarter of the loop's work per byte (the CPU is slow, 10.2)
    t = table
    out = []
    n = len(s) - len(s) % 8
    try:
        for i in range(0, n, 8):
            out.append(t[s[i:i + 2]] + t[s[i + 2:i + 4]] + t[s[i + 4:i + 6]] + t[s[i + 6:i + 8]])
        for i in range(n, len(s), 2):
            out.append(t[s[i:i + 2]])
    except KeyError:
        return None
    return ''.join(out)


def write(data):
    # Bytes of the HTTP reply.  -> '' or what is wrong.
    global head, body, count, length
    if not body:
        head = head + data
        i = head.find('\r\n\r\n')
        if i == -1:
            if len(head) > 2000:
                return 'not an HTTP reply'
            return ''
        w = head[:head.find('\r\n')].split(' ')
        if len(w) < 2 or w[0][:5] != 'HTTP/':
            return 'not an HTTP reply'
        if atc.num(w[1]) != 200 or len(w[1]) != 3:
            return 'the server answered %s for %s' % (w[1][:3], shown())
        length = -1
        for line in head[:i].split('\r\n'):
            if config_store.low(line[:15]) == 'content-length:':
                length = atc.num(atc.trim(line[15:]))
        if idx >= 0:
            length = items[idx][1]
        data = head[i + 4:]
        head = ''
        body = 1
    count = count + len(data)
    if idx < 0:
        if count > 4000:
            return 'manifest longer than 4000 bytes'
        parts.append(data)
        return ''
    if count > items[idx][1]:
        return '%s longer than %d bytes' % (shown(), items[idx][1])
    m.update(data)
    try:
        f.write(data)
    except IOError:
        return 'flash write failed in ' + shown()
    return ''


def shown():
    if idx < 0:
        return 'the manifest'
    return items[idx][0] + '.pyo'


def closed():
    # The server closed the connection: the file is complete, or not.
    global f, idx, state
    close()
    if not body:
        return failed('no reply from the server for ' + shown())
    if idx < 0:
        bad = manifest(''.join(parts))
        if bad == '':
            bad = scan()
        if bad != '':
            return failed(bad)
        idx = 0
        state = 'get'
        return 1
    e = items[idx]
    f.close()
    f = None
    if count != e[1]:
        return failed('%s truncated, %d of %d bytes' % (shown(), count, e[1]))
    if gwboot.hexd(m.digest()) != e[2]:
        return failed('%s md5 mismatch' % shown())
    idx = idx + 1
    state = 'get'
    if idx == len(items):
        flashflush()            # on the flash before it is read back (REFERENCE.md 1.4)
        state = 'check'
        idx = 0
    return 1


def manifest(text):
    # 'gwrel1', 'version=<v>', then 'file=<module> <length> <md5> <boot|lazy>' lines
    # (tools/release.py).  -> '' (ver, items set) or what is wrong.
    global ver, items
    lines = text.split('\n')
    if len(lines) < 4 or lines[-1] != '' or text[:7] != 'gwrel1\n':
        return 'not a release manifest'
    if lines[1][:8] != 'version=' or not values.word_ok(lines[1][8:], 12):
        return 'bad version in the manifest'
    v = lines[1][8:]
    out = []
    seen = []
    for line in lines[2:-1]:
        # a module name: lower-case letters, digits, '_' (w[0] never holds the space
        # in the alphabet below, a split on spaces: it keeps the text out of the table)
        w = line[5:].split(' ')
        if line[:5] != 'file=' or len(w) != 4 or not \
                values.word_ok(w[0], 12, 'abcdefghijklmnopqrstuvwxyz0123456789_ '):
            return 'bad manifest line'
        n = config_store.num(w[1], 16383)      # the length
        # the md5: 32 lower-case hex digits
        if n < 1 or len(w[2]) != 32 or not values.word_ok(w[2].upper(), 32, values.HEX) or \
                values.low(w[2]) != w[2]:
            return 'bad length or md5 for ' + w[0]
        # (a list split at run time: runtime strings are not interned)
        if not (w[3] in 'boot lazy'.split(' ')) or seen.count(w[0]) > 0:
            return 'bad manifest line for ' + w[0]
        if w[0] == 'gwboot' or w[0] + '.py' == 'gateway.py':
            return w[0] + ' cannot be updated remotely'
        seen.append(w[0])
        out.append((w[0], n, w[2], w[3]))
    if len(out) > 40 or seen.count('gwloop') == 0 or seen.count('updater') == 0:
        return 'the manifest lacks gwloop or updater, or has over 40 files'
    ver = v
    if v == gwboot.version()[1]:
        return 'version %s is running already' % v
    items = out
    return ''


def scan():
    # The target that is not running; empty it of an earlier attempt, then check the room.
    global target
    cur = gwboot.version()[0]
    target = 'a'
    if cur == 'a':
        target = 'b'
    st, t = atc.cmd(MDM2, 'AT#LSCRIPT', 10)
    if st != 'OK':
        return 'flash listing failed'
    left = -1                   # free bytes
    count = 0
    for v in atc.values(t, '#LSCRIPT:'):
        if len(v) == 1 and v[0][:11] == 'free bytes:':
            left = atc.num(atc.trim(v[0][11:]))
        elif len(v) == 2:
            count = count + 1
            if v[0] == 'u%s.man' % target or (v[0][:2] == 'u' + target and len(v[0]) == 8 and
                                            v[0][-4:] == '.pyo' and atc.num(v[0][2:4]) >= 0):
                try:
                    unlink(v[0])
                    left = left + atc.num(v[1])
                    count = count - 1
                except IOError:
                    pass
    need = 4000 + 16384
    for e in items:
        need = need + e[1]
    if left < need or count + len(items) + 1 > 250:
        return 'flash full, needs %d bytes, %d free, %d files' % (need, left, count)
    g.trace('update %s: %d files into target %s' % (ver, len(items), target))
    return ''


def check():
    # Read each staged file back from the flash, one per step, then switch.
    global idx
    e = items[idx]
    try:
        f = open(name(idx), 'rb')
        data = f.read(e[1] + 1)
        f.close()
    except IOError:
        data = ''
    if len(data) != e[1] or gwboot.hexd(md5.new(data).digest()) != e[2]:
        return failed(name(idx) + ' differs on the flash')
    idx = idx + 1
    if idx < len(items):
        return 1
    return switch()


def switch():
    # the manifest, then the version pointer (gwboot.switch), then a restart
    global state
    body = ['gwrel1\nversion=%s\n' % ver]
    for e in items:
        body.append('file=%s %d %s %s\n' % e)
    body = ''.join(body)
    text = body + 'md5=' + gwboot.hexd(md5.new(body).digest()) + '\n'
    name = 'u%s.man' % target
    try:
        f = open(name, 'w')
        f.write(text)
        f.close()
        flashflush()
        f = open(name, 'r')
        data = f.read(len(text) + 1)
        f.close()
    except IOError:
        data = ''
    if data != text:
        return failed('could not write ' + name)
    if not gwboot.switch(target, ver, who):
        return failed('could not write the version pointer')
    state = ''
    g.restart('update %s installed' % ver)
    return 1


def failed(why):
    # Give up: the running version is untouched; remove what was staged, tell the phone.
    global state, f
    if f is not None:
        try:
            f.close()
        except IOError:
            pass
        f = None
    if state == 'read':
        close()
    state = ''
    if target != '':
        for n in range(len(items)):
            try:
                unlink(name(n))
            except IOError:
                pass
    text = 'Error: update failed: ' + why
    if ver != '':
        text = 'Error: update %s failed: %s' % (ver, why)
    text = sms_commands.fit(text + ', still running ' + gwboot.version()[1])
    g.trace(text)
    gwsms.reply(who, text)
    return 0
