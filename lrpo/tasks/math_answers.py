"""Checking competition-math answers (MMATH, PolyMath) in any language.

Built on math-verify, with what it lacks for multilingual responses: native and
full-width digits, answer phrases in every language ("答案是42" has no space
before the number), locale decimal commas and no-break thousands separators.

Time is bounded three ways, because math-verify hands text to sympy:
1. cheap paths first: plain numbers are compared as Decimals, identical
   normalised strings match without parsing;
2. inputs sympy could spend unbounded time on are refused before parsing
   (long answers, deep braces, power towers, huge exponents or factorials);
3. on the main thread math-verify's own ``signal.alarm`` timeouts stay on; off
   the main thread (where signals cannot be used, e.g. a data-loader worker) they
   are switched off and (2) is what bounds the cost.
Model output is never passed to ``eval`` or ``sympify``: math-verify parses LaTeX
and expressions with its own grammar.
"""

from __future__ import annotations

import re
import threading
from decimal import Decimal
from functools import lru_cache

from lrpo.tasks.answers import committed_answer
from lrpo.tasks.numbers import find_numbers, normalize_digits

MAX_ANSWER_CHARS = 400
MAX_TAIL_CHARS = 600
TIMEOUT_SECONDS = 1

_COSTLY = re.compile(
    r"\^\s*\{?\s*[-+]?\s*\d{4,}"          # 2^{12345}
    r"|\^\s*\{[^{}]*\^"                   # power towers 2^{3^{...}}
    r"|\^\s*\d+\s*\^"                     # 2^3^4
    r"|\*\*"                              # python-style powers
    r"|\d{4,}\s*!"                        # 12345!
    r"|\\(?:binom|choose)\s*\{\s*\d{5,}"  # \binom{99999}{...}
)
_SURROUNDING = " \t\n.。．,，:：;；!！$"
_PLAIN_NUMBER = re.compile(r"-?\d[\d.,\u00a0\u2009\u202f ]*")


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _too_costly(text: str) -> bool:
    if len(text) > MAX_ANSWER_CHARS:
        return True
    depth = peak = 0
    for ch in text:
        if ch == "{":
            depth += 1
            peak = max(peak, depth)
        elif ch == "}":
            depth -= 1
    return peak > 16 or bool(_COSTLY.search(text))


def clean_answer(text: str) -> str:
    """Strip math delimiters and sentence punctuation around an answer."""
    text = text.strip()
    text = re.sub(r"^\\\(|\\\)$|^\\\[|\\\]$", "", text).strip()
    return text.strip(_SURROUNDING)


def _first_statement(committed: str) -> str:
    """The answer at the start of what follows an answer phrase: a whole display
    formula ($$...$$ or \\[...\\]) when it opens with one, which may span lines;
    else the text up to the end of its line or sentence (which keeps compound
    answers such as "$f(x)=0$ and $f(x)=x^2$" whole)."""
    stripped = committed.lstrip(" :：")
    for opening, closing in (("$$", "$$"), ("\\[", "\\]")):
        if stripped.startswith(opening):
            end = stripped.find(closing, len(opening))
            if end != -1:
                return stripped[len(opening):end]
    return re.split(r"\n|(?<=[^\d\\])\.\s|。", committed, maxsplit=1)[0]


def _as_plain_number(text: str, lang: str | None) -> Decimal | None:
    """The value of an answer that is nothing but one number, else None."""
    if not _PLAIN_NUMBER.fullmatch(text):
        return None
    values = list(find_numbers(text, lang))
    if len(values) != 1 or values[0][1] - values[0][0] != len(text):
        return None
    return values[0][2]


def _normalised(text: str) -> str:
    return re.sub(r"\s+|\\[,;!: ]|\\left|\\right|\\displaystyle|\\dfrac|\\tfrac", lambda m: (
        "\\frac" if m.group() in ("\\dfrac", "\\tfrac") else ""), text)


@lru_cache(maxsize=16384)
def _parse(latex: str):
    from math_verify import parse  # heavy import, only for answers that need it

    if _too_costly(latex):
        return []
    timeout = TIMEOUT_SECONDS if _on_main_thread() else None
    return parse(f"${latex}$", parsing_timeout=timeout)


def extract_math_answer(response: str, response_lang: str | None) -> str | None:
    """The answer a response commits to (answer phrase or \\boxed{}), cleaned;
    without a commitment, the last number of the response's tail."""
    text = normalize_digits(response)
    committed = committed_answer(text, response_lang, window=MAX_ANSWER_CHARS + 8)
    if committed is not None:
        answer = clean_answer(_first_statement(committed))
        return answer or None
    last = None
    for _, _, value in find_numbers(text[-MAX_TAIL_CHARS:], response_lang):
        last = value
    return None if last is None else str(last)


def math_answers_equal(gold: str, predicted: str | None, response_lang: str | None) -> bool:
    """Whether a predicted answer equals a gold answer (both as strings)."""
    if predicted is None:
        return False
    gold_clean = clean_answer(normalize_digits(gold))
    pred_clean = clean_answer(normalize_digits(predicted))
    if not pred_clean:
        return False
    gold_number = _as_plain_number(gold_clean, None)
    pred_number = _as_plain_number(pred_clean, response_lang)
    if gold_number is not None and pred_number is not None:
        return gold_number == pred_number
    if _normalised(gold_clean) == _normalised(pred_clean):
        return True
    if pred_number is not None:
        pred_clean = str(pred_number)
    gold_parsed = _parse(gold_clean)
    pred_parsed = _parse(pred_clean)
    if not gold_parsed or not pred_parsed:
        return False
    from math_verify import verify

    timeout = TIMEOUT_SECONDS if _on_main_thread() else None
    try:
        return bool(verify(gold_parsed, pred_parsed, timeout_seconds=timeout))
    except Exception:  # math-verify's own failures mean "not verified", never a crash
        return False

