"""The module's firewall for incoming connections: ``#FRWL`` (pure logic, no I/O).

Sources: ATR10 §3.5.7.6.19 (#FRWL, SELINT 2) and IPG10 §3.2.2.1; REFERENCE §7.

* action 1 adds an ACCEPT chain ``<ip_addr>,<net_mask>``; 0 removes the selected chain;
  2 removes all chains (address and mask are ignored).
* General policy DROP: an incoming connection from ``incoming_ip`` is accepted only if, for some
  chain, ``incoming_ip & net_mask == ip_addr & net_mask`` (ATR10 writes the right side with the
  mask applied; IPG10 writes ``= <ip_address>`` — they agree whenever the rule's address is
  given already masked, and the ATR10 form is the one that also accepts "197.158.1.1/255.255.0.0").
* Incoming (listening) connections only; outgoing peers are exempt.
* Not stored in NVM: the list is empty after every start-up (ATR10 note). The owner clears it
  in ``Network.on_boot``.
* The maximum number of rules and whether ``#FRWL?`` quotes its values are n/d (REFERENCE §12
  q6): ``max_rules`` (None = unlimited) and ``quote`` are settings.
"""
from __future__ import annotations

from dataclasses import dataclass, field


class AddressError(ValueError):
    """Not a dotted-quad IPv4 address."""


def parse_ip(text: str) -> int:
    """'197.158.1.1' -> 32-bit int. Accepts leading zeros ("123.255.020.001", ATR10 #SKTSET
    example) and surrounding spaces (IPG10 writes ``” 217.201.142.223”``)."""
    parts = text.strip().split(".")
    if len(parts) != 4:
        raise AddressError(text)
    value = 0
    for p in parts:
        if not p.isdigit() or len(p) > 3:
            raise AddressError(text)
        n = int(p, 10)
        if n > 255:
            raise AddressError(text)
        value = (value << 8) | n
    return value


def format_ip(value: int) -> str:
    return ".".join(str((value >> s) & 0xFF) for s in (24, 16, 8, 0))


def is_ip(text: str) -> bool:
    try:
        parse_ip(text)
    except AddressError:
        return False
    return True


@dataclass(frozen=True)
class Rule:
    ip: int
    mask: int

    def matches(self, addr: int) -> bool:
        return (addr & self.mask) == (self.ip & self.mask)

    def key(self) -> tuple[int, int]:
        return (self.ip & self.mask, self.mask)


@dataclass
class Firewall:
    rules: list[Rule] = field(default_factory=list)
    max_rules: int | None = None
    quote: bool = True  # '#FRWL: "ip","mask"' (n/d: REFERENCE §12 q6)
    log: list[tuple[int, str, int, str]] = field(default_factory=list)  # (ms, src, port, verdict)

    def clear(self) -> None:
        self.rules.clear()

    def add(self, ip: str, mask: str) -> bool:
        """Add an ACCEPT chain; False when full. Adding an identical chain again is a no-op."""
        rule = Rule(parse_ip(ip), parse_ip(mask))
        if any(r.key() == rule.key() for r in self.rules):
            return True
        if self.max_rules is not None and len(self.rules) >= self.max_rules:
            return False
        self.rules.append(rule)
        return True

    def remove(self, ip: str, mask: str) -> bool:
        """Remove the selected chain (same network and mask); False if there was none."""
        key = Rule(parse_ip(ip), parse_ip(mask)).key()
        before = len(self.rules)
        self.rules = [r for r in self.rules if r.key() != key]
        return len(self.rules) != before

    def admits(self, addr: str | int) -> bool:
        value = parse_ip(addr) if isinstance(addr, str) else addr
        return any(r.matches(value) for r in self.rules)

    def lines(self) -> list[str]:
        q = '"' if self.quote else ""
        return ["#FRWL: %s%s%s,%s%s%s" % (q, format_ip(r.ip), q, q, format_ip(r.mask), q)
                for r in self.rules]
