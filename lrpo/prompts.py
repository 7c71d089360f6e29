"""The prompt sentences shared by every task: one place, so training and evaluation
ask for an answer in exactly the same words."""

from __future__ import annotations

from lrpo.languages import get_language

# What the finish sentence shows where the answer goes.
NUMBER_SLOT = "N"


def answer_request(response_lang: str, slot: str = NUMBER_SLOT) -> str:
    """The native request to answer in ``response_lang`` and to end with its answer phrase."""
    spec = get_language(response_lang)
    return f"{spec.instruction} {spec.finish_instruction(slot)}"


def user_turn(body: str, response_lang: str, slot: str = NUMBER_SLOT) -> dict[str, str]:
    """A user message: the task's text, a blank line, the answer request."""
    return {"role": "user", "content": f"{body}\n\n{answer_request(response_lang, slot)}"}


def format_decimal(value) -> str:
    """A Decimal as plain text without exponent or trailing zeros ("70000", "1.5")."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text
