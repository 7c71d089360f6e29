"""Choosing response languages: the language router and the rollout planner.

- ``language_router``: ``LanguageRouter``, the contextual bandit over response
  languages, fed the rollouts' rewards; ``RouterRecord``.
- ``config``: ``RouterConfig``, the router's one configuration (common settings
  plus one group per algorithm), checked once.
- ``algorithms``: the bandit algorithms, one module each (the paper's
  ema-softmax, UCB, EXP3-IX, Thompson), registered by name in ``ALGORITHMS``.
- ``planner``: ``RolloutPlanner``, which turns (question language, K, K_on,
  method) into the K response languages of one group.
- ``mixes``: fixed language mixes (``"en:4,zh:2"``) for the baselines.
- ``simulation``: a synthetic bandit environment to check that routers learn.

    from lrpo.router import LanguageRouter, RolloutPlanner, RouterConfig
"""

from lrpo.router.algorithms import ALGORITHMS, NORMALIZATIONS
from lrpo.router.config import SIGNALS, RouterConfig
from lrpo.router.language_router import LanguageRouter, RouterRecord, records_from_groups
from lrpo.router.planner import METHODS, RolloutPlanner
from lrpo.router.validation import RouterConfigError

__all__ = ["ALGORITHMS", "METHODS", "NORMALIZATIONS", "SIGNALS", "LanguageRouter", "RolloutPlanner",
           "RouterConfig", "RouterConfigError", "RouterRecord", "records_from_groups"]
