"""MGSM: grade-school math in 11 languages (Shi et al., 2022).

test      MGSM, 250 parallel problems per language (GSM8K test rows 0-249).
train     GSM8K train in English plus its machine-translated questions in
          de es fr ja ru sw zh (the gold answers joined from GSM8K). Disjoint
          from the test split.
exemplars the 8 chain-of-thought exemplars per language, used for few-shot.
"""

from __future__ import annotations

from pathlib import Path

from lrpo.languages import MGSM_LANGUAGES
from lrpo.tasks.base import Example, Message, Task, apply_limit
from lrpo.tasks.data import DataError, load_hub_dataset, read_jsonl, read_tsv
from lrpo.tasks.final_number import FinalNumberVerifier
from lrpo.tasks.numbers import parse_gold_number
from lrpo.tasks.prompts import format_decimal, user_turn

TRAIN_TRANSLATED = ("de", "es", "fr", "ja", "ru", "sw", "zh")
HUB_MGSM = "juletxara/mgsm"
HUB_GSM8K = "openai/gsm8k"


def _checked_gold(path: Path, line: int, answer) -> str:
    """The gold answer as a canonical number string; malformed golds name their row."""
    try:
        return format_decimal(parse_gold_number(str(answer)))
    except ValueError:
        raise DataError(path, line, f"gold answer {answer!r} is not a number") from None


def _strip_prefix(text: str) -> str:
    """Drop the localized "Question:" / "Step-by-Step Answer:" prefix of an exemplar."""
    cuts = [i for i in (text.find(":"), text.find("：")) if 0 <= i <= 40]
    return text[min(cuts) + 1:].strip() if cuts else text.strip()


class MGSMTask(FinalNumberVerifier, Task):
    name = "mgsm"
    languages = MGSM_LANGUAGES
    splits = ("test", "train", "exemplars")

    def __init__(self, num_fewshot: int = 0, data_dir=None):
        if not 0 <= num_fewshot <= 8:
            raise ValueError(f"num_fewshot must be between 0 and 8 (MGSM has 8 exemplars), got {num_fewshot}")
        self.num_fewshot = num_fewshot
        self.data_dir = data_dir
        self._exemplars: dict[str, list[Example]] = {}

    # Loading

    def load(self, split="test", langs=None, data_dir=None, limit=None) -> list[Example]:
        self.check_split(split)
        available = self.languages if split != "train" else ("en",) + TRAIN_TRANSLATED
        langs, root = self.check_load(split, langs, data_dir, available)
        examples = []
        for lang in langs:
            if split == "test":
                rows = self._load_test(root, lang)
            elif split == "exemplars":
                rows = self._load_exemplars(root, lang)
            else:
                rows = self._load_train(root, lang)
            examples.extend(apply_limit(rows, limit))
        return examples

    def _load_test(self, root: Path | None, lang: str) -> list[Example]:
        if root is None:
            rows = load_hub_dataset(HUB_MGSM, lang, "test")
            return [self._example(f"mgsm-{i}", lang, r["question"], str(r["answer_number"]))
                    for i, r in enumerate(rows)]
        path = root / "mgsm" / f"mgsm_{lang}.tsv"
        return [
            self._example(f"mgsm-{i}", lang, question, _checked_gold(path, line, answer))
            for i, (line, (question, answer)) in enumerate(read_tsv(path, columns=2))
        ]

    def _load_exemplars(self, root: Path | None, lang: str) -> list[Example]:
        if root is None:
            rows = load_hub_dataset(HUB_MGSM, lang, "train")
            items = [(r["question"], r["answer"], r["answer_number"]) for r in rows]
            path, lines = Path(HUB_MGSM), range(1, len(items) + 1)
        else:
            path = root / "mgsm" / "exemplars" / f"mgsm_exemplars_{lang}.tsv"
            parsed = list(read_tsv(path, columns=4, header=True))
            items = [(q, a, n) for _, (q, a, n, _) in parsed]
            lines = [line for line, _ in parsed]
        return [
            self._example(f"mgsm-exemplar-{i}", lang, _strip_prefix(q),
                          _checked_gold(path, line, number),
                          meta={"solution": _strip_prefix(a)})
            for i, (line, (q, a, number)) in enumerate(zip(lines, items, strict=True))
        ]

    def _load_train(self, root: Path | None, lang: str) -> list[Example]:
        if lang == "en":
            if root is None:
                rows = load_hub_dataset(HUB_GSM8K, "main", "train")
                return [self._example(f"gsm8k-train-{i}", "en", r["question"],
                                      format_decimal(parse_gold_number(r["answer"].split("####")[-1])))
                        for i, r in enumerate(rows)]
            path = root / "gsm8k" / "train.jsonl"
            examples = []
            for i, (line, row) in enumerate(read_jsonl(path, ("question", "answer"))):
                if "####" not in row["answer"]:
                    raise DataError(path, line, "answer has no '####' final-answer marker")
                gold = _checked_gold(path, line, row["answer"].split("####")[-1].strip())
                examples.append(self._example(f"gsm8k-train-{i}", "en", row["question"], gold))
            return examples
        if root is None:
            raise RuntimeError(
                f"the translated GSM8K training questions ({lang}) have no hub copy in this "
                "layout; pass data_dir= / --data-dir or set $LRPO_DATA_DIR")
        path = root / "gsm8kinstruct_questions_qalign" / "derived" / f"train_{lang}.jsonl"
        return [
            self._example(row["id"], lang, row["question"], _checked_gold(path, line, row["answer"]),
                          meta={"question_en": row["question_en"]})
            for line, row in read_jsonl(path, ("id", "question", "question_en", "answer"))
        ]

    @staticmethod
    def _example(id_, lang, question, answer, meta=None) -> Example:
        return Example(id=id_, lang=lang, question=question, answer=answer, topic="math",
                       region=None, meta=meta or {})

    # Prompting and verification

    def fewshot_examples(self, lang: str) -> list[Example]:
        if lang not in self._exemplars:
            self._exemplars[lang] = self.load("exemplars", [lang])
        return self._exemplars[lang][: self.num_fewshot]

    def prompt(self, example: Example, response_lang: str | None = None, cue: str = "instruction"
               ) -> list[Message]:
        response_lang = response_lang or example.lang
        messages: list[Message] = []
        for shot in (self.fewshot_examples(response_lang) if self.num_fewshot else []):
            messages.append(user_turn(shot.question, response_lang, cue=cue))
            messages.append({"role": "assistant", "content": shot.meta["solution"]})
        messages.append(user_turn(example.question, response_lang, cue=cue))
        return messages
