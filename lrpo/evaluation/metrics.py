"""What a scorecard's ``accuracy`` holds: the metric of a task, a leaderboard or a
judge protocol (``Metric``: name, binary or continuous, the sample field it is read
from), and the checks that keep scorecards of different metrics apart.

Kept apart from ``scorecard`` so that the modules that build, aggregate, table and
judge scorecards can all read it without importing one another.
"""

from __future__ import annotations

from dataclasses import dataclass

BINARY, CONTINUOUS = "binary", "continuous"


@dataclass(frozen=True)
class Metric:
    """What a scorecard's ``accuracy`` holds: ``name`` (the scorecard's ``metric``),
    ``kind`` (``metric_kind``: BINARY, each response right or wrong, or CONTINUOUS, a
    score in [0, 1]) and the sample field each response's score is read from."""

    name: str
    kind: str
    field: str

    def __post_init__(self):
        if self.kind not in (BINARY, CONTINUOUS):
            raise ValueError(f"metric {self.name!r}: kind must be {BINARY!r} or {CONTINUOUS!r}, got {self.kind!r}")

    @property
    def binary(self) -> bool:
        return self.kind == BINARY


# A verifier task's metric, and that of a task scored by similarity to a reference answer.
ACCURACY = Metric("accuracy", BINARY, "correct")
SIMILARITY = Metric("similarity", CONTINUOUS, "similarity")


def task_metric(task) -> Metric:
    """The metric a task is scored by: SIMILARITY for a task with a ``similarity()``
    reward (open_ended: ``task.score`` is the calibrated similarity), else ACCURACY
    (``task.score`` is its verifier's 1 or 0)."""
    return SIMILARITY if callable(getattr(task, "similarity", None)) else ACCURACY


# The judged benchmarks' metrics, by judge protocol (``lrpo.evaluation.judge.PROTOCOLS``):
# CARE's 1-10 rating (continuous) and CARE-pro's CORRECT label (right or wrong).
JUDGE_METRICS = {"care": Metric("judge:care", CONTINUOUS, "judge_score"),
                 "care_pro": Metric("judge:care_pro", BINARY, "judge_score")}


def leaderboard_metric(task_name: str) -> Metric:
    """The metric of the leaderboard of ``task_name``: the metric of the task registered
    under it (``task_metric``); for a judged benchmark, named by its judge protocol
    ("care", "care_pro"), that protocol's (``JUDGE_METRICS``); else ACCURACY (results
    imported from elsewhere, e.g. lm-eval's)."""
    from lrpo.tasks import get_task

    try:
        return task_metric(get_task(task_name))
    except (ValueError, TypeError):
        return JUDGE_METRICS.get(task_name, ACCURACY)


def scorecard_metric(scorecard: dict) -> tuple[str, str]:
    """(metric, metric_kind) of a scorecard; ("accuracy", "binary") for one written before
    scorecards named their metric."""
    name = scorecard.get("metric") or ACCURACY.name
    return name, scorecard.get("metric_kind") or (BINARY if name == ACCURACY.name else CONTINUOUS)


def check_same_metric(first: dict, second: dict, what: str) -> None:
    """ValueError when two scorecards hold different metrics (``what``: the operation)."""
    if scorecard_metric(first) != scorecard_metric(second):
        raise ValueError(f"cannot {what} scorecards of different metrics: {scorecard_metric(first)[0]!r} and "
                         f"{scorecard_metric(second)[0]!r}")
