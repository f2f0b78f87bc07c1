"""Unicode normalisation and the accent-insensitive folding that search relies on."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")

# Characters that change how text looks without being seen: zero-width ones and the soft hyphen ...
INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")
# ... and the bidirectional controls: overrides, embeddings and isolates reorder what is shown
# (U+202E shows "gpj.exe" as "exe.jpg"); the marks U+200E/F and U+061C steer it more quietly.
DIRECTION_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
BIDI = DIRECTION_OVERRIDES | frozenset("\u200e\u200f\u061c")
HIDDEN = INVISIBLE | BIDI
# Dashes that look like the hyphen-minus: in a code or a number they are the same character.
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_LOOKALIKES = {ord(ch): None for ch in HIDDEN} | {ord(ch): "-" for ch in DASHES}


def email_key(value: str) -> str:
    """An address as stored and looked up: compatibility forms folded (fullwidth ａ is a), dash
    look-alikes made hyphens, hidden characters dropped, lower case."""
    return unicodedata.normalize("NFKC", unmask(value)).strip().lower()


def visible(value: str) -> str:
    """`value` without its hidden characters and whitespace: empty if nothing in it can be seen."""
    return "".join(ch for ch in value if ch not in HIDDEN and not ch.isspace())


def unmask(value: str) -> str:
    """Hidden characters dropped and dash look-alikes made hyphens, the first step of every key."""
    return value.translate(_LOOKALIKES)


def nfc(value: str) -> str:
    """Trimmed NFC text with inner runs of whitespace collapsed."""
    # str.split() and the regex's \s know the same whitespace; splitting is four times faster.
    return " ".join(unicodedata.normalize("NFC", value).split())


def fold(value: str | None) -> str:
    """Lowercase, accent-free form: 'Chè Tân Cương' -> 'che tan cuong', 'Đ' -> 'd'."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFD", unmask(value).replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.lower()).strip()


class _NoCombining(dict[int, int | None]):
    """A str.translate table dropping combining marks, filled in as characters are met."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_NO_COMBINING = _NoCombining()


# After NFD, text whose every non-ASCII character is one of these combining diacritics (as Vietnamese
# is: U+0300-U+036F, without U+034F, the one mark there that `unicodedata.combining` keeps) folds by
# dropping every non-ASCII character, which encoding to ASCII does at C speed.
_NOT_A_DIACRITIC = re.compile("[^\x00-\x7f\u0300-\u034e\u0350-\u036f]")


def fast_fold(value: str | None) -> str:
    """`fold`'s result, faster (for imports): ASCII-encoding or str.translate instead of a per-character generator."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    if _NOT_A_DIACRITIC.search(decomposed) is None:  # no hidden character or dash look-alike either
        bare = decomposed.encode("ascii", "ignore").decode("ascii")
    else:
        bare = unmask(decomposed).translate(_NO_COMBINING)
    return " ".join(bare.lower().split())


def slugify(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(value)).strip("-")


def like_pattern(query: str) -> str:
    """A LIKE pattern matching every word of the folded query, in order."""
    words = [w.replace("\\", "").replace("%", "").replace("_", "") for w in fold(query).split()]
    return "%" + "%".join(w for w in words if w) + "%"


# A number as people type it here: "1.000,5" (Vietnamese: dots group thousands, a comma marks the
# decimals), "1000,5", "1,5", "1000.5", "1 000,5". With one kind of mark only, a comma is the decimal
# mark, and dots are thousands separators only in groups of three ("1.000" = 1000, "1.5" = 1.5).
_GROUPED_DOTS = re.compile(r"[+-]?\d{1,3}(\.\d{3})+")
_PLAIN = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def parse_local_number(text: str) -> float | None:
    """The number written in `text`, or None if it is not one (no exponents, no inf or nan)."""
    raw = "".join(text.split()).replace("\u00a0", "").replace("\u202f", "")
    if not raw or not raw.isascii():
        return None
    if "," in raw:
        whole, _, decimals = raw.rpartition(",")
        if "," in whole or "." in decimals or not decimals.isdigit():
            return None
        if "." in whole and not _GROUPED_DOTS.fullmatch(whole):
            return None
        raw = whole.replace(".", "") + "." + decimals
    elif _GROUPED_DOTS.fullmatch(raw):
        raw = raw.replace(".", "")
    if not _PLAIN.fullmatch(raw):
        return None
    return float(raw)
