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
# A longer token (digits and separators) is read piece by piece, never as one number.
MAX_TOKEN_CHARS = 2 * MAX_DIGITS


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
# Circled and dingbat digits (①, ❶, ➀, ➊): how some responses name a choice.
for _first in (0x2460, 0x2776, 0x2780, 0x278A):
    _TRANSLATION.update({_first + i: str(i + 1) for i in range(9)})


# The characters ``_TRANSLATION`` changes. ``str.translate`` looks every character of the
# text up in its table (about 100 ns each); most non-ASCII text (accents, CJK) has none of
# them, which a scan with one character class finds in a few ns a character.
_NEEDS_TRANSLATION = re.compile("[" + re.escape("".join(map(chr, _TRANSLATION))) + "]")


def normalize_digits(text: str) -> str:
    """Native and full-width digits to ASCII; the minus sign to '-'. Length-preserving."""
    if text.isascii() or _NEEDS_TRANSLATION.search(text) is None:
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
_SPACE_LIKE_NOT_PLAIN = _SPACE_LIKE - {" "}
_SPACE_IN_TOKEN = re.compile("[" + "".join(SPACE_GROUPS) + "]")
# Letters of the scripts that separate words with spaces (Latin, Greek, Cyrillic):
# digits right after one are part of a word ("AZYUK2A", "x2"), never a number.
_WORD_LETTER = r"A-Za-z\u00C0-\u024F\u0370-\u052F"
# A minus sign counts only where it cannot be an operator ("5-3" is not -3): not after
# a digit, a closing bracket or a letter of a spaced script. After Chinese, Japanese or
# Thai text it is a sign ("余额为-5元"), because those scripts write no space before it.
# A number may begin with its decimal point (".5").
_NUMBER_RE = re.compile(
    r"(?:(?<![0-9_)\]}" + _WORD_LETTER + r"\u0250-\u0DFF\u0E80-\u2E7F])-|(?<![\d.," + _WORD_LETTER + r"]))"
    r"(?:\d+(?:[" + re.escape(_SEPARATORS) + r"]\d+)*|\.\d+)"
)
# A number running on into a word ("200-page", "3rd"): its space-separated groups do not join.
_RUNS_ON = re.compile(r"-?[^\W\d_]")


def find_numbers(text: str, lang: str | None = None):
    """Yield (start, end, value) of every number in ASCII-digit text, in order.

    A token whose separators do not form a number in this locale ("1 2 3",
    "1.2.3") yields its pieces separately, so a list of small numbers is not lost.
    """
    for m in _NUMBER_RE.finditer(text):
        token = m.group()
        value = None
        if len(token) <= MAX_TOKEN_CHARS and not (
                _SPACE_IN_TOKEN.search(token) and _RUNS_ON.match(text, m.end())):
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
    if token.startswith("."):  # ".5": a leading point is a decimal point in every locale
        token = "0" + token
    parts = _SEPARATOR_SPLIT_RE.split(token)
    digits = parts[0::2]
    seps = parts[1::2]
    if not all(d.isdigit() for d in digits):
        return None
    if sum(len(d) for d in digits) > MAX_DIGITS:
        return None
    decimal_mark, groups = _locale(lang)
    # No-break and thin spaces always group digits (nobody puts one between two
    # separate numbers); a plain space groups only where the locale groups with
    # spaces ("1 234" in French), else "3 200-page books" would be 3200.
    space_like = _SPACE_LIKE if " " in groups else _SPACE_LIKE_NOT_PLAIN
    if " " in seps and " " not in groups:
        return None

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



# Chinese and Japanese numerals ("十八", "二百零五", "三点五", "负五", "两万").
_CJK_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5,
               "六": 6, "七": 7, "八": 8, "九": 9}
_CJK_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CJK_MYRIADS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_CJK_MINUS = ("负", "負", "マイナス")
_CJK_POINT = ("点", "點")
# Longer numerals are not answers we read (and would cost more than they are worth).
MAX_CJK_NUMERAL_CHARS = 24


def cjk_numeral(text: str) -> tuple[int, Decimal] | None:
    """(length, value) of the Chinese/Japanese numeral ``text`` begins with, or None.

    Reads digits 零〇一二两三四五六七八九, units 十百千 (and their formal forms) and
    the myriads 万 and 亿 (so up to 10^12), a leading 负/マイナス and a decimal part
    after 点 ("三点五" = 3.5)."""
    if not text or (text[0] not in _CJK_DIGITS and text[0] not in _CJK_UNITS and text[0] not in _CJK_MYRIADS
                    and not text.startswith(_CJK_MINUS)):
        return None
    i, sign = 0, 1
    for minus in _CJK_MINUS:
        if text.startswith(minus):
            i, sign = len(minus), -1
            break
    start = i
    total = section = digit = 0
    seen_digit = False
    limit = min(len(text), start + MAX_CJK_NUMERAL_CHARS)
    while i < limit:
        ch = text[i]
        if ch in _CJK_DIGITS:
            digit, seen_digit = _CJK_DIGITS[ch], True
        elif ch in _CJK_UNITS:
            section += (digit if seen_digit else 1) * _CJK_UNITS[ch]
            digit, seen_digit = 0, False
        elif ch in _CJK_MYRIADS:
            total += (section + digit) * _CJK_MYRIADS[ch]
            section = digit = 0
            seen_digit = False
        else:
            break
        i += 1
    if i == start:
        return None
    value = Decimal(total + section + digit)
    if i < len(text) and text[i] in _CJK_POINT:
        fraction = ""
        j = i + 1
        while j < limit and text[j] in _CJK_DIGITS:
            fraction += str(_CJK_DIGITS[text[j]])
            j += 1
        if fraction:
            value += Decimal("0." + fraction)
            i = j
    return i, sign * value
