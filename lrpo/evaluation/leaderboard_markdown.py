"""The Markdown leaderboard of a task, rendered from its CSV rows.

One table per evaluation split; one row per group of comparable runs: same
method, model, rollout budget, questions per language (n), response language and
cue (``group_key``). Its "runs" and "seeds" columns count the runs and their
distinct seeds, and each number is the mean over the group's runs of the run's own value:
per-language accuracy, the macro average over the run's languages, its seen /
unseen averages (rows marked seen = 1 / 0) and its mean fidelity. The best value
of each column is in bold. The CSV and its locking are ``lrpo.evaluation.leaderboard``.
"""

from __future__ import annotations

from collections.abc import Sequence

from lrpo.evaluation.aggregate import mean
from lrpo.evaluation.tables import percent, render_table

# How the answers were asked for when the CSV does not say otherwise; other values get a column.
DEFAULT_PROMPTING = ("same", "instruction")


def group_key(run_rows: Sequence[dict]) -> tuple:
    """What makes two runs' numbers comparable: split, method, model, rollout budget,
    response language, cue, and the questions scored per language ((language, n), sorted)."""
    first = run_rows[0]
    questions = tuple(sorted((row["language"], row["n"]) for row in run_rows))
    return (first["split"], first["method"], first["model"], first["rollout_budget"], first["response_lang"],
            first["cue"], questions)


def _n_text(questions: tuple) -> str:
    """Questions per language: one number, or the range when languages differ."""
    counts = sorted({n for _, n in questions})
    return str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"


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
    """One entry per group of comparable runs (``group_key``) of typed CSV rows
    (``lrpo.evaluation.leaderboard.read_rows``): per-language accuracy and the
    averages, each the mean over the group's runs; "runs" counts them, "seeds" their
    distinct seeds, "n" is the questions per language (text: "50", or "20-250")."""
    by_run: dict[str, list[dict]] = {}
    for row in rows:
        by_run.setdefault(row["run_id"], []).append(row)
    groups: dict[tuple, list[list[dict]]] = {}
    for run_rows in by_run.values():
        groups.setdefault(group_key(run_rows), []).append(run_rows)
    summaries = []
    for (split, method, model, budget, response_lang, cue, questions), runs in groups.items():
        per_run = [_run_scores(run_rows) for run_rows in runs]
        languages = sorted({lang for run in per_run for lang in run["accuracy"]})
        summaries.append({
            "split": split, "method": method, "model": model, "rollout_budget": budget, "runs": len(per_run),
            "seeds": len({run_rows[0]["seed"] for run_rows in runs}), "n": _n_text(questions),
            "response_lang": response_lang, "cue": cue,
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
    # The prompting column only when some group was asked otherwise than the default.
    prompting = any((entry["response_lang"], entry["cue"]) != DEFAULT_PROMPTING for entry in entries)
    rows = []
    for i, entry in enumerate(entries):
        budget = "-" if entry["rollout_budget"] is None else str(entry["rollout_budget"])
        asked = [f"{entry['response_lang'] or '?'}/{entry['cue'] or '?'}"] if prompting else []
        rows.append([entry["method"], entry["model"], *asked, budget, entry["n"], str(entry["runs"]),
                     str(entry["seeds"])] + [c[i] for c in columns])
    header = (["method", "model"] + (["response/cue"] if prompting else [])
              + ["rollout_budget", "n", "runs", "seeds"] + languages + [label for _, label in metrics])
    return render_table(header, rows, "markdown", right_align_from=3 if prompting else 2)


def render_markdown(task: str, rows: Sequence[dict]) -> str:
    """The Markdown leaderboard of ``task`` (one table per split)."""
    lines = [f"# {task} leaderboard", "",
             f"Accuracy (%) per language, mean over the runs of a row; a row groups runs of the same method, "
             f"model, rollout budget (rollouts generated in training, in total), questions per language (n) "
             f"and prompting; seeds = distinct seeds among its runs; avg = macro average over languages; "
             f"best of each column in **bold**. Generated from `{task}.csv` by "
             f"`python -m lrpo.leaderboard render {task}`: do not edit by hand.", ""]
    if not rows:
        return "\n".join(lines + ["No runs yet.", ""])
    summaries = summarize(rows)
    for split in sorted({entry["split"] for entry in summaries}):
        lines += [f"## {split or 'unknown split'}", "",
                  render_split_table([entry for entry in summaries if entry["split"] == split]), ""]
    return "\n".join(lines)
