"""Chains of events without words: the language-neutral half of the ``arith_cot`` world.

A ``ChainProblem`` is a start quantity followed by 2-4 events, each adding or
taking away some objects ("has 12, buys 5 more, gives 3 away, buys 4 more").
It fixes everything the translations of one item share: the numbers, which of
them the question spells out as number words, the name and the object.
``lrpo.synthetic.arith_cot.narration`` tells it in a language and writes its
worked solution as a chain of steps in the response language.

Every quantity (the start, each event's count, every running total) stays
between 2 and 20, so every language can write each of them with the number
words of its ``arith`` phrasebook; the difficulty is in chaining the steps, in
words, in the language of the answer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from lrpo.synthetic.arith.problems import disjoint_splits

LOW, HIGH = 2, 20
MIN_EVENTS, MAX_EVENTS = 2, 4
# Share of the question's numbers written as number words instead of digits
# (as in ``arith``: reading the question is itself language skill).
SPELLED_SHARE = 0.5
# Test problems are drawn by rejection among distinct keys; two-event chains
# alone offer several thousand, so this stays far below the key space.
MAX_TEST = 2000
OPERATIONS = ("+", "-")


@dataclass(frozen=True)
class ChainProblem:
    start: int
    operations: tuple[str, ...]  # "+" or "-" per event
    counts: tuple[int, ...]  # objects added or taken away per event
    spelled: tuple[bool, ...]  # per number of the question (start, then each count): written as a word
    name: int
    item: int

    @property
    def key(self) -> tuple:
        """What makes two problems "the same" for train/test separation."""
        return self.start, self.operations, self.counts

    @property
    def totals(self) -> tuple[int, ...]:
        """The running total after each event (the last one is the answer)."""
        totals, current = [], self.start
        for op, n in zip(self.operations, self.counts, strict=True):
            current = current + n if op == "+" else current - n
            totals.append(current)
        return tuple(totals)

    @property
    def answer(self) -> int:
        return self.totals[-1]

    @property
    def topic(self) -> str:
        """The number of events ("2-step" ... "4-step"): the router's context."""
        return f"{len(self.operations)}-step"

    def to_meta(self) -> dict:
        """A JSON-friendly description (kept in ``Example.meta``)."""
        return {"start": self.start, "operations": "".join(self.operations), "counts": list(self.counts),
                "spelled": list(self.spelled), "name": self.name, "item": self.item}

    @classmethod
    def from_meta(cls, meta: dict) -> ChainProblem:
        return cls(meta["start"], tuple(meta["operations"]), tuple(meta["counts"]), tuple(meta["spelled"]),
                   meta["name"], meta["item"])


def draw_problem(rng: random.Random, n_names: int, n_items: int) -> ChainProblem:
    """One chain: 2-4 events, each chosen among those that keep the total in [LOW, HIGH]."""
    start = rng.randint(LOW, HIGH)
    operations, counts, current = [], [], start
    for _ in range(rng.randint(MIN_EVENTS, MAX_EVENTS)):
        possible = [op for op, room in (("+", HIGH - current), ("-", current - LOW)) if room >= LOW]
        op = rng.choice(possible)
        n = rng.randint(LOW, HIGH - current if op == "+" else current - LOW)
        current = current + n if op == "+" else current - n
        operations.append(op)
        counts.append(n)
    spelled = tuple(rng.random() < SPELLED_SHARE for _ in range(1 + len(counts)))
    return ChainProblem(start, tuple(operations), tuple(counts), spelled, rng.randrange(n_names),
                        rng.randrange(n_items))


def draw_problems(seed: int, n_train: int, n_test: int, n_names: int, n_items: int
                  ) -> tuple[list[ChainProblem], list[ChainProblem]]:
    """Train and test problems for one seed, disjoint by ``key`` as in ``arith``
    (``lrpo.synthetic.arith.problems.disjoint_splits``). ``n_names`` and ``n_items``
    are how many names and objects every phrasebook offers."""
    return disjoint_splits(lambda rng: draw_problem(rng, n_names, n_items), f"arith_cot-{{}}-{seed}",
                           n_train, n_test, MAX_TEST)
