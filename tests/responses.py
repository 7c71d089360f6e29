"""Model-like responses built from gold answers, in the response's own language."""

from lrpo.languages import get_language
from lrpo.tasks.numbers import format_number, parse_gold_number


def committed_response(lang: str, answer: str, reasoning: str = "3 + 4 = 7. 7 * 2 = 14.") -> str:
    """A response that reasons (with distracting numbers) and ends with the native
    answer phrase followed by ``answer``."""
    phrase = get_language(lang).answer_phrase
    return f"{reasoning}\n{phrase} {answer}."


def number_response(lang: str, gold: str, offset: int = 0) -> str:
    """The gold number (plus ``offset``) written as the language writes numbers."""
    value = parse_gold_number(gold) + offset
    return committed_response(lang, format_number(value, lang))
