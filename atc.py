# atc.py - the one place where the gateway talks AT to the module.  On-module file in
# the dialect (../shared/dialect.md).
#
# cmd(port, line, timeout[, want]) sends one command line on MDM or MDM2 and collects
# the reply up to its final result.  Unsolicited result codes (URCs) seen on the way
# are kept for the caller (urcs()), never dropped.  The parsers below turn reply text
# into plain values.  Nothing raises: every outcome is a returned value.
#
# Framing relied on (REFERENCE.md 5.6, ATE0/ATV1, the MDM/MDM2 defaults, 2.1):
#   information lines and URCs:  \r\n<line>\r\n      final result:  \r\nOK\r\n
#   several information lines:   \r\n<a>\r\n<b>\r\n  (only the first is framed)
#   SMS text after +CMGL/+CMGR:  \r\n+CMGL: ...\r\n<text>\r\n
#   prompts (no final \r\n):     \r\n> (+CMGS)   \r\n>>> (#WSCRIPT)
#                                > (#SSEND: "the prompt '>' <greater_than><space>", no
#                                CR LF before it, ATR10 p.428): a prompt is taken framed
#                                or not
# A line is "framed" when an empty line (\r\n) comes right before it.  Final results
# and URCs are always framed; an unframed line continues the line before it (an SMS
# text, a second information line), so an SMS saying "OK" never ends a reply.

import MOD

SEND_WAIT = 20      # MDM.send flow-control wait, 1/10 s (REFERENCE.md 2.1)
# Written in place (each name is an entry of the names table, docs/gateway-runtime.md):
# 80 characters, the command line buffer: longer lines give ERROR (REFERENCE.md 5.5);
# 10, one receive() wait, 1/10 s: receive returns at the first chunk (2.0); the URC
# prefixes (is_urc), the connection commands (conn_command) and the connection results
# 'NO CARRIER', 'BUSY', 'NO ANSWER', 'NO DIALTONE' (REFERENCE.md 5.7): they end a command
# only when the command can open or close a connection; anywhere else they are kept as
# URCs (a socket that closed while we were busy on another command).

DIGITS = '0123456789'

_urcs = []          # URCs not yet taken by the caller, oldest first
_tails = {}         # id(port) -> bytes of an incomplete line left after the last call
_data = {}          # id(port) -> payload that came in the same chunk as CONNECT


def urcs():
    # -> every URC line collected so far (oldest first), and forget them.  A URC with
    # a continuation line (+CMT: ... then the text) comes as one string joined by \r\n.
    out = _urcs[:]
    del _urcs[:]
    return out


def take_data(port):
    # -> payload bytes that arrived right behind CONNECT in the same chunk (#SO resumes
    # with the data buffered meanwhile, REFERENCE.md 6.6).  Forward them first.
    v = _data.get(id(port))
    if v is None:
        return ''
    _data[id(port)] = ''
    return v


def verb(line):
    # 'AT+CREG?' -> '+CREG', 'AT#SGACT=1,1' -> '#SGACT', 'ATA' -> 'A'.
    s = line[2:]
    i = 0
    while i < len(s) and s[i] != '=' and s[i] != '?':
        i = i + 1
    return s[:i]


def conn_command(line):
    # 1 for a command that can open or close a connection (REFERENCE.md 5.7)
    u = line.upper()
    for p in ('ATD', 'ATA', 'ATO', 'ATH', 'AT#SD=', 'AT#SO=', 'AT#SA=', 'AT#SKTD',
              'AT#SKTOP', 'AT#SKTL'):
        if u[:len(p)] == p:
            return 1
    return 0


def is_urc(line):
    # Lines that start with one of these are URCs, unless they answer the command being
    # run (AT+CREG? -> +CREG: 0,1 is the reply, not a URC).  SRING in all three
    # spellings (REFERENCE.md 6.3, 6.11); +CMTI (8.2); RING/+CRING/+CLIP (section 9);
    # #SGACT: <ip> with #SGACTCFG (6.1); listener aborts (6.11, 6.12); +CREG/+CGREG.
    for p in ('SRING', '+SRING', 'RING', '+CRING:', '+CLIP:', '+CMTI:', '+CMT:',
              '+CDSI:', '+CDS:', '+CREG:', '+CGREG:', '#SGACT:', '#SL:',
              '#SLUDP:', '#SKTL:', '+CONN FROM:', '+CGEV:'):
        if line[:len(p)] == p:
            return 1
    return 0


