# gwupd.py - the remote update's part of the main loop: the health check of a new
# version (gwboot.tick) and one bounded step of a running download (updater.py, loaded
# only when an update starts, so its names do not load at start-up).  On-module file in
# the dialect; docs/update.md describes the whole.

import gwboot
import gwsms
import gwstate

g = gwstate

# "healthy": GPRS up, the configured mode entered, the SMS store readable (docs/update.md)

job = None          # updater.py once an update was asked for


def turn():
    # Once per turn of the main loop (gwloop.turn).  -> bytes moved (0: the loop may wait).
    ok = g.ip != '' and g.fails.get('sms') == 0 and g.state in ('listening', 'idle', 'dial', 'dialing', 'connected',
                                                    'csd')
    t = gwboot.tick(ok)
    if t is not None:
        gwsms.reply(t[0], t[1])
    if job is None:
        return 0
    return job.step()


def start(body, sender):
    # SMS '<password> update <url>' (sms_commands checked the password).  -> the reply.
    global job
    if job is None:
        job = gwboot.need('updater')
    return job.start(body, sender, g.online())
