"""The emulator's catalogue of ATR10 SELINT 2 commands that are stored and read back: one row
per command (data only; the engine is ``commands_catalog.py``, the catalogue is described in
docs/emulator.md "Command catalogue").

Source of every row: ATR10 (AT Commands Reference Guide 80000ST10025a Rev.10, text copy in the
public repository bewest/unapy, docs/Telit), the SELINT 2 table of the command, on the page in
the row. Storage classes come from ATR10 §3.3 (pp.25-28, "Factory Profile And User Profiles"):

* ``nvm``: "automatically stored in NVM, without issuing any storing command" (p.27: #ENS #BND
  #AUTOBND #PLMNMODE +CGQMIN +CGQREQ #DIALMODE #ENHSIM #TTY #NWSCANTMR #AUTOATT ...): survives
  a reboot and a power cut.
* ``inst``: a profile parameter that "depend[s] on the specific AT instance" (p.26: +CSSN +CGEREP
  #STIA #ACAL #ECAM #SMOV +CCWA ...): each of MDM, MDM2 and the serial port has its own value,
  back to the factory value at boot (``AT&W`` profiles are not modelled) and on ``ATZ``/``AT&F``.
* ``module``: a profile parameter that does not depend on the instance (p.27: +CALM #CPUMODE
  #DAC #SPKMUT #CODEC #HFMICG ...), or a value stored by a save command: RAM, back to the
  factory value (or the saved one) at boot.
* ``save:<CMD>``: RAM, written to NVM by the save command ``<CMD>`` and read back at boot (p.28:
  #SLED by #SLEDSAV; #DSTO #SKTTO #SKTCT #PKTSZ by #SKTSAV, back to factory by #SKTRST).

Row fields: (name, parameter ranges, factory defaults, mandatory count, storage, page, flags).

* Parameter ranges, one per parameter, separated by ``;``: ``0-3`` or ``0,50-1150`` (integers),
  ``"GSM"|"IRA"`` (one of these quoted strings), ``s<N>`` (a quoted string of at most N
  characters).
* Defaults, ``;``-separated like the ranges (what an omitted optional parameter and a fresh
  module take).
* Mandatory count: how many leading parameters the set form needs (0 when the manual writes
  ``AT#X=[<p>]``: a bare ``AT#X=`` then sets the defaults, as ATR10 says for #BND p.341).
* Flags (``,``-separated): ``noread`` (no read form: ERROR), ``execread`` (the execution form
  answers like the read form), ``bare`` (the read answer has no ``NAME: `` prefix, +VTD p.178),
  ``exec`` (a bare ``AT#X`` answers OK), ``testlen`` (the test form gives the string's maximum
  length: ``#EADDR: 100``), ``keep`` (an omitted optional parameter keeps its value: #CMUXSCR
  "If <rate> is omitted the value is unchanged").
"""
from __future__ import annotations

from .catalog_atr10 import NOT_IN_7_03

