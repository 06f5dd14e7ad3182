# gwnet.py - the gateway's AT steps: setting up the two AT instances, registration,
# the GPRS context, the firewall, listening, accepting, dialling, CSD calls.  Every
# exchange goes through atc.py; every step has a timeout and returns a value the
# caller checks ('' = done, else what failed).  On-module file in the dialect.
#
# Who does what (REFERENCE.md 6.13, 8.6, 2.2):
#   MDM  (instance 1) carries the data: #SL/#SA, #SD, ATA, online mode, and a client
#        socket's command-mode data (#SSENDEXT, #SRECV: bridge.py).  #SO/#SH must go to
#        the instance that opened the socket (6.5), so sockets live here.
#   MDM2 (instance 2) is the control instance: registration, the context (#SGACT:
#        deactivate on the instance that activated, 6.4), #FRWL, #SS, +CSQ and all SMS
#        (+CMGF/+CNMI are per instance, 5.3, 8.1), so it keeps working while MDM is
#        online.

import MDM
import MDM2
import MOD
import atc
import bridge
import firewall

CONN_ID = 1         # the data socket; connIds 1-3 use PDP context 1 by default (6.2)
# The figures, written in place (each name is an entry of the names table,
# docs/gateway-runtime.md "The names table"):
#   1    the PDP context (cid) of the data socket
#   300  #SCFG connTo, 1/10 s: 30 s to open a connection (6.2: 10-1200)
#   2    #SCFGEXT TCP keepalive, minutes (6.3: 1-240; FIELD-LESSONS 1, 3)
#   3    attempts per set-up command (run)
#   55   1/10 s of silence around our own +++: S12=255 is 5.1 s (6.7)
#   90   s for #SD (dialled): DNS plus connTo (30 s) at most (5.10); waiting well
#        beyond it keeps a late CONNECT from meeting our next command

# Per-instance settings (5.3): each instance is set up for what it does.
#   ATE0      no echo (the MDM/MDM2 default, 2.1; atc's framing relies on it)
#   +CMEE=1   numeric +CME ERROR codes (5.8): the gateway reacts to 553, 556, 564
#   &C1       DCD follows the connection (6.8): the bridge's end-of-connection signal
#   &D0       DTR is ignored (6.8): we never drop it
#   ATS0=0    no auto-answer (section 9): a call is answered only with dialin on
#   #SKIPESC=1  an escape +++ is not forwarded to the peer (6.7)
#   S12=255   5.1 s guard time: a +++ inside the device's data escapes only when framed
#             by 5.1 s of silence (6.7, FIELD-LESSONS 10)
#   +CMGF=1 +CPMS +CNMI=2,1  text-mode SMS in the SIM store, +CMTI announced, held while
#             busy (8.1, 8.2); the store is also polled (FIELD-LESSONS 12)
#   +CSDH=1   each +CMGL header ends with the text's length (ATR10 +CSDH, +CMGL): atc
#             takes the text by it, so no SMS text can pass for modem output
# (MDM's lines and MDM2's, before and after the SIM wait, are written in init.)


def run(port, lines, timeout):
    # Each line must answer OK; 3 attempts each.  -> '' or the line that failed.
    for line in lines:
        n = 0
        while 1:
            st, text = atc.cmd(port, line, timeout)
            if st == 'OK':
                break
            n = n + 1
            if n >= 3:
                return line + ' ' + st
            MOD.sleep(10)
    return ''


