"""Language mix strings: ``"en:4,zh:2"`` means "English twice as often as Chinese".

A mix is how a user writes a fixed distribution over response languages, both
for a fixed-mix rollout method (``--method en:4,zh:2``) and for the router's
prior. Weights are relative, so ``"en:4,zh:2"`` and ``"en:2,zh:1"`` are the same
mix; parsing normalises them to sum to 1.

Every language is checked against the one registry in :mod:`lrpo.languages`:
an unknown code is an error, never a silent fallback (the reference code
turned unknown names into English).
"""

from __future__ import annotations

import math

from lrpo.languages import get_language


def is_mix_string(text: str) -> bool:
    """Whether ``text`` is written as a mix (``lang:weight,...``) rather than a method name."""
    return isinstance(text, str) and ":" in text


def parse_mix(text: str) -> dict[str, float]:
    """Parse ``"en:4,zh:2"`` into ``{"en": 2/3, "zh": 1/3}`` (insertion order kept).

    Raises ValueError, naming the offending entry, for: an empty mix or entry, an
    entry without exactly one ``:``, an unknown language, a language given twice,
    and a weight that is not a finite positive number.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"mix must be a non-empty string like 'en:4,zh:2', got {text!r}")
    weights: dict[str, float] = {}
    for entry in text.split(","):
        entry = entry.strip()
        if entry.count(":") != 1:
            raise ValueError(
                f"mix entry {entry!r} in {text!r} must be 'language:weight', e.g. 'en:4'"
            )
        code, raw_weight = (part.strip() for part in entry.split(":"))
        try:
            get_language(code)
        except ValueError as err:
            raise ValueError(f"mix {text!r}: {err}") from None
        if code in weights:
            raise ValueError(f"mix {text!r} names language {code!r} twice")
        try:
            weight = float(raw_weight)
        except ValueError:
            raise ValueError(
                f"mix {text!r}: weight {raw_weight!r} of {code!r} is not a number"
            ) from None
        # A zero weight would silently drop a language the user wrote down; say so instead.
        if not math.isfinite(weight) or weight <= 0:
            raise ValueError(
                f"mix {text!r}: weight of {code!r} must be a finite positive number, "
                f"got {raw_weight!r}"
            )
        weights[code] = weight
    total = math.fsum(weights.values())
    return {code: weight / total for code, weight in weights.items()}
