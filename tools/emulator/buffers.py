"""Byte FIFOs with the module's 4096-byte limit (REFERENCE §2.0: receive and send buffers are
4096 bytes each). Overflow loses the newest bytes and counts them, like a UART FIFO."""
from __future__ import annotations

MODULE_BUFFER = 4096


class ByteFifo:
    def __init__(self, capacity: int = MODULE_BUFFER) -> None:
        self.capacity = capacity
        self.data = bytearray()
        self.lost = 0  # bytes dropped because the FIFO was full

    def __len__(self) -> int:
        return len(self.data)

    def room(self) -> int:
        return self.capacity - len(self.data)

    def put(self, data: bytes) -> int:
        """Append what fits; count the rest as lost. Returns bytes stored."""
        n = min(len(data), self.room())
        self.data += data[:n]
        self.lost += len(data) - n
        return n

    def put_some(self, data: bytes) -> int:
        """Append what fits without counting a loss (the caller keeps the rest)."""
        n = min(len(data), self.room())
        self.data += data[:n]
        return n

    def take(self, n: int | None = None) -> bytes:
        if n is None or n >= len(self.data):
            out = bytes(self.data)
            self.data.clear()
            return out
        out = bytes(self.data[:n])
        del self.data[:n]
        return out

    def clear(self) -> None:
        self.data.clear()
