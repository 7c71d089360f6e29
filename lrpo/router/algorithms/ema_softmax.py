"""``ema-softmax``, the paper's router: an EMA of normalised mean rewards per key.

Per key, the buffered mean reward per language is normalised across the
languages of that key that have data (``zscore``, ``center`` or ``none``) and
folded in by EMA, A ← (1 − α)·A + α·r̄; languages without data keep their value.
Policy: softmax(Σ rows / τ), the paper's logits A[topic] + B[region].

When every language of a key has data at every fold, ``center`` and ``none``
give the same policy: the EMA is linear and starts at 0, so centring only shifts
each row by a constant, which softmax ignores (Table 4 at tiny scale: identical
runs). Only ``zscore``, which rescales, changes what is learnt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lrpo.router.algorithms.base import LogitTable
from lrpo.router.validation import check_choice, check_number

NORMALIZATIONS = ("none", "center", "zscore")

# Means that agree up to float noise (0.1 vs 0.09999999999999999) must z-score to
# zeros, not to ±1.
ZSCORE_MIN_STD = 1e-12


@dataclass(frozen=True)
class EmaSoftmaxConfig:
    """ema-softmax's settings; the defaults are the paper's.

    alpha: the EMA rate α in (0, 1]: the weight of one fold's normalised means.
    normalization: how a key's means are normalised across its languages, one of
        ``NORMALIZATIONS``.
    """

    alpha: float = 0.1
    normalization: str = "zscore"

    def validated(self, path: str) -> EmaSoftmaxConfig:
        """A copy with checked values (floats as float); errors name ``path.<field>``."""
        return EmaSoftmaxConfig(
            alpha=check_number(f"{path}.alpha", self.alpha, 0.0, 1.0, low_open=True),
            normalization=check_choice(f"{path}.normalization", self.normalization, NORMALIZATIONS),
        )


def normalize_means(means: np.ndarray, how: str) -> np.ndarray:
    """Normalise one key's per-language means (shape (n,)) across its languages (``NORMALIZATIONS``)."""
    if how == "none":
        return means
    centered = means - means.mean()
    if how == "center":
        return centered
    std = means.std()
    if std <= ZSCORE_MIN_STD:
        return np.zeros_like(means)
    return centered / std


class EmaSoftmax(LogitTable):
    """The paper's router: EMA of normalised mean rewards per key."""

    name = "ema-softmax"
    config_group = "ema_softmax"

    def fold(self, row: np.ndarray, count: np.ndarray, total: np.ndarray) -> None:
        seen = count > 0
        mean = normalize_means(total[seen] / count[seen], self.config.normalization)
        alpha = self.config.alpha
        row[0, seen] = (1.0 - alpha) * row[0, seen] + alpha * mean