def scan(buf, framed, last, vb, conn, want, info):
    # Consume the complete lines at the start of buf.  Information lines go to the
    # list info, URCs to _urcs.  -> (status, rest, framed, last): status is '' (need
    # more bytes) or the final result; rest is what follows the final result (or the
    # incomplete line when status is '').  last is 'u' or 'i': where the previous
    # line went, for unframed continuation lines.
    while 1:
        if buf[:2] == '\r\n':
            framed = 1
            buf = buf[2:]
            continue
        i = buf.find('\r\n')
        if i == -1:
            if want != '' and buf[:len(want)] == want:
                return 'PROMPT', buf[len(want):], 0, last
            if framed:
                # keep the empty line: it is what makes the next line framed
                buf = '\r\n' + buf
            return '', buf, 0, last
        line = buf[:i]
        n = length(vb, line)
        if n >= 0:
            # A message header with its text length (+CSDH=1, ATR10 +CMGL/+CMGR, SELINT 2):
            # the text follows raw, CR LF, blank lines, "OK" and URC look-alikes included,
            # so it is taken by its length and never scanned for framing (docs/gateway.md
            # 5.1).  The module prints a GSM-alphabet text one character per character in
            # the IRA set (+CSCS); an 8-bit, UCS2 or UDH text as hex digits, two per octet,
            # so a text line longer than the length is hex (or a miscount) and is taken
            # whole.  A CR LF inside the first n characters is part of the text when the
            # n characters are followed by CR LF.
            j = buf.find('\r\n', i + 2)
            if j != -1 and j < i + 2 + n and buf[i + 2 + n:i + 4 + n] == '\r\n':
                j = i + 2 + n
            elif j != -1 and j < i + 2 + n and len(buf) < i + 4 + n:
                j = -1
            if j == -1:
                if framed:
                    buf = '\r\n' + buf
                return '', buf, 0, last     # the whole text is not there yet
            info.append(line)
            if vb == '#SRECV':
                info.append(buf[i + 2:j])   # the socket's bytes, exact (length())
            else:
                info.append(buf[i + 2:j].replace('\r', '\n'))   # one element: see cmgl()
            buf = buf[j + 2:]
            framed = 0
            last = 'i'
            continue
        buf = buf[i + 2:]
        if not framed:
            # continuation of the previous line (SMS text, a further info line)
            if last == 'u' and len(_urcs) > 0:
                _urcs[-1] = _urcs[-1] + '\r\n' + line
            else:
                info.append(line)
            continue
        framed = 0
        if line == 'OK':
            return 'OK', buf, 0, last
        if line == 'ERROR' or line[:11] == '+CME ERROR:' or line[:11] == '+CMS ERROR:':
            info.append(line)
            return 'ERROR', buf, 0, last
        if conn and line[:7] == 'CONNECT':
            info.append(line)
            return 'CONNECT', buf, 0, last
        if conn and line in ('NO CARRIER', 'BUSY', 'NO ANSWER', 'NO DIALTONE'):
            info.append(line)
            return 'NO CARRIER', buf, 0, last
        if vb != '' and line[:len(vb) + 1] == vb + ':':
            info.append(line)
            last = 'i'
        elif is_urc(line) or line[:7] == 'CONNECT' or \
                line in ('NO CARRIER', 'BUSY', 'NO ANSWER', 'NO DIALTONE'):
            _urcs.append(line)
            last = 'u'
        else:
            info.append(line)
            last = 'i'


def length(vb, line):
    # The <length> field of a +CMGL/+CMGR header of the command being run (vb), printed
    # last with +CSDH=1: 7 fields in a +CMGL line, 11 or 12 in +CMGR (ATR10 +CMGL,
    # +CMGR, #SMSMODE=1).  -> the text length, or -1 (no header, +CSDH=0, or a status
    # report, which has no text: the gateway asks for none, +CSMP default <fo> 17).
    # #SRECV's header '#SRECV: <connId>,<n>' is followed by exactly <n> bytes read from
    # the socket, then CR LF (ATR10 #SRECV, REFERENCE 6.10; recvDataMode 0, text): taken
    # by the count the same way, so no byte value in them is ever framing.
    if vb == '#SRECV' and line[:7] == '#SRECV:':
        f = line[7:].split(',')         # two plain numbers: no quotes to honour, and
        if len(f) == 2:                 # fields() costs a line per character
            return num(trim(f[1]))
        return -1
    if (vb != '+CMGL' and vb != '+CMGR') or line[:6] != vb + ':':
        return -1
    f = fields(line[6:])
    if len(f) == 7 or len(f) > 10:
        return num(f[-1])
    return -1


