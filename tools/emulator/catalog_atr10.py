"""Which commands the GC864's firmware family has: ATR10's "AT Commands Availability Table"
(pp.29-38), column "SW 7.03.xx2" (GE864-QUAD, GC864-QUAD, GC864-DUAL, GM862-GPS, ...; the
GC864-PY runs 7.03.x, REFERENCE "Firmware family"). The text copy of ATR10 loses the table's
check marks; these lists were read from the PDF (bewest/unapy
docs/Telit/pdf/Telit_AT_Commands_Reference_Guide_r10.pdf) by the position of each mark in the
7.03.xx2 column. tests/test_emu_catalog.py keeps the emulator honest against them.
"""
from __future__ import annotations

# Marked in the SW 7.03.xx2 column (S-registers and &V0-&V3 as listed; "D" is dialling).
AVAILABLE_7_03: tuple[str, ...] = (
    "#ACAL", "#ACALEXT", "#ADC", "#ATRUNDELAY", "#AUTOATT", "#AUTOBND", "#AXE", "#BIQUADIN",
    "#BIQUADINEX", "#BIQUADOUT", "#BIQUADOUTEX", "#BND", "#CACHEDNS", "#CAP", "#CBC", "#CCID",
    "#CCLK", "#CEER", "#CESTHLCK", "#CFLO", "#CGMI", "#CGMM", "#CGMR", "#CGPADDR", "#CGSN",
    "#CIMI", "#CMGLCONCINDEX", "#CMGS", "#CMGW", "#CMUXSCR", "#CODEC", "#CODECINFO", "#COPSMODE",
    "#CPASMODE", "#CPUMODE", "#CSURV", "#CSURVB", "#CSURVBC", "#CSURVC", "#CSURVEXT", "#CSURVF",
    "#CSURVNLF", "#CSURVP", "#CSURVPC", "#CSURVU", "#CSURVUC", "#DAC", "#DIALMODE", "#DNS",
    "#DSCRIPT", "#DSTO", "#DVI", "#E2ESC", "#E2SLRI", "#E2SMSRI", "#EADDR", "#ECAM", "#EMAILACT",
    "#EMAILD", "#EMAILMSG", "#ENAEVMONI", "#ENAEVMONICFG", "#ENHSIM", "#ENS", "#EPASSW", "#ERST",
    "#ESAV", "#ESCRIPT", "#ESMTP", "#EUSER", "#EVMONI", "#EXECSCR", "#FASTCCID", "#FRWL",
    "#FTPAPP", "#FTPCLOSE", "#FTPCWD", "#FTPDELE", "#FTPFSIZE", "#FTPGET", "#FTPGETPKT",
    "#FTPLIST", "#FTPMSG", "#FTPOPEN", "#FTPPUT", "#FTPPWD", "#FTPRECV", "#FTPREST", "#FTPTO",
    "#FTPTYPE", "#GAUTH", "#GDATAVOL", "#GGPI", "#GPIO", "#GPPPCFG", "#GPRS", "#GSMAD",
    "#GSMCONT", "#GSMCONTCFG", "#HFMICG", "#HFRECG", "#HSMICG", "#HSRECG", "#I2CRD", "#I2CWR",
    "#ICMP", "#JDR", "#LSCRIPT", "#MBN", "#MONI", "#MSCLASS", "#MWI", "#NITZ", "#NWSCANTMR",
    "#OAP", "#OTASNAP", "#OTASUAN", "#PADCMD", "#PADFWD", "#PASSW", "#PCT", "#PING", "#PKTSZ",
    "#PLMNMODE", "#PRST", "#PSAV", "#PSEL", "#PSET", "#PSMRI", "#QDNS", "#QSS", "#QTEMP",
    "#REBOOT", "#REGMODE", "#RSCRIPT", "#RSEN", "#RTCSTAT", "#SA", "#SCFG", "#SCFGEXT",
    "#SCFGEXT2", "#SD", "#SELINT", "#SEMAIL", "#SERVINFO", "#SGACT", "#SGACTAUTH", "#SGACTCFG",
    "#SGPO", "#SH", "#SHDN", "#SHFAGC", "#SHFEC", "#SHFNR", "#SHFSD", "#SHSAGC", "#SHSEC",
    "#SHSNR", "#SHSSD", "#SI", "#SIMATR", "#SIMDET", "#SKIPESC", "#SKTCT", "#SKTD", "#SKTL",
    "#SKTOP", "#SKTRST", "#SKTSAV", "#SKTSET", "#SKTTO", "#SL", "#SLED", "#SLEDSAV", "#SLUDP",
    "#SMOV", "#SMSATRUN", "#SMSATRUNCFG", "#SMSATWL", "#SMSMODE", "#SNUM", "#SO", "#SPCM",
    "#SPKMUT", "#SPN", "#SRECV", "#SRP", "#SRS", "#SS", "#SSEND", "#SSENDEXT", "#STARTMODESCR",
    "#STGI", "#STIA", "#STM", "#STSR", "#SWLEVEL", "#TCPATCMDSEQ", "#TCPATCONSER",
    "#TCPATRUNAUTH", "#TCPATRUNCFG", "#TCPATRUNCLOSE", "#TCPATRUND", "#TCPATRUNFRWL",
    "#TCPATRUNL", "#TCPMAXDAT", "#TCPREASS", "#TEMPMON", "#TONE", "#TONEEXT", "#TSVOL", "#TTY",
    "#TXMONMODE", "#UDTRST", "#UDTSAV", "#UDTSET", "#USERID", "#V24", "#V24CFG", "#V24MODE",
    "#VAUX", "#VAUXSAV", "#WAKE", "#WSCRIPT", "#Z", "%E", "%L", "%Q", "&C", "&D", "&F", "&K",
    "&N", "&P", "&S", "&V", "&V0", "&V1", "&V2", "&V3", "&W", "&Y", "&Z", "+CACM", "+CALA",
    "+CALD", "+CALM", "+CAMM", "+CAOC", "+CBC", "+CBST", "+CCFC", "+CCID", "+CCLK", "+CCUG",
    "+CCWA", "+CEER", "+CFUN", "+CGACT", "+CGATT", "+CGCLASS", "+CGDATA", "+CGDCONT", "+CGEREP",
    "+CGMI", "+CGMM", "+CGMR", "+CGPADDR", "+CGQMIN", "+CGQREQ", "+CGREG", "+CGSMS", "+CGSN",
    "+CHLD", "+CHUP", "+CIMI", "+CIND", "+CLAC", "+CLCC", "+CLCK", "+CLIP", "+CLIR", "+CLVL",
    "+CMAR", "+CMEE", "+CMER", "+CMGD", "+CMGF", "+CMGL", "+CMGR", "+CMGS", "+CMGW", "+CMSS",
    "+CMUT", "+CMUX", "+CNMI", "+CNUM", "+COPN", "+COPS", "+CPAS", "+CPBF", "+CPBR", "+CPBS",
    "+CPBW", "+CPIN", "+CPMS", "+CPOL", "+CPUC", "+CPWC", "+CPWD", "+CR", "+CRC", "+CREG",
    "+CRES", "+CRLP", "+CRSL", "+CRSM", "+CSAS", "+CSCA", "+CSCB", "+CSCS", "+CSDH", "+CSIM",
    "+CSMP", "+CSMS", "+CSNS", "+CSQ", "+CSSN", "+CUSD", "+CVHU", "+DR", "+DS", "+FCLASS", "+FDD",
    "+FLO", "+FMI", "+FMM", "+FMR", "+FPR", "+FRH", "+FRM", "+FRS", "+FTH", "+FTM", "+FTS",
    "+GCAP", "+GCI", "+GMI", "+GMM", "+GMR", "+GSN", "+ICF", "+IFC", "+ILRR", "+IPR", "+MS",
    "+PACSP", "+VTD", "+VTS", "+WS46", "A", "D", "E", "H", "I", "L", "M", "O", "P", "Q", "S0",
    "S1", "S10", "S12", "S2", "S25", "S3", "S30", "S38", "S4", "S5", "S7", "T", "V", "X", "Z",
    "\\Q", "\\R", "\\V",
)

