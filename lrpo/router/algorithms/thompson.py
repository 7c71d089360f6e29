"""``thompson``: Thompson sampling with a Gaussian posterior per (key, language).

Per key, a Gaussian posterior on each language's mean reward (prior N(0, σ²),
known noise σ = ``sigma``): mean = total / (n + 1), variance = σ² / (n + 1). A
context's posterior is the sum over its keys. Policy: the probability that each
language wins a posterior draw, estimated from ``draws`` draws; sampling from it
is Thompson sampling.

The draws come from the Generator the router hands to ``policy``, seeded with
(seed, folds so far, context): the posterior only changes at a fold, so the
policy is cached until then and is the same on every rank.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lrpo.router.algorithms.base import CountTable
from lrpo.router.validation import check_int, check_number


@dataclass(frozen=True)
class ThompsonConfig:
    """thompson's settings (not in the paper).

    sigma: the reward noise σ > 0; 0.5 is the largest standard deviation a reward in
        [0, 1] can have, so the posterior is never overconfident.
    draws: posterior draws per context and fold, >= 1; 512 puts the Monte-Carlo error
        of a probability under about 0.02.
    """

    sigma: float = 0.5
    draws: int = 512

    def validated(self, path: str) -> ThompsonConfig:
        """A copy with checked values (floats as float); errors name ``path.<field>``."""
        return ThompsonConfig(
            sigma=check_number(f"{path}.sigma", self.sigma, 0.0, math.inf, low_open=True, high_open=True),
            draws=check_int(f"{path}.draws", self.draws, 1),
        )


class Thompson(CountTable):
    """Thompson sampling with a Gaussian posterior per (key, language)."""

    name = "thompson"
    config_group = "thompson"

    def policy(self, rows, tau, draw_rng) -> np.ndarray:
        if not rows:  # no key, no posterior: every draw would tie
            return np.full(self.n_languages, 1.0 / self.n_languages)
        # Keys are independent Gaussians, so the context's posterior is their sum.
        sigma, draws = self.config.sigma, self.config.draws
        mean = np.zeros(self.n_languages)
        variance = np.zeros(self.n_languages)
        for count, total in rows:
            mean += total / (count + 1.0)
            variance += sigma**2 / (count + 1.0)
        noise = draw_rng().standard_normal((draws, self.n_languages))
        winners = (mean + np.sqrt(variance) * noise).argmax(axis=1)
        return np.bincount(winners, minlength=self.n_languages) / draws
