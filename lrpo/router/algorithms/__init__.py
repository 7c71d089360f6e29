"""The router's bandit algorithms, one module each, registered by name.

All four run on the same contexts, buffer and ε mixing (``LanguageRouter``); each
reads only its own config group of ``RouterConfig``:

- ``ema-softmax`` (the paper; ``ema_softmax``): EMA of normalised mean rewards, softmax.
- ``ucb`` (``ucb``): UCB1 index, argmax.
- ``exp3`` (``exp3``): EXP3-IX importance-weighted estimates, softmax.
- ``thompson`` (``thompson``): Gaussian posterior, probability of winning a draw.

``base`` says what an algorithm answers. To add one: subclass ``LogitTable`` or
``CountTable`` (or ``RouterAlgorithm``) in a new module, give it a frozen config
dataclass with ``validated(path)``, add that group to ``RouterConfig`` and the class
to ``ALGORITHMS``.
"""

from __future__ import annotations

from lrpo.router.algorithms.base import RouterAlgorithm
from lrpo.router.algorithms.ema_softmax import NORMALIZATIONS, EmaSoftmax, EmaSoftmaxConfig
from lrpo.router.algorithms.exp3 import Exp3, Exp3Config
from lrpo.router.algorithms.thompson import Thompson, ThompsonConfig
from lrpo.router.algorithms.ucb import UCB, UCBConfig

# Name -> class; the order is the order of help texts, benchmarks and tests.
ALGORITHMS: dict[str, type[RouterAlgorithm]] = {
    algorithm.name: algorithm for algorithm in (EmaSoftmax, UCB, Exp3, Thompson)
}

__all__ = ["ALGORITHMS", "NORMALIZATIONS", "EmaSoftmax", "EmaSoftmaxConfig", "Exp3", "Exp3Config",
           "RouterAlgorithm", "Thompson", "ThompsonConfig", "UCB", "UCBConfig"]
