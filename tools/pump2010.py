# pump2010.py - the baseline for tools/bench_bridge.py: the MDM <-> SER pump of the 2010
# article the product was first described in (../shared/seeds/000_*.txt, "Socket Connection
# Handlers"), made runnable on the emulated module.  A script for the module, in the dialect
# (../shared/dialect.md), NOT part of the gateway.
#
# The pump is the article's, call for call:
#     forward_messages(timeout=2):  SER.send(MDM.receive(timeout)); MDM.send(SER.read(), timeout)
#     loop: forward, MDM2 AT#SS, forward, read the #SS answer (the end: '#SS: 1,0'), forward
# The article's timeout=2 is in tenths of a second (ES13 3.2.1), so each MDM.receive waits up
# to 0.2 s for network data.  Return values are not checked (a refused SER.send or MDM.send
# loses its bytes), CTS is never touched.  Left out: its two debugging "print forward" per turn.
# The set-up before the pump (not measured) follows the article's steps: context, a #FRWL
# rule for the client's network, #SL, SRING, #SA.
# The benchmark replaces SPEED before it writes the file to the flash.

import MDM
import MDM2
import SER
import MOD

SPEED = '9600'
PORT = 1024


def command(cmd, want, tries):
    MDM.send(cmd + '\r', 2)
    answer = ''
    n = 0
    while n < tries and answer.find(want) == -1:
        answer = answer + MDM.receive(10)
        n = n + 1
    return answer


def forward_messages(timeout=2):
    # "Transfers data two ways across MDM and SER." (the article)
    SER.send(MDM.receive(timeout))
    MDM.send(SER.read(), timeout)


def handle_socket_call():
    # "Forwards socket data over MDM and SER." (the article)
    command('AT#SA=1', 'CONNECT', 20)
    print('pump')
    forward = 1
    while forward:
        forward_messages()
        MDM2.send('AT#SS\r', 5)
        forward_messages()
        forward = MDM2.receive(5).find('#SS: 1,0') == -1
        forward_messages()
    print('closed')


SER.set_speed(SPEED, '8N1')
command('ATE0', 'OK', 5)
command('AT+CGDCONT=1,"IP","internet"', 'OK', 5)
command('AT#FRWL=1,"198.51.100.0","255.255.255.0"', 'OK', 5)    # the client's network
command('AT#SGACT=1,1', 'OK', 100)
command('AT#SL=1,1,%d' % PORT, 'OK', 5)
print('listening')
answer = ''
while answer.find('SRING') == -1:
    answer = MDM.receive(10)
handle_socket_call()