def init():
    bad = run(MDM, ('ATE0', 'AT+CMEE=1', 'AT&C1', 'AT&D0', 'ATS0=0', 'AT#SKIPESC=1',
                    'ATS12=255'), 5)
    if bad != '':
        return 'MDM ' + bad
    # The SMS set-up (+CPMS) needs the SIM read: #QSS status 3 "SIM INSERTED and READY
    # (SMS and Phonebook access are possible)"; statuses 2 and 3 are reported once <mode>
    # is 2 (ATR10 p.324).  Before, SMS commands answer +CMS ERROR 314 "SIM busy".  Wait
    # up to 60 s, then try anyway (run() retries; a unit that still says 1 may need the
    # mode saved and a power cycle, ATR10 p.324 note).
    bad = run(MDM2, ('ATE0', 'AT+CMEE=1', 'ATS0=0'), 5)
    if bad != '':
        return 'MDM2 ' + bad
    # Multisocket exists only under #SELINT=2 (ATR10 p.42); the setting is kept in NVM
    # and a reboot is suggested after it (p.41): set it and let the caller restart.
    st, text = atc.cmd(MDM2, 'AT#SELINT?', 5)
    v = atc.values(text, '#SELINT:')
    if len(v) > 0 and atc.num(v[0][0]) != 2:
        atc.cmd(MDM2, 'AT#SELINT=2', 5)
        return '#SELINT ' + v[0][0]
    atc.cmd(MDM2, 'AT#QSS=2', 5)
    n = 0
    while n < 60:
        st, text = atc.cmd(MDM2, 'AT#QSS?', 5)
        v = atc.values(text, '#QSS:')
        if len(v) > 0 and atc.num(v[0][-1]) == 3:
            break
        MOD.sleep(10)
        n = n + 1
    # #SMSMODE=1, as Telit suggests (ATR10 p.10-11), kept in NVM (3.3.1): "SM" is then the
    # only store (+CPMS p.204), so a class-0 SMS is not put in "ME" beside the store we
    # read (under the factory 0, p.203), and +CMGL lists by position.
    save(['AT#SMSMODE=1'])
    # The data path (bridge.py): #SSENDEXT exists from SW 7.03.02/7.02.07 (ATR10 1.7
    # history; REFERENCE 6.10 "probe it with AT#SSENDEXT=?").  Where it answers, the data
    # socket opens in command mode (#SD/#SA connMode 1) and no device byte can ever reach
    # MDM's command line; older firmware keeps the online bridge.
    st, text = atc.cmd(MDM2, 'AT#SSENDEXT=?', 5)
    bridge.mode = st == 'OK'
    bad = run(MDM2, ('AT+CMGF=1', 'AT+CPMS="SM","SM","SM"', 'AT+CSDH=1',
                     'AT+CNMI=2,1,0,0,0'), 5)
    if bad != '':
        return 'MDM2 ' + bad
    return ''


def registered():
    # +CREG? stat 1 (home) or 5 (roaming) (REFERENCE.md 8.x, atc.reg)
    st, text = atc.cmd(MDM2, 'AT+CREG?', 5)
    r = atc.reg(text, '+CREG')
    return r == 1 or r == 5


def ids():
    # -> (IMEI, ICCID), '' for one that did not answer: read once at boot for the
    # identity packet's %IMEI and %CCID (gwfleet.expand).
    st, text = atc.cmd(MDM2, 'AT+CGSN', 5)
    imei = atc.serial_no(text, '')
    st, text = atc.cmd(MDM2, 'AT#CCID', 5)
    return imei, atc.serial_no(text, '#CCID:')


def csq():
    st, text = atc.cmd(MDM2, 'AT+CSQ', 5)
    v = atc.csq(text)
    if v is None:
        return 99
    return v[0]


def context_lines(cfg):
    # 6.1 context (the credentials go into #SGACT itself, gprs_up),
    # 6.2 #SCFG (pktSz, maxTo = socket timeout, connTo, txTo = send timeout),
    # 6.3 #SCFGEXT (SRING without data, text, keepalive) in its 4-field form: the
    # <ListenAutoRsp>,<sendDataMode> fields came with 7.03.02/7.02.07 (ATR10 1.7 history,
    # ISSUE#8 "Updated commands: ... #SCFGEXT"; IPG10 3.2.1.3 shows 4 fields), so every
    # 7.x firmware accepts this line (docs/gateway.md: minimum firmware).  The APN and
    # credentials were
    # checked by config_store (no quote, lines within 80 characters, 5.5).
    return ['AT+CGDCONT=1,"IP","%s"' % cfg['apn'],
            scfg_line(cfg),
            'AT#SCFGEXT=%d,0,0,2' % CONN_ID]


