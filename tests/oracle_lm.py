"""Models that know the answers, for checking the lm-eval tasks end to end without a real model.

- ``OracleLM``: an lm-eval ``LM`` that answers each request from the document it
  was made for (``Instance.doc``): a response of ``respond(example)`` for
  generation, the gold alternative scored higher for loglikelihood.
- ``ScriptedGenerator``: the same responses for ``lrpo.evaluate``, which hands a
  generator only the prompts; it finds each prompt's example by its text.

``correct_response`` answers right in the item's language; ``mixed_response``
answers right, wrong, or right but in English, by a fixed hash of the item, so
per-language accuracy and fidelity take values other than 0 and 1.
"""

from __future__ import annotations

import zlib

from lm_eval.api.model import LM

from lrpo.evaluation.lm_eval_tasks import hooks
from lrpo.tasks import Example, get_task
from lrpo.tasks.numbers import format_number, parse_gold_number
from tests.responses import committed_response

ENGLISH_REASONING = ("Let me think about this problem carefully, step by step, and then write down the "
                     "final result at the end of my reasoning.")


def _answer_text(example: Example, wrong: bool = False) -> str:
    if example.id.startswith("xcopa"):
        return {"1": "2", "2": "1"}[example.answer] if wrong else example.answer
    if wrong:
        return "987654321" if example.answer.strip("$ ") != "987654321" else "123456789"
    if example.id.startswith("mgsm"):
        # Written the way the language writes numbers ("12.000" in German).
        return format_number(parse_gold_number(example.answer), example.lang)
    return example.answer


def correct_response(example: Example) -> str:
    """The question restated (so the response is in its language) and the gold answer."""
    return committed_response(example.lang, _answer_text(example), reasoning=example.question)


def mixed_response(example: Example) -> str:
    variant = zlib.crc32(f"{example.id}/{example.lang}".encode()) % 3
    if variant == 0:
        return correct_response(example)
    if variant == 1:
        return committed_response(example.lang, _answer_text(example, wrong=True), reasoning=example.question)
    return committed_response(example.lang, _answer_text(example), reasoning=ENGLISH_REASONING)


class OracleLM(LM):
    def __init__(self, respond=correct_response):
        super().__init__()
        self.respond = respond

    def generate_until(self, requests, disable_tqdm: bool = False) -> list[str]:
        return [self.respond(hooks.example(request.doc)) for request in requests]

    def loglikelihood(self, requests, disable_tqdm: bool = False) -> list[tuple[float, bool]]:
        scores = []
        for request in requests:
            _, continuation = request.args
            gold = hooks.loglikelihood_choices(request.doc)[hooks.loglikelihood_gold(request.doc)]
            scores.append((-1.0, True) if continuation == gold else (-5.0, False))
        return scores

    def loglikelihood_rolling(self, requests, disable_tqdm: bool = False):
        raise NotImplementedError("no lrpo task scores rolling loglikelihoods")


class ScriptedGenerator:
    """``lrpo.evaluate``'s generator interface, answering with ``respond(example)``."""

    def __init__(self, task_name: str, examples: list[Example], respond=correct_response):
        task = get_task(task_name)
        self.respond = respond
        self.by_prompt = {task.prompt(example)[-1]["content"]: example for example in examples}

    def generate(self, conversations, progress: bool = False) -> list[str]:
        return [self.respond(self.by_prompt[conversation[-1]["content"]]) for conversation in conversations]