def drain(port, data):
    # File the URCs in data (plus what was left from before) for port.  Stale final
    # results and information lines (the tail of an earlier command that timed out)
    # are dropped.  An incomplete line is kept for the next call, but only when it can
    # be the start of a framed line; anything else is stale data-mode residue.
    buf = _tails.get(id(port))
    if buf is None:
        buf = ''
    buf = buf + data
    st = 'x'
    while st != '':
        st, buf, framed, last = scan(buf, 0, 'i', '', 0, '', [])
    if buf[:1] != '\r':
        buf = ''
    _tails[id(port)] = buf


def poll(port, timeout):
    # Wait up to timeout (1/10 s; 0 = do not wait) for URCs on an idle port, e.g. MDM2
    # while MDM carries data.  -> the number of URCs waiting in urcs().
    if timeout > 0:
        data = port.receive(timeout)
    else:
        data = port.read()
    if data != '':
        drain(port, data)      # nothing new: nothing to file (the main loop's idle turn)
    return len(_urcs)


def receive(port, vb, conn, want, timeout):
    # Receive until a final result, the wanted prompt, or timeout seconds (measured
    # with MOD.secCounter(), REFERENCE.md 2.6, and, should the clock be set while we
    # wait, also bounded by counting empty receive() calls of 1 s each).
    buf = _tails.get(id(port))
    if buf is None:
        buf = ''
    _tails[id(port)] = ''
    info = []
    framed = 0
    last = 'i'
    start = MOD.secCounter()
    n = 0
    now = start
    while 1:
        st, buf, framed, last = scan(buf, framed, last, vb, conn, want, info)
        if st != '':
            break
        if now < start:
            start = now
        if now - start > timeout or n > timeout:
            # what came so far, the incomplete last line included, is the text
            if buf[:2] == '\r\n':
                buf = buf[2:]
            if buf != '':
                info.append(buf)
            return 'TIMEOUT', '\r\n'.join(info)
        data = port.receive(10)
        if data == '':
            n = n + 1
        else:
            buf = buf + data
        now = MOD.secCounter()
    if st == 'CONNECT':
        _data[id(port)] = buf
    else:
        drain(port, buf)
    return st, '\r\n'.join(info)


def cmd(port, line, timeout, want=''):
    # Send one AT command line (without '\r') on port (MDM or MDM2) and wait up to
    # timeout seconds.  want: a prompt that ends the exchange, '> ' for +CMGS/#SSEND.
    # -> (status, text).  status: 'OK', 'ERROR' (also +CME/+CMS ERROR), 'CONNECT',
    # 'NO CARRIER' (also BUSY, NO ANSWER, NO DIALTONE; only for connection commands),
    # 'PROMPT', 'TIMEOUT' (also: the line could not be sent).  text: the information
    # lines joined by '\r\n', then the final line itself unless it was OK or a prompt.
    if len(line) > 80:
        return 'ERROR', 'line longer than 80 characters'
    drain(port, port.read())
    if port.send(line + '\r', SEND_WAIT) != 1:
        return 'TIMEOUT', ''
    return receive(port, verb(line), conn_command(line), want, timeout)


def send(port, data, timeout):
    # Send data that is not a command line, e.g. the SMS text plus chr(26) after the
    # +CMGS prompt (REFERENCE.md 8.4), and wait for the final result as cmd() does.
    if port.send(data, SEND_WAIT) != 1:
        return 'TIMEOUT', ''
    return receive(port, '', 0, '', timeout)


# ---- a command that runs while the caller does other work ---------------------------
# begin() sends the line and returns at once; check() reads what has arrived, never
# waits, and gives ('', '') until the final result.  The gateway dials (#SD takes up to
# connTo, REFERENCE.md 5.10) this way so that it keeps reading the serial port meanwhile.
# Same results, framing and URC handling as cmd().  One such command per port.

_open = {}          # id(port) -> [verb, conn, buf, last, info, start] of a begun command


