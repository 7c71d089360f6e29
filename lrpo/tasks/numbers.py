"""Reading numbers the way each language writes them.

The verifiers of every task go through this module, so "1.234" is 1234 in a
German response and 1.234 in an English one, Bengali and Thai digits count,
and "答案是42" is read like "The answer is 42".

Nothing here executes or evaluates text: numbers are matched by regular
expressions without nested quantifiers (linear time) and converted with
``decimal.Decimal`` under a digit cap, so adversarial responses (a megabyte of
digits, say) are bounded in time.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from lrpo.languages import SPACE_GROUPS, get_language

# Numbers longer than this are not answers to anything we verify; refusing them
# keeps conversion cost bounded.
MAX_DIGITS = 40


def _digit_table() -> dict[int, str]:
    """Map every non-ASCII decimal digit (Bengali, Devanagari, Telugu, Thai,
    Arabic-Indic, full-width, ...) to its ASCII digit."""
    table = {}
    for cp in range(0x80, 0x10000):
        ch = chr(cp)
        if unicodedata.category(ch) == "Nd":
            table[cp] = str(unicodedata.decimal(ch))
    return table


_TRANSLATION = _digit_table()
_TRANSLATION.update({
    0x2212: "-",   # minus sign
    0xFF0D: "-",   # full-width hyphen-minus
    0xFF0C: ",",   # full-width comma
    0xFF0E: ".",   # full-width full stop
    0x066B: ".",   # Arabic decimal separator
    0x066C: ",",   # Arabic thousands separator
})


def normalize_digits(text: str) -> str:
    """Native and full-width digits to ASCII; the minus sign to '-'. Length-preserving."""
    if text.isascii():
        return text
    return text.translate(_TRANSLATION)


# One number token: optional sign, digits, then any run of (separator, digits).
# The separators are decided afterwards by ``parse_number`` for the language at
# hand. No nested quantifier can backtrack: each repetition must consume a
# separator followed by at least one digit.
_SEPARATORS = ",." + "".join(SPACE_GROUPS)
_SEPARATOR_RE = re.compile("[" + re.escape(_SEPARATORS) + "]")
_SEPARATOR_SPLIT_RE = re.compile("([" + re.escape(_SEPARATORS) + "])")
_SPACE_LIKE = frozenset(SPACE_GROUPS)
# A minus sign counts only where it cannot be an operator ("5-3" is not -3).
_NUMBER_RE = re.compile(
    r"(?:(?<![\w)\]])-)?\d+(?:[" + re.escape(_SEPARATORS) + r"]\d+)*"
)


def find_numbers(text: str, lang: str | None = None):
    """Yield (start, end, value) of every number in ASCII-digit text, in order.

    A token whose separators do not form a number in this locale ("1 2 3",
    "1.2.3") yields its pieces separately, so a list of small numbers is not lost.
    """
    for m in _NUMBER_RE.finditer(text):
        token = m.group()
        value = parse_number(token, lang)
        if value is not None:
            yield m.start(), m.end(), value
            continue
        offset = m.start()
        for piece in _SEPARATOR_RE.split(token):
            value = parse_number(piece, lang)
            if value is not None:
                yield offset, offset + len(piece), value
            offset += len(piece) + 1


@lru_cache(maxsize=64)
def _locale(lang: str | None) -> tuple[str, tuple[str, ...]]:
    if lang is None:
        return ".", (",",)
    spec = get_language(lang)
    return spec.decimal_mark, spec.group_separators


def parse_number(token: str, lang: str | None = None) -> Decimal | None:
    """A number token (ASCII digits) as a Decimal, reading separators by locale.

    Rules, in order: several distinct separators -> the last one is the decimal
    mark and the others group thousands ("1.234,5", "1,234.5"); the same
    separator repeated -> it groups thousands when every group has three digits
    ("1,234,567"); a single separator with exactly three digits after it
    groups thousands when the locale groups with it, otherwise it is the
    locale's decimal mark; any other single separator is a decimal mark.
    Returns None when the token is not a well-formed number.
    """
    token = token.strip()
    sign = ""
    if token.startswith("-"):
        sign, token = "-", token[1:]
    parts = _SEPARATOR_SPLIT_RE.split(token)
    digits = parts[0::2]
    seps = parts[1::2]
    if not all(d.isdigit() for d in digits):
        return None
    if sum(len(d) for d in digits) > MAX_DIGITS:
        return None
    decimal_mark, groups = _locale(lang)
    # Space-like separators are always grouping (nobody writes "1 5" for 1.5).
    space_like = _SPACE_LIKE

    if not seps:
        integer, fraction = digits[0], ""
    elif len(set(seps)) > 1:
        last = seps[-1]
        if last in space_like or last in seps[:-1]:
            return None
        if any(len(d) != 3 for d in digits[1:-1]):
            return None
        integer, fraction = "".join(digits[:-1]), digits[-1]
    else:
        sep = seps[0]
        # "0.127" never groups thousands: a leading group has no leading zero.
        grouped = (all(len(d) == 3 for d in digits[1:]) and 1 <= len(digits[0]) <= 3
                   and not digits[0].startswith("0"))
        if sep in space_like:
            if not grouped:
                return None
            integer, fraction = "".join(digits), ""
        elif len(seps) > 1:
            if not grouped:
                return None
            integer, fraction = "".join(digits), ""
        elif grouped and (sep in groups or sep != decimal_mark):
            integer, fraction = "".join(digits), ""
        else:
            integer, fraction = digits[0], digits[1]
    text = sign + integer + ("." + fraction if fraction else "")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def numbers_equal(a: Decimal | None, b: Decimal | None) -> bool:
    if a is None or b is None:
        return False
    return a == b


def parse_gold_number(answer: str) -> Decimal:
    """A gold answer as published (ASCII digits, thousands commas, maybe a float)."""
    value = parse_number(normalize_digits(answer.strip()).replace(",", ""))
    if value is None:
        raise ValueError(f"gold answer {answer!r} is not a number")
    return value


def format_number(value: Decimal | int | str, lang: str) -> str:
    """Write a number as a native response would (used to build test responses and
    synthetic data): locale decimal mark, no grouping."""
    text = str(value)
    spec = get_language(lang)
    if spec.decimal_mark != ".":
        text = text.replace(".", spec.decimal_mark)
    return text

