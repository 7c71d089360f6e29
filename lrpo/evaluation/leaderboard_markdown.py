"""The Markdown leaderboard of a task, rendered from its CSV rows.

One table per evaluation split; one row per group of comparable runs: same
method, model, rollout budget, questions per language (n), response language and
cue (``group_key``). Its "runs" and "seeds" columns count the runs and their
distinct seeds, and each number is the mean over the group's runs of the run's own value:
per-language accuracy, the macro average over the run's languages, its seen /
unseen averages (rows marked seen = 1 / 0) and its mean fidelity; where some run
has them, its mean line fidelity, code-switching and response tokens (the
cross-lingual columns, means over the run's languages that have a value). The best
value of each column is in bold: the highest, the lowest for code-switching, none
for tokens (neither longer nor shorter is better). The CSV and its locking are
``lrpo.evaluation.leaderboard``.

The CSV's ``accuracy`` column holds the task's metric (``lrpo.evaluation.scorecard``:
accuracy for a verifier task, the mean calibrated similarity for open_ended), and
the header says which (``leaderboard_metric``).
"""

from __future__ import annotations

from collections.abc import Sequence

from lrpo.evaluation.aggregate import CROSSLINGUAL_METRICS, mean
from lrpo.evaluation.metrics import ACCURACY, leaderboard_metric
from lrpo.evaluation.tables import CROSSLINGUAL_COLUMNS, PERCENT, render_table

# How the answers were asked for when the CSV does not say otherwise; other values get a column.
DEFAULT_PROMPTING = ("same", "instruction")
# The cross-lingual columns: header and which value is best (max, min or None for none).
CROSSLINGUAL_HEADERS = {"line_fidelity": ("line fidelity", max), "code_switching": ("code-switched", min),
                        "response_tokens": ("tokens", None)}
# What the cross-lingual columns mean, said in the header only when there are some.
CROSSLINGUAL_NOTE = ("line fidelity = responses in the requested language line by line (%), code-switched = "
                     "responses switching language between lines (%, lower is better), tokens = mean tokens "
                     "generated per response; ")


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
    """One run's per-language accuracy, its averages, its mean fidelity and its mean
    cross-lingual measures."""
    return {
        "accuracy": {row["language"]: row["accuracy"] for row in run_rows},
        "average": mean(row["accuracy"] for row in run_rows),
        "seen_average": mean(row["accuracy"] for row in run_rows if row["seen"] is True),
        "unseen_average": mean(row["accuracy"] for row in run_rows if row["seen"] is False),
        "fidelity": mean(row["fidelity"] for row in run_rows),
        **{metric: mean(row[metric] for row in run_rows) for metric in CROSSLINGUAL_METRICS},
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
               for key in ("average", "seen_average", "unseen_average", "fidelity", *CROSSLINGUAL_METRICS)},
        })
    return summaries


def _best_marked(column: list[float | None], best_of=max, scale: float = PERCENT) -> list[str]:
    """Cells (percentages, or counts with ``scale`` COUNT) with the column's best
    value(s) in bold, the best being ``best_of`` the values (max, min; None: no
    bold) as displayed, so values that print the same are tied; a column with one
    value has no best."""
    shown = [None if value is None else f"{value * scale:.1f}" for value in column]
    numbers = [float(cell) for cell in shown if cell is not None]
    best = best_of(numbers) if best_of is not None and len(numbers) > 1 else None
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
    # A cross-lingual column only when some group has a value (not for runs recorded before them).
    for metric in CROSSLINGUAL_METRICS:
        if any(entry.get(metric) is not None for entry in entries):
            label, best_of = CROSSLINGUAL_HEADERS[metric]
            metrics.append((metric, label))
            columns.append(_best_marked([entry[metric] for entry in entries], best_of,
                                        CROSSLINGUAL_COLUMNS[metric][1]))
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


def _has_crosslingual(rows: Sequence[dict]) -> bool:
    return any(row.get(metric) is not None for row in rows for metric in CROSSLINGUAL_METRICS)


def render_markdown(task: str, rows: Sequence[dict]) -> str:
    """The Markdown leaderboard of ``task`` (one table per split)."""
    metric = leaderboard_metric(task)
    scores = ("Accuracy (%)" if metric == ACCURACY else f"Mean {metric.name} (%"
              + (")" if metric.binary else ", a continuous score in [0, 1])"))
    lines = [f"# {task} leaderboard", "",
             f"{scores} per language, mean over the runs of a row; a row groups runs of the same method, "
             f"model, rollout budget (rollouts generated in training, in total), questions per language (n) "
             f"and prompting; seeds = distinct seeds among its runs; avg = macro average over languages; "
             f"{CROSSLINGUAL_NOTE if _has_crosslingual(rows) else ''}"
             f"best of each column in **bold**. Generated from `{task}.csv` by "
             f"`python -m lrpo.leaderboard render {task}`: do not edit by hand.", ""]
    if not rows:
        return "\n".join(lines + ["No runs yet.", ""])
    summaries = summarize(rows)
    for split in sorted({entry["split"] for entry in summaries}):
        lines += [f"## {split or 'unknown split'}", "",
                  render_split_table([entry for entry in summaries if entry["split"] == split]), ""]
    return "\n".join(lines)