def begin(port, line):
    # -> ('', '') when the line was sent, ('ERROR', why) or ('TIMEOUT', '') when not.
    if len(line) > 80:
        return 'ERROR', 'line longer than 80 characters'
    drain(port, port.read())
    if port.send(line + '\r', SEND_WAIT) != 1:
        return 'TIMEOUT', ''
    buf = _tails.get(id(port))
    if buf is None:
        buf = ''
    _tails[id(port)] = ''
    _open[id(port)] = [verb(line), conn_command(line), buf, 'i', [], MOD.secCounter()]
    return '', ''


def check(port, timeout):
    # Non-blocking: -> ('', '') while the command begun on port runs, else (status, text)
    # as cmd() gives them; 'TIMEOUT' once timeout seconds have passed since begin() (or
    # when nothing was begun).
    st = _open.get(id(port))
    if st is None:
        return 'TIMEOUT', ''
    vb, conn, buf, last, info, start = st
    status, buf, framed, last = scan(buf + port.read(), 0, last, vb, conn, '', info)
    if status == '':
        now = MOD.secCounter()
        if now < start:
            start = now         # the clock was set backwards meanwhile
        if now - start <= timeout:
            _open[id(port)] = [vb, conn, buf, last, info, start]
            return '', ''
        del _open[id(port)]
        if buf[:2] == '\r\n':
            buf = buf[2:]
        if buf != '':
            info.append(buf)
        return 'TIMEOUT', '\r\n'.join(info)
    del _open[id(port)]
    if status == 'CONNECT':
        _data[id(port)] = buf
    else:
        drain(port, buf)
    return status, '\r\n'.join(info)


# ---- parsers: each takes the text from cmd() (or one URC line) -----------------------

def num(s):
    # decimal digits only, at most 9 -> int, else -1
    if len(s) < 1 or len(s) > 9:
        return -1
    for c in s:
        if DIGITS.find(c) == -1:
            return -1
    return int(s)


def trim(s):
    # remove spaces and tabs around s (ASCII only)
    i = 0
    j = len(s)
    while i < j and (s[i] == ' ' or s[i] == '\t'):
        i = i + 1
    while j > i and (s[j - 1] == ' ' or s[j - 1] == '\t'):
        j = j - 1
    return s[i:j]


def fields(s):
    # 'a,"b,c", d' -> ['a', 'b,c', 'd']: split on commas outside double quotes, drop
    # the quotes and the surrounding spaces.
    out = []
    cur = []
    q = 0
    for c in s:
        if c == '"':
            q = 1 - q
        elif c == ',' and not q:
            out.append(trim(''.join(cur)))
            cur = []
        else:
            cur.append(c)
    out.append(trim(''.join(cur)))
    return out


def values(text, prefix):
    # The fields of every line of text that starts with prefix (e.g. '+CSQ:').
    out = []
    for line in text.split('\r\n'):
        if line[:len(prefix)] == prefix:
            out.append(fields(line[len(prefix):]))
    return out


def serial_no(text, prefix):
    # An identity number from its reply: +CGSN answers the IMEI as a bare line, #CCID
    # as '#CCID: <ICCID>' (AT Commands Reference Guide r10, +CGSN and #CCID; some ICCIDs
    # end in hex 'F').  -> 6-22 digits or upper-case hex letters, or '' when absent.
    for line in text.split('\r\n'):
        if line[:len(prefix)] == prefix:
            v = trim(line[len(prefix):])
            ok = len(v) >= 6 and len(v) <= 22
            for c in v:
                if '0123456789ABCDEF'.find(c) == -1:
                    ok = 0
            if ok:
                return v
    return ''


def is_ip(s):
    parts = s.split('.')
    if len(parts) != 4:
        return 0
    for p in parts:
        n = num(p)
        if n < 0 or n > 255 or len(p) > 3:
            return 0
    return 1


def csq(text):
    # '+CSQ: 15,0' (REFERENCE.md 5.6) -> (rssi, ber); rssi 0-31 or 99 unknown.
    # -> None when absent.
    v = values(text, '+CSQ:')
    if len(v) == 0 or len(v[0]) < 2:
        return None
    r = (num(v[0][0]), num(v[0][1]))
    if r[0] < 0 or r[1] < 0:
        return None
    return r


