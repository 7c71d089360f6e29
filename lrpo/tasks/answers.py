"""Where a response commits to its final answer, and the number it commits to.

Every verifier reads a response in the same steps:

1. ``answer_region``: the response is cut at a *run-on continuation* (a line
   opening with a new-question label such as "Question:", "Question 2:" or "问题：",
   in any registry language, once the response has committed to an answer: the model
   invented the next exercise), and only its last ``TAIL_CHARS`` characters are
   searched (a length cap that bounds every later step).
2. ``commitment``: the answer phrase of the response language ("Die Antwort lautet
   42") or of English, or a run of ``\\boxed{...}``, whichever comes last. A phrase
   counts only when an answer follows it closely (``_answer_follows``): within
   ``GAP_CHARS`` characters, with no sentence end and no colon in between, so
   "the answer is correct: 16 - 3" is a self-check, not a commitment. Phrases
   are whole words ("Ответ" does not match inside "ответа"), and label phrases
   ("Antwort:") count only where a label stands: at the start of a line or
   sentence, after nothing but markdown or a word such as "final" or "so".
3. ``read_number``: the first number of the answer, or, when it opens an
   arithmetic chain ("9 * 2 = 18", "(16 - 3 - 4) * 2 = $18", "5 : 2 = 2,5", or
   one continued in a clause opening with its result, "= 9, 9 * 2 = 18"), the
   chain's result; Chinese/Japanese numerals ("十八") are read too.

Without any commitment, number tasks fall back to the last number of the
region when no answer phrase occurs at all (``final_number``); XCOPA and the
math tasks have their own rules.

All searches are linear in the length of the region (fixed phrase alternations,
single forward scans for braces), and the region is capped, so a megabyte of
adversarial text costs milliseconds.

(The module is a little over the ~400-line guide: its three steps share the phrase,
box and run-on scanners, and splitting them would split one reading of a response.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from lrpo.languages import LANGUAGES, get_language
from lrpo.tasks.numbers import cjk_numeral, find_numbers, normalize_digits

# Only this much of the end of a response (before any run-on continuation) is read:
# the answer of a response is at its end, and this bounds the cost of every step.
TAIL_CHARS = 20_000
# How far after an answer phrase the answer text is kept.
ANSWER_WINDOW = 300
# How far after an answer phrase the answer must begin ("Jibu ni dola 18",
# "答案：最终余额为-5元"); longer gaps are reasoning, not an answer.
GAP_CHARS = 40
# Deeper nesting than this inside \boxed{} is not an answer we try to read, nor
# is a box longer than MAX_BOX_CHARS.
MAX_BRACE_DEPTH = 64
MAX_BOX_CHARS = 2_000
# Only the last boxes of a response are read (each costs a scan of up to MAX_BOX_CHARS).
MAX_BOXES = 16
# Run-on markers checked per response (each needs a commitment check of the text before it).
MAX_RUN_ON_MARKERS = 16

_BOXED_RE = re.compile(r"\\(?:boxed|fbox)\s*\{")
# What may start an answer after a phrase: a number (signed, leading-dot), a box, a
# math segment, or a Chinese/Japanese numeral.
ANSWER_START = re.compile(r"-?\.?\d|\\boxed|\\fbox|\$|\\\(|\\\[|[零〇一二两兩三四五六七八九十百千万萬负負]")
# What may stand between a phrase and its answer without being part of the gap's words.
_FILLER = " \t\n:：—–=*_#>"
# A gap containing one of these is reasoning: a sentence ended, or a new label began.
# (The danda "।" and double danda "॥" end sentences in Bengali and Hindi.)
_GAP_BREAK = re.compile(r"[.!?。！？;；:：।॥\n]")
# Words that may stand before a label phrase on its line: "final" ("Final Answer:") and
# "so" ("所以答案：18"; Chinese and Japanese write no space or comma after them).
_LEAD_WORDS = frozenset({"final", "finale", "endgültige", "endgültig", "definitiva", "finał", "итоговый",
                         "окончательный", "so", "thus", "therefore", "hence", "最终", "最終", "最后", "最後",
                         "所以", "因此", "故", "则", "即", "于是", "综上", "综上所述", "よって", "したがって",
                         "따라서", "그러므로"})
# Scripts written without spaces between words (Thai, Lao, CJK, full-width forms) and
# Hangul, whose particles attach to words: phrases in them get no word boundaries.
_UNSPACED = re.compile(r"[\u0E00-\u0EFF\u1100-\u11FF\u2E80-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF\uFF00-\uFFEF]")
# Markdown emphasis around an answer ("**73**", "*Answer:*"): openers and closers not
# touching a word, so "2**3" (a power) is left alone.
_EMPHASIS = re.compile(r"(?<![\w*])(\*\*|\*|__)(?=\S)([^*\n]{1,200}?)(?<=\S)\1(?![\w*])")
# One step of an arithmetic chain after a number: an operator (":" divides in German and
# Russian) or an equals sign, with brackets closing before it and opening after it
# ("(16 - 3 - 4) * 2 = 18") and a currency sign before the next number ("9 * 2 = $18").
# Only an equals sign changes the value read, so a time ("12:30") still reads 12.
_CHAIN_NEXT = r"\s*[(\[]*\s*(?:[$€£¥₹]|\\\$)?\s*(?=\d|\.\d)"
_CHAIN_OPERATOR = re.compile(r"\s*[)\]]*\s*(?:[-+*/×÷·:xX]|\\times|\\cdot|\\div)" + _CHAIN_NEXT)
_CHAIN_EQUALS = re.compile(r"\s*[)\]]*\s*(?:=|≈|\\approx)\s*(?:[$€£¥₹]|\\\$)?\s*(?=-?\d|-?\.\d)")
# A chain goes on in a new clause that opens with its result ("16 - 3 - 4 = 9, 9 * 2 = 18").
_CHAIN_CLAUSE = re.compile(r"\s*[,;，；]\s*(?=\d|\.\d)")
# LaTeX's thin space between digit groups ("1\\,234"): a thin space, which groups digits in every locale.
_LATEX_THIN_SPACE = re.compile(r"(?<=\d)\\,(?=\d)")


def _is_label(phrase: str) -> bool:
    return phrase.endswith((":", "：", " :"))


def _spaced_letter(ch: str) -> bool:
    """A letter of a script that separates words with spaces."""
    return ch.isalpha() and not _UNSPACED.match(ch)


# re.IGNORECASE makes the regex engine try every phrase at every position of a text. The
# lowercased text, searched with the lowercased phrases case-sensitively, is scanned with
# the engine's first-character filter (several times faster) and gives the same matches
# when each phrase character is ASCII or has no case (CJK, Thai, Bengali, Arabic, ...)
# and the text holds none of the four non-ASCII letters that re.IGNORECASE matches to
# ASCII letters (re's documentation: İ ı ſ K), lowercasing being then one character to
# one character (checked on the text; ``tests/test_answer_scan.py`` checks the premise for
# every character of this Python's Unicode).
_ASCII_CASE_PARTNERS = re.compile("[\u0130\u0131\u017f\u212a]")


@lru_cache(maxsize=256)
def _phrase_patterns(langs: tuple[str, ...]) -> tuple[re.Pattern, re.Pattern | None]:
    """The phrase alternation of ``langs`` (case-insensitive) and, where the phrases allow
    it, the same alternation lowercased for lowercased text (see above), else None."""
    phrases = []
    for code in langs:
        phrases.extend(get_language(code).answer_phrases)
    # Longest first so "The final answer is" wins over "Answer:". A plain alternation
    # (word boundaries and labels are checked on each match, ``_phrase_matches``) keeps
    # the regex engine's fast literal scan.
    phrases = sorted(set(phrases), key=len, reverse=True)
    exact = re.compile("|".join(re.escape(p) for p in phrases), re.IGNORECASE)
    if not all(ch.isascii() or ch.lower() == ch == ch.upper() for p in phrases for ch in p):
        return exact, None
    return exact, re.compile("|".join(re.escape(p.lower()) for p in phrases))


def _phrase_scan(text: str, response_lang: str | None):
    """The phrase matches of ``text``, as the case-insensitive alternation finds them."""
    exact, lowered = _phrase_patterns(phrase_languages(response_lang))
    if lowered is not None:
        if text.isascii():
            return lowered.finditer(text.lower())
        if _ASCII_CASE_PARTNERS.search(text) is None:
            low = text.lower()
            if len(low) == len(text):
                return lowered.finditer(low)
    return exact.finditer(text)


def _phrase_matches(text: str, response_lang: str | None):
    """(start, end, is_label) of each answer phrase in ``text`` that stands as a whole
    word where its script separates words ("Ответ" does not match inside "ответа")."""
    for m in _phrase_scan(text, response_lang):
        start, end = m.span()
        first, last = text[start], text[end - 1]
        if _spaced_letter(first) and start > 0 and text[start - 1].isalpha():
            continue
        if _spaced_letter(last) and end < len(text) and text[end].isalpha():
            continue
        yield start, end, _is_label(text[start:end])


@lru_cache(maxsize=1)
def _run_on_patterns() -> tuple[re.Pattern, re.Pattern]:
    """A new-question label opening a line: at the start of the text, and after a newline.
    (The newline is a literal the regex engine scans for quickly; a ``^`` of
    ``re.MULTILINE`` would be tried at every position.)"""
    labels = {label for lang in LANGUAGES.values() for label in lang.question_labels}
    labels = sorted(labels, key=len, reverse=True)
    alternation = "|".join(re.escape(label) for label in labels)
    # A number may follow the label ("Question 2:"), as in numbered few-shot exercises.
    marker = rf"[ \t>*#_]*(?:{alternation})(?:[ \t]*#?\d{{1,3}})?[ \t*_]*[:：]"
    return re.compile(marker, re.IGNORECASE), re.compile(r"\n" + marker, re.IGNORECASE)


def _run_on_markers(text: str):
    """Yield where each line that opens with a new-question label begins, in order."""
    at_start, after_newline = _run_on_patterns()
    if at_start.match(text):
        yield 0
    for m in after_newline.finditer(text):
        yield m.start() + 1


def run_on_stops() -> tuple[str, ...]:
    """Stop strings for generation: a new line opening with the main question label of
    any registry language ("\\nQuestion:", "\\nFrage:", "\\n问题：") or "\\nQ:". The
    verifier also cuts there (``answer_region``), so a run that did not stop scores
    the same; generation stopping saves the tokens."""
    stops = {"\nQ:"}
    for code, lang in LANGUAGES.items():
        label = lang.question_labels[0]
        stops.add(f"\n{label}:")
        if _UNSPACED.match(label[0]):
            stops.add(f"\n{label}：")
        if code == "fr":
            stops.add(f"\n{label} :")
    return tuple(sorted(stops))


def cut_at_stop(text: str, stops) -> str:
    """``text`` up to the first of ``stops`` (a generator that keeps the stop string
    it stopped at, as transformers does, then returns what vLLM returns)."""
    cut = len(text)
    for stop in stops:
        found = text.find(stop, 0, cut)
        if found >= 0:
            cut = found
    return text[:cut]


def phrase_languages(response_lang: str | None) -> tuple[str, ...]:
    """The languages whose answer phrases count: the response's own and English."""
    if response_lang is None or response_lang == "en":
        return ("en",)
    return (response_lang, "en")


