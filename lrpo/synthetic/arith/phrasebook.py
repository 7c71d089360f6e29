"""What a language supplies to tell the ``arith`` stories natively.

Each language writes its own sentences for every template (not translations
of one English string run through a dictionary), with its own names, nouns,
counters or noun classes, and number words. The parts that differ in
*grammar* rather than in vocabulary (Russian plural forms, Swahili class
agreement, Chinese 两, Japanese and Thai counters) are the ``quantity`` and
``item_fields`` methods a language overrides.

Templates are ``str.format`` patterns. ``{a}``, ``{b}``, ``{c}`` are the
operands counted with the problem's object ("5 apples"); ``{a:box}`` counts
with a unit noun instead ("5 boxes"); ``{name}`` (and any extra name forms a
language declares, such as a genitive) and the item fields (``{items}`` and
whatever else the language's ``item_fields`` provides) fill the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lrpo.languages import get_language
from lrpo.synthetic.arith.problems import ITEMS, N_NAMES, TEMPLATES, UNITS, Problem


@dataclass(frozen=True)
class Noun:
    """A countable noun. ``forms`` and ``kind`` mean what the language needs:
    the plural alone (English), (singular, genitive singular, genitive plural)
    with a gender (Russian), the noun with its counter (Japanese), ..."""

    forms: tuple[str, ...]
    kind: str = ""

    @property
    def plural(self) -> str:
        return self.forms[-1]


class _Count:
    """An operand inside a template: formats as a counted phrase, by default
    with the problem's object, or with a unit noun named in the format spec."""

    def __init__(self, book: Phrasebook, n: int, spelled: bool, item: Noun):
        self.book, self.n, self.spelled, self.item = book, n, spelled, item

    def __format__(self, spec: str) -> str:
        noun = self.book.units[spec] if spec else self.item
        return self.book.quantity(self.n, noun, self.spelled)


class Phrasebook:
    """Base of the per-language phrasebooks; subclasses fill the class attributes."""

    code: ClassVar[str]
    names: ClassVar[tuple[tuple[str, ...], ...]]  # each name's forms, in ``name_fields`` order
    name_fields: ClassVar[tuple[str, ...]] = ("name",)
    items: ClassVar[dict[str, Noun]]
    units: ClassVar[dict[str, Noun]]
    number_words: ClassVar[dict[int, str]]
    templates: ClassVar[dict[str, str]]
    # The worked answer: the arithmetic, then the registry's answer phrase.
    answer_line: ClassVar[str] = "{work} = {answer}. {phrase} {answer}."

    def numeral(self, text: str) -> str:
        """Digits as the language writes them (ASCII unless overridden)."""
        return text

    def number(self, n: int, noun: Noun, spelled: bool) -> str:
        return self.number_words[n] if spelled else self.numeral(str(n))

    def quantity(self, n: int, noun: Noun, spelled: bool) -> str:
        return f"{self.number(n, noun, spelled)} {noun.plural}"

    def item_fields(self, noun: Noun) -> dict[str, str]:
        return {"items": noun.plural}

    def question(self, problem: Problem) -> str:
        item = self.items[ITEMS[problem.item]]
        fields = dict(zip(self.name_fields, self.names[problem.name], strict=True))
        fields.update(self.item_fields(item))
        for letter, n, spelled in zip("abc", problem.operands, problem.spelled, strict=False):
            fields[letter] = _Count(self, n, spelled, item)
        return self.templates[problem.template].format(**fields)

    def solution(self, problem: Problem) -> str:
        return self.answer_line.format(work=self.numeral(problem.work),
                                       answer=self.numeral(str(problem.answer)),
                                       phrase=get_language(self.code).answer_phrase)

    def missing(self) -> list[str]:
        """What this phrasebook lacks for the shared problem space (empty when complete)."""
        gaps = [f"template {t}" for t in TEMPLATES if t not in self.templates]
        gaps += [f"item {i}" for i in ITEMS if i not in self.items]
        gaps += [f"unit {u}" for u in UNITS if u not in self.units]
        gaps += [f"number word {n}" for n in range(2, 21) if n not in self.number_words]
        if len(self.names) != N_NAMES:
            gaps.append(f"{N_NAMES} names (has {len(self.names)})")
        return gaps


def words(text: str, start: int = 2) -> dict[int, str]:
    """Number words from a space-separated list starting at ``start``."""
    return {n: w for n, w in enumerate(text.split(), start=start)}


def nouns(table: dict[str, str], kinds: dict[str, str] | None = None, sep: str = "|") -> dict[str, Noun]:
    """Nouns from ``{concept: "form1|form2"}``, with an optional kind per concept."""
    kinds = kinds or {}
    return {concept: Noun(tuple(forms.split(sep)), kinds.get(concept, "")) for concept, forms in table.items()}
