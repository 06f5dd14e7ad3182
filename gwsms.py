# gwsms.py - SMS commands on MDM2: read the SIM store, delete each message, handle it
# (sms_commands.py), save a changed configuration (config_store.py), reply.  Works the
# same whether a connection is open or not, because MDM2 is never online (REFERENCE.md
# 6.13, 8.6).  On-module file in the dialect.
#
#   poll(cfg, status, update) -> (cfg, effects, left)
#     status   a function giving the status dict of sms_commands.handle() (asked when
#              a message is handled, so the counters and the signal are fresh)
#     update   a function (body, sender) -> the reply, for 'update <url>' (gwupd.start:
#              a layer above this one, docs/update.md)
#     cfg      the configuration in force afterwards (saved when it changed)
#     effects  what the gateway must re-apply (sms_commands.handle(), in its order)
#     left     messages still in the store (the caller polls again at once), -1 when
#              the store could not be read
#   One message is handled per call, so a call is bounded (about 3 minutes at the very
#   worst: +CMGL 25 s, +CMGD 10 s, two replies of 5 + 5 + 60 s, REFERENCE.md 5.10) and
#   the main loop runs between messages.
#
# Rules relied on:
#   8.3  +CMGL="ALL" lists every message with its sender and text (text mode, +CMGF=1
#        and +CSDH=1 set on MDM2 at boot); cmgl() below parses it, oldest first
#        (docs/gateway.md 5.1).
#   8.5, FIELD-LESSONS 12, 14  every message is deleted before it is acted on, whatever
#        it is: the store never fills (a full store stops +CMTI), and a command can never
#        be found and run again after a reboot.  A message whose delete fails is left
#        for the next poll, unhandled, so it is never handled twice.
#   8.4  +CMGS="<number>", the 4-byte prompt, the text, Ctrl-Z (26); the result comes up
#        to 60 s later (5.10).  ESC (27) abandons a prompt that came too late.
#   docs/gateway.md 5: save before applying effects; the reply says what was done.

import atc
import config_store
import sms_commands
import values
import MDM2


def reply(number, text):
    # -> 1 when the network took the message.  Only numbers get replies (values.phone_ok:
    # an optional '+' and 3-20 digits): an alphanumeric sender cannot be answered, and
    # nothing else may end up inside the quoted +CMGS argument.  A missing prompt is
    # tried twice; a send that timed out is not retried (it may have gone: a retry could
    # send the reply twice).
    if not values.phone_ok(number):
        return 0
    n = 0
    while n < 2:
        st, t = atc.cmd(MDM2, 'AT+CMGS="%s"' % number, 5, '> ')
        if st == 'PROMPT':
            st, t = atc.send(MDM2, text + chr(26), 65)   # 60 s (5.10) + 5 s margin
            if st == 'OK':
                return 1
            break
        atc.send(MDM2, chr(27), 2)      # ESC: leave a prompt that came too late
        n = n + 1
    print('gw: sms reply to %s failed: %s' % (number, st))
    return 0


def cmgl(text):
    # Text-mode listing (REFERENCE.md 8.3; ATR10 +CMGL, #SMSMODE=1):
    #   +CMGL: <index>,<stat>,<oa>,<alpha>,<scts>[,<tooa>,<length>] then the text
    # With the length (+CSDH=1) atc.scan() gave the whole text as the one element after
    # the header (its CR turned into LF), so nothing in it is read as a header.
    # -> list of (index, stat, sender, body), in the order the messages were sent: by
    # the service centre time stamp <scts>, then by index (docs/gateway.md 5.1).  The
    # SIM puts a new message in the lowest free slot, so the index alone is not the
    # order.  A body of several lines is joined by \n.
    out = []
    cur = None
    body = []
    n = 0                       # > 0: the next element is the whole text, length n - 1
    for line in text.split('\r\n') + ['+CMGL:']:
        if n:
            if len(line) == 2 * n - 2 and divmod(len(line), 4)[1] == 0:
                line = ucs2(line)       # hex: two digits per octet, n - 1 octets
            body.append(line)
            n = 0
        elif line[:6] == '+CMGL:':
            if cur is not None:
                out.append(cur + ('\n'.join(body),))
            f = atc.fields(line[6:])
            cur = None
            body = []
            if len(f) >= 3 and atc.num(f[0]) >= 0:
                cur = (stamp((f + ['', ''])[4]), atc.num(f[0]), f[1], f[2])
                n = atc.length('+CMGL', line) + 1
        elif cur is not None:
            body.append(line)
    out.sort()
    n = []
    for f in out:
        n.append(f[1:])
    return n