def strip_emphasis(text: str) -> str:
    """Markdown bold/italic markers removed around words ("**73**" -> "73")."""
    if "*" not in text and "__" not in text:
        return text
    return _EMPHASIS.sub(r"\2", text)


def _label_stands_alone(text: str, start: int) -> bool:
    """Whether a label phrase at ``start`` begins its line or sentence, after nothing but
    markdown, numbering, or one of ``_LEAD_WORDS``."""
    line_start = max(text.rfind("\n", 0, start), 0)
    prefix = text[line_start:start]
    for mark in ".!?。！？，,;；।॥":
        cut = prefix.rfind(mark)
        if cut >= 0:
            prefix = prefix[cut + 1:]
    words = prefix.strip(" \t\n*#>_-").split()
    return not words or (len(words) == 1 and words[0].casefold() in _LEAD_WORDS)


def _answer_follows(text: str, end: int, answer_start: re.Pattern) -> int | None:
    """Where the answer after a phrase ending at ``end`` begins, or None when no
    answer follows closely (see the module docstring)."""
    i = end
    limit = min(len(text), end + GAP_CHARS)
    while i < limit and text[i] in _FILLER:
        i += 1
    window = text[i:limit + 8]
    found = answer_start.search(window)
    if found is None or _GAP_BREAK.search(window, 0, found.start()):
        return None
    return i + found.start()


