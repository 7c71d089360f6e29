"""Telling a ``ChainProblem`` in a language, and solving it step by step in one.

The words come from the ``arith`` phrasebooks (names and their case forms,
objects, counters, number words, and the grammar of counting: Russian plural
forms, Swahili agreement, Japanese and Thai counters); this module only adds
each language's sentence for each kind of event and its two step sentences.

The worked solution is a chain of steps written in the *response* language,
every quantity as that language's number word ("twelve plus five is
seventeen." / "kumi na mbili jumlisha tano ni kumi na saba."), then the
language's answer phrase and the final number in digits. Getting it right
takes arithmetic on that language's number words and reading the last one
back as digits: a skill a model has in one language and may lack in another.
"""

from __future__ import annotations

from dataclasses import dataclass

from lrpo.languages import get_language
from lrpo.synthetic.arith import get_phrasebook
from lrpo.synthetic.arith.problems import ITEMS
from lrpo.synthetic.arith_cot.problems import ChainProblem

STEP_SEPARATOR = "\n"


@dataclass(frozen=True)
class Narration:
    """One language's sentences. ``start``, ``add``, ``sub`` and ``question`` are
    ``str.format`` patterns over the phrasebook's fields (``{name}`` and its other
    forms, ``{items}`` and the language's item fields) and ``{n}``, the counted
    quantity ("5 apples"); ``plus`` and ``minus`` are steps over the number words
    ``{x}``, ``{y}``, ``{z}``; ``answer`` closes with ``{phrase}`` and ``{answer}``."""

    code: str
    start: str
    add: str
    sub: str
    question: str
    plus: str
    minus: str
    answer: str = "{phrase} {answer}."
    joiner: str = " "  # between the question's sentences

    def tell(self, problem: ChainProblem) -> str:
        """The question: the start, each event, then what is asked."""
        book = get_phrasebook(self.code)
        item = book.items[ITEMS[problem.item]]
        fields = dict(zip(book.name_fields, book.names[problem.name], strict=True))
        fields.update(book.item_fields(item))
        numbers = (problem.start, *problem.counts)
        patterns = (self.start, *(self.add if op == "+" else self.sub for op in problem.operations))
        sentences = [pattern.format(n=book.quantity(n, item, spelled), **fields)
                     for pattern, n, spelled in zip(patterns, numbers, problem.spelled, strict=True)]
        return self.joiner.join([*sentences, self.question.format(**fields)])

    def solve(self, problem: ChainProblem, in_words: bool = False) -> str:
        """The worked solution: one step per event in number words, then the answer line
        (in digits, or with ``in_words`` in number words: ``answer_line``)."""
        book = get_phrasebook(self.code)
        steps, current = [], problem.start
        for op, n, total in zip(problem.operations, problem.counts, problem.totals, strict=True):
            pattern = self.plus if op == "+" else self.minus
            steps.append(pattern.format(x=book.number_words[current], y=book.number_words[n],
                                        z=book.number_words[total]))
            current = total
        steps.append(self.answer_line(problem, in_words))
        return STEP_SEPARATOR.join(steps)

    def answer_line(self, problem: ChainProblem, in_words: bool = False) -> str:
        """The closing line: the answer phrase and the answer in the language's numerals, or
        (``in_words``) in its number words, which a verifier that reads numerals scores wrong."""
        book = get_phrasebook(self.code)
        answer = book.number_words[problem.answer] if in_words else book.numeral(str(problem.answer))
        return self.answer.format(phrase=get_language(self.code).answer_phrase, answer=answer)


NARRATIONS: dict[str, Narration] = {n.code: n for n in (
    Narration("bn", "{name_gen} কাছে {n} আছে।", "{name} আরও {n} কিনল।", "{name} একজন বন্ধুকে {n} দিল।",
              "এখন {name_gen} কাছে কতগুলো {items} আছে?", "{x} যোগ {y} সমান {z}।", "{x} বিয়োগ {y} সমান {z}।",
              answer="{phrase} {answer}।"),
    Narration("de", "{name} hat {n}.", "{name} kauft noch {n} dazu.", "{name} schenkt einem Freund {n}.",
              "Wie viele {items} hat {name} jetzt?", "{x} plus {y} ist {z}.", "{x} minus {y} ist {z}."),
    Narration("en", "{name} has {n}.", "{name} buys another {n}.", "{name} gives {n} to a friend.",
              "How many {items} does {name} have now?", "{x} plus {y} is {z}.", "{x} minus {y} is {z}."),
    Narration("es", "{name} tiene {n}.", "{name} compra {n} más.", "{name} le regala {n} a un amigo.",
              "¿{how_many} tiene {name} ahora?", "{x} más {y} son {z}.", "{x} menos {y} son {z}."),
    Narration("fr", "{name} a {n}.", "{name} achète encore {n}.", "{name} donne {n} à un ami.",
              "{how_many} a {name} maintenant ?", "{x} plus {y} font {z}.", "{x} moins {y} font {z}."),
    Narration("ja", "{name}さんは{items}を{n}持っています。", "{name}さんは{items}をさらに{n}買いました。",
              "{name}さんは友だちに{items}を{n}あげました。",
              "{name}さんは今、{items}を{how_many}持っていますか。",
              "{x}たす{y}は{z}。", "{x}ひく{y}は{z}。", answer="{phrase}{answer}です。", joiner=""),
    Narration("ru", "У {name_gen} есть {n}.", "{name} покупает ещё {n}.", "{name} отдаёт другу {n}.",
              "Сколько {items} теперь у {name_gen}?", "{x} плюс {y} равно {z}.", "{x} минус {y} равно {z}."),
    Narration("sw", "{name} ana {n}.", "{name} ananunua {n} zaidi.", "{name} anampa rafiki yake {n}.",
              "Sasa {name} ana {items} {many}?", "{x} jumlisha {y} ni {z}.", "{x} toa {y} ni {z}."),
    Narration("te", "{name} దగ్గర {n} ఉన్నాయి.", "{name} ఇంకా {n} కొన్నాడు.", "{name} తన స్నేహితుడికి {n} ఇచ్చాడు.",
              "ఇప్పుడు {name} దగ్గర ఎన్ని {items} ఉన్నాయి?", "{x} మరియు {y} కలిపితే {z}.",
              "{x} లో {y} తీసివేస్తే {z}."),
    Narration("th", "{name}มี{items} {n}", "{name}ซื้อมาเพิ่มอีก {n}", "{name}ให้เพื่อนไป {n}",
              "ตอนนี้{name}มี{items}กี่{classifier}", "{x} บวก {y} เท่ากับ {z}", "{x} ลบ {y} เท่ากับ {z}",
              answer="{phrase} {answer}"),
    Narration("zh", "{name}有{n}。", "{name}又买了{n}。", "{name}送给朋友{n}。", "{name}现在有{how_many}？",
              "{x}加{y}等于{z}。", "{x}减{y}等于{z}。", answer="{phrase}{answer}。", joiner=""),
)}


def get_narration(code: str) -> Narration:
    try:
        return NARRATIONS[code]
    except KeyError:
        raise ValueError(f"the arith_cot world has no narration for {code!r}; available: "
                         f"{', '.join(sorted(NARRATIONS))}") from None