def ucs2(s):
    # A message that is not in the GSM alphabet (a phone sends UCS2 when the text has any
    # other character) is listed as hex, two digits per octet (ATR10 +CMGL <data>, the
    # length in octets) -> its text, a character beyond Latin-1 as '?'; s itself when it
    # is not hex.
    out = []
    i = 0
    while i < len(s):
        n = 0
        for c in s[i:i + 4]:
            if '0123456789ABCDEF'.find(c) == -1:
                return s
            n = n * 16 + '0123456789ABCDEF'.find(c)
        if n > 255:
            n = 63
        out.append(chr(n))
        i = i + 4
    return ''.join(out)


def stamp(s):
    # '26/12/06,02:57:00+04' (yy/MM/dd,hh:mm:ss+zz, zz in quarters of an hour, ATR10
    # +CMGL <scts>; REFERENCE.md 8.3) -> (days since 2000, second of the day) in UTC,
    # or (0, 0) for anything else (a stored outgoing message has no <scts>).
    f = []
    for i in (0, 3, 6, 9, 12, 15, 18):
        f.append(atc.num(s[i:i + 2]))
    if len(s) != 20 or -1 in f or f[1] < 1 or f[1] > 12:
        return 0, 0
    i = f[0] * 365 + divmod(f[0] + 3, 4)[0] + f[2] + (0, 31, 59, 90, 120, 151, 181, 212,
                                                      243, 273, 304, 334)[f[1] - 1]
    if f[1] > 2 and divmod(f[0], 4)[1] == 0:
        i = i + 1               # 29 February in a leap year (2000-2099)
    if s[17] == '-':
        f[6] = -f[6]
    n, s = divmod(f[3] * 3600 + f[4] * 60 + f[5] - f[6] * 900, 86400)
    return i + n, s


def poll(cfg, status, update):
    st, text = atc.cmd(MDM2, 'AT+CMGL="ALL"', 25)     # 20 s for 50 messages (5.10)
    if st != 'OK':
        return cfg, [], -1
    items = cmgl(text)
    if len(items) == 0:
        return cfg, [], 0
    i, kind, sender, body = items[0]     # index, stat ('REC UNREAD' ...), sender, text
    d, t = atc.cmd(MDM2, 'AT+CMGD=%d' % i, 10)
    if d != 'OK':
        return cfg, [], -1      # stays in the store, unhandled: tried again later
    left = len(items) - 1
    if kind != 'REC UNREAD' and kind != 'REC READ':
        return cfg, [], left    # a stored outgoing message: deleted, nothing to do
    st = status()
    st['sender'] = sender       # the phones allow-list (sms_fleet.listed)
    out, new, effects = sms_commands.handle(body, cfg, st)     # out: the replies
    if effects == ['update']:
        out = [update(body, sender)]    # update <url>: the updater answers
        effects = []
    if new != cfg:
        r = config_store.save(new)
        if r != 'ok':
            print('gw: config save failed: ' + r)
            out = ['Error: could not save the configuration (%s), nothing changed' % r]
            new = cfg
            effects = []
    if len(out) > 0:
        print('gw: sms from %s handled' % sender)
    for r in out:
        reply(sender, r)
    return new, effects, left
