"""Language identification of model responses, restricted to the languages in play.

The language gate of LRPO's reward asks "is this response in the requested
language?". A response to a math question is mostly numbers, LaTeX and code,
which carry no language but sway an n-gram identifier (py3langid, BSD, offline),
so they are stripped first; what remains is identified among the candidate
languages only (all of ``lrpo.languages`` by default), because an identifier
free to answer any of its 142 languages mistakes short texts for neighbours we
never ask for. Under ``MIN_LETTERS`` letters nothing is decided: ``"unknown"``.

Indonesian and Malay: py3langid cannot tell them apart reliably (measured: 150
of 500 XCOPA Indonesian premises called Malay when both were candidates).
Detection reports whichever of the two scored higher, and ``matches_language`` /
``requested_probability`` treat the pair as one language *when both are
candidates*, so an Indonesian response asked for in Indonesian never fails the
gate for looking Malay. With only one of them among the candidates (XCOPA's
languages, the paper's 15) there is nothing to merge and detection is exact.

Cost is bounded whatever the input: a window of each end of the raw text is
cleaned, and a sample of each end of the cleaned text is identified, so a
megabyte costs about what a long response costs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
from py3langid.modelio import load_model

from lrpo.languages import get_language, supported_languages

UNKNOWN = "unknown"
# Fewer letters than this after cleaning is not evidence of any language ("42", "x = 3").
MIN_LETTERS = 3
# Characters kept from each end of the raw text before cleaning, and from each end
# of the cleaned text for identification. Both ends, because a drifting response
# often starts in one language (restating the question) and ends in another.
RAW_WINDOW = 16_384
SAMPLE_CHARS = 2_048
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


def _ends(text: str, width: int) -> str:
    return text if len(text) <= 2 * width else f"{text[:width]}\n{text[-width:]}"


def strip_non_language(text: str) -> str:
    """The natural-language part of ``text``: code blocks, LaTeX, URLs, digits and
    math symbols removed, whitespace collapsed. Reads at most ``RAW_WINDOW``
    characters from each end."""
    text = _ends(text, RAW_WINDOW)
    for opener, closer in _DELIMITED:
        text = _remove_delimited(text, opener, closer)
    text = _INLINE_MATH.sub(" ", text)
    text = _INLINE_CODE.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _LATEX_COMMAND.sub(" ", text)
    return " ".join(text.translate(_SYMBOLS).split())


def _has_letters(text: str, needed: int = MIN_LETTERS) -> bool:
    for ch in text:
        if ch.isalpha():
            needed -= 1
            if needed == 0:
                return True
    return False


def language_sample(text: str) -> str | None:
    """What the identifier sees: the cleaned text, at most ``SAMPLE_CHARS`` from each
    end; None when fewer than ``MIN_LETTERS`` letters remain."""
    sample = _ends(strip_non_language(text), SAMPLE_CHARS)
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


def _probabilities(text: str, candidates: tuple[str, ...]) -> dict[str, float]:
    sample = language_sample(text)
    if sample is None:
        return {}
    return dict(_identifier(candidates).rank(sample))


def language_probabilities(text: str, candidates: Iterable[str] | None = None) -> dict[str, float]:
    """Probability of each candidate language for ``text`` (they sum to 1), best
    first; empty when the text has too few letters to say."""
    return _probabilities(text, check_candidates(candidates))


def best_language(probs: dict[str, float]) -> tuple[str, float]:
    """The top of ``language_probabilities``: (code, probability), or ("unknown", 0.0)."""
    if not probs:
        return UNKNOWN, 0.0
    code, prob = next(iter(probs.items()))  # rank() is sorted best first
    return code, float(prob)


def detect_language(text: str, candidates: Iterable[str] | None = None) -> tuple[str, float]:
    """(code, probability) of the most likely candidate language, or ("unknown", 0.0)."""
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
