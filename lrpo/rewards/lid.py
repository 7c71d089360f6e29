"""Language identification of model responses, among the languages in play and their neighbours.

The language gate of LRPO's reward asks "is this response in the requested
language?". A response to a math question is mostly numbers, LaTeX and code,
which carry no language but sway an n-gram identifier (py3langid, BSD, offline),
so they are stripped first. What remains is identified among the *candidate*
languages (the languages in play; all of ``lrpo.languages`` by default) *and their
close neighbours* (``lrpo.languages.NEIGHBOURS``: Portuguese for Spanish, Dutch for
German, Ukrainian for Russian, ...), never among all of py3langid's 142
languages, which mistakes short texts for languages nobody asked for. Without
the neighbours, Portuguese asked in Spanish would be "Spanish", the closest
candidate; with them, it is "pt" and fails a Spanish gate. Under ``MIN_LETTERS``
letters nothing is decided: ``"unknown"``.

The whole response is judged, segment by segment: the cleaned text is cut into
segments of at most ``SEGMENT_CHARS`` characters (balanced, at word boundaries),
each identified on its own (``segment_languages``). A text's language is the best
of the letter-weighted mean of its segments' probabilities, and its *drift* is
the share of its letters in segments identified as another language; the gate
(``lrpo.rewards.gated_reward.LanguageGate``) rejects drift above
``DRIFT_TOLERANCE``. A text of one segment (up to about 2,000 letters: most
responses) is identified exactly as a whole.

Lines: the same cleaning, kept line by line (``clean_lines``: the one segmentation
of a response; ``strip_non_language`` is its lines joined), also judges each *line*
on its own, for line-level fidelity, code-switching and the gate's "lines" mode. A
line is a stretch between line breaks (``str.splitlines``) of the cleaned text, so
a line of only math, numbers, code or punctuation is empty or letterless; a line is
*judged* when it keeps at least ``MIN_LINE_LETTERS`` letters (a longer one than
``SEGMENT_CHARS`` is judged in ``segments``). A judged line counts as the requested
language unless the identifier gives that language less than ``LINE_DOUBT``
(``line_language``); a response is code-switched when its judged lines count as two
languages or more, each line given the same benefit of the doubt towards the
response's own language (``code_switched``), so an answer wholly in another
language is unfaithful but not switched. A switch inside one line is not seen.
At most ``MAX_LINES`` judged lines (evenly spread) are identified, for bounded cost.

Indonesian and Malay: py3langid cannot tell them apart reliably (measured: 150
of 500 XCOPA Indonesian premises called Malay when both were candidates), so
they are not each other's neighbours. Detection reports whichever of the two scored
higher, and ``matches_language`` / ``requested_probability`` treat the pair as one
language *when both are candidates*, so an Indonesian response asked for in
Indonesian never fails the gate for looking Malay. With only one of them among the
candidates (XCOPA's languages, the paper's 15) detection is exact.

Cost is bounded whatever the input: cleaning is linear in the text, and at most
``MAX_SEGMENTS`` segments, spread evenly over the text (its first and last
included), are identified, so a megabyte costs about what a long response costs.

(Past 400 lines on purpose: the line verdicts share this module's cleaning, segments
and cached identifiers with the whole-response ones; apart, they would reach into
each other's private parts.)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
from py3langid.modelio import load_model

from lrpo.languages import get_language, supported_languages, with_neighbours

UNKNOWN = "unknown"
# Fewer letters than this after cleaning is not evidence of any language ("42", "x = 3").
MIN_LETTERS = 3
# The prior weight of a neighbour (a language not in play) against a candidate's 1.0:
# text in the languages in play is the likelier, so a neighbour must look about
# twice as likely to be chosen (measured: one MGSM Russian question of 250, with
# its digits removed, is otherwise called Ukrainian by a hair).
NEIGHBOUR_PRIOR = 0.5
# Segments identified one by one, and how many at most (evenly spread over a longer text).
SEGMENT_CHARS = 2_048
MAX_SEGMENTS = 16
# The largest share of a text's letters that may be in segments identified as another
# language for the text to count as in the requested language: one stray segment of
# a long response (a quoted term, a misidentified short passage) is tolerated, a
# response that drifts for a quarter of its length or more is not.
DRIFT_TOLERANCE = 0.25
# Lines with fewer letters than this (after cleaning) are not judged line by line: "Antwort:",
# "Schritt 2:", a variable name. Measured on MGSM test questions cut into one sentence per
# line (11 languages): sentences of 10-14 letters are identified right 98.9% of the time,
# of 5-9 letters about as often, of 3-4 letters 91%; with LINE_DOUBT, 0 of 2,750 such pure
# responses have a line counted as another language, and 99.6% of them with one sentence of
# the parallel English (German for English) question put in as a line are caught (at 20
# letters, 91%: the short inserted sentences are skipped); none of the 2,750 answered wholly in
# the other language counts as switched. On XCOPA test items (premise and both choices as three
# lines, 5,500 pure responses) 2 have a line counted as another language with XCOPA's 11
# candidates, 7 with all 25 identifiable then (before hi, mr, ne were added).
MIN_LINE_LETTERS = 10
# A judged line counts as the requested language unless the identifier gives that language
# less than this: a short line is often scored near a close language (Russian lines called
# Bulgarian or Ukrainian at 0.5-0.7, French ones Spanish at 0.3), while a line really in
# another language leaves the requested one near 0 (measured as above: 0.3 or 0.2 let 9 or 3
# pure responses of 2,750 fail, 0.1 none, and misses 0.3% more of the inserted sentences).
LINE_DOUBT = 0.1
# The most judged lines identified one by one (evenly spread, first and last included):
# a 512-token response has a few dozen lines, a hostile megabyte tens of thousands.
MAX_LINES = 64
# Languages the identifier confuses with each other; merged when both are candidates.
CONFUSABLE = {"id": "ms", "ms": "id"}

_DEFAULT_CANDIDATES = supported_languages()

# Spans whose content is not natural language, removed with their delimiters.
# Searched with str.find (see _remove_delimited) so an unclosed opener costs one scan.
_DELIMITED = (("```", "```"), ("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"))
# Inline math $...$ (opening $ followed by non-space, closing $ preceded by non-space
# and not followed by a digit), so prices like "$5 and $10" are not taken for math.
# [^$] cannot cross a dollar sign, so each opener scans at most to the next one.
_INLINE_MATH = re.compile(r"\$(?=[^\s$])[^$]*?(?<=[^\s$])\$(?!\d)")
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)
_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+\*?")


def _symbol_table() -> dict[int, str]:
    """Digits (any script), math and currency symbols, and ASCII markup to spaces."""
    table = {ord(ch): " " for ch in "_^{}[]|\\~#%&@*/+<>=`"}
    for cp in range(0x10000):
        if unicodedata.category(chr(cp)) in ("Nd", "No", "Sm", "Sc"):
            table[cp] = " "
    return table


_SYMBOLS = _symbol_table()


def _remove_delimited(text: str, opener: str, closer: str) -> str:
    """Drop every opener...closer span. An opener with no closer after it is left
    alone and ends the search (no later opener can be closed either), which keeps
    the cost linear where a lazy regex would rescan the tail for every opener."""
    if opener not in text:
        return text
    pieces = []
    start = 0
    while True:
        begin = text.find(opener, start)
        if begin < 0:
            break
        end = text.find(closer, begin + len(opener))
        if end < 0:
            break
        pieces.append(text[start:begin])
        pieces.append(" ")
        start = end + len(closer)
    pieces.append(text[start:])
    return "".join(pieces)


def clean_lines(text: str) -> list[str]:
    """The natural-language part of ``text`` line by line: code blocks, LaTeX, URLs,
    digits and math symbols removed (a code block or display math over several
    lines with its lines), whitespace collapsed within each line, and lines left
    empty dropped. The one segmentation of a response: the gate reads these lines
    joined (``strip_non_language``), the line-level verdicts read them one by one."""
    for opener, closer in _DELIMITED:
        text = _remove_delimited(text, opener, closer)
    text = _INLINE_MATH.sub(" ", text)
    text = _INLINE_CODE.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _LATEX_COMMAND.sub(" ", text)
    # Every line break of splitlines is whitespace to split(), so joining these lines
    # with spaces gives exactly the whole text's words joined with spaces.
    return [" ".join(words) for line in text.translate(_SYMBOLS).splitlines() if (words := line.split())]


def strip_non_language(text: str) -> str:
    """The natural-language part of ``text``: ``clean_lines`` joined with spaces."""
    return " ".join(clean_lines(text))


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def _has_letters(text: str, needed: int = MIN_LETTERS) -> bool:
    for ch in text:
        if ch.isalpha():
            needed -= 1
            if needed == 0:
                return True
    return False


def _spread(count: int, limit: int) -> Sequence[int]:
    """Indices of ``count`` items, or of ``limit`` of them evenly spread (the first
    and the last included) when there are more."""
    if count <= limit:
        return range(count)
    return sorted({round(i * (count - 1) / (limit - 1)) for i in range(limit)})


def segments(cleaned: str) -> list[str]:
    """A cleaned text cut into balanced segments of at most ``SEGMENT_CHARS``
    characters at spaces (a text without spaces, Chinese say, anywhere); at most
    ``MAX_SEGMENTS`` of them, evenly spread, the first and the last included."""
    count = -(-len(cleaned) // SEGMENT_CHARS)
    if count <= 1:
        return [cleaned] if cleaned else []
    size = -(-len(cleaned) // count)
    pieces = []
    for index in _spread(count, MAX_SEGMENTS):
        start, end = index * size, min(len(cleaned), (index + 1) * size)
        # Move both ends to the next space (if one is near) so no word is cut in two.
        if start:
            space = cleaned.find(" ", start, start + 64)
            start = space + 1 if space >= 0 else start
        if end < len(cleaned):
            space = cleaned.find(" ", end, end + 64)
            end = space if space >= 0 else end
        pieces.append(cleaned[start:end])
    return pieces


def language_sample(text: str) -> str | None:
    """What the identifier sees of a text of one segment: the cleaned text; None when
    fewer than ``MIN_LETTERS`` letters remain. (Longer texts: ``segment_languages``.)"""
    sample = strip_non_language(text)
    return sample if _has_letters(sample) else None


def check_candidates(candidates: Iterable[str] | None = None) -> tuple[str, ...]:
    """The candidate set as a sorted tuple of registry codes (all of them for None).
    Unknown codes raise ValueError listing the supported ones."""
    if candidates is None:
        return _DEFAULT_CANDIDATES
    if isinstance(candidates, str):
        candidates = [candidates]
    return _checked(frozenset(candidates))


@lru_cache(maxsize=256)
def _checked(codes: frozenset) -> tuple[str, ...]:
    # Cached: the gate checks its candidate set on every call.
    if not codes:
        raise ValueError("empty candidate language list")
    for code in codes:
        get_language(code)
    return tuple(sorted(codes))


@lru_cache(maxsize=1)
def _model():
    # Decompressing the model takes most of a second: once per process.
    return load_model(MODEL_DIR / MODEL_FILE)


@lru_cache(maxsize=32)
def _identifier(candidates: tuple[str, ...]) -> LanguageIdentifier:
    """One identifier per candidate set, built from the shared model arrays (building
    is a column slice of the model, done once; identifying is then read-only)."""
    ptc, pc, classes, nextmove, row, output = _model()
    identifier = LanguageIdentifier(ptc, pc, classes, nextmove, output, norm_probs=True, tk_row=row)
    identifier.set_languages(candidates)
    return identifier


def identifier_languages() -> tuple[str, ...]:
    """Every language code py3langid's model knows (the registry must be a subset)."""
    return tuple(dict.fromkeys(_model()[2]))


