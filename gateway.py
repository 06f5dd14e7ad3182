# gateway.py - start-up script of the serial-to-GPRS gateway (AT#ESCRIPT="gateway.py").
# On-module file in the dialect (../shared/dialect.md).  Kept small, as Telit
# advises (REFERENCE.md 4.1): the program is in the compiled modules it imports.
#
# The watchdog goes on first, so that nothing, not even a slow or failing import, can
# leave the module without a script (REFERENCE.md 1.5, 2.6; FIELD-LESSONS 15).  gwboot
# picks the software version (the factory files or an update, docs/update.md) and
# loads it; then its main loop runs (gwloop, the top layer: gwboot, the bottom one,
# never calls up).  If the program ever stops, the watchdog reboots the module after
# 1 s (MODEMG boot.py).

import MOD
import sys

MOD.watchdogEnable(300)
try:
    import gwboot
    gwboot.start()
    import gwloop
    gwloop.main()
except:
    info = sys.exc_info()
    print('gateway: stopped by %s %s, restarting' % (info[0], info[1]))
MOD.watchdogEnable(1)
while 1:
    MOD.sleep(10)