def reg(text, prefix):
    # Registration state from '+CREG:' or '+CGREG:' (prefix without the colon):
    #   read form  '+CREG: <n>,<stat>[,<lac>,<ci>]'  (AT+CREG?)
    #   URC        '+CREG: <stat>'  or  '+CREG: <stat>,<lac>,<ci>'
    # -> stat (1 home, 5 roaming = registered; 0, 2, 3, 4 not), or -1.
    v = values(text, prefix + ':')
    if len(v) == 0:
        return -1
    f = v[0]
    if len(f) == 2 or len(f) == 4:
        return num(f[1])
    return num(f[0])


def sgact_ip(text):
    # '#SGACT: 10.20.30.40' or '#SGACT: "212.195.45.65"' (REFERENCE.md 6.4: both
    # spellings occur) -> the ip, or '' (also for the read form '#SGACT: 1,1').
    for f in values(text, '#SGACT:'):
        if len(f) == 1 and is_ip(f[0]):
            return f[0]
    return ''


def sgact_state(text, n):
    # Read form of AT#SGACT?: '#SGACT: <cid>,<stat>' lines (6.4) -> stat 0/1 of context
    # n, or -1.
    for f in values(text, '#SGACT:'):
        if len(f) == 2 and num(f[0]) == n:
            return num(f[1])
    return -1


def ip_reply(text):
    # '+IP: <ip>' from the legacy AT#GPRS=1 (REFERENCE.md 6.4) -> ip or ''.
    for f in values(text, '+IP:'):
        if len(f) == 1 and is_ip(f[0]):
            return f[0]
    return ''


def ss(text):
    # '#SS: <connId>,<state>[,<locIP>,<locPort>[,<remIP>,<remPort>]]' lines
    # (REFERENCE.md 6.9; state 0 closed, 1 online, 2 suspended, 3 suspended with data,
    # 4 listening, 5 incoming waiting for #SA) -> list of
    # (connId, state, locIP, locPort, remIP, remPort); missing fields are '' and 0.
    out = []
    for f in values(text, '#SS:'):
        if len(f) < 2 or num(f[0]) < 0 or num(f[1]) < 0:
            continue
        while len(f) < 6:
            f.append('')
        lport = num(f[3])
        rport = num(f[5])
        if lport < 0:
            lport = 0
        if rport < 0:
            rport = 0
        out.append((num(f[0]), num(f[1]), f[2], lport, f[4], rport))
    return out


def si(text):
    # '#SI: <connId>,<sent>,<received>,<buff_in>,<ack_waiting>' lines (REFERENCE.md
    # 6.9) -> list of 5-tuples of ints.
    out = []
    for f in values(text, '#SI:'):
        if len(f) != 5:
            continue
        t = (num(f[0]), num(f[1]), num(f[2]), num(f[3]), num(f[4]))
        if not (-1 in t):
            out.append(t)
    return out


def cmgs(text):
    # '+CMGS: <mr>' after the text is sent (REFERENCE.md 8.4) -> mr, or -1.
    v = values(text, '+CMGS:')
    if len(v) == 0:
        return -1
    return num(v[0][0])


def cme(text):
    # '+CME ERROR: 555' / '+CMS ERROR: 302' (REFERENCE.md 5.8, 5.9) -> the code, or -1
    # (also for plain ERROR and for verbose +CMEE=2 texts).
    for p in ('+CME ERROR:', '+CMS ERROR:'):
        v = values(text, p)
        if len(v) > 0:
            return num(v[0][0])
    return -1


def sring(line):
    # 'SRING: 1', 'SRING : 1', '+SRING : 1' (REFERENCE.md 6.11: all three occur),
    # with srMode 1/2 also 'SRING: 2,15' and 'SRING: 3,15,<data>' (6.3) -> connId or -1.
    s = line
    if s[:1] == '+':
        s = s[1:]
    if s[:5] != 'SRING':
        return -1
    s = trim(s[5:])
    if s[:1] != ':':
        return -1
    s = trim(s[1:])
    i = s.find(',')
    if i != -1:
        s = s[:i]
    return num(s)


def cmti(line):
    # '+CMTI: "SM",3' (REFERENCE.md 8.2) -> (memory, index), or None.
    if line[:6] != '+CMTI:':
        return None
    f = fields(line[6:])
    if len(f) != 2 or num(f[1]) < 0:
        return None
    return f[0], num(f[1])


def clip(line):
    # '+CLIP: "<number>",<type>,...' (REFERENCE.md section 9) -> number, or ''.
    if line[:6] != '+CLIP:':
        return ''
    return fields(line[6:])[0]