def identification_languages(candidates: Iterable[str] | None = None) -> tuple[str, ...]:
    """The languages the identifier may answer for a candidate set: the candidates
    and their close neighbours (``lrpo.languages.NEIGHBOURS``)."""
    return with_neighbours(check_candidates(candidates))


def segment_languages(text: str, candidates: tuple[str, ...]) -> list[tuple[int, dict[str, float]]]:
    """(letters, probabilities over ``identification_languages(candidates)``) of each
    segment of ``text`` with at least ``MIN_LETTERS`` letters; ``candidates`` checked."""
    return cleaned_segment_languages(strip_non_language(text), candidates)


def cleaned_segment_languages(cleaned: str, candidates: tuple[str, ...]) -> list[tuple[int, dict[str, float]]]:
    """``segment_languages`` of a text already cleaned (``strip_non_language``)."""
    identifier, weights = _identification(candidates)
    pieces = [segment for segment in segments(cleaned) if _has_letters(segment)]
    # One segment needs no weight (and most responses are one): skip counting its letters.
    return [(_letters(segment) if len(pieces) > 1 else 1, _weighed(identifier.rank(segment), weights))
            for segment in pieces]


@lru_cache(maxsize=32)
def _identification(candidates: tuple[str, ...]) -> tuple[LanguageIdentifier, dict[str, float]]:
    """The identifier over the candidates and their neighbours, and each language's prior."""
    languages = with_neighbours(candidates)
    return _identifier(languages), {code: 1.0 if code in candidates else NEIGHBOUR_PRIOR for code in languages}