@dataclass(frozen=True)
class Commitment:
    """The final answer a response commits to.

    ``start``: where the phrase or first box begins in the region; ``answer``: the
    text from where the answer begins (at most ``ANSWER_WINDOW`` characters) for a
    phrase, else the last box's content; ``after_phrase``: for a phrase, the text
    right after it (prose included: "The largest $n$ is 34"); ``boxes``: the
    contents of the run of boxes that ends the response ("$\\boxed{2}$, $\\boxed{3}$").
    """

    start: int
    answer: str
    after_phrase: str | None = None
    boxes: tuple[str, ...] = ()


def _box_content(text: str, open_end: int) -> tuple[int, str] | None:
    """(end, content) of a box whose "{" ends at ``open_end``; None if it does not close
    within MAX_BRACE_DEPTH levels and MAX_BOX_CHARS characters."""
    depth = 1
    limit = min(len(text), open_end + MAX_BOX_CHARS)
    for i in range(open_end, limit):
        ch = text[i]
        if ch == "{":
            depth += 1
            if depth > MAX_BRACE_DEPTH:
                return None
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1, text[open_end:i]
    return None


# What may separate the boxes of one answer: punctuation, math delimiters, line breaks and
# LaTeX spacing ("\\quad", "\\,", "\\\\"), one short word ("and", "或") or a \\text{} of a few short
# words ("\\quad \\text{and} \\quad", "\\text{ for part (b) and }"), and the variable the
# next box gives ("$x=\\boxed{1}$ or $x=\\boxed{2}$", "\\( y_2 = \\boxed{...} \\)").
_BOX_GAP = r"(?:[\s$,;，、()~]|\\[^A-Za-z]|\\q?quad(?![A-Za-z]))*"
_SHORT_WORDS = r"(?:(?:[^\W\d_]{1,4}|\([^\W\d_]\))\s*){1,4}"
_BOX_JOINER = re.compile(
    _BOX_GAP + r"(?:[^\W\d_]{1,4}|\\(?:text|textrm|mbox)\s*\{\s*" + _SHORT_WORDS + r"\})?" + _BOX_GAP
    + r"(?:[A-Za-z](?:_\{?\w{1,3}\}?)?\s*=\s*)?")
