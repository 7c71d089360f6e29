"""The task's language-gated reward in the calling convention of TRL reward functions.

TRL calls a reward function with the prompts, the completions and every column
of the rollouts' rows as keyword lists. The LRPO trainer puts into each row the
question's ``Example`` object (``example``) and the rollout's ``response_lang``;
this adapter scores the whole batch at once with
``lrpo.rewards.gated_reward.LanguageGatedReward`` (quality × language gate, +
format bonus; a similarity quality term encodes the batch's responses in one
encoder call) and logs the components apart, so a run shows the quality term
(``accuracy`` of a verifier, ``similarity`` of the similarity reward) and language
fidelity separately, overall and per language.
"""

from __future__ import annotations

from collections import defaultdict

from lrpo.rewards.gated_reward import LanguageGatedReward
from lrpo.tasks import Example, Task


def completion_text(completion) -> str:
    """The text of a TRL completion (a string, or a list of chat messages)."""
    if isinstance(completion, str):
        return completion
    return "".join(message.get("content") or "" for message in completion)


class TaskReward:
    """A TRL reward function: quality × language gate (+ format), per completion.

    ``quality``: "verifier" (``task.score`` item by item) or a quality reward object with
    ``batch`` (``lrpo.rewards.similarity.SimilarityReward``), called once per TRL batch.
    """

    def __init__(self, task: Task, gate: str = "hard", format_weight: float = 0.0, candidates=None,
                 quality="verifier"):
        self.task = task
        self.reward = LanguageGatedReward(task, gate=gate, quality=quality, format_weight=format_weight,
                                          candidates=candidates)
        # What the quality term is called in the logs: a similarity is no accuracy.
        self.quality_name = "accuracy" if quality == "verifier" else "similarity"
        # TRL names the reward's metrics after it ("rewards/<name>/mean").
        self.__name__ = f"{task.name}_reward"

    def __call__(self, prompts, completions, example: list[Example], response_lang: list[str], log_metric=None,
                 **_) -> list[float]:
        """One reward per completion; ``example[i]`` and ``response_lang[i]`` belong to completion i."""
        breakdowns = self.reward.batch([completion_text(c) for c in completions], list(example),
                                       list(response_lang))
        if log_metric is not None:
            self._log(breakdowns, response_lang, log_metric)
        return [b.total for b in breakdowns]

    def _log(self, breakdowns, languages, log_metric) -> None:
        n = len(breakdowns)
        log_metric(f"reward/{self.quality_name}", sum(b.quality for b in breakdowns) / n)
        log_metric("reward/fidelity", sum(b.fidelity for b in breakdowns) / n)
        per_language = defaultdict(list)
        for breakdown, language in zip(breakdowns, languages, strict=True):
            per_language[language].append(breakdown)
        for language, items in per_language.items():
            log_metric(f"lang/{language}/{self.quality_name}", sum(b.quality for b in items) / len(items))
            log_metric(f"lang/{language}/fidelity", sum(b.fidelity for b in items) / len(items))
