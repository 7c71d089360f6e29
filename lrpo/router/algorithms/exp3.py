"""``exp3``: EXP3-IX, rows of cumulative importance-weighted reward estimates.

Per key, each rollout contributes clip(r, 0, 1) / (p + γ), with p its effective
probability in the step it was drawn (the probability the router gives at
``update`` time, before the schedules advance) and γ = ``ix`` the *implicit
exploration* of EXP3-IX, which bounds the estimates once ε has decayed to 0.
Each fold adds the per-rollout average of these estimates over all of the key's
rollouts. Policy: softmax(Σ rows / τ), so 1/τ plays EXP3's learning rate and ε
its γ.

Rollouts forced into the question's language (K_on) were not drawn from p:
leave them out of exp3's records, or accept that the question's language is
over-credited under its ``qlang`` key.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lrpo.router.algorithms.base import LogitTable
from lrpo.router.validation import check_number


@dataclass(frozen=True)
class Exp3Config:
    """exp3's settings (not in the paper).

    ix: the implicit exploration γ in (0, 1]; it bounds each estimate by 1/γ.
    """

    ix: float = 0.01

    def validated(self, path: str) -> Exp3Config:
        """A copy with checked values (floats as float); errors name ``path.<field>``."""
        return Exp3Config(ix=check_number(f"{path}.ix", self.ix, 0.0, 1.0, low_open=True))


class Exp3(LogitTable):
    """EXP3-IX: rows accumulate importance-weighted reward estimates."""

    name = "exp3"
    config_group = "exp3"
    uses_sampling_probability = True

    def observe(self, value: float, probability: float) -> float:
        # EXP3's guarantees assume rewards in [0, 1].
        return min(max(value, 0.0), 1.0) / (probability + self.config.ix)

    def fold(self, row: np.ndarray, count: np.ndarray, total: np.ndarray) -> None:
        # Averaging over all of the key's rollouts, not per language, is what makes the
        # estimate unbiased: E[1{l drawn} · r / p_l] = r_l.
        row[0] += total / count.sum()