# The most characters between two boxes of one answer.
MAX_BOX_GAP = 40


def last_boxes(text: str) -> tuple[int, tuple[str, ...]] | None:
    """(start, contents) of the last run of ``\\boxed{...}`` (boxes separated by at most
    a comma or one short word: "$\\boxed{2}$, $\\boxed{3}$ and $\\boxed{7}$"); None
    when there is no box that closes."""
    opens = list(_BOXED_RE.finditer(text))[-MAX_BOXES:]
    run: list[tuple[int, int, str]] = []  # (start, end, content), last box first
    for m in reversed(opens):
        box = _box_content(text, m.end())
        if box is None:
            if run:
                break
            continue
        if run and (run[-1][0] - box[0] > MAX_BOX_GAP or not _BOX_JOINER.fullmatch(text, box[0], run[-1][0])):
            break
        run.append((m.start(), box[0], box[1]))
    if not run:
        return None
    return run[-1][0], tuple(content for _, _, content in reversed(run))


def last_boxed(text: str) -> tuple[int, str] | None:
    """(start, content) of the last ``\\boxed{...}``, or None."""
    boxes = last_boxes(text)
    return None if boxes is None else (boxes[0], boxes[1][-1])


def _last_phrase(text: str, response_lang: str | None, answer_start: re.Pattern):
    """(phrase start, phrase end, answer start) of the last phrase that commits."""
    for start, end, is_label in reversed(list(_phrase_matches(text, response_lang))):
        if is_label and not _label_stands_alone(text, start):
            continue
        begin = _answer_follows(text, end, answer_start)
        if begin is not None:
            return start, end, begin
    return None


def last_phrase_end(text: str, response_lang: str | None) -> int | None:
    """Index just after the last answer phrase of ``text`` that stands where a phrase
    may (labels as labels), whether or not an answer follows it; None if none."""
    for start, end, is_label in reversed(list(_phrase_matches(text, response_lang))):
        if not is_label or _label_stands_alone(text, start):
            return end
    return None


def commitment(text: str, response_lang: str | None, answer_start: re.Pattern = ANSWER_START,
               window: int = ANSWER_WINDOW) -> Commitment | None:
    """The final commitment of ``text`` (a region, see ``answer_region``): the last
    committing phrase or the last run of boxes, whichever comes later; None when
    the response commits to nothing. ``answer_start`` says what may begin an answer
    (tasks with other answers, XCOPA's ordinals, pass their own)."""
    return _commitment(text, response_lang, answer_start, window)


