"""Multilingual competition math: MMATH (10 languages) and PolyMath (18 languages x 4 levels).

MMATH (Luo et al., 2025): 374 problems from MATH-500, AIME 2024/2025 and CNMO,
parallel across ar en es fr ja ko pt th vi zh (``gid`` is the parallel id).
PolyMath (Qwen, 2025): 125 problems per language and level (low, medium, high,
top). PolyMath's ``low`` level is MGSM test rows 0-124: never train on it when
evaluating on MGSM.

Both are scored by the same verifier (``lrpo.tasks.math_answers``): math-verify with
multilingual normalisation, under a time bound.
"""

from __future__ import annotations

from pathlib import Path

from lrpo.languages import MMATH_LANGUAGES, POLYMATH_LANGUAGES
from lrpo.tasks.base import Example, Message, Task, apply_limit
from lrpo.tasks.data import (
    DataError,
    load_hub_dataset,
    read_json_array,
    read_jsonl,
)
from lrpo.tasks.math_answers import extract_math_answer, math_answers_equal
from lrpo.tasks.prompts import user_turn

POLYMATH_LEVELS = ("low", "medium", "high", "top")
HUB_POLYMATH = "Qwen/PolyMath"
ANSWER_SLOT = "X"


class _MathTask(Task):
    """Prompt and verifier shared by the competition-math tasks."""

    def prompt(self, example: Example, response_lang: str | None = None, cue: str = "instruction"
               ) -> list[Message]:
        return [user_turn(example.question, response_lang or example.lang, ANSWER_SLOT, cue=cue)]

    def extract(self, response: str, response_lang: str | None = None) -> str | None:
        return extract_math_answer(response, response_lang)

    def score(self, response: str, example: Example, response_lang: str | None = None) -> float:
        response_lang = response_lang or example.lang
        predicted = extract_math_answer(response, response_lang)
        return 1.0 if math_answers_equal(example.answer, predicted, response_lang) else 0.0


def _check_answer(path, line, answer) -> str:
    if not isinstance(answer, str) or not answer.strip():
        raise DataError(path, line, f"gold answer must be a non-empty string, got {answer!r}")
    return answer.strip()


class MMathTask(_MathTask):
    name = "mmath"
    languages = MMATH_LANGUAGES
    splits = ("test",)

    def __init__(self, data_dir=None):
        self.data_dir = data_dir

    def load(self, split="test", langs=None, data_dir=None, limit=None) -> list[Example]:
        langs, root = self.check_load(split, langs, data_dir)
        if root is None:
            raise RuntimeError(
                "MMATH has no Hugging Face hub copy under a known id; download mmath/<lang>.json "
                "from the MMATH repository and pass data_dir= / --data-dir (or $LRPO_DATA_DIR)")
        examples = []
        for lang in langs:
            path = root / "mmath" / "mmath" / f"{lang}.json"
            rows = [
                Example(id=f"mmath-{row['gid']}", lang=lang, question=row["question"],
                        answer=_check_answer(path, f"record {n}", row["answer"]), topic="math",
                        meta={"source": row.get("data_source"),
                              "source_id": row.get("data_source_id")})
                for n, row in read_json_array(path, ("question", "answer", "gid"))
            ]
            examples.extend(apply_limit(rows, limit))
        return examples


class PolyMathTask(_MathTask):
    name = "polymath"
    languages = POLYMATH_LANGUAGES

    def __init__(self, level: str | None = None, data_dir=None):
        if level is not None and level not in POLYMATH_LEVELS:
            raise ValueError(f"unknown PolyMath level {level!r}; available: {', '.join(POLYMATH_LEVELS)}")
        self.level = level
        self.data_dir = data_dir
        # "test" is the chosen level, or all four when none was chosen.
        self.splits = ("test",) + POLYMATH_LEVELS

    def load(self, split="test", langs=None, data_dir=None, limit=None) -> list[Example]:
        langs, root = self.check_load(split, langs, data_dir)
        if split != "test":
            levels = (split,)
        else:
            levels = (self.level,) if self.level else POLYMATH_LEVELS
        examples = []
        for lang in langs:
            for level in levels:
                examples.extend(apply_limit(self._load_level(root, lang, level), limit))
        return examples

    def _load_level(self, root: Path | None, lang: str, level: str) -> list[Example]:
        if root is None:
            rows = [(i, dict(r)) for i, r in
                    enumerate(load_hub_dataset(HUB_POLYMATH, lang, level), start=1)]
            path = Path(HUB_POLYMATH)
        else:
            path = root / "polymath" / "data" / lang / f"{level}.jsonl"
            rows = list(read_jsonl(path, ("id", "question", "answer")))
        examples = []
        for line, row in rows:
            number = str(row["id"]).rsplit("-", 1)[-1]
            if not number.isdigit():
                raise DataError(path, line, f"id {row['id']!r} does not end in a problem number")
            examples.append(Example(
                id=f"polymath-{level}-{number}", lang=lang, question=row["question"],
                answer=_check_answer(path, line, row["answer"]), topic="math",
                meta={"level": level}))
        return examples