def scfg_line(cfg):
    # pktSz 0 is "select automatically default value (300)" (ATR10 #SCFG): 300 is sent
    # as such, so that the read form save() compares with shows what was sent.
    return 'AT#SCFG=%d,1,%d,%d,300,%d' % (CONN_ID, cfg['pktsize'] or 300,
                                          cfg['sktimeout'], cfg['sendtimeout'])


def save(lines):
    # +CGDCONT and #SCFG are "automatically stored in NVM" at every set (ATR10 3.3.1,
    # p.27; #SCFGEXT is not in that list, n/d): send each line only when its read form
    # does not already show these values, so that activations do not wear the flash.
    # -> as run().
    out = []
    for line in lines:
        vb = atc.verb(line)
        st, text = atc.cmd(MDM2, 'AT' + vb + '?', 5)
        want = atc.fields(line[len(vb) + 3:])
        n = 0
        for f in atc.values(text, vb + ':'):
            if f[:len(want)] == want:
                n = 1
        if not n:
            out.append(line)
    return run(MDM2, out, 5)


def scfg(cfg):
    # #SCFG answers ERROR while the socket is online (6.2): only called when idle.
    return save([scfg_line(cfg)])


def gprs_up(cfg):
    # Define, configure and activate the context.  -> (ip, '') or ('', what failed).
    bad = save(context_lines(cfg))
    if bad != '':
        return '', bad
    # The user and password are arguments of #SGACT (ATR10 p.415 #SGACT=<cid>,<stat>
    # [,<userId>,<pwd>]; IPG10 3.4: #USERID/#PASSW are the old commands, "strongly
    # recommended not to mix the new commands with the old ones").
    line = 'AT#SGACT=1,1'
    if cfg['apnuser'] != '':
        line = line + ',"%s","%s"' % (cfg['apnuser'], cfg['apnpass'])
    st, text = atc.cmd(MDM2, line, 150)                         # up to 150 s (5.10)
    if st == 'ERROR' and atc.cme(text) == 553:
        # "context already activated" (5.8): left from before; start it afresh
        atc.cmd(MDM2, 'AT#SGACT=1,0', 20)
        st, text = atc.cmd(MDM2, line, 150)
    if st != 'OK':
        return '', 'AT#SGACT ' + st + ' ' + text
    return atc.sgact_ip(text), ''


def gprs_down():
    atc.cmd(MDM2, 'AT#SGACT=1,0', 20)


def context_up():
    # -> 1 active, 0 not, -1 no answer (6.4 read form)
    st, text = atc.cmd(MDM2, 'AT#SGACT?', 5)
    if st != 'OK':
        return -1
    return atc.sgact_state(text, 1)


def apply_firewall(cfg):
    # The #FRWL list is empty after every boot (section 7): the whole list is sent
    # after every activation and after every change (firewall.py gives the lines).
    return run(MDM2, firewall.frwl_lines(cfg), 5)


def listen(port):
    # #SL on MDM (6.11).  564 "already listening" or 551 "wrong state": a listener or a
    # socket left over; close it and listen again.
    line = 'AT#SL=%d,1,%d' % (CONN_ID, port)
    st, text = atc.cmd(MDM, line, 10)
    if st == 'ERROR' and (atc.cme(text) == 564 or atc.cme(text) == 551):
        unlisten(port)
        atc.cmd(MDM, 'AT#SH=%d' % CONN_ID, 10)
        st, text = atc.cmd(MDM, line, 10)
    if st != 'OK':
        return 'AT#SL ' + st + ' ' + text
    return ''


def unlisten(port):
    atc.cmd(MDM, 'AT#SL=%d,0,%d' % (CONN_ID, port), 10)


def accept():
    # SRING -> #SA (6.11): CONNECT and MDM is online.  -> (1, data behind CONNECT) or
    # (0, what failed); a failed accept leaves no listener (a reject closes it too).
    # Always online: "it's possible to use #SSENDEXT only if the connection was opened by
    # #SD, else the ME is raising an error" (ATR10 #SSENDEXT p.429, #SSEND p.428;
    # REFERENCE 6.10), so a socket accepted in command mode might have no way to send
    # (docs/emulator-fidelity.md ssend_accepted; docs/gateway-runtime.md).
    st, text = atc.cmd(MDM, 'AT#SA=%d' % CONN_ID, 10)
    if st == 'CONNECT':
        return 1, atc.take_data(MDM)
    return 0, 'AT#SA ' + st + ' ' + text