# The trainer's reward reads each response twice in a row (the verifier, then the
# format term): the last few regions and commitments are kept.
@lru_cache(maxsize=16)
def _commitment(text: str, response_lang: str | None, answer_start: re.Pattern, window: int) -> Commitment | None:
    phrase = _last_phrase(text, response_lang, answer_start)
    boxes = last_boxes(text)
    if boxes is not None and (phrase is None or boxes[0] >= phrase[1] - 1):
        return Commitment(boxes[0], boxes[1][-1], boxes=boxes[1])
    if phrase is not None:
        start, end, begin = phrase
        return Commitment(start, text[begin:begin + window], after_phrase=text[end:end + window])
    return None


@lru_cache(maxsize=16)
def answer_region(response: str, response_lang: str | None) -> str:
    """What the verifiers read of a response: digits normalised, cut at a run-on
    continuation that follows a commitment, at most the last ``TAIL_CHARS``."""
    text = normalize_digits(response)
    for count, marker in enumerate(_run_on_markers(text)):
        if count >= MAX_RUN_ON_MARKERS:
            break
        before = text[max(0, marker - TAIL_CHARS):marker]
        if marker > 0 and commitment(before, response_lang) is not None:
            text = text[:marker]
            break
    return text[-TAIL_CHARS:]


def committed_answer(text: str, response_lang: str | None, window: int = ANSWER_WINDOW) -> str | None:
    """The text of the final committed answer (see ``commitment``), or None."""
    found = commitment(answer_region(text, response_lang), response_lang, window=window)
    return None if found is None else found.answer


def clean_answer_text(text: str) -> str:
    """Markdown emphasis removed, LaTeX's decimal comma ``{,}`` made a comma and its
    thin space between digits (``1\\,234``) a thin space."""
    text = strip_emphasis(text).replace("{,}", ",")
    return _LATEX_THIN_SPACE.sub("\u2009", text) if "\\," in text else text


def read_number(answer: str, lang: str | None) -> Decimal | None:
    """The number an answer text begins with: a Chinese/Japanese numeral, or the first
    number, or the result of the arithmetic chain it opens ("9 * 2 = 18" -> 18)."""
    answer = clean_answer_text(answer)
    numeral = cjk_numeral(answer.lstrip(" :：$"))
    if numeral is not None:
        return numeral[1]
    numbers = find_numbers(answer, lang)
    first = next(numbers, None)
    if first is None:
        return None
    value, pos = first[2], first[1]
    equals_seen = False
    while True:
        step = _CHAIN_EQUALS.match(answer, pos) or _CHAIN_OPERATOR.match(answer, pos)
        if step is None and equals_seen:
            clause = _CHAIN_CLAUSE.match(answer, pos)
            step = clause and _CHAIN_OPERATOR.match(answer, _continued(answer, clause.end(), value, lang))
        if step is None:
            return value
        following = next(find_numbers(answer[step.end():step.end() + 64], lang), None)
        if following is None or following[0] != 0:
            return value
        if step.re is _CHAIN_EQUALS:
            value, equals_seen = following[2], True
        pos = step.end() + following[1]


def _continued(answer: str, start: int, value: Decimal, lang: str | None) -> int:
    """Where the number at ``start`` ends when it repeats ``value`` (a chain's result
    opening its next clause), else ``len(answer)`` (no continuation)."""
    repeated = next(find_numbers(answer[start:start + 64], lang), None)
    if repeated is None or repeated[0] != 0 or repeated[2] != value:
        return len(answer)
    return start + repeated[1]


def _last_number(text: str, lang: str | None) -> Decimal | None:
    last = None
    for _, _, value in find_numbers(text, lang):
        last = value
    return last


def final_number(response: str, response_lang: str | None) -> Decimal | None:
    """The number a response commits to, read in the response language's locale;
    without a commitment, the last number of the response."""
    text = answer_region(response, response_lang)
    found = commitment(text, response_lang)
    if found is not None:
        return read_number(found.answer, response_lang)
    if mentions_answer(text, response_lang):
        return None  # it speaks of the answer ("the answer is unclear") but commits to none
    return _last_number(text, response_lang)


def mentions_answer(text: str, response_lang: str | None) -> bool:
    """Whether an answer phrase occurs in ``text`` at all, committing or not."""
    return next(_phrase_matches(text, response_lang), None) is not None