def _weighed(ranked: list[tuple[str, float]], weights: dict[str, float]) -> dict[str, float]:
    """The identifier's probabilities with each neighbour's weighed by its prior
    (NEIGHBOUR_PRIOR) and renormalised, best first."""
    weighed = [(code, float(prob) * weights[code]) for code, prob in ranked]
    total = sum(prob for _, prob in weighed) or 1.0
    weighed.sort(key=lambda item: item[1], reverse=True)
    return {code: prob / total for code, prob in weighed}


def pooled(segment_probs: list[tuple[int, dict[str, float]]]) -> dict[str, float]:
    """The letter-weighted mean of segments' probabilities, best first."""
    if len(segment_probs) == 1:
        return segment_probs[0][1]
    total = sum(letters for letters, _ in segment_probs)
    mean: dict[str, float] = {}
    for letters, probs in segment_probs:
        for code, prob in probs.items():
            mean[code] = mean.get(code, 0.0) + prob * letters / total
    return dict(sorted(mean.items(), key=lambda item: item[1], reverse=True))


def drift(segment_probs: list[tuple[int, dict[str, float]]], requested: str,
          candidates: Iterable[str] | None = None) -> float:
    """The share of letters in segments identified as a language other than
    ``requested`` (its confusable partner counting as it, see ``matches_language``)."""
    total = sum(letters for letters, _ in segment_probs)
    if not total:
        return 0.0
    foreign = sum(letters for letters, probs in segment_probs
                  if not matches_language(best_language(probs)[0], requested, candidates))
    return foreign / total


