"""CRC16-CCITT as the module computes it for AT#LCSCRIPT (ATR10 §3.5.7.11): polynomial
x^16+x^12+x^5+1 (0x1021), initial value 0xFFFF, MSB first, no final XOR. Shared by the
emulator (which answers #LCSCRIPT) and the uploader (which checks the answer)."""
from __future__ import annotations


def crc16_ccitt(data: bytes, crc: int = 0xFFFF) -> int:
    """crc16_ccitt(b"123456789") == 0x29B1."""
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc
