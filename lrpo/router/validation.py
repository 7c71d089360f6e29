"""Checks of router settings, and the error that names the setting it is about.

A router setting has one place in ``RouterConfig`` (its *field*, e.g. ``"tau"`` or
``"ucb.c"``) but is spelt differently by whoever set it: ``ucb_c=`` in the keyword
form of ``LanguageRouter``, ``--router_ucb_c`` on the command line. The checks
raise ``RouterConfigError``, which keeps the field and the problem apart so that
each caller can name the setting its own way (``renamed``) without rewriting text.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np


class RouterConfigError(ValueError):
    """A router setting with a bad value.

    ``field`` is the setting's path in ``RouterConfig`` (``"tau"``, ``"ucb.c"``);
    ``problem`` is what is wrong with it (``"must be in (0.0, inf), got -1.0"``). The
    message is ``"<name> <problem>"``, where name is ``field`` unless ``renamed``.
    """

    def __init__(self, field: str, problem: str, name: str | None = None):
        self.field = field
        self.problem = problem
        self.name = field if name is None else name
        super().__init__(f"{self.name} {problem}")

    def renamed(self, name: str) -> RouterConfigError:
        """The same error, naming the setting ``name`` (e.g. the LRPOConfig field ``router_tau``)."""
        return RouterConfigError(self.field, self.problem, name)


def check_number(field: str, value, low: float, high: float, *, low_open: bool,
                 high_open: bool = False, why: str = "") -> float:
    """``value`` as a float if it is a finite number inside the interval; else RouterConfigError.

    ``low_open`` / ``high_open`` exclude the bounds; ``why`` is appended to the interval
    in the message (e.g. " (a floor cannot exceed the initial tau)").
    """
    interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}{why}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise RouterConfigError(field, f"must be a number in {interval}, got {value!r}")
    value = float(value)
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    if not (math.isfinite(value) and above and below):
        raise RouterConfigError(field, f"must be in {interval}, got {value!r}")
    return value


def check_int(field: str, value, low: int) -> int:
    """``value`` as an int if it is an integer >= ``low`` (bools are not); else RouterConfigError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise RouterConfigError(field, f"must be an integer >= {low}, got {value!r}")
    return int(value)


def check_choice(field: str, value, choices: Iterable[str]) -> str:
    """``value`` if it is one of ``choices``; else RouterConfigError listing them."""
    choices = tuple(choices)
    if value not in choices:
        raise RouterConfigError(field, f"must be one of {', '.join(choices)}, got {value!r}")
    return value
