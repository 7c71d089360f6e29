"""The paper's tables as data: which methods (rows) each one compares.

Rows as in Guo et al., "Learning to Route Languages for Multilingual Policy
Optimization" (ICML 2026, arXiv 2605.25360); ``benchmarks/reproduce.py`` runs
them, and ``paper_results.csv`` beside this file holds the numbers that could
be read of the paper, for orientation.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

PAPER_RESULTS = Path(__file__).resolve().parent / "paper_results.csv"


@dataclass(frozen=True)
class Row:
    """One row of a table: a method (None: the base model, evaluated only) and the
    LRPOConfig flags that distinguish it."""

    key: str
    label: str
    method: str | None
    flags: tuple[tuple[str, str], ...] = ()

    @property
    def leaderboard_method(self) -> str:
        """The method name on the leaderboard: a router variant must not be averaged with plain LRPO."""
        method = self.method or "base"
        if not self.flags:
            return method
        return f"{method}[{','.join(f'{name}={value}' for name, value in self.flags)}]"

    @property
    def paper_method(self) -> str | None:
        """The row's method in paper_results.csv; a router variant has none of its own."""
        return None if self.flags else (self.method or "base")

    def argv(self) -> list[str]:
        """The row's ``lrpo.train`` flags (none for the base model)."""
        if self.method is None:
            return []
        return ["--method", self.method] + [part for name, value in self.flags for part in (f"--{name}", value)]


@dataclass(frozen=True)
class Table:
    number: int
    title: str
    rows: tuple[Row, ...]


BASE = Row("base", "Base model", None)
GRPO = Row("grpo", "GRPO", "grpo")
LRPO = Row("lrpo", "LRPO", "lrpo")

TABLES = {
    1: Table(1, "LRPO against GRPO and the base model", (BASE, GRPO, LRPO)),
    2: Table(2, "fixed language mixes against learned routing", (
        BASE, GRPO,
        Row("input-dominant", "Input-dominant mix", "input-dominant"),
        Row("en-dominant", "English-dominant mix", "en-dominant"),
        Row("uniform", "Uniform mix", "uniform"),
        LRPO,
    )),
    4: Table(4, "router ablations", (
        Row("lrpo", "LRPO, ema-softmax router (paper)", "lrpo"),
        Row("ucb", "LRPO, UCB router", "lrpo", (("router_algorithm", "ucb"),)),
        Row("exp3", "LRPO, EXP3 router", "lrpo", (("router_algorithm", "exp3"),)),
        Row("thompson", "LRPO, Thompson router", "lrpo", (("router_algorithm", "thompson"),)),
        Row("learning-signal", "LRPO, learning signal", "lrpo", (("router_signal", "learning"),)),
        Row("center", "LRPO, centred router rewards", "lrpo", (("router_normalization", "center"),)),
        Row("no-normalization", "LRPO, raw router rewards", "lrpo", (("router_normalization", "none"),)),
    )),
}


def load_paper_results(path=PAPER_RESULTS) -> list[dict]:
    """The rows of paper_results.csv (table, backbone, method, benchmark, split, metric, value, source, note)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
