"""A synthetic check that a router finds the language that gives the best rewards.

One language's rollouts are rewarded with probability ``p_best`` and every other
language's with ``p_other`` (Bernoulli). Each step the router picks the language
of every rollout of ``questions_per_step`` questions × ``rollouts_per_question``,
and learns from their rewards. The question is how many buffer folds
("updates", one every ``update_every`` steps) it takes until the best language
is, and stays, the most probable one. The router tests assert a bound on it and
``benchmarks/bench_router.py`` prints it for each algorithm.
"""

from __future__ import annotations

import numpy as np

from lrpo.languages import PAPER_LANGUAGES
from lrpo.router.language_router import LanguageRouter, RouterRecord


def updates_to_find_best(
    algorithm: str,
    *,
    languages: tuple[str, ...] = PAPER_LANGUAGES,
    best: str = "de",
    p_best: float = 0.7,
    p_other: float = 0.4,
    questions_per_step: int = 16,
    rollouts_per_question: int = 8,
    max_updates: int = 40,
    context: tuple[str, ...] = ("topic:math", "qlang:en"),
    seed: int = 0,
    **router_options,
) -> int | None:
    """Updates until ``best`` is the strictly most probable language for good, or None.

    "For good" means from that update to the last of ``max_updates``; a language
    that is briefly ahead by luck and then overtaken does not count.
    """
    router = LanguageRouter(languages, algorithm, seed=seed, **router_options)
    reward_rng = np.random.default_rng([seed, 1])
    leading: list[bool] = []
    for step in range(max_updates * router.config.update_every):
        rng = np.random.default_rng([seed, 0, step])
        records = []
        for question in range(questions_per_step):
            for _ in range(rollouts_per_question):
                language = router.sample(context, rng)
                success = reward_rng.random() < (p_best if language == best else p_other)
                records.append(RouterRecord(context, language, float(success), question))
        router.update(records)
        if router.step % router.config.update_every == 0:
            probs = router.probs(context)
            leading.append(all(probs[best] > p for code, p in probs.items() if code != best))
    if not leading[-1]:
        return None
    first_of_final_run = len(leading)
    while first_of_final_run > 0 and leading[first_of_final_run - 1]:
        first_of_final_run -= 1
    return first_of_final_run + 1
