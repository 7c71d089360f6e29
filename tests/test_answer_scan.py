"""The fast scans of ``lrpo.tasks.answers`` and ``numbers`` find what the plain ones find.

Answer phrases are searched in lowercased text where that gives the same matches as
``re.IGNORECASE``; run-on markers after a newline literal instead of ``^`` with
``re.MULTILINE``; native digits are translated only when a text holds one. Each is
compared with the plain way on texts built to trip it (every case of each phrase,
the letters ``re.IGNORECASE`` matches to ASCII ones, native digits, line starts).
"""

import random
import re

import pytest

from lrpo.languages import LANGUAGES
from lrpo.tasks import answers, numbers

PARTNERS = {"i": "\u0130\u0131", "s": "\u017f", "k": "\u212a"}
TRICKY = ["\u0130", "\u0131", "\u017f", "\u212a", "\u03a3", "\u1c80", "\u00b5", "\u00df", "\u01c5", "\n", " ",
          ":", "：", "*", "#", "é", "Ё", "答", "1", "١", "৩", "๔", "\u2212", "\uff11", "①"]


def _texts(lang: str, count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    spec = LANGUAGES[lang]
    words = [*spec.answer_phrases, *LANGUAGES["en"].answer_phrases, *spec.question_labels, "Question", "Q"]
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 30)):
            if rng.random() < 0.4:
                word = rng.choice(words)
                word = rng.choice([word, word.upper(), word.lower(), word.swapcase(), word.title()])
                if rng.random() < 0.3:  # a letter written as the non-ASCII letter re.IGNORECASE equates with it
                    word = "".join(rng.choice(PARTNERS.get(ch.lower(), ch)) for ch in word)
                parts.append(word)
            else:
                parts.append(rng.choice(TRICKY))
        texts.append("".join(parts))
    return texts


def _all_characters() -> str:
    return "".join(chr(cp) for cp in range(0x110000) if not 0xD800 <= cp < 0xE000)


def test_lowercasing_premise_holds_for_this_unicode():
    """Only the documented partners lowercase to (or with) an ASCII letter, or to more than
    one character: elsewhere lowercasing maps one character to one and keeps non-ASCII
    letters non-ASCII."""
    partners = set("\u0130\u0131\u017f\u212a")
    everything = _all_characters()
    to_ascii = {c for c in everything if not c.isascii() and any(x.isascii() and x.isalpha() for x in c.lower())}
    assert to_ascii <= partners
    assert {c for c in everything if len(c.lower()) != 1} <= partners


def test_phrase_characters_match_only_their_own_cases():
    """Under re.IGNORECASE a phrase character of a lowered pattern matches exactly its two
    ASCII cases (and the documented partners) or, without case, itself."""
    everything = _all_characters()
    chars = set()
    for code in LANGUAGES:
        phrases = [*LANGUAGES[code].answer_phrases, *LANGUAGES["en"].answer_phrases]
        if answers._phrase_patterns(answers.phrase_languages(code))[1] is not None:
            chars.update(ch for phrase in phrases for ch in phrase)
    assert "答" in chars and "a" in chars  # CJK and ASCII phrases take the fast path
    for ch in chars:
        found = set(re.compile(re.escape(ch), re.IGNORECASE).findall(everything))
        expected = {ch.lower(), ch.upper(), *PARTNERS.get(ch.lower(), "")} if ch.isascii() else {ch}
        assert found == expected, ch


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_phrase_scan_finds_what_ignorecase_finds(lang):
    exact = answers._phrase_patterns(answers.phrase_languages(lang))[0]
    for text in _texts(lang, 400):
        expected = [m.span() for m in exact.finditer(text)]
        assert [m.span() for m in answers._phrase_scan(text, lang)] == expected, text


def test_run_on_markers_are_the_line_starts_multiline_finds():
    labels = {label for lang in LANGUAGES.values() for label in lang.question_labels}
    labels = sorted(labels, key=len, reverse=True)
    numbered = r"(?:[ \t]*#?\d{1,3})?"  # "Question 2:"
    multiline = re.compile(rf"^[ \t>*#_]*(?:{'|'.join(map(re.escape, labels))}){numbered}[ \t*_]*[:：]",
                           re.MULTILINE | re.IGNORECASE)
    for lang in LANGUAGES:
        for text in _texts(lang, 200, seed=1):
            assert list(answers._run_on_markers(text)) == [m.start() for m in multiline.finditer(text)], text


def test_normalize_digits_is_the_translation():
    for lang in LANGUAGES:
        for text in _texts(lang, 100, seed=2):
            assert numbers.normalize_digits(text) == text.translate(numbers._TRANSLATION)
