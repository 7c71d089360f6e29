"""arith_cot: 2-4 step word problems solved step by step in the response language.

The offline world in which the response language matters (``arith`` is the
null world, where it barely does): the worked solution is a chain of steps
written with the response language's number words, so answering in a language
the model reasons well in pays (``lrpo.synthetic.arith_cot``). Same prompts and
verifier as MGSM and ``arith``: the answer is the number after the language's
answer phrase. Items are parallel across languages (``arith_cot-test-17`` is
the same problem, with the same answer, everywhere); ``topic`` is the number of
steps ("2-step", "3-step", "4-step"), the router's context.

Trained on by default: the paper's seen languages plus Bengali and Swahili
(``seen_languages``); Telugu and Thai are held out.

train  ``n_train`` problems per language (default 20,000)
test   ``n_test`` problems per language (default 200); no test problem shares
       its (start, operations, counts) with any training problem.
"""

from __future__ import annotations

from functools import cached_property

from lrpo.synthetic.arith import get_phrasebook
from lrpo.synthetic.arith.problems import ITEMS, N_NAMES
from lrpo.synthetic.arith_cot import ChainProblem, draw_problems, get_narration
from lrpo.tasks.arith import ArithTask
from lrpo.tasks.base import Example


class ArithCotTask(ArithTask):
    """``arith``'s interface (languages, splits, prompt, verifier, ``load``) over chain problems."""

    name = "arith_cot"
    # The question languages RL trains on by default (``lrpo.training.setup.train_languages``):
    # the paper's seen set plus two low-resource languages, whose worked solutions
    # are scarce in the tiny model's data; Telugu and Thai stay held out.
    seen_languages = ("en", "de", "es", "fr", "ja", "ru", "zh", "bn", "sw")

    @cached_property
    def _problems(self) -> dict[str, list[ChainProblem]]:
        train, test = draw_problems(self.seed, self.n_train, self.n_test, N_NAMES, len(ITEMS))
        return {"train": train, "test": test}

    @staticmethod
    def example(split: str, index: int, problem: ChainProblem, lang: str) -> Example:
        return Example(id=f"arith_cot-{split}-{index}", lang=lang, question=get_narration(lang).tell(problem),
                       answer=str(problem.answer), topic=problem.topic, region=None, meta=problem.to_meta())

    def solution(self, example: Example, response_lang: str | None = None, answer_in_words: bool = False) -> str:
        """The worked solution in ``response_lang`` (the SFT target): one step per
        event in that language's number words, then its answer phrase and the number
        (``answer_in_words``: the number as words, which the verifier reads as no
        answer except where it reads the language's numeral words, zh and ja)."""
        lang = response_lang or example.lang
        self.check_langs([lang])
        get_phrasebook(lang)  # the narration's words come from it: fail on the phrasebook's terms first
        return get_narration(lang).solve(ChainProblem.from_meta(example.meta), in_words=answer_in_words)
