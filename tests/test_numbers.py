from decimal import Decimal

import pytest

from lrpo.tasks.answers import final_number
from lrpo.tasks.numbers import normalize_digits, parse_number


@pytest.mark.parametrize("text, expected", [
    ("০১২৩৪৫৬৭৮৯", "0123456789"),        # Bengali
    ("०१२३४५६७८९", "0123456789"),        # Devanagari
    ("౦౧౨౩౪౫౬౭౮౯", "0123456789"),        # Telugu
    ("๐๑๒๓๔๕๖๗๘๙", "0123456789"),        # Thai
    ("٠١٢٣٤٥٦٧٨٩", "0123456789"),        # Arabic-Indic
    ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),        # Extended Arabic-Indic (Persian/Urdu)
    ("０１２３４５６７８９", "0123456789"),  # full-width
    ("−5", "-5"),
])
def test_native_digits(text, expected):
    assert normalize_digits(text) == expected


@pytest.mark.parametrize("token, lang, expected", [
    ("1,234", "en", "1234"),
    ("1,234", "de", "1.234"),            # German decimal comma
    ("1.234", "de", "1234"),             # German thousands dot
    ("1.234", "en", "1.234"),
    ("1.5", "en", "1.5"),
    ("1,5", "de", "1.5"),
    ("1,5", "en", "1.5"),                # a lone comma before 1-2 digits is decimal anywhere
    ("1 234", "fr", "1234"),
    ("1\u00a0234", "fr", "1234"),
    ("1\u202f234", "fr", "1234"),
    ("1\u2009234", "ru", "1234"),
    ("1,234,567", "de", "1234567"),
    ("1.234.567", "en", "1234567"),
    ("1.234,5", "de", "1234.5"),
    ("1,234.5", "en", "1234.5"),
    ("-12", "en", "-12"),
    ("1 2", "en", None),
    ("1.2.3", "en", None),
    ("1" * 100, "en", None),
])
def test_parse_number_by_locale(token, lang, expected):
    value = parse_number(token, lang)
    if expected is None:
        assert value is None
    else:
        assert value == Decimal(expected)


@pytest.mark.parametrize("response, lang, expected", [
    ("3 + 4 = 7. The answer is 42.", "en", "42"),
    ("答案是42", "zh", "42"),
    ("答えは１２です。", "ja", "12"),
    ("উত্তর হল ১২৩।", "bn", "123"),
    ("సమాధానం ౪౫", "te", "45"),
    ("คำตอบคือ ๑๐", "th", "10"),
    ("Die Antwort lautet 1.234.", "de", "1234"),
    ("The answer is 1,234.", "en", "1234"),
    ("La réponse est 1 234 euros.", "fr", "1234"),
    ("Ответ — 2,5.", "ru", "2.5"),
    ("We get \\boxed{17} and then 5 more apples", "en", "17"),
    ("The answer is 10. Wait, recheck: The answer is 12.", "en", "12"),
    ("First 3, then 5, so 8 total", "en", "8"),
    ("The answer is 5-3 = 2", "en", "2"),        # an expression after the phrase: its result
    ("I bought 12 apples. The answer is unclear.", "en", None),  # earlier numbers never count
    ("No numbers here.", "en", None),
    ("Die Antwort ist 7", "de", "7"),            # MGSM exemplars' variant phrase
    ("The answer is -3.", "en", "-3"),
])
def test_final_number(response, lang, expected):
    value = final_number(response, lang)
    assert value == (Decimal(expected) if expected is not None else None)
