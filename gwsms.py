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
#        set on MDM2 at boot); atc.cmgl() parses it.
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


def poll(cfg, status, update):
    st, text = atc.cmd(MDM2, 'AT+CMGL="ALL"', 25)     # 20 s for 50 messages (5.10)
    if st != 'OK':
        return cfg, [], -1
    items = atc.cmgl(text)
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
