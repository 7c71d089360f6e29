"""``ucb``: UCB1 per (key, language), summed over the context's keys.

Per key, counts and reward totals; index = mean + c·sqrt(log N / n) (an untried
language has an infinite index), summed over the context's keys. Policy:
**argmax** of the index, ties shared equally, as in UCB1 — its exploration is
the optimism bonus (plus ε), so a softmax temperature would only blur it; τ is
not used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lrpo.router.algorithms.base import CountTable
from lrpo.router.validation import check_number


@dataclass(frozen=True)
class UCBConfig:
    """ucb's settings (not in the paper).

    c: the exploration weight, >= 0. Hoeffding's width for rewards in [0, 1] is
        0.71·sqrt(log N / n); 0.5 because each fold brings hundreds of rollouts and a
        wider bonus kept the argmax wandering in ``lrpo.router.simulation``.
    """

    c: float = 0.5

    def validated(self, path: str) -> UCBConfig:
        """A copy with checked values (floats as float); errors name ``path.<field>``."""
        return UCBConfig(c=check_number(f"{path}.c", self.c, 0.0, math.inf, low_open=False, high_open=True))


class UCB(CountTable):
    """UCB1 per (key, language); the policy is the argmax of the summed index."""

    name = "ucb"
    config_group = "ucb"

    def policy(self, rows, tau, draw_rng) -> np.ndarray:
        c = self.config.c
        index = np.zeros(self.n_languages)
        for count, total in rows:
            tried = count > 0
            key_index = np.full(self.n_languages, np.inf)  # optimism: untried wins
            if tried.any():
                bonus = c * np.sqrt(np.log(count.sum()) / count[tried])
                key_index[tried] = total[tried] / count[tried] + bonus
            index += key_index
        best = index == index.max()
        return best / best.sum()
