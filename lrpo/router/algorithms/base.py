"""What a router algorithm is, and the two kinds of rows the algorithms share.

Each algorithm keeps one float array per context key (its *row*, shape
(n_stats, L) for L candidate languages) and answers four questions: what a fresh
row is (``fresh_row``), what one rollout contributes to the buffer (``observe``),
how a key's buffered batch changes its row (``fold``), and what distribution the
rows of a context give before ε mixing (``policy``). ``LanguageRouter`` does
everything else: contexts, the buffer, the τ and ε schedules, caching, state.

Two row layouts cover the four algorithms:

- ``LogitTable`` (ema-softmax, exp3): one row of logits per key, starting at 0 or
  at the prior mix; the policy is softmax(Σ rows / τ).
- ``CountTable`` (ucb, thompson): per key, the rollout count and reward total of
  each language; the policy is computed from the means.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from lrpo.router.mixes import parse_mix
from lrpo.router.validation import RouterConfigError

# A language missing from a prior mix gets this fraction of the smallest weight in
# the mix: low enough that the mix decides the first draws (≤ 1% of the rarest
# mixed language), finite so that learning can still raise it and no language is
# ever impossible.
PRIOR_MISSING_RATIO = 0.01


class RouterAlgorithm(ABC):
    """One bandit algorithm over the rows of context keys.

    A subclass is registered in ``lrpo.router.algorithms.ALGORITHMS`` under ``name``
    and reads only its own config group, the ``RouterConfig`` field named
    ``config_group`` (a frozen dataclass with a ``validated(path)`` method), plus
    the common ``prior`` if it ``accepts_prior``.

    Class attributes:
        stats: the names of a row's statistics (its first axis), saved in the state.
        accepts_prior: whether a prior mix can start its rows (logits can, counts cannot).
        uses_sampling_probability: whether the router passes each rollout through
            ``observe`` with the probability its language had when it was drawn.
        depends_on_tau: whether ``policy`` reads τ (then it changes every step, not
            only at folds, and the router cannot cache it across steps).
    """

    name: ClassVar[str]
    config_group: ClassVar[str]
    stats: ClassVar[tuple[str, ...]]
    accepts_prior: ClassVar[bool]
    uses_sampling_probability: ClassVar[bool] = False
    depends_on_tau: ClassVar[bool]

    def __init__(self, languages: Sequence[str], config: Any, prior: str | None):
        """``languages``: the L candidates; ``config``: this algorithm's validated config
        group; ``prior``: a mix string, or None (always None unless ``accepts_prior``)."""
        self.n_languages = len(languages)
        self.config = config

    @abstractmethod
    def fresh_row(self) -> np.ndarray:
        """The row of a key never seen before, shape (len(stats), L)."""

    def observe(self, value: float, probability: float) -> float:
        """What one rollout adds to its (key, language) buffer instead of its signal value.

        ``probability`` is the language's effective probability in the rollout's context
        at ``update`` time. The router calls this only if ``uses_sampling_probability``;
        otherwise the signal value itself is buffered (one Python call less per rollout).
        """
        return value

    @abstractmethod
    def fold(self, row: np.ndarray, count: np.ndarray, total: np.ndarray) -> None:
        """Fold one key's buffer into its row, in place.

        ``count`` and ``total`` (each shape (L,)) are the number of the key's rollouts per
        language since the last fold and the sum of what ``observe`` returned for them.
        """

    @abstractmethod
    def policy(self, rows: list[np.ndarray], tau: float,
               draw_rng: Callable[[], np.random.Generator]) -> np.ndarray:
        """The distribution (shape (L,), sums to 1) of a context whose keys have ``rows``.

        ``tau`` is the current temperature; ``draw_rng()`` gives the Generator for any
        random draws, seeded by (seed, folds so far, context) so that the policy is a
        pure function of the router's state.
        """


def softmax(logits: np.ndarray, tau: float) -> np.ndarray:
    """softmax(logits / τ), shape (L,), computed stably (the maximum is subtracted first)."""
    scaled = logits / tau
    weights = np.exp(scaled - scaled.max())
    return weights / weights.sum()


def prior_logits(prior: str, languages: Sequence[str]) -> np.ndarray:
    """Log of a mix's normalised weights, shape (L,); languages outside the mix get a low,
    finite weight (``PRIOR_MISSING_RATIO``).

    Raises ValueError from ``parse_mix`` for a malformed mix (``RouterConfig`` has
    checked that already), and RouterConfigError (field ``prior``) for a mix that names a
    language outside ``languages``.
    """
    mix = parse_mix(prior)
    unknown = [code for code in mix if code not in languages]
    if unknown:
        raise RouterConfigError(
            "prior", f"{prior!r} names {unknown} which are not among the router's languages {list(languages)}"
        )
    missing_weight = min(mix.values()) * PRIOR_MISSING_RATIO
    return np.log(np.array([mix.get(code, missing_weight) for code in languages]))


class LogitTable(RouterAlgorithm):
    """Rows are logits (starting at the prior, else 0); the policy is softmax(Σ rows / τ).

    The prior's log weights start *every* key's row, so a fresh context with n keys
    starts at the mix sharpened to the power n/τ.
    """

    stats = ("logits",)
    accepts_prior = True
    depends_on_tau = True

    def __init__(self, languages: Sequence[str], config: Any, prior: str | None):
        super().__init__(languages, config, prior)
        self.prior_row = np.zeros(len(languages)) if prior is None else prior_logits(prior, languages)

    def fresh_row(self) -> np.ndarray:
        return self.prior_row[None, :].copy()

    def policy(self, rows, tau, draw_rng) -> np.ndarray:
        logits = np.zeros(self.n_languages)
        for row in rows:
            logits += row[0]
        return softmax(logits, tau)


class CountTable(RouterAlgorithm):
    """Rows are (count, reward total) per language, for the algorithms built on means.

    Counts cannot carry a prior mix: ``RouterConfig`` rejects one for these algorithms.
    """

    stats = ("count", "total")
    accepts_prior = False
    depends_on_tau = False

    def fresh_row(self) -> np.ndarray:
        return np.zeros((2, self.n_languages))

    def fold(self, row: np.ndarray, count: np.ndarray, total: np.ndarray) -> None:
        row[0] += count
        row[1] += total