# fmt: off
ROWS: list[tuple[str, str, str, int, str, int, str]] = [
    # ------------------------------------------------ 3GPP TS 27.007 (ATR10 §3.5.4)
    ("+CSSN", "0-1;0-1", "0;0", 0, "inst", 130, ""),
    ("+CCUG", "0-1;0-10;0-3", "0;10;0", 0, "module", 131, ""),
    ("+CGEREP", "0-2;0-1", "0;0", 0, "inst", 181, ""),
    ("+CALM", "0-2", "0", 1, "module", 165, ""),
    ("+CRSL", "0-4", "2", 1, "module", 167, ""),  # factory level not given: the emulator's choice
    # +CLVL p.168: "0..max - the value of max can be read by issuing the Test command": the
    # emulator's max and default are its own choice (docs/emulator.md).
    ("+CLVL", "0-10", "5", 1, "module", 168, ""),
    ("+CMUT", "0-1", "0", 1, "module", 169, ""),
    ("+VTD", "0-255", "0", 1, "module", 178, "bare"),
    ("+WS46", "12", "12", 0, "module", 84, ""),
    ("+CBST", "0-4,6,7,14,65,66,68,70,71,75;0;0-1", "0;0;1", 0, "inst", 87, ""),
    ("+CR", "0-1", "0", 0, "inst", 89, ""),
    # +CRLP p.89: <iws> <mws> 1-61 (61), <T1> 39-255 (78), <N2> 1-255 (6), <ver> 0.
    ("+CRLP", "1-61;1-61;39-255;1-255;0", "61;61;78;6;0", 0, "inst", 89, ""),
    ("+DS", "0", "0", 0, "inst", 69, ""),  # "0 - no compression, ... the only supported value"
    ("+DR", "0-1", "0", 0, "inst", 70, ""),
    ("+CSNS", "0,2,4", "0", 0, "inst", 92, ""),
    ("+ILRR", "0-1", "0", 1, "inst", 60, ""),
    ("+FCLASS", "0,1,8", "0", 1, "inst", 44, ""),
    ("+CSCB", "0-1;s60;s60", "0;;", 0, "save:+CSAS", 215, ""),
    # +CMER p.146: <keyp>/<disp> 0 only, <ind> 0 or 2, <bfr> 0; +CIEV URCs are not sent.
    ("+CMER", "0-3;0;0;0,2;0", "0;0;0;0;0", 0, "inst", 146, ""),
    ("+CGSMS", "0-3", "1", 0, "nvm", 273, ""),  # "saved on NVM as global parameter"
    # +CMUX pp.83-84: <mode> 0 and <subset> 0 are "the only supported value"s. The 27.010
    # framing is not emulated: the instance stays in command mode, as the module does when no
    # control channel comes within its 5 s inactivity timer (catalog_more.py).
    ("+CMUX", "0;0", "0;0", 1, "module", 83, ""),
    # +GCI p.48: "59 - it currently supports only the Italy country code".
    ("+GCI", "59", "59", 1, "module", 48, ""),
    # +MS p.68: "no effect", for landline modems; <carrier> a string, <min_rate>/<max_rate>
    # 0 (unspecified) or 300..14400. Factory values are not given: "V32",1,0,0 here.
    ("+MS", '"V21"|"V22"|"V22B"|"V23C"|"V32"|"V34";0-1;0,300-14400;0,300-14400', "V32;1;0;0", 1,
     "module", 68, ""),
    # ------------------------------------------------ Telit custom commands (ATR10 §3.5.7.1)
    ("#CPUMODE", "0-2", "0", 1, "module", 354, ""),
    ("#PLMNMODE", "0-1", "0", 0, "nvm", 289, ""),
    ("#ENS", "0-1", "0", 0, "nvm", 340, ""),
    ("#BND", "0-3", "0", 0, "nvm", 341, ""),
    ("#AUTOBND", "0-2", "0", 0, "nvm", 343, ""),
    ("#AUTOATT", "0-1", "1", 0, "nvm", 313, ""),
    ("#DIALMODE", "0-2", "0", 0, "nvm", 326, ""),
    ("#ACAL", "0-1", "0", 0, "inst", 327, ""),
    ("#ECAM", "0-1", "0", 0, "inst", 330, ""),
    ("#SMOV", "0-1", "0", 0, "inst", 332, ""),
    ("#MWI", "0-1", "0", 1, "inst", 333, ""),
    ("#CODEC", "0-31", "0", 0, "module", 335, ""),
    ("#ENHSIM", "0-1", "0", 1, "nvm", 352, ""),
    ("#NWSCANTMR", "5-3600", "5", 1, "nvm", 357, ""),
    ("#E2SMSRI", "0,50-1150", "0", 0, "module", 303, ""),
    ("#SLED", "0-3;1-100;1-100", "2;10;10", 1, "save:#SLEDSAV", 301, ""),
    ("#STIA", "0-3,17-19,33-35;1-255", "0;10", 0, "inst", 520, ""),
    ("#CAP", "0-2", "0", 0, "module", 568, ""),
    # #JDR p.537: <mode> 0-5 (6 is SW 10.x only), <MNPL> 0-127 (70), <DCMN> 0-254 (5).
    ("#JDR", "0-5;0-127;0-254", "0;70;5", 0, "nvm", 537, ""),
    ("#CPASMODE", "0-1", "0", 1, "nvm", 358, ""),  # "directly stored in NVM"
    ("#COPSMODE", "0-1", "0", 1, "nvm", 323, ""),  # "saved in NVM (and available on following reboot)"
    ("#CESTHLCK", "0-1", "0", 0, "inst", 358, ""),
    ("#FASTCCID", "0-1", "0", 0, "nvm", 359, ""),  # "saved in NVM ... at the next power cycle"
    ("#PSMRI", "0,50-1150", "0", 1, "module", 361, ""),
    ("#SWLEVEL", "0-1", "0", 1, "nvm", 362, ""),
    ("#CFLO", "0-1", "0", 0, "inst", 363, ""),
    ("#CACHEDNS", "0-1", "0", 0, "module", 460, ""),
    ("#OAP", "0-1", "0", 0, "module", 576, ""),
    ("#DVI", "0-2;1-2;0-1", "0;1;1", 1, "module", 598, ""),
    ("#GAUTH", "0-3", "1", 0, "module", 346, ""),  # PPP authentication: PPP is not emulated
    # #GPPPCFG pp.346-347: <hostIPaddress> ("0.0.0.0" factory), <LCPtimeout> 10..600 x 100 ms
    # (25), <PPPmode> 0-3 (0); not in the NVM lists of §3.3. PPP itself is not emulated.
    ("#GPPPCFG", "s15;10-600;0-3", "0.0.0.0;25;0", 1, "module", 346, ""),
    # #GSMCONTCFG p.354: <actTo> 0 or 50..65535 (x 100 ms), three unused 0s; "directly stored
    # in NVM and doesn't depend on the specific AT instance".
    ("#GSMCONTCFG", "0,50-65535;0;0;0", "0;0;0;0", 1, "nvm", 354, ""),
    # #TXMONMODE p.311: stored in NVM (§3.3 p.27); its factory value is not given: 0 here.
    ("#TXMONMODE", "0-1", "0", 1, "nvm", 311, ""),
    # ------------------------------------------------ Enhanced IP Easy (ATR10 §3.5.7.6)
    ("#PKTSZ", "0-1500", "300", 0, "save:#SKTSAV", 452, ""),
    ("#DSTO", "0-255", "50", 0, "save:#SKTSAV", 453, ""),
    ("#SKTTO", "0-65535", "90", 0, "save:#SKTSAV", 455, ""),
    ("#SKTCT", "10-1200", "600", 0, "save:#SKTSAV", 462, ""),
    # #SKTSET p.457: <socket type> 0 TCP / 1 UDP, <remote port> (factory 3333), <remote addr>
    # (factory ""), <closure type>, <local port>: what #SKTOP and a bare #SKTD dial.
    ("#SKTSET", "0-1;0-65535;s255;0,255;0-65535", "0;3333;;0;0", 0, "save:#SKTSAV", 457, ""),
    # #PADCMD #PADFWD p.433-434: the pending-data flush of #SD sockets by a character; <mode>
    # "Bit 1: 1 - enable forwarding", <char> 0-255, flush <mode> 0 (1 reserved). Factory
    # values are not given: 0. Online, the character flushes an #SD socket's pending packet
    # (catalog_more.pad_forward, called by net/sockets.py). The table p.37 marks both for SW
    # 7.03.xx2, the change log (§1.7 p.9) calls them new in SW 10.0.2: docs/emulator.md
    # "Command catalogue" says why the emulator follows the table.
    ("#PADCMD", "0-1", "0", 1, "module", 433, ""),
    ("#PADFWD", "0-255;0-1", "0;0", 1, "module", 434, ""),
    # ------------------------------------------------ FTP (ATR10 §3.5.7.5; the rest: net/ftp.py)
    ("#FTPTO", "100-5000", "100", 0, "module", 437, ""),  # "The parameter is not saved in NVM"
    # ------------------------------------------------ E-mail (ATR10 §3.5.7.7; the rest: net/mail.py)
    # Stored by #ESAV, factory again by #ERST (§3.3 p.28); the test form gives the maximum
    # length ("testlen"); #EPASSW has no read form.
    ("#ESMTP", "s100", "", 0, "save:#ESAV", 485, "testlen"),
    ("#EADDR", "s100", "", 0, "save:#ESAV", 486, "testlen"),
    ("#EUSER", "s50", "", 0, "save:#ESAV", 488, "testlen"),
    ("#EPASSW", "s50", "", 0, "save:#ESAV", 489, "testlen,noread"),
    # ------------------------------------------------ Audio (ATR10 §3.5.7.15)
    ("#SRP", "0-3", "0", 0, "module", 571, ""),
    ("#HFMICG", "0-7", "4", 0, "module", 573, ""),
    ("#HSMICG", "0-7", "0", 0, "module", 573, ""),
    ("#HFRECG", "0-6", "0", 1, "module", 574, ""),
    ("#HSRECG", "0-6", "0", 1, "module", 574, ""),
    ("#SHFSD", "0-1", "0", 0, "module", 575, ""),
    ("#SHSSD", "0-1", "1", 1, "module", 575, ""),
    ("#SPKMUT", "0-1", "0", 1, "module", 576, ""),
    ("#STM", "0-2", "1", 0, "module", 577, ""),
    ("#PSEL", "0-3", "0", 1, "module", 583, ""),
    ("#SHFEC", "0-1", "0", 0, "module", 588, ""),
    ("#SHSEC", "0-1", "0", 1, "module", 588, ""),
    ("#SHFAGC", "0-1", "0", 1, "module", 589, ""),
    ("#SHSAGC", "0-1", "0", 1, "module", 589, ""),
    ("#SHFNR", "0-1", "0", 1, "module", 590, ""),
    ("#SHSNR", "0-1", "0", 1, "module", 590, ""),
    ("#TTY", "0-1", "0", 1, "nvm", 598, ""),
    # #CMUXSCR pp.552-553: CMUX at start-up before the script, and the DTE rate; "saved in
    # NVM"; "If <rate> is omitted the value is unchanged" (keep).
    ("#CMUXSCR", "0-1;300,1200,2400,4800,9600,19200,38400,57600,115200", "0;115200", 1, "nvm",
     552, "keep"),
    # ------------------------------------------------ Easy Scan formats, TCP AT Run (catalog_run.py)
    # pp.517-519: AT#CSURVF=[<format>] 0-2, AT#CSURVNLF=[<value>] 0-1, AT#CSURVEXT=[<value>] 0-2;
    # the read form is the bare value; not in §3.3: RAM.
    ("#CSURVF", "0-2", "0", 0, "module", 517, "bare"),
    ("#CSURVNLF", "0-1", "0", 0, "module", 518, "bare"),
    ("#CSURVEXT", "0-2", "0", 0, "module", 519, "bare"),
    ("#TCPATCMDSEQ", "0-1", "0", 1, "module", 387, ""),  # storage n/d: RAM
]
# fmt: on

# Commands ATR10's availability table does not mark for SW 7.03.xx2 (catalog_atr10.py): left
# unknown, so a script asking for one gets ERROR as on the module. #ENHRST is among them (SW
# 10.0.3, document history §1.7) but the project's emulator implements it (commands_script.py).
NOT_ON_GC864 = tuple(n for n in NOT_IN_7_03 if n != "#ENHRST")
