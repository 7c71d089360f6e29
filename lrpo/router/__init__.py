"""Choosing response languages: the language router and the rollout planner.

- ``language_router``: ``LanguageRouter``, the contextual bandit (the paper's
  ema-softmax, UCB, EXP3-IX, Thompson) over response languages, fed the
  rollouts' rewards; ``RouterRecord``.
- ``planner``: ``RolloutPlanner``, which turns (question language, K, K_on,
  method) into the K response languages of one group.
- ``mixes``: fixed language mixes (``"en:4,zh:2"``) for the baselines.
- ``simulation``: a synthetic bandit environment to check that routers learn.

    from lrpo.router import LanguageRouter, RolloutPlanner
"""

from lrpo.router.language_router import (
    ALGORITHMS,
    NORMALIZATIONS,
    SIGNALS,
    LanguageRouter,
    RouterRecord,
    records_from_groups,
)
from lrpo.router.planner import METHODS, RolloutPlanner

__all__ = ["ALGORITHMS", "METHODS", "NORMALIZATIONS", "SIGNALS", "LanguageRouter", "RolloutPlanner",
           "RouterRecord", "records_from_groups"]