# Listed in the table but not marked for SW 7.03.xx2 (SW 10.x or other products only; the GPS
# "$" commands belong to the GPS products' own table). A script asking for one gets ERROR.
NOT_IN_7_03: tuple[str, ...] = (
    "#BASE64", "#CEERNET", "#CMEEMODE", "#DTMF", "#DTMFCFG", "#EMRGD", "#ENAUSIM", "#ENHRST",
    "#HFCFG", "#LANG", "#MSDPUSH", "#MSDSEND", "#OTAIPCFG", "#OTAIPUPD", "#OTASETRI",
    "#OTASNAPIP", "#OTASNAPIPCFG", "#SGACTCFGEXT", "#SII", "#SIMINCFG", "#SMTPCL", "#STTA",
    "#SYSHALT", "#TXCNI", "+CAPD", "+CCWE", "+CECALL", "+CGCMOD", "+CPLS", "+CSDF", "+CSIL",
    "+CSTF", "+CTFR", "+CTZR", "+CTZU",
)

# Marked for 7.03.xx2 but not emulated yet: they would answer ERROR (docs/emulator.md "Command
# catalogue"). Empty: every marked command is emulated but #SGPO #GGPI, which the GC864-PY does
# not have (catalog_audio.NOT_ON_GC864_PY).
NOT_YET: tuple[str, ...] = (
)
