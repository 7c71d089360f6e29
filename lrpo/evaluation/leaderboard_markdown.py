"""The Markdown leaderboard of a task, rendered from its CSV rows.

One table per evaluation split; one row per (method, model, rollout budget),
each number the mean over that group's runs (seeds) of the run's own value:
per-language accuracy, the macro average over the run's languages, its seen /
unseen averages (rows marked seen = 1 / 0) and its mean fidelity. The best value
of each column is in bold. The CSV and its locking are ``lrpo.evaluation.leaderboard``.
"""

from __future__ import annotations

from collections.abc import Sequence

from lrpo.evaluation.aggregate import mean
from lrpo.evaluation.tables import percent, render_table


def _group_key(row: dict) -> tuple:
    return row["split"], row["method"], row["model"], row["rollout_budget"]


def _run_scores(run_rows: Sequence[dict]) -> dict:
    """One run's per-language accuracy, its averages and its mean fidelity."""
    return {
        "accuracy": {row["language"]: row["accuracy"] for row in run_rows},
        "average": mean(row["accuracy"] for row in run_rows),
        "seen_average": mean(row["accuracy"] for row in run_rows if row["seen"] is True),
        "unseen_average": mean(row["accuracy"] for row in run_rows if row["seen"] is False),
        "fidelity": mean(row["fidelity"] for row in run_rows),
    }


def summarize(rows: Sequence[dict]) -> list[dict]:
    """One entry per (split, method, model, rollout budget) of typed CSV rows
    (``lrpo.evaluation.leaderboard.read_rows``): per-language accuracy and the
    averages, each the mean over the group's runs; "runs" counts them."""
    runs: dict[tuple, dict[str, list[dict]]] = {}
    for row in rows:
        runs.setdefault(_group_key(row), {}).setdefault(row["run_id"], []).append(row)
    summaries = []
    for (split, method, model, budget), by_run in runs.items():
        per_run = [_run_scores(run_rows) for run_rows in by_run.values()]
        languages = sorted({lang for run in per_run for lang in run["accuracy"]})
        summaries.append({
            "split": split, "method": method, "model": model, "rollout_budget": budget, "runs": len(per_run),
            "accuracy": {lang: mean(run["accuracy"].get(lang) for run in per_run) for lang in languages},
            **{key: mean(run[key] for run in per_run)
               for key in ("average", "seen_average", "unseen_average", "fidelity")},
        })
    return summaries


def _best_marked(column: list[float | None]) -> list[str]:
    """Percent cells with the column's best value(s) in bold (as displayed, so
    values that print the same are tied); a column with one value has no best."""
    shown = [None if value is None else percent(value) for value in column]
    numbers = [float(cell) for cell in shown if cell is not None]
    best = max(numbers) if len(numbers) > 1 else None
    return ["-" if cell is None else f"**{cell}**" if best is not None and float(cell) == best else cell
            for cell in shown]


def render_split_table(summaries: Sequence[dict]) -> str:
    """The Markdown table of one split's ``summarize`` entries, best average first."""
    languages = sorted({lang for entry in summaries for lang in entry["accuracy"]})
    metrics = [("average", "avg")]
    for key, label in (("seen_average", "seen"), ("unseen_average", "unseen")):
        if any(entry[key] is not None for entry in summaries):
            metrics.append((key, label))
    metrics.append(("fidelity", "fidelity"))
    entries = sorted(summaries, key=lambda e: (-(e["average"] or 0.0), e["method"], e["model"]))
    columns = [_best_marked([entry["accuracy"].get(lang) for entry in entries]) for lang in languages]
    columns += [_best_marked([entry[key] for entry in entries]) for key, _ in metrics]
    rows = []
    for i, entry in enumerate(entries):
        budget = "-" if entry["rollout_budget"] is None else str(entry["rollout_budget"])
        rows.append([entry["method"], entry["model"], budget, str(entry["runs"])] + [c[i] for c in columns])
    header = ["method", "model", "rollouts", "runs"] + languages + [label for _, label in metrics]
    return render_table(header, rows, "markdown", right_align_from=2)


def render_markdown(task: str, rows: Sequence[dict]) -> str:
    """The Markdown leaderboard of ``task`` (one table per split)."""
    lines = [f"# {task} leaderboard", "",
             f"Accuracy (%) per language, mean over runs (seeds); avg = macro average over languages; "
             f"best of each column in **bold**. Generated from `{task}.csv` by "
             f"`python -m lrpo.leaderboard render {task}`: do not edit by hand.", ""]
    if not rows:
        return "\n".join(lines + ["No runs yet.", ""])
    summaries = summarize(rows)
    for split in sorted({entry["split"] for entry in summaries}):
        lines += [f"## {split or 'unknown split'}", "",
                  render_split_table([entry for entry in summaries if entry["split"] == split]), ""]
    return "\n".join(lines)