def _probabilities(text: str, candidates: tuple[str, ...]) -> dict[str, float]:
    found = segment_languages(text, candidates)
    return pooled(found) if found else {}


def language_probabilities(text: str, candidates: Iterable[str] | None = None) -> dict[str, float]:
    """Probability of each language of ``identification_languages(candidates)`` for
    ``text`` (they sum to 1; the letter-weighted mean over its segments), best first;
    empty when the text has too few letters to say."""
    return _probabilities(text, check_candidates(candidates))


def best_language(probs: dict[str, float]) -> tuple[str, float]:
    """The top of ``language_probabilities``: (code, probability), or ("unknown", 0.0)."""
    if not probs:
        return UNKNOWN, 0.0
    code, prob = next(iter(probs.items()))  # rank() is sorted best first
    return code, float(prob)


def detect_language(text: str, candidates: Iterable[str] | None = None) -> tuple[str, float]:
    """(code, probability) of the most likely language among the candidates and their
    neighbours, or ("unknown", 0.0)."""
    return best_language(_probabilities(text, check_candidates(candidates)))


def detect_languages(texts: Iterable[str], candidates: Iterable[str] | None = None
                     ) -> list[tuple[str, float]]:
    """``detect_language`` over many texts, checking the candidate set once."""
    codes = check_candidates(candidates)
    return [best_language(_probabilities(text, codes)) for text in texts]


