"""The reward the trainer optimises: answer quality times a language gate.

    r = quality × gate + format_weight × format

- quality: the task's verifier (``task.score``: 1.0 correct, 0.0 not) for
  verifiable tasks; a semantic similarity to the reference
  (``lrpo.rewards.similarity.SimilarityReward``, the paper's reward for open-ended
  answers) or chrF (``ChrFReward``, a cheap surface-overlap alternative) for
  open-ended ones. Any object with ``__call__(response, example, response_lang)
  -> float`` (and optionally ``batch``) works.
- gate: ``LanguageGate`` — 1.0 / 0.0 whether the response is in the requested
  language (``hard``, the paper: the whole response, segment by segment, with at
  most ``lid.DRIFT_TOLERANCE`` of its letters in another language), or the
  identifier's probability of that language (``soft``: the letter-weighted mean
  over the segments), or 1.0 / 0.0 whether the response is in it line by line
  (``lines``: the hard gate passed *and* every judged line counts as the
  requested language, ``lid.line_language``: one English line in a German answer
  fails it). A gate of None / "off" multiplies by 1.0 (ablations); the language
  is still identified and reported as ``fidelity``.
- format: 1.0 when the response commits to an answer (an answer phrase of its
  language or English, or ``\\boxed{}``: ``lrpo.tasks.answers.committed_answer``),
  else 0.0. It is added, not gated, and weighs 0 unless asked for: a small
  weight teaches a warm-start model to end with an answer at all.

Every component is reported in ``RewardBreakdown`` so a run logs accuracy and
language fidelity separately: the product hides which of the two failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sacrebleu.metrics import CHRF

from lrpo.languages import get_language
from lrpo.rewards import lid
from lrpo.tasks.answers import committed_answer
from lrpo.tasks.base import Example, Task

GATE_MODES = ("hard", "soft", "lines")
GATE_OFF = ("off", None)


@dataclass(frozen=True)
class GateResult:
    value: float          # the multiplier: 0/1 (hard, lines) or the requested language's probability (soft)
    fidelity: float       # 1.0 when the identified language counts as the requested one, whatever the mode
    detected_lang: str    # the identifier's best candidate, or "unknown"
    detected_prob: float  # its probability
    # Line by line, judged in the "lines" mode or when asked for (``evaluate(..., lines=True)``), else None:
    # 1.0 when fidelity is 1.0 and every judged line counts as the requested language (so never above
    # fidelity: a response too short to judge a line has its fidelity), and 1.0 when the judged lines count
    # as two languages or more (``lid.code_switched``), whatever the requested one.
    line_fidelity: float | None = None
    code_switched: float | None = None


class LanguageGate:
    """Whether a response is in the requested language, as a reward multiplier.

    ``candidates`` are the languages in play (default: the whole registry); the
    identifier answers among them and their close neighbours
    (``lrpo.languages.NEIGHBOURS``), so Portuguese asked in Spanish fails a gate
    built over ("es", "en") without the caller naming Portuguese. A response
    fails the hard gate when its best language is not the requested one or when
    more than ``lid.DRIFT_TOLERANCE`` of its letters are in segments identified
    as another language (a long drift in the middle). A response with too few
    letters to identify (a bare number) fails the gate: otherwise a policy could
    escape the language constraint by answering without words. The "lines" mode
    also fails a response with a judged line in another language (``lid``'s module
    docstring: what a line is and when it is judged).
    """

    def __init__(self, mode: str = "hard", candidates: Iterable[str] | None = None):
        if mode not in GATE_MODES:
            raise ValueError(f"unknown gate mode {mode!r}; available: {', '.join(GATE_MODES)}")
        self.mode = mode
        self.candidates = lid.check_candidates(candidates)

    def _check_requested(self, requested: str) -> None:
        get_language(requested)
        if requested not in self.candidates:
            raise ValueError(f"requested language {requested!r} is not among the gate's candidate languages "
                             f"({', '.join(self.candidates)}); it could never be detected")

    def evaluate(self, response: str, requested: str, lines: bool = False) -> GateResult:
        """The gate's verdict on ``response`` asked in ``requested``; with ``lines``
        (always in the "lines" mode) also its line-level fidelity and code-switching.
        ValueError for a requested language that is not a candidate."""
        self._check_requested(requested)
        cleaned = lid.clean_lines(response)
        found = lid.cleaned_segment_languages(" ".join(cleaned), self.candidates)
        probs = lid.pooled(found) if found else {}
        detected, prob = lid.best_language(probs)
        in_language = (lid.matches_language(detected, requested, self.candidates)
                       and lid.drift(found, requested, self.candidates) <= lid.DRIFT_TOLERANCE)
        fidelity = 1.0 if in_language else 0.0
        line_fidelity = switched = None
        if lines or self.mode == "lines":
            line_probs = lid.line_probabilities(cleaned, self.candidates)
            in_lines = all(lid.line_language(p, requested, self.candidates) == requested for p in line_probs)
            line_fidelity = 1.0 if in_language and in_lines else 0.0
            # Anchored on the response's own language: an answer wholly in another language is not a switch.
            own = [lid.line_language(p, detected, self.candidates) for p in line_probs]
            switched = 1.0 if lid.code_switched(own, self.candidates) else 0.0
        if self.mode == "hard":
            value = fidelity
        elif self.mode == "lines":
            value = line_fidelity
        else:
            value = lid.requested_probability(probs, requested, self.candidates)
        return GateResult(value, fidelity, detected, prob, line_fidelity, switched)

    def evaluate_batch(self, responses: Sequence[str], requested: Sequence[str],
                       lines: bool = False) -> list[GateResult]:
        if len(responses) != len(requested):
            raise ValueError(f"{len(responses)} responses but {len(requested)} requested languages")
        return [self.evaluate(response, lang, lines) for response, lang in zip(responses, requested, strict=True)]

    def __call__(self, response: str, requested: str) -> float:
        return self.evaluate(response, requested).value

    def batch(self, responses: Sequence[str], requested: Sequence[str]) -> list[float]:
        return [result.value for result in self.evaluate_batch(responses, requested)]

    def __repr__(self) -> str:
        return f"LanguageGate(mode={self.mode!r}, candidates={len(self.candidates)} languages)"


class QualityReward(Protocol):
    def __call__(self, response: str, example: Example, response_lang: str | None = None) -> float: ...


class VerifierReward:
    """The task's own verifier as the quality term: the same ``task.score`` the
    evaluator reports as accuracy."""

    def __init__(self, task: Task):
        self.task = task

    def __call__(self, response: str, example: Example, response_lang: str | None = None) -> float:
        return float(self.task.score(response, example, response_lang or example.lang))

    def batch(self, responses, examples, response_langs=None) -> list[float]:
        langs = response_langs or [None] * len(examples)
        return [self(r, ex, lang) for r, ex, lang in zip(responses, examples, langs, strict=True)]


class ChrFReward:
    """chrF (sacrebleu) between the response and the reference, in [0, 1].

    Character n-gram overlap: tokenizer-free and fast, but it compares surface
    strings, so it is only meaningful when the response and the reference are in
    the same language (or share names and numbers); it is not calibrated across
    language pairs. Responses are cut to ``max_chars`` to bound cost: a response
    that much longer than a reference scores near 0 either way (precision).
    """

    def __init__(self, max_chars: int = 10_000):
        self.max_chars = max_chars
        self._chrf = CHRF()

    def score(self, response: str, reference: str) -> float:
        return self._chrf.sentence_score(response[: self.max_chars], [reference]).score / 100.0

    def __call__(self, response: str, example: Example, response_lang: str | None = None,
                 reference: str | None = None) -> float:
        return self.score(response, example.answer if reference is None else reference)

    def batch(self, responses, examples, response_langs=None, references=None) -> list[float]:
        refs = references or [ex.answer for ex in examples]
        return [self.score(r, ref) for r, ref in zip(responses, refs, strict=True)]


def format_score(response: str, response_lang: str) -> float:
    """1.0 when the response commits to a final answer (see ``lrpo.tasks.answers``)."""
    return 1.0 if committed_answer(response, response_lang) is not None else 0.0


@dataclass(frozen=True)
class RewardBreakdown:
    total: float           # what the trainer optimises
    quality: float         # verifier score or (calibrated) similarity, before gating
    gate: float            # the multiplier applied (1.0 when the gate is off)
    format: float          # 1.0 when the response commits to an answer (weighted into total)
    fidelity: float        # 1.0 when the response is in the requested language (reported even when off)
    detected_lang: str
    detected_prob: float


class LanguageGatedReward:
    """``r = quality × gate + format_weight × format``, reported component by component.

    ``gate``: a ``LanguageGate``, "hard" / "soft" / "lines" (built over ``candidates``), or
    None / "off". ``quality``: "verifier" (needs ``task``) or a quality reward
    object such as ``SimilarityReward`` or ``ChrFReward``.
    """

    def __init__(self, task: Task | None = None, gate: LanguageGate | str | None = "hard",
                 quality: str | QualityReward = "verifier", format_weight: float = 0.0,
                 candidates: Iterable[str] | None = None):
        if isinstance(gate, LanguageGate):
            self.gate, self.gated = gate, True
        elif gate in GATE_OFF:
            # Still identify the language so fidelity is logged in ablations.
            self.gate, self.gated = LanguageGate("hard", candidates), False
        else:
            self.gate, self.gated = LanguageGate(gate, candidates), True
        if quality == "verifier":
            if task is None:
                raise ValueError("quality='verifier' needs a task")
            quality = VerifierReward(task)
        elif isinstance(quality, str):
            raise ValueError(f"unknown quality {quality!r}; pass 'verifier' or a reward object "
                             "(SimilarityReward, ChrFReward)")
        self.task = task
        self.quality = quality
        self.format_weight = float(format_weight)

    def _compose(self, response: str, lang: str, quality: float, gate: GateResult) -> RewardBreakdown:
        multiplier = gate.value if self.gated else 1.0
        fmt = format_score(response, lang)
        return RewardBreakdown(
            total=quality * multiplier + self.format_weight * fmt, quality=quality, gate=multiplier,
            format=fmt, fidelity=gate.fidelity, detected_lang=gate.detected_lang,
            detected_prob=gate.detected_prob)

    def __call__(self, response: str, example: Example, response_lang: str | None = None) -> RewardBreakdown:
        lang = response_lang or example.lang
        gate = self.gate.evaluate(response, lang)
        quality = float(self.quality(response, example, lang))
        return self._compose(response, lang, quality, gate)

    def batch(self, responses: Sequence[str], examples: Sequence[Example],
              response_langs: Sequence[str | None] | None = None) -> list[RewardBreakdown]:
        """Rewards of many rollouts; a quality reward with a ``batch`` method (the
        similarity reward: one encoder pass) is called once for all of them."""
        if len(responses) != len(examples):
            raise ValueError(f"{len(responses)} responses but {len(examples)} examples")
        if response_langs is None:
            response_langs = [None] * len(examples)
        langs = [lang or ex.lang for lang, ex in zip(response_langs, examples, strict=True)]
        gates = self.gate.evaluate_batch(responses, langs)
        if hasattr(self.quality, "batch"):
            qualities = self.quality.batch(responses, examples, langs)
        else:
            qualities = [self.quality(r, ex, lang) for r, ex, lang in zip(responses, examples, langs, strict=True)]
        return [self._compose(r, lang, float(q), g)
                for r, lang, q, g in zip(responses, langs, qualities, gates, strict=True)]
