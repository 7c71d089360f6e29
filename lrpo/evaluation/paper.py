"""The paper's published numbers and how the paper averages them.

Guo et al., "Learning to Route Languages for Multilingual Policy Optimization"
(ICML 2026, arXiv 2605.25360) reports five benchmarks per row, each as seen /
unseen / average over languages, and an overall seen / unseen / average. The
rules below are those of ``../shared/paper/README.md``, inferred there from the
tables; ``tests/test_paper_numbers.py`` checks that they give back the paper's
own consistent rows to 0.01 point.

Cells are points (percent, two decimals as printed), not fractions. A row's
cells are a dict {(benchmark, split): value}; CARE has only an ``average`` cell,
which counts as its seen value.

- ``benchmark_average``: a benchmark's average from its seen and unseen values,
  weighted by how many languages each side has;
- ``overall``: the overall seen / unseen / average of a row's per-benchmark cells;
- ``paper_rows``: the CSV rows grouped into rows of cells, with their flags;
- ``recompute_overall``: the overall cells a row's per-benchmark cells give where
  the printed ones disagree beyond rounding (the Llama-3.2-1B GRPO row).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

# The five benchmarks in the paper's column order, then the overall columns.
BENCHMARKS = ("care", "care_pro", "mgsm_v2", "global_mmlu_lite", "include_lite")
OVERALL = "overall"
SPLITS = ("seen", "unseen", "average")

# (seen, unseen) language counts: a benchmark's average is the language-weighted mean of its two sides.
# mGSM-v2: de en es fr ja ru zh seen, bn sw te th unseen; Global-MMLU-Lite: 11 of 15 seen;
# Include-Lite: the 14 training languages of 44; CARE-pro: zh, es seen, hi unseen.
LANGUAGE_COUNTS = {"care_pro": (2, 1), "mgsm_v2": (7, 4), "global_mmlu_lite": (11, 4), "include_lite": (14, 30)}

# Each printed cell is rounded to 0.005 and so is a mean of rounded cells: a recomputed
# overall cell may differ from the printed one by up to 0.01 without any cell being wrong.
ROUNDING_TOLERANCE = 0.01

Cells = Mapping[tuple[str, str], float]


def benchmark_average(benchmark: str, seen: float, unseen: float) -> float:
    """The paper's average of ``benchmark`` (points) from its seen and unseen values.

    Raises KeyError for a benchmark without an unseen side (CARE) or an unknown one."""
    n_seen, n_unseen = LANGUAGE_COUNTS[benchmark]
    return (n_seen * seen + n_unseen * unseen) / (n_seen + n_unseen)


def overall(cells: Cells) -> dict[str, float]:
    """{"seen", "unseen", "average"}: the mean of the five benchmarks' seen values
    (CARE's average counts as seen), of the four unseen values, and of the five
    averages. Raises KeyError naming the missing (benchmark, split) cell."""
    seen = [cells[("care", "average")]] + [cells[(b, "seen")] for b in LANGUAGE_COUNTS]
    unseen = [cells[(b, "unseen")] for b in LANGUAGE_COUNTS]
    average = [cells[("care", "average")]] + [cells[(b, "average")] for b in LANGUAGE_COUNTS]
    return {"seen": math.fsum(seen) / len(seen), "unseen": math.fsum(unseen) / len(unseen),
            "average": math.fsum(average) / len(average)}


@dataclass
class PaperRow:
    """One row of one of the paper's tables: its cells (points) and which are flagged."""

    table: int
    backbone: str
    method: str
    cells: dict[tuple[str, str], float] = field(default_factory=dict)
    flagged: set[tuple[str, str]] = field(default_factory=set)  # cells the paper's README calls inconsistent

    def recomputed_overall(self) -> dict[str, float]:
        """The overall cells the row's per-benchmark cells give where the printed one
        differs by more than ``ROUNDING_TOLERANCE`` (split -> recomputed value); empty
        when they agree, when a cell is missing, or when the row has flagged cells
        (those are the wrong ones, not the overall)."""
        if self.flagged:
            return {}
        try:
            computed = overall(self.cells)
        except KeyError:
            return {}
        return {split: value for split, value in computed.items()
                if (OVERALL, split) in self.cells
                and abs(value - self.cells[(OVERALL, split)]) > ROUNDING_TOLERANCE}


def paper_rows(records: Iterable[Mapping[str, str]]) -> dict[tuple[int, str, str], PaperRow]:
    """Group CSV records (table, backbone, method, benchmark, split, value[, flag])
    into rows keyed (table, backbone, method), in the records' order."""
    rows: dict[tuple[int, str, str], PaperRow] = {}
    for record in records:
        key = (int(record["table"]), record["backbone"], record["method"])
        row = rows.setdefault(key, PaperRow(*key))
        cell = (record["benchmark"], record["split"])
        row.cells[cell] = float(record["value"])
        if (record.get("flag") or "").strip():
            row.flagged.add(cell)
    return rows


def read_records(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file as dicts (``tables.csv`` of the paper directory, or
    ``benchmarks/paper_results.csv``). Raises FileNotFoundError naming the path."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file (the paper's numbers; see benchmarks/paper_numbers.py)")
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def find_row(rows: Mapping[tuple[int, str, str], PaperRow], table: int, backbone: str, method: str
             ) -> PaperRow | None:
    """The paper's row for ``method`` on ``backbone``: the one in ``table`` if that
    table has it, else the same method in the lowest-numbered table that does
    (Table 2's LRPO is Table 1's LRPO), else None."""
    if (table, backbone, method) in rows:
        return rows[(table, backbone, method)]
    others = sorted(key for key in rows if key[1:] == (backbone, method))
    return rows[others[0]] if others else None


# The paper's backbones and what a model id must contain to be one of them (lower case).
BACKBONES = {"Qwen2.5-1.5B-Instruct": "qwen2.5-1.5b", "Llama-3.2-1B-Instruct": "llama-3.2-1b",
             "Gemma-3-4B-it": "gemma-3-4b"}
DEFAULT_BACKBONE = "Qwen2.5-1.5B-Instruct"  # Tables 2, 4, 5 and 7 are on it only


def backbone_of(model: str | None) -> str | None:
    """The paper's backbone name for a model id or path ("Qwen/Qwen2.5-1.5B-Instruct"
    -> "Qwen2.5-1.5B-Instruct"), or None when it is none of the paper's three."""
    name = (model or "").lower().replace("gemma3", "gemma-3").replace("llama3", "llama-3")
    return next((backbone for backbone, marker in BACKBONES.items() if marker in name), None)


# This project's tasks that are one of the paper's benchmarks (MGSM v1 stands in for mGSM-v2).
TASK_BENCHMARKS = {"mgsm": "mgsm_v2"}


def paper_setting(model: str | None, task: str) -> tuple[str, str, bool]:
    """(backbone, benchmark, same setting) to compare a run of ``model`` on ``task``
    with: the paper's backbone the model is (else ``DEFAULT_BACKBONE``), the paper's
    benchmark the task is (else mGSM-v2, the arithmetic one, the nearest to the
    ``arith`` world), and whether both matched, so the numbers are comparable."""
    backbone, benchmark = backbone_of(model), TASK_BENCHMARKS.get(task)
    return backbone or DEFAULT_BACKBONE, benchmark or "mgsm_v2", backbone is not None and benchmark is not None
