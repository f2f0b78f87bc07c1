"""Decompression of compressed GS1 Digital Link URIs (GS1 Digital Link standard, compression section).

A compressed Digital Link carries its element strings as one URI-safe base64 string, e.g.
`/AQnYUc1gmiERBhQ0ytiyZuAGOLc1TQ`.
The bits are a sequence of entries, each opened by a header of hexadecimal nibbles:

- two decimal nibbles `d1 d2` are the first two digits of an AI; the AI's length (2, 3 or 4 digits) follows from them
  and any further digits come as more nibbles; the AI's value follows, encoded component by component;
- a header outside 00-99 (`0A`…`CD`) names a common sequence of AIs (the optimisation table), whose values follow;
- a header starting with `F` carries a key=value pair that is not GS1's (7-bit key length, 6-bit key characters).

Values: a fixed-length numeric component is a binary integer of ceil(n·log2 10) bits; a variable-length numeric one
has a length indicator of ceil(log2 max) bits first (one more bit when max is a power of two); an alphanumeric one has
a 3-bit encoding indicator (0 digits, 1 lower-case hex, 2 upper-case hex, 3 URI-safe base64, 4 7-bit ASCII), then its
length indicator, then its characters. The AIs' formats come from biip's table of GS1 Application Identifiers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from biip.gs1_application_identifiers import _GS1_APPLICATION_IDENTIFIERS as GS1_AIS

BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
HEX = "0123456789ABCDEF"
COMPRESSED = re.compile(r"^[A-Za-z0-9_-]+$")

# The standard's optimisation codes: one header byte standing for a common sequence of AIs.
OPTIMISATIONS: dict[str, tuple[str, ...]] = {
    "0A": ("01", "22"),
    "0B": ("01", "10"),
    "0C": ("01", "21"),
    "0D": ("01", "17"),
    "0E": ("01", "7003"),
    "0F": ("01", "30"),
    "1A": ("01", "10", "21", "17"),
    "1B": ("01", "15"),
    "1C": ("01", "11"),
    "1D": ("01", "16"),
    "1E": ("01", "91"),
    "1F": ("01", "10", "15"),
    "9A": ("8010", "8011"),
    "9B": ("8017", "8019"),
    "9C": ("8018", "8019"),
    "9D": ("414", "254"),
}
OPTIMISATIONS |= {f"2{x}": ("01", f"310{i}") for i, x in enumerate("ABCDEF")}
OPTIMISATIONS |= {f"3{x}": ("01", f"320{i}") for i, x in enumerate("ABCDEF")}
OPTIMISATIONS |= {f"A{i}": ("01", f"392{i}") for i in range(10)}
OPTIMISATIONS |= {f"C{i}": ("255", f"390{i}") for i in range(10)}
OPTIMISATIONS |= {f"C{x}": ("255", f"394{i}") for i, x in enumerate("ABCD")}


class DecompressionError(ValueError):
    """The string is not a compressed GS1 Digital Link (bad bits, unknown AI or optimisation code)."""


@dataclass(frozen=True)
class Component:
    numeric: bool
    length: int  # the fixed length, or the maximum of a variable one
    fixed: bool


def value_bits(digits: int) -> int:
    return math.ceil(digits * math.log2(10) + 0.01) if digits else 0


def length_bits(maximum: int) -> int:
    return math.ceil(math.log2(maximum) + 0.01)


@lru_cache(maxsize=1)
def ai_lengths() -> dict[str, int]:
    """The length of every AI (2, 3 or 4 digits) from its first two digits."""
    lengths: dict[str, int] = {}
    for ai in GS1_AIS:
        lengths.setdefault(ai[:2], len(ai))
    return lengths


@lru_cache(maxsize=1024)
def components(ai: str) -> tuple[Component, ...]:
    """The value's components from the AI's GS1 format (`N2+N14`, `N2+X..20`, `N4+N6[+N6]`); the AI part is dropped.

    An optional fixed-length numeric component (`[+N6]`) is encoded as a variable one of that maximum, as the
    standard's table does for 7007 and its kin.
    """
    entry = GS1_AIS.get(ai)
    if entry is None:
        raise DecompressionError(f"unknown AI {ai}")
    parts = re.findall(r"(\[?)\+?\[?([NXYZ])(\.\.)?(\d+)(?:\.\.[NXYZ]?(\d+))?", entry.format)
    result = []
    for optional, kind, dots, first, upper in parts[1:]:
        numeric = kind == "N"
        if upper:
            result.append(Component(numeric, int(upper), False))
        elif dots:
            result.append(Component(numeric, int(first), False))
        else:
            result.append(Component(numeric, int(first), not (optional and numeric)))
    if not result:
        raise DecompressionError(f"AI {ai} has no encodable value")
    return tuple(result)


class _Bits:
    def __init__(self, bits: str) -> None:
        self.bits = bits
        self.pos = 0

    def remaining(self) -> int:
        return len(self.bits) - self.pos

    def take(self, n: int) -> int:
        if n > self.remaining():
            raise DecompressionError("the compressed string ends inside a value")
        chunk = self.bits[self.pos : self.pos + n]
        self.pos += n
        return int(chunk, 2) if chunk else 0

    def nibble(self) -> str:
        return HEX[self.take(4)]


def _characters(bits: _Bits, encoding: int, count: int) -> str:
    if encoding == 0:
        return str(bits.take(value_bits(count))).zfill(count) if count else ""
    if encoding in (1, 2):
        text = "".join(HEX[bits.take(4)] for _ in range(count))
        return text.lower() if encoding == 1 else text
    if encoding == 3:
        return "".join(BASE64[bits.take(6)] for _ in range(count))
    if encoding == 4:
        return "".join(chr(bits.take(7)) for _ in range(count))
    raise DecompressionError(f"unknown encoding indicator {encoding}")


def _value(bits: _Bits, ai: str) -> str:
    out = []
    for part in components(ai):
        if part.numeric and part.fixed:
            out.append(str(bits.take(value_bits(part.length))).zfill(part.length))
        elif part.numeric:
            count = bits.take(length_bits(part.length))
            out.append(str(bits.take(value_bits(count))).zfill(count) if count else "")
        else:
            encoding = bits.take(3)
            count = part.length if part.fixed else bits.take(length_bits(part.length))
            out.append(_characters(bits, encoding, count))
    return "".join(out)


def decompress(compressed: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The (AI, value) pairs and the other key=value pairs of a compressed Digital Link path segment."""
    if not COMPRESSED.match(compressed):
        raise DecompressionError("not URI-safe base64")
    bits = _Bits("".join(format(BASE64.index(c), "06b") for c in compressed))
    elements: list[tuple[str, str]] = []
    others: list[tuple[str, str]] = []
    lengths = ai_lengths()
    # Fewer than 8 bits left are the base64 padding (at most 5 zero bits), not another entry.
    while bits.remaining() > 8:
        h1, h2 = bits.nibble(), bits.nibble()
        head = h1 + h2
        if head.isdigit():
            size = lengths.get(head)
            if size is None:
                raise DecompressionError(f"no AI starts with {head}")
            ai = head + "".join(bits.nibble() for _ in range(size - 2))
            if not ai.isdigit():
                raise DecompressionError(f"AI {ai} is not all digits")
            elements.append((ai, _value(bits, ai)))
        elif head in OPTIMISATIONS:
            for ai in OPTIMISATIONS[head]:
                elements.append((ai, _value(bits, ai)))
        elif h1 == "F":
            bits.pos -= 4
            key_length = bits.take(7)
            key = "".join(BASE64[bits.take(6)] for _ in range(key_length))
            encoding = bits.take(3)
            count = bits.take(7)
            others.append((key, _characters(bits, encoding, count)))
        else:
            raise DecompressionError(f"no optimisation code {head}")
    if not elements:
        raise DecompressionError("no element string")
    return elements, others