def _merged_partner(code: str, candidates: tuple[str, ...]) -> str | None:
    partner = CONFUSABLE.get(code)
    return partner if partner is not None and partner in candidates else None


def matches_language(detected: str, requested: str, candidates: Iterable[str] | None = None) -> bool:
    """Whether a detection counts as the requested language: the same code, or its
    confusable partner when both are candidates (see the module docstring)."""
    if detected == requested:
        return True
    return detected == _merged_partner(requested, check_candidates(candidates))


def requested_probability(probs: dict[str, float], requested: str,
                          candidates: Iterable[str] | None = None) -> float:
    """The probability that the text is in ``requested`` given the candidates'
    probabilities, its confusable partner's included when both are candidates."""
    total = probs.get(requested, 0.0)
    partner = _merged_partner(requested, check_candidates(candidates))
    if partner is not None:
        total += probs.get(partner, 0.0)
    return min(1.0, float(total))


# Line by line (line-level fidelity, code-switching, the gate's "lines" mode)


def judged_lines(lines: Sequence[str]) -> list[str]:
    """The lines of ``clean_lines`` that are judged one by one: those with at least
    ``MIN_LINE_LETTERS`` letters, a line longer than ``SEGMENT_CHARS`` in its
    ``segments``; at most ``MAX_LINES`` of them, evenly spread."""
    pieces = [piece for line in lines for piece in segments(line) if _has_letters(piece, MIN_LINE_LETTERS)]
    return [pieces[index] for index in _spread(len(pieces), MAX_LINES)]


def line_probabilities(lines: Sequence[str], candidates: tuple[str, ...]) -> list[dict[str, float]]:
    """The identifier's probabilities (as ``language_probabilities``) of each judged
    line of ``lines`` (``clean_lines`` of a response); [] when no line is judged."""
    identifier, weights = _identification(candidates)
    return [_weighed(identifier.rank(line), weights) for line in judged_lines(lines)]


def line_language(probs: dict[str, float], anchor: str, candidates: tuple[str, ...]) -> str:
    """The language a judged line counts as: ``anchor`` (the requested language for
    line fidelity, the response's own for code-switching) when the identifier gives
    it, its confusable partner included, at least ``LINE_DOUBT``; else the best one."""
    if anchor != UNKNOWN and requested_probability(probs, anchor, candidates) >= LINE_DOUBT:
        return anchor
    return best_language(probs)[0]


def code_switched(languages: Sequence[str], candidates: tuple[str, ...]) -> bool:
    """Whether the judged lines' languages (``line_language`` of each, anchored on the
    response's language) are two or more: each judged line has at least
    ``MIN_LINE_LETTERS`` letters, the threshold of enough text in a language. A
    confusable pair counts as one language when both are candidates."""
    distinct = set()
    for code in languages:
        partner = _merged_partner(code, candidates)
        distinct.add(min(code, partner) if partner is not None and code in candidates else code)
    return len(distinct) >= 2
