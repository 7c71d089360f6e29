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


# How the policy is told the response language (the paper's two variants).
LANGUAGE_CUES = ("instruction", "tag")


def language_tag(code: str) -> str:
    """The paper's response-language tag, appended to the user turn (``<|out_lang_de|>``)."""
    get_language(code)
    return f"<|out_lang_{code}|>"


def user_turn(body: str, response_lang: str, slot: str = NUMBER_SLOT, cue: str = "instruction"
              ) -> dict[str, str]:
    """A user message asking for a response in ``response_lang``.

    ``instruction`` (the paper's LRPO-Zero, works without a warm start): the
    task's text, a blank line, the native request to answer in that language
    and to end with its answer phrase.
    ``tag``: the task's text followed by the language tag alone; a model learns
    what the tag means (and which answer phrase goes with it) in a warm start.
    """
    if cue == "instruction":
        return {"role": "user", "content": f"{body}\n\n{answer_request(response_lang, slot)}"}
    if cue == "tag":
        return {"role": "user", "content": f"{body} {language_tag(response_lang)}"}
    raise ValueError(f"unknown language cue {cue!r}; choose one of {', '.join(LANGUAGE_CUES)}")


def format_decimal(value) -> str:
    """A Decimal as plain text without exponent or trailing zeros ("70000", "1.5")."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text

