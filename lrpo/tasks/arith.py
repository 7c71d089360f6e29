"""arith: synthetic one- and two-step word problems in the 11 MGSM languages.

The offline stand-in for MGSM: problems are generated (deterministically by
seed) from stories written natively in each language (``lrpo.synthetic.arith``), so a
tiny model can be trained and evaluated on this machine with the very prompt
and verifier that MGSM uses. Items are parallel: ``arith-test-17`` is the
same problem, with the same answer, in every language. ``topic`` is the
problem type (add, sub, mul, two-step), which gives the language router a
context to learn per.

train  ``n_train`` problems per language (default 20,000)
test   ``n_test`` problems per language (default 200); no test problem shares
       its (template, operands) with any training problem.
"""

from __future__ import annotations

from functools import cached_property

from lrpo.languages import MGSM_LANGUAGES
from lrpo.synthetic.arith import Problem, draw_problems, get_phrasebook
from lrpo.tasks.base import Example, Message, Task, apply_limit
from lrpo.tasks.final_number import FinalNumberVerifier
from lrpo.tasks.prompts import user_turn


class ArithTask(FinalNumberVerifier, Task):
    # The verifier is MGSM's (FinalNumberVerifier): the number the response commits to.
    name = "arith"
    # The synthetic worlds have no regions; the question's language is in the router's
    # context instead: in arith_cot the response language that earns most reward depends
    # on it (leaderboards/arith_cot_world.md), and the null world keeps the same router.
    router_context = ("topic", "qlang")
    languages = MGSM_LANGUAGES
    splits = ("train", "test")
    reads_data = False

    def __init__(self, seed: int = 0, n_train: int = 20000, n_test: int = 200):
        self.seed = seed
        self.n_train = n_train
        self.n_test = n_test

    @cached_property
    def _problems(self) -> dict[str, list[Problem]]:
        train, test = draw_problems(self.seed, self.n_train, self.n_test)
        return {"train": train, "test": test}

    def problems(self, split: str) -> list[Problem]:
        """The language-neutral problems of a split, in id order."""
        self.check_split(split)
        return self._problems[split]

    def load(self, split="test", langs=None, data_dir=None, limit=None) -> list[Example]:
        """Examples of ``split`` in each language of ``langs``; ``data_dir`` is
        accepted for interface parity and ignored (nothing is read from disk)."""
        langs = self.check_langs(langs)
        problems = apply_limit(self.problems(split), limit)
        return [self.example(split, i, problem, lang)
                for lang in langs for i, problem in enumerate(problems)]

    @staticmethod
    def example(split: str, index: int, problem: Problem, lang: str) -> Example:
        return Example(id=f"arith-{split}-{index}", lang=lang, question=get_phrasebook(lang).question(problem),
                       answer=str(problem.answer), topic=problem.topic, region=None, meta=problem.to_meta())

    def prompt(self, example: Example, response_lang: str | None = None, cue: str = "instruction"
               ) -> list[Message]:
        return [user_turn(example.question, response_lang or example.lang, cue=cue)]

    def solution(self, example: Example, response_lang: str | None = None) -> str:
        """A short worked answer in ``response_lang``: the arithmetic on one line,
        then the language's answer phrase and the number (the SFT target)."""
        lang = response_lang or example.lang
        self.check_langs([lang])
        return get_phrasebook(lang).solution(Problem.from_meta(example.meta))

