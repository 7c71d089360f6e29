"""XCOPA: causal commonsense reasoning in 11 languages (Ponti et al., 2020).

Each item is a premise and two alternatives, one the cause (or effect) of the
premise. Two formulations share the data:
- generative (the trainer's and the evaluator's): the model reasons in the
  response language and ends with the number of the alternative it chose;
- loglikelihood (for lm-eval): the premise joined to each alternative by the
  native "because" / "therefore", scored by the model's likelihood.

The source files disagree across languages on whether an item asks for the
cause or the effect (th says "effect" for every item); the label agrees. The
relation is therefore taken from the Estonian file, by ``idx``, for every
language.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from lrpo.languages import XCOPA_LANGUAGES, get_language
from lrpo.tasks.answers import ANSWER_START, ANSWER_WINDOW, answer_region, commitment, last_phrase_end, read_number
from lrpo.tasks.base import Example, Message, Task, apply_limit
from lrpo.tasks.data import DataError, load_hub_dataset, read_jsonl
from lrpo.tasks.prompts import format_decimal, user_turn

HUB_XCOPA = "cambridgeltl/xcopa"
RELATION_SOURCE = "et"
CHOICE_SLOT = "1 / 2"

# The question asked of the premise, in every language a response may be asked in.
RELATION_QUESTIONS = {
    "ar": ("ما هو السبب؟", "ماذا حدث نتيجة لذلك؟"),
    "bn": ("কারণ কী ছিল?", "ফলে কী ঘটেছিল?"),
    "de": ("Was war die Ursache?", "Was geschah infolgedessen?"),
    "en": ("What was the cause?", "What happened as a result?"),
    "es": ("¿Cuál fue la causa?", "¿Qué ocurrió como resultado?"),
    "et": ("Mis oli põhjus?", "Mis juhtus selle tagajärjel?"),
    "fr": ("Quelle en était la cause ?", "Que s'est-il passé en conséquence ?"),
    "ht": ("Ki sa ki te lakòz sa?", "Ki sa ki te rive apre sa?"),
    "id": ("Apa penyebabnya?", "Apa yang terjadi sebagai akibatnya?"),
    "it": ("Qual è stata la causa?", "Che cosa è successo di conseguenza?"),
    "ja": ("原因は何でしたか？", "その結果、何が起こりましたか？"),
    "ko": ("원인은 무엇이었습니까?", "그 결과 무슨 일이 일어났습니까?"),
    "ms": ("Apakah puncanya?", "Apakah yang berlaku akibatnya?"),
    "nl": ("Wat was de oorzaak?", "Wat gebeurde er als gevolg?"),
    "pl": ("Co było przyczyną?", "Co się stało w rezultacie?"),
    "pt": ("Qual foi a causa?", "O que aconteceu como resultado?"),
    "qu": ("Imataq chayta ruwarqa?", "Chaymantataq imataq karqa?"),
    "ru": ("Что было причиной?", "Что произошло в результате?"),
    "sw": ("Sababu ilikuwa nini?", "Nini kilitokea kama matokeo?"),
    "ta": ("காரணம் என்ன?", "அதன் விளைவாக என்ன நடந்தது?"),
    "te": ("కారణం ఏమిటి?", "దాని ఫలితంగా ఏమి జరిగింది?"),
    "th": ("สาเหตุคืออะไร", "ผลที่เกิดขึ้นคืออะไร"),
    "tr": ("Sebebi neydi?", "Sonuç olarak ne oldu?"),
    "vi": ("Nguyên nhân là gì?", "Kết quả là điều gì đã xảy ra?"),
    "zh": ("原因是什么？", "结果发生了什么？"),
}

# Native "because" / "therefore" for the loglikelihood formulation (XCOPA's languages).
CONNECTORS = {
    "et": ("sest", "seetõttu"),
    "ht": ("poukisa", "donk sa"),
    "id": ("karena", "maka"),
    "it": ("perché", "quindi"),
    "qu": ("imataq", "chaymi"),
    "sw": ("kwa sababu", "kwa hiyo"),
    "ta": ("காரணமாக", "எனவே"),
    "th": ("เพราะ", "ดังนั้น"),
    "tr": ("çünkü", "bu yüzden"),
    "vi": ("bởi vì", "vì vậy"),
    "zh": ("因为", "所以"),
}
_NO_SPACES = {"zh", "th", "ja"}

# A choice named by its ordinal ("la prima opzione", "第二个"), per language a response
# may be asked in: (first, second) as regular expressions. Symbols (①, ❷) are digits
# by then (``lrpo.tasks.numbers.normalize_digits``).
ORDINALS = {
    "ar": ("الأول|الاول|الأولى", "الثاني|الثانية"), "bn": ("প্রথম", "দ্বিতীয়"),
    "de": ("erste[nrsm]?", "zweite[nrsm]?"), "en": ("first", "second"),
    "es": ("primer[ao]?", "segund[ao]"), "et": ("esimene|esimese|esimest", "teine|teise|teist"),
    "fr": ("premi(?:er|ère)", "deuxième|second(?:e)?"), "ht": ("premye", "dezyèm"),
    "id": ("pertama", "kedua"), "it": ("prim[ao]", "second[ao]"),
    "ja": ("一つ目|最初|一番目", "二つ目|二番目"), "ko": ("첫 ?번째", "두 ?번째"), "ms": ("pertama", "kedua"),
    "nl": ("eerste", "tweede"), "pl": ("pierwsz[aey]|pierwszą", "drug[aiy]|drugą"),
    "pt": ("primeir[ao]", "segund[ao]"), "qu": ("ñawpaq", "iskay kaq|iskaykaq"),
    "ru": ("перв(?:ый|ая|ое|ого|ой|ую)", "втор(?:ой|ая|ое|ого|ую)"), "sw": ("kwanza", "pili"),
    "ta": ("முதல்|முதலாவது", "இரண்டாவது"), "te": ("మొదటి", "రెండవ"), "th": ("แรก|ที่หนึ่ง", "ที่สอง"),
    "tr": ("birinci|ilk", "ikinci"), "vi": ("thứ nhất|đầu tiên", "thứ hai"), "zh": ("第一", "第二"),
}


def _ordinal_group(words: str, index: int) -> str:
    # Whole words in Latin and Cyrillic ("prima", not "primavera"); Thai and Chinese
    # ordinals follow their noun without a space ("ตัวเลือกที่สอง").
    return rf"(?P<o{index}>(?<![A-Za-z\u00C0-\u052F])(?:{words})(?![A-Za-z\u00C0-\u052F]))"


@lru_cache(maxsize=64)
def _ordinal_patterns(response_lang: str | None) -> tuple[re.Pattern, re.Pattern]:
    """(an ordinal of either choice, what may begin an answer: an ordinal or anything
    ``ANSWER_START`` allows), for the response language and English."""
    langs = ("en",) if response_lang in (None, "en") else (response_lang, "en")
    firsts = "|".join(ORDINALS[code][0] for code in langs if code in ORDINALS)
    seconds = "|".join(ORDINALS[code][1] for code in langs if code in ORDINALS)
    ordinal = re.compile(_ordinal_group(firsts, 1) + "|" + _ordinal_group(seconds, 2), re.IGNORECASE)
    return ordinal, re.compile(ordinal.pattern + "|" + ANSWER_START.pattern, re.IGNORECASE)


class XCOPATask(Task):
    name = "xcopa"
    languages = XCOPA_LANGUAGES
    splits = ("val", "test")

    def __init__(self, data_dir=None):
        self.data_dir = data_dir

    def load(self, split="test", langs=None, data_dir=None, limit=None) -> list[Example]:
        langs, root = self.check_load(split, langs, data_dir)
        relations = self._relations(root, split)
        examples = []
        for lang in langs:
            rows = []
            for where, row in self._rows(root, split, lang):
                idx = row["idx"]
                if row["label"] not in (0, 1):
                    raise DataError(where[0], where[1], f"label must be 0 or 1, got {row['label']!r}")
                if idx not in relations:
                    raise DataError(where[0], where[1], f"idx {idx} has no item in the {RELATION_SOURCE} file")
                rows.append(Example(
                    id=f"xcopa-{split}-{idx}", lang=lang, question=row["premise"],
                    answer=str(row["label"] + 1), topic="commonsense", region=None,
                    meta={"choice1": row["choice1"], "choice2": row["choice2"],
                          "relation": relations[idx], "changed": bool(row.get("changed", False))},
                ))
            examples.extend(apply_limit(rows, limit))
        return examples

    def _rows(self, root: Path | None, split: str, lang: str):
        """Yield ((file, line), row) for one language and split."""
        required = ("premise", "choice1", "choice2", "question", "label", "idx")
        if root is None:
            hub_split = "validation" if split == "val" else "test"
            for i, row in enumerate(load_hub_dataset(HUB_XCOPA, lang, hub_split), start=1):
                yield (HUB_XCOPA, i), dict(row)
            return
        path = root / "xcopa" / "data" / lang / f"{split}.{lang}.jsonl"
        for line, row in read_jsonl(path, required):
            yield (path, line), row

    def _relations(self, root: Path | None, split: str) -> dict[int, str]:
        relations = {}
        for where, row in self._rows(root, split, RELATION_SOURCE):
            if row["question"] not in ("cause", "effect"):
                raise DataError(where[0], where[1], f"question must be cause or effect, got {row['question']!r}")
            relations[row["idx"]] = row["question"]
        return relations

    # Generative formulation

    def prompt(self, example: Example, response_lang: str | None = None, cue: str = "instruction"
               ) -> list[Message]:
        response_lang = response_lang or example.lang
        # With a tag cue the question is asked in the item's language; with an
        # instruction, in the language the answer is requested in.
        asking_lang = response_lang if cue == "instruction" else example.lang
        cause, effect = RELATION_QUESTIONS[get_language(asking_lang).code]
        asked = cause if example.meta["relation"] == "cause" else effect
        body = (f"{example.question}\n{asked}\n"
                f"1. {example.meta['choice1']}\n2. {example.meta['choice2']}")
        return [user_turn(body, response_lang, CHOICE_SLOT, cue=cue)]

    def extract(self, response: str, response_lang: str | None = None) -> str | None:
        """"1" or "2": the choice the response commits to, after its last answer phrase
        or in its last \\boxed{}, by number, ordinal ("la prima opzione") or symbol
        ("①"). A response that commits to nothing chooses nothing: the last number it
        mentions is not a choice ("l'opzione 1 è più plausibile dell'opzione 2")."""
        ordinal, answer_start = _ordinal_patterns(response_lang)
        found = commitment(answer_region(response, response_lang), response_lang, answer_start)
        if found is None:
            return None
        named = ordinal.match(found.answer)
        if named is not None:
            return "1" if named.lastgroup == "o1" else "2"
        value = read_number(found.answer, response_lang)
        return format_decimal(value) if value in (1, 2) else None

    def score(self, response: str, example: Example, response_lang: str | None = None) -> float:
        response_lang = response_lang or example.lang
        choice = self.extract(response, response_lang)
        if choice is None:
            choice = self._choice_by_text(response, example, response_lang)
        return 1.0 if choice == example.answer else 0.0

    @staticmethod
    def _choice_by_text(response: str, example: Example, response_lang: str) -> str | None:
        """An answer phrase followed by exactly one alternative's text chooses it."""
        text = answer_region(response, response_lang)
        end = last_phrase_end(text, response_lang)
        if end is None:
            return None
        committed = text[end:end + ANSWER_WINDOW].casefold()
        hits = [str(i) for i, key in ((1, "choice1"), (2, "choice2"))
                if _sentence(example.meta[key]) in committed]
        return hits[0] if len(hits) == 1 else None

    # Loglikelihood formulation

    def loglikelihood_request(self, example: Example) -> tuple[str, list[str], int]:
        """(context, [continuation 1, continuation 2], gold index) in the item's language."""
        because, therefore = CONNECTORS[example.lang]
        connector = because if example.meta["relation"] == "cause" else therefore
        premise = re.sub(r"[.。!?！？]+$", "", example.question.strip())
        space = "" if example.lang in _NO_SPACES else " "
        context = f"{premise}{space}{connector}"
        continuations = [space + _lower_first(example.meta[k]) for k in ("choice1", "choice2")]
        return context, continuations, int(example.answer) - 1


def _sentence(text: str) -> str:
    return re.sub(r"[.。!?！？]+$", "", text.strip()).casefold()


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text
