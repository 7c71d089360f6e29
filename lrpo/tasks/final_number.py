"""The verifier of tasks whose gold answer is one number (MGSM, arith): the number
the response commits to (``lrpo.tasks.answers.final_number``), read in the response
language's locale, equals the gold. Written once, used by every such task."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from lrpo.tasks.answers import final_number
from lrpo.tasks.base import Example
from lrpo.tasks.numbers import parse_gold_number
from lrpo.tasks.prompts import format_decimal


@lru_cache(maxsize=65536)
def gold_value(answer: str) -> Decimal:
    return parse_gold_number(answer)


class FinalNumberVerifier:
    """Mixin giving a Task its ``extract`` and ``score``."""

    def extract(self, response: str, response_lang: str | None = None) -> str | None:
        value = final_number(response, response_lang)
        return None if value is None else format_decimal(value)

    def score(self, response: str, example: Example, response_lang: str | None = None) -> float:
        value = final_number(response, response_lang or example.lang)
        return 1.0 if value is not None and value == gold_value(example.answer) else 0.0
