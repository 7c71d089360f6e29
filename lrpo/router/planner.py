"""Rollout planning: the K response languages of one question's GRPO group.

Every method keeps at least K_on rollouts in the question's own language, so
methods differ only in how they choose the others; the group size K is one
argument used everywhere (the reference code hard-coded it apart from the
sampler). The methods:

- ``grpo``: all K in the question's language (plain GRPO).
- ``input-dominant``: K_on + ceil((K − K_on) / 2) in the question's language,
  the rest drawn uniformly from the other candidates. Rounding up keeps the
  question's language a majority of the non-anchored rollouts for odd K − K_on.
  With K = 8, K_on = 2: 5 in the question's language, 3 elsewhere.
- ``en-dominant``: the paper's 25% input + 75% English, as
  max(K_on, ceil(K / 4)) in the question's language and the rest in English.
  With K = 8 that is 2 + 6; rounding up keeps at least one rollout in the
  question's language for any K.
- ``uniform``: K_on in the question's language, the rest uniform over the
  candidates (the question's language included, if it is a candidate).
- a mix string such as ``"en:4,zh:2"``: K_on in the question's language, the
  rest drawn i.i.d. from the mix's weights.
- ``lrpo``: K_on in the question's language, the rest drawn i.i.d. from the
  router's probabilities for the question's context.

Whatever the method, ``plan(..., same_language=True)`` keeps all K rollouts in
the question's language: for a question whose answer language is fixed by the
question itself (the paper's Translation topic, see ``LRPOConfig.same_language_topics``),
another response language is not a valid answer.

The question's own language need not be a candidate (a Swahili question with a
router over 15 other languages is fine); its rollouts come first in the list.

Randomness: ``plan`` takes a numpy Generator; ``generator(step, rank)`` makes one
seeded from (seed, step, rank), so a run plans the same groups when restarted.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from lrpo.languages import PAPER_LANGUAGES, get_language, validate_languages
from lrpo.router.language_router import LanguageRouter
from lrpo.router.mixes import is_mix_string, parse_mix

METHODS = ("grpo", "input-dominant", "en-dominant", "uniform", "lrpo")


def _check_count(name: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def check_plan(method: str, languages: Iterable[str], k: int, k_on: int
               ) -> tuple[tuple[str, ...], dict[str, float] | None]:
    """Check a planner's settings without building one (or its router).

    Returns the candidate languages as a tuple and the mix's weights (None unless
    ``method`` is a mix string). Raises ValueError naming the setting: k < 1,
    k_on outside [0, k], unknown or duplicate languages, an unknown method, a mix
    naming a language outside the candidates, en-dominant without English.
    """
    k = _check_count("k", k, 1)
    k_on = _check_count("k_on", k_on, 0)
    if k_on > k:
        raise ValueError(f"k_on ({k_on}) must not exceed k ({k})")
    languages = validate_languages(languages)
    if len(set(languages)) != len(languages):
        raise ValueError(f"languages contains duplicates: {list(languages)}")
    mix = None
    if is_mix_string(method):
        mix = parse_mix(method)
        outside = [code for code in mix if code not in languages]
        if outside:
            raise ValueError(f"mix {method!r} names {outside}, which are not candidate languages "
                             f"{list(languages)}")
    elif method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)} "
                         "or a mix string like 'en:4,zh:2'")
    if method == "en-dominant" and "en" not in languages:
        raise ValueError("method 'en-dominant' needs 'en' among the candidate languages")
    return tuple(languages), mix


class RolloutPlanner:
    """Turns (question language, context) into the K response languages of its group."""

    def __init__(
        self,
        method: str,
        languages: Iterable[str] = PAPER_LANGUAGES,
        k: int = 8,
        k_on: int = 2,
        router: LanguageRouter | None = None,
        seed: int = 0,
    ):
        self.languages, self.mix = check_plan(method, languages, k, k_on)
        self.k, self.k_on = int(k), int(k_on)
        self.seed = _check_count("seed", seed, 0)
        if method == "lrpo":
            if router is None:
                raise ValueError("method 'lrpo' needs a router (router=LanguageRouter(...))")
            if set(router.languages) != set(self.languages):
                raise ValueError(
                    f"router languages {list(router.languages)} differ from the candidate "
                    f"languages {list(self.languages)}"
                )
        elif router is not None:
            raise ValueError(f"router is only used by method 'lrpo', not by {method!r}")
        self.method = method
        self.router = router
        if self.mix is not None:
            self._mix_languages = tuple(self.mix)
            self._mix_cumulative = np.cumsum(list(self.mix.values()))

    def generator(self, step: int, rank: int = 0) -> np.random.Generator:
        """The Generator for one step on one rank; plan that step's questions with it in order."""
        return np.random.default_rng([self.seed, _check_count("step", step, 0),
                                      _check_count("rank", rank, 0)])

    def n_in_question_language(self) -> int:
        """How many rollouts of a group are fixed to the question's language."""
        if self.method == "grpo":
            return self.k
        if self.method == "input-dominant":
            return self.k_on + math.ceil((self.k - self.k_on) / 2)
        if self.method == "en-dominant":
            return max(self.k_on, math.ceil(self.k / 4))
        return self.k_on

    def plan(self, question_lang: str, context=(), rng: np.random.Generator | None = None, *,
             same_language: bool = False) -> list[str]:
        """The K response languages for one question (its own language first).

        ``same_language``: all K in the question's language, whatever the method; nothing
        is drawn (``rng`` is not needed and not advanced). ValueError for an unknown
        question language, or a method that draws without ``rng``.
        """
        get_language(question_lang)
        n_fixed = self.k if same_language else self.n_in_question_language()
        fixed = [question_lang] * n_fixed
        n_free = self.k - n_fixed
        if n_free == 0:
            return fixed
        if self.method == "en-dominant":
            return fixed + ["en"] * n_free
        if rng is None:
            raise ValueError(
                f"method {self.method!r} draws languages at random: pass "
                "rng=planner.generator(step)"
            )
        if self.method == "lrpo":
            return fixed + [self.router.sample(context, rng) for _ in range(n_free)]
        if self.mix is not None:
            picks = np.searchsorted(self._mix_cumulative,
                                    rng.random(n_free) * self._mix_cumulative[-1], side="right")
            return fixed + [self._mix_languages[i] for i in picks]
        if self.method == "uniform":
            choices = self.languages
        else:  # input-dominant: the others are spread over every other candidate
            choices = tuple(code for code in self.languages if code != question_lang)
            choices = choices or (question_lang,)  # no other candidate: nothing else to ask for
        return fixed + [choices[i] for i in rng.integers(len(choices), size=n_free)]
