"""Where a response commits to its final answer.

A response commits to an answer with the answer phrase of its language ("Die
Antwort lautet 42"), with English's, or with ``\\boxed{...}``. Whichever of these
comes last is the commitment; numbers before it never count. Without any
commitment the verifiers fall back to the last number of the response.

All searches here are linear in the length of the response (fixed phrase
alternations, a single forward scan for braces), so a megabyte of adversarial
text costs milliseconds, not minutes.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from lrpo.languages import get_language
from lrpo.tasks.numbers import find_numbers, normalize_digits

# How far after an answer phrase the answer itself may start. Longer gaps are
# reasoning, not an answer.
ANSWER_WINDOW = 300
# Deeper nesting than this inside \boxed{} is not an answer we try to read.
MAX_BRACE_DEPTH = 64
_BOXED_RE = re.compile(r"\\(?:boxed|fbox)\s*\{")


@lru_cache(maxsize=256)
def _phrase_pattern(langs: tuple[str, ...]) -> re.Pattern:
    phrases = []
    for code in langs:
        phrases.extend(get_language(code).answer_phrases)
    # Longest first so "The final answer is" wins over "Answer:".
    phrases = sorted(set(phrases), key=len, reverse=True)
    return re.compile("|".join(re.escape(p) for p in phrases), re.IGNORECASE)


def phrase_languages(response_lang: str | None) -> tuple[str, ...]:
    """The languages whose answer phrases count: the response's own and English."""
    if response_lang is None or response_lang == "en":
        return ("en",)
    return (response_lang, "en")


def last_phrase_end(text: str, response_lang: str | None) -> int | None:
    """Index just after the last answer phrase in ``text``, or None."""
    end = None
    for m in _phrase_pattern(phrase_languages(response_lang)).finditer(text):
        end = m.end()
    return end


def last_boxed(text: str) -> tuple[int, str] | None:
    """(start, content) of the last ``\\boxed{...}``; None if there is none or its
    braces do not close within MAX_BRACE_DEPTH levels."""
    start = None
    for m in _BOXED_RE.finditer(text):
        start = m
    if start is None:
        return None
    depth = 1
    i = start.end()
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "{":
            depth += 1
            if depth > MAX_BRACE_DEPTH:
                return None
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return start.start(), text[start.end():i]
        i += 1
    return None


def committed_answer(text: str, response_lang: str | None, window: int = ANSWER_WINDOW
                     ) -> str | None:
    """The text of the final committed answer: the content of the last \\boxed{}
    or what follows the last answer phrase (up to ``window`` characters),
    whichever comes later. None when the response commits to nothing."""
    phrase_end = last_phrase_end(text, response_lang)
    boxed = last_boxed(text)
    if boxed is not None and (phrase_end is None or boxed[0] >= phrase_end - 1):
        return boxed[1]
    if phrase_end is not None:
        return text[phrase_end:phrase_end + window]
    return None


def _last_number(text: str, lang: str | None) -> Decimal | None:
    """The last number of ``text``, searching growing windows from the end so a
    long response costs little when it ends in a number."""
    n = len(text)
    width = 512
    while True:
        start = max(0, n - width)
        # Do not start a window inside a number: back up to a non-number character.
        floor = max(0, start - 64)
        while start > floor and (text[start - 1].isdigit() or text[start - 1] in ",. \u00a0"):
            start -= 1
        last = None
        for s, _, value in find_numbers(text[start:], lang):
            last = (s, value)
        if last is not None and (last[0] > 0 or start == 0):
            return last[1]
        if start == 0:
            return None
        width *= 4


def final_number(response: str, response_lang: str | None) -> Decimal | None:
    """The number a response commits to, read in the response language's locale."""
    text = normalize_digits(response)
    committed = committed_answer(text, response_lang)
    if committed is not None:
        for _, _, value in find_numbers(committed, response_lang):
            return value
        return None
    return _last_number(text, response_lang)
