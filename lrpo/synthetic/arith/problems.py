"""Word problems without words: the language-neutral half of the ``arith`` world.

A ``Problem`` fixes everything that must be identical across the translations
of one item (the story template, the operands, which operands are spelled out
as number words, which name and which object the story uses). The phrasebooks
of ``lrpo.synthetic.arith.phrasebooks`` turn it into a question in a given language, so
``arith-test-17`` is the same problem, with the same answer, in all languages.

Operands stay small (up to 20; multiplication is one digit by one digit) so the
arithmetic itself is quickly shared across languages and per-language
difficulty comes from reading each language's story and number words.
"""

from __future__ import annotations

import operator
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# How many names and objects every phrasebook must offer (indices into its lists).
N_NAMES = 12
ITEMS = ("apple", "pencil", "book", "marble", "cookie", "card", "egg", "flower")
# Containers and units that multiplication stories count with.
UNITS = ("box", "day", "table")

# Share of operands written as number words instead of digits.
SPELLED_SHARE = 0.5
MAX_OPERAND = 20
# Distinct test problems are drawn by rejection; the key space holds about
# 9,700 (template, operands) pairs, so stay well below it.
MAX_TEST = 2000


def _two(rng: random.Random) -> tuple[int, int]:
    return rng.randint(2, MAX_OPERAND), rng.randint(2, MAX_OPERAND)


def _difference(rng: random.Random) -> tuple[int, int]:
    a = rng.randint(3, MAX_OPERAND)
    return a, rng.randint(2, a - 1)


def _one_digit_product(rng: random.Random) -> tuple[int, int]:
    return rng.randint(2, 9), rng.randint(2, 9)


def _add_then_subtract(rng: random.Random) -> tuple[int, int, int]:
    a, b = _two(rng)
    return a, b, rng.randint(2, min(MAX_OPERAND, a + b - 1))


def _subtract_twice(rng: random.Random) -> tuple[int, int, int]:
    a = rng.randint(5, MAX_OPERAND)
    b = rng.randint(2, a - 3)
    return a, b, rng.randint(2, a - b - 1)


def _product_plus(rng: random.Random) -> tuple[int, int, int]:
    return (*_one_digit_product(rng), rng.randint(2, MAX_OPERAND))


_OPERATIONS = {"+": operator.add, "-": operator.sub, "×": operator.mul}


@dataclass(frozen=True)
class Template:
    """One story shape: its topic, how its operands are drawn, and its arithmetic.

    ``expression`` is written with ASCII operators and digits; phrasebooks
    localise the digits where a language writes its own (Bengali).
    """

    id: str
    topic: str
    draw: Callable[[random.Random], tuple[int, ...]]
    expression: str  # str.format pattern over a, b, c

    def answer(self, operands: tuple[int, ...]) -> int:
        """The expression evaluated left to right (every template that multiplies
        does so first, so this is also the usual precedence)."""
        values = dict(zip("abc", operands, strict=False))
        tokens = self.expression.split()
        result = values[tokens[0]]
        for op, name in zip(tokens[1::2], tokens[2::2], strict=True):
            result = _OPERATIONS[op](result, values[name])
        return result

    def work(self, operands: tuple[int, ...]) -> str:
        """The arithmetic as one line, e.g. "16 - 3 - 4"."""
        symbols = dict(zip("abc", (str(n) for n in operands), strict=False))
        return "".join(symbols.get(ch, ch) for ch in self.expression)


# Three stories per topic, so every topic is equally likely and no single
# sentence shape dominates a topic.
TEMPLATES: dict[str, Template] = {t.id: t for t in (
    Template("add.collect", "add", _two, "a + b"),
    Template("add.buy", "add", _two, "a + b"),
    Template("add.place", "add", _two, "a + b"),
    Template("sub.give", "sub", _difference, "a - b"),
    Template("sub.sell", "sub", _difference, "a - b"),
    Template("sub.need", "sub", _difference, "a - b"),
    Template("mul.boxes", "mul", _one_digit_product, "a × b"),
    Template("mul.days", "mul", _one_digit_product, "a × b"),
    Template("mul.rows", "mul", _one_digit_product, "a × b"),
    Template("two.buy_give", "two-step", _add_then_subtract, "a + b - c"),
    Template("two.give_twice", "two-step", _subtract_twice, "a - b - c"),
    Template("two.boxes_more", "two-step", _product_plus, "a × b + c"),
)}
TOPICS = ("add", "sub", "mul", "two-step")


@dataclass(frozen=True)
class Problem:
    template: str
    operands: tuple[int, ...]
    spelled: tuple[bool, ...]  # per operand: written as a number word
    name: int
    item: int

    @property
    def key(self) -> tuple[str, tuple[int, ...]]:
        """What makes two problems "the same" for train/test separation."""
        return self.template, self.operands

    @property
    def topic(self) -> str:
        return TEMPLATES[self.template].topic

    @property
    def answer(self) -> int:
        return TEMPLATES[self.template].answer(self.operands)

    @property
    def work(self) -> str:
        return TEMPLATES[self.template].work(self.operands)

    def to_meta(self) -> dict:
        """A JSON-friendly description (kept in ``Example.meta``)."""
        return {"template": self.template, "operands": list(self.operands),
                "spelled": list(self.spelled), "name": self.name, "item": self.item}

    @classmethod
    def from_meta(cls, meta: dict) -> Problem:
        return cls(meta["template"], tuple(meta["operands"]), tuple(meta["spelled"]),
                   meta["name"], meta["item"])


def draw_problem(rng: random.Random) -> Problem:
    template = TEMPLATES[rng.choice(sorted(TEMPLATES))]
    operands = template.draw(rng)
    spelled = tuple(rng.random() < SPELLED_SHARE for _ in operands)
    return Problem(template.id, operands, spelled, rng.randrange(N_NAMES), rng.randrange(len(ITEMS)))


def draw_problems(seed: int, n_train: int, n_test: int) -> tuple[list[Problem], list[Problem]]:
    """Train and test problems for one seed (see ``disjoint_splits``; train problems may
    repeat among themselves: there are fewer one-digit products than training problems)."""
    return disjoint_splits(draw_problem, f"arith-{{}}-{seed}", n_train, n_test)


def disjoint_splits(draw: Callable[[random.Random], Any], rng_name: str, n_train: int, n_test: int,
                    max_test: int = MAX_TEST) -> tuple[list, list]:
    """``n_train`` and ``n_test`` problems from ``draw``, each split from its own
    ``random.Random(rng_name.format("train" | "test"))``.

    Test problems have distinct ``key``s; train problems never share a key with a
    test problem (they may repeat among themselves with other names, objects and
    spellings). Raises ValueError for ``n_test`` outside [0, ``max_test``] (test
    problems are drawn by rejection, so the key space must be much larger) or
    a negative ``n_train``.
    """
    if not 0 <= n_test <= max_test:
        raise ValueError(f"n_test must be between 0 and {max_test}, got {n_test}")
    if n_train < 0:
        raise ValueError(f"n_train must be >= 0, got {n_train}")
    test_rng = random.Random(rng_name.format("test"))
    test: list = []
    test_keys: set = set()
    while len(test) < n_test:
        problem = draw(test_rng)
        if problem.key not in test_keys:
            test_keys.add(problem.key)
            test.append(problem)
    train_rng = random.Random(rng_name.format("train"))
    train: list = []
    while len(train) < n_train:
        problem = draw(train_rng)
        if problem.key not in test_keys:
            train.append(problem)
    return train, test