def close():
    # #SH on the opening instance (6.5, 6.6), only while MDM is in command mode.
    atc.cmd(MDM, 'AT#SH=%d' % CONN_ID, 10)


def dial(host, port):
    # #SD (6.5) in online mode, or in command mode when bridge.mode is 1 (connMode 1:
    # "after the connection is established the module answers OK", ATR10 #SD p.422-423),
    # begun and not waited for: the caller keeps the serial port served and calls
    # dialled() each turn.  -> '' or why it could not start.
    # In command mode closureType 255: with 0 the "local host closes immediately when
    # remote host has closed" (ATR10 #SD p.422), and bytes the peer sent right before its
    # close, not yet read with #SRECV, could go with the socket (as updater.py).  With 255
    # the socket closes after the escape sequence, and in command mode, where there is
    # none, once what was received has been read: #SS then shows 0 (n/d in ATR10; the
    # emulator's reading, docs/emulator-fidelity.md).
    line = 'AT#SD=%d,0,%d,"%s",0,0' % (CONN_ID, port, host)
    if bridge.mode:
        line = 'AT#SD=%d,0,%d,"%s",255,0,1' % (CONN_ID, port, host)
    st, text = atc.begin(MDM, line)
    if st != '':
        return 'AT#SD ' + st + ' ' + text
    return ''


def dialled():
    # -> ('', '') still dialling; ('CONNECT', data behind it) (or 'OK', command mode);
    # or (status, text) failed.
    st, text = atc.check(MDM, 90)
    if st == 'CONNECT' or st == 'OK':
        return 'CONNECT', atc.take_data(MDM)
    return st, text


def answer():
    # ATA on MDM (section 9): CONNECT <rate> after the handshake, then MDM is online.  The
    # handshake "takes about 30 seconds" (SWUG6 2.6.2) and may last S7 (factory 60 s,
    # ATR10 p.76) before NO CARRIER: waiting 70 s, a late CONNECT still ends the ATA here
    # instead of arriving later as a URC while MDM is online.
    st, text = atc.cmd(MDM, 'ATA', 70)
    # The call's rate for the bridge's bound on MDM (bridge.py), bit/s -> bytes a
    # second: 'CONNECT <text>', <text> 300, 1200, 2400, 4800, 9600, 14400 or 1200/75
    # (ATR10 3.2.3 p.20; the lower of a split rate); none or odd: 75, the slowest.
    v = text[8:]
    n = atc.num(v[v.find('/') + 1:])
    if n < 75:
        n = 75
    bridge.csd = divmod(n, 10)[0]
    if st == 'TIMEOUT':
        if MDM.getDCD() == 1:
            return 1, ''        # online all the same: DCD follows the call (&C1, 6.8)
        # "entering any character closes the handshake and aborts the call" (SWUG6
        # 2.6.2): MDM cannot go online behind our back
        atc.cmd(MDM, 'ATH', 10)
    if st == 'CONNECT':
        return 1, atc.take_data(MDM)
    return 0, 'ATA ' + st + ' ' + text


def resume():
    # #SO after an unexpected escape (6.6; FIELD-LESSONS 10).  -> 1 when online again.
    st, text = atc.cmd(MDM, 'AT#SO=%d' % CONN_ID, 10)
    return st == 'CONNECT'


def hangup():
    # End a CSD call from our side: S12 of silence, +++, wait for OK, then ATH, the only
    # command accepted after the escape in a call (6.7, section 9; SWUG6 2.6.3).  The
    # caller has stopped sending to MDM.  -> 1 when the call is gone.
    MOD.sleep(55)
    MDM.send('+++', 10)
    buf = ''
    n = 0
    while n < 10 and buf.find('\r\nOK\r\n') == -1:
        buf = (buf + MDM.receive(10))[-64:]
        n = n + 1
    if buf.find('\r\nOK\r\n') == -1:
        return 0                # still online: ATH now would be payload
    atc.cmd(MDM, 'ATH', 10)
    return MDM.getDCD() == 0
