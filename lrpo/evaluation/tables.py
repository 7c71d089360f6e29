"""Tables of scores: scorecards, comparisons and the reproduced paper tables.

All rates are fractions in [0, 1] and print as percentages with one decimal;
an aggregate's {"mean", "std"} prints as "mean ± std" (std in points). Tables
come as Markdown (pipes) or aligned console text (``TABLE_STYLES``).

- ``format_table``: one scorecard (or a seed aggregate), language by language;
- ``format_comparison_table``: base model, GRPO and this run side by side;
- ``reproduced_table_section``: one table of ``benchmarks/reproduce.py`` (its
  rows' mean ± std over seeds, beside the paper's numbers), and
  ``replace_section`` to put it into the Markdown file that holds every table.

The leaderboard's Markdown is ``lrpo.evaluation.leaderboard_markdown``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from lrpo.evaluation.aggregate import aggregate_scorecards
from lrpo.evaluation.scorecard import delta

TABLE_STYLES = ("markdown", "console")


def percent(value: float | None, signed: bool = False) -> str:
    """A fraction as a percentage with one decimal ("24.9"); "-" for null."""
    if value is None:
        return "-"
    return f"{value * 100:+.1f}" if signed else f"{value * 100:.1f}"


def _cell(value, signed: bool = False) -> str:
    """A plain fraction, or an aggregate's {"mean", "std"} as "mean ± std"."""
    if isinstance(value, dict):
        if value.get("std") is None:
            return percent(value["mean"], signed)
        return f"{percent(value['mean'], signed)} ± {value['std'] * 100:.1f}"
    return percent(value, signed)


def _point(value) -> float | None:
    return value["mean"] if isinstance(value, dict) else value


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]], style: str = "markdown",
                 right_align_from: int = 1) -> str:
    """A table as Markdown (pipes) or as aligned console text; columns from
    ``right_align_from`` on hold numbers and are right-aligned."""
    if style not in TABLE_STYLES:
        raise ValueError(f"unknown table style {style!r}; available: {', '.join(TABLE_STYLES)}")
    header = [str(h) for h in header]
    rows = [[str(cell) for cell in row] for row in rows]
    if style == "markdown":
        rule = ["---" if i < right_align_from else "---:" for i in range(len(header))]
        lines = [header, rule, *rows]
        return "\n".join("| " + " | ".join(line) + " |" for line in lines)
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]

    def fmt(line):
        return "  ".join(cell.ljust(w) if i < right_align_from else cell.rjust(w)
                         for i, (cell, w) in enumerate(zip(line, widths, strict=True))).rstrip()

    return "\n".join([fmt(header), "  ".join("-" * w for w in widths), *map(fmt, rows)])


def _language_label(scorecard: dict, name: str) -> str:
    languages = scorecard.get(f"{name}_languages")
    return f"{name} average ({' '.join(languages)})" if languages else f"{name} average"


def format_table(scorecard: dict, style: str = "markdown") -> str:
    """Languages × accuracy / 95% interval / fidelity / n, then the averages, for a
    scorecard or an ``aggregate_scorecards`` result (cells "mean ± std")."""
    ci = scorecard.get("ci95") or {}

    def interval(bounds) -> str:
        return "-" if not bounds else f"{percent(bounds[0])}–{percent(bounds[1])}"

    rows = []
    for lang, stats in scorecard["per_language"].items():
        rows.append([lang, _cell(stats["accuracy"]), interval(ci.get("per_language", {}).get(lang)),
                     _cell(stats["fidelity"]), str(stats["n"])])
    total = sum(stats["n"] for stats in scorecard["per_language"].values())
    rows.append(["average", _cell(scorecard["average"]), interval(ci.get("average")),
                 _cell(scorecard["fidelity_average"]), str(total)])
    for name in ("seen", "unseen"):
        if _point(scorecard.get(f"{name}_average")) is not None:
            rows.append([_language_label(scorecard, name), _cell(scorecard[f"{name}_average"]),
                         interval(ci.get(f"{name}_average")), "", ""])
    table = render_table(["language", "accuracy %", "95% CI", "fidelity %", "n"], rows, style)
    worst = scorecard["worst_language"]
    consistency = scorecard.get("consistency")
    notes = [f"worst language: {worst} ({_cell(scorecard['per_language'][worst]['accuracy'])})",
             "consistency: " + ("- (no item correct in any language)" if _point(consistency) is None
                                else _cell(consistency))]
    baseline = scorecard.get("baseline")
    if baseline:
        notes.append(f"Δ average vs {baseline.get('method') or 'baseline'}: "
                     f"{_cell(baseline.get('delta_average'), signed=True)}")
    separator = "  \n" if style == "markdown" else "\n"
    return table + "\n\n" + separator.join(notes)


def _column_label(card: dict, fallback: str) -> str:
    method = card.get("method")
    if fallback == "GRPO" and method in (None, "grpo"):
        return "GRPO"
    return str(method) if method else fallback


def format_comparison_table(base: dict | None, baseline: dict | None, this: dict, style: str = "console") -> str:
    """Languages × {base model, GRPO, this method, Δ} plus the average, seen and
    unseen rows. Δ = this − GRPO, or this − base when there is no GRPO run; base
    and baseline may be None (their columns are left out)."""
    columns = [(card, label) for card, label in ((base, "base"), (baseline, "GRPO")) if card is not None]
    columns.append((this, "this"))
    reference = baseline if baseline is not None else base
    header = ["language"] + [_column_label(card, label) for card, label in columns]
    if reference is not None:
        header.append("Δ vs " + ("GRPO" if reference is baseline else "base"))

    def accuracy(card: dict, lang: str) -> float | None:
        stats = card["per_language"].get(lang)
        return None if stats is None else _point(stats["accuracy"])

    def row(label: str, values: list[float | None]) -> list[str]:
        cells = [label] + [percent(v) for v in values]
        if reference is not None:
            cells.append(percent(delta(values[-1], values[-2]), signed=True))
        return cells

    rows = [row(lang, [accuracy(card, lang) for card, _ in columns]) for lang in this["per_language"]]
    rows.append(row("average", [_point(card.get("average")) for card, _ in columns]))
    for name in ("seen", "unseen"):
        if _point(this.get(f"{name}_average")) is not None:
            rows.append(row(_language_label(this, name),
                            [_point(card.get(f"{name}_average")) for card, _ in columns]))
    return render_table(header, rows, style)


# The reproduced paper tables (benchmarks/reproduce.py)

# The Markdown comments that delimit one table's section in the file of reproduced tables.
SECTION_START, SECTION_END = "<!-- reproduce table ", "<!-- end reproduce table"


def seed_table(rows: Sequence[tuple[str, Sequence[dict]]]) -> str:
    """Markdown: one row per (label, scorecards of its runs), in the order given:
    seen / unseen / all-language average and fidelity as mean ± std over the runs,
    the mean accuracy of each language (those of the first scorecard), the run count."""
    languages = list(rows[0][1][0]["per_language"])
    header = ["Method", "Seen avg", "Unseen avg", "Average", "Fidelity", *languages, "Runs"]
    lines = []
    for label, scorecards in rows:
        aggregate = aggregate_scorecards(scorecards)
        lines.append([label, *(_cell(aggregate[key]) for key in
                               ("seen_average", "unseen_average", "average", "fidelity_average")),
                      *(percent(aggregate["per_language"][lang]["accuracy"]["mean"]) for lang in languages),
                      str(aggregate["n_runs"])])
    return render_table(header, lines, "markdown")


def _paper_column_label(table: str, backbone: str, benchmark: str, split: str, metric: str) -> str:
    parts = [f"T{table}", "" if backbone == "unspecified" else backbone, benchmark,
             "" if split == "all" else split, metric.replace("_", " ")]
    return " ".join(part for part in parts if part)


def paper_numbers_table(number: int, rows: Sequence[tuple[str, str | None]], paper_rows: Sequence[dict]) -> str:
    """The paper's recovered numbers for table ``number``'s rows, given as (label,
    method in ``benchmarks/paper_results.csv`` or None for a row the paper has no
    method of its own for): from this table first, then the same methods in the
    paper's other tables (column headers say which, "T1 ..."). ``paper_rows``: the
    CSV's rows as dicts (table, backbone, method, benchmark, split, metric, value)."""
    keys = {key for _, key in rows} - {None}
    relevant = sorted((r for r in paper_rows if r["method"] in keys),
                      key=lambda r: (r["table"] != str(number), int(r["table"])))
    own = any(r["table"] == str(number) for r in relevant)
    note = "" if own else (f"None of the paper's Table {number} numbers were recovered; the columns below "
                           "are the same methods in its other tables.\n\n")
    if not relevant:
        return "None of the paper's numbers for these rows were recovered (see benchmarks/paper_results.csv)."
    columns = list(dict.fromkeys((r["table"], r["backbone"], r["benchmark"], r["split"], r["metric"])
                                 for r in relevant))
    values = {(r["method"], (r["table"], r["backbone"], r["benchmark"], r["split"], r["metric"])): r["value"]
              for r in relevant}
    header = ["Method"] + [_paper_column_label(*column) for column in columns]
    lines = [[label] + [values.get((key, column), "-") for column in columns] for label, key in rows]
    return note + render_table(header, lines, "markdown")


def reproduced_table_section(number: int, title: str, scale: str, preset: str, command: str,
                             seeds: Sequence[int], rows: Sequence[tuple[str, Sequence[dict]]], paper: str,
                             wall_seconds: float) -> str:
    """One reproduced table as a Markdown section between ``SECTION_START`` /
    ``SECTION_END`` comments: a header (command, model, task, seeds, rollout
    budgets, commit, date, wall time), ``seed_table`` of the rows and the paper's
    numbers (``paper``, from ``paper_numbers_table``).

    ``rows``: (label, run records) per row, in the table's order; a run record is
    reproduce's cache entry: "scorecard", "method" (None for the base model),
    "rollout_budget", "model_label" and "wall_seconds" (the run's own time, in s).
    ``wall_seconds``: the time the whole table took now (cached runs cost nothing).
    """
    from lrpo.manifest import git_commit

    records = [record for _, row_records in rows for record in row_records]
    budgets = sorted({record["rollout_budget"] for record in records
                      if record["method"] is not None and record["rollout_budget"] is not None})
    card = records[0]["scorecard"]
    seen = ", ".join(card.get("seen_languages") or [])
    budget_text = ", ".join(str(b) for b in budgets) or "-"
    if len(budgets) > 1:
        budget_text += " (NOT equal across runs)"
    run_minutes = sum(record.get("wall_seconds") or 0 for record in records) / 60
    lines = [
        f"{SECTION_START}{number} -->",
        f"## Table {number}: {title} ({scale} scale)",
        "",
        f"Command: `{command}`",
        "",
        f"Model {records[0]['model_label']} · task {card['task']} ({card['split']} split, "
        f"{card.get('n_per_language') or 'varying'} questions per language) · preset {preset} · "
        f"seeds {', '.join(str(s) for s in seeds)} · rollouts per training run: {budget_text} · "
        f"commit {(git_commit() or 'unknown')[:10]} · {time.strftime('%Y-%m-%d')} · "
        f"wall time {wall_seconds / 60:.1f} min (runs taken from the cache cost nothing; the runs themselves "
        f"took {run_minutes:.1f} min in all)",
        "",
        seed_table([(label, [record["scorecard"] for record in row_records]) for label, row_records in rows]),
        "",
        f"Accuracy (%) per language and averaged over languages, mean ± sample std over seeds. Seen = the "
        f"training languages ({seen}); unseen = the rest. Fidelity = answers in the requested language. The "
        "base model is evaluated once (greedy decoding, nothing trained).",
        "",
        "The paper's numbers for these rows, for orientation only: a different model (Qwen2.5-1.5B-Instruct, "
        "Gemma3-4B; not the tiny model) and different benchmarks (mGSM-v2 and four others; not arith), so "
        "compare which rows come out ahead, not the values. T1/T2 = the paper's table; - = no number "
        "recovered. Source: benchmarks/paper_results.csv.",
        "",
        paper,
        f"{SECTION_END} {number} -->",
    ]
    return "\n".join(lines)


def replace_section(text: str, number: int, section: str) -> str:
    """The file of reproduced tables (``text``: its content, "" when new) with table
    ``number``'s section replaced by ``section``; the other tables' sections stay,
    and sections are ordered by table number."""
    sections = {}
    for chunk in text.split(SECTION_START)[1:]:
        table_number = int(chunk.split(" ", 1)[0])
        body = chunk.split(SECTION_END, 1)[0]
        sections[table_number] = f"{SECTION_START}{body}{SECTION_END} {table_number} -->"
    sections[number] = section
    title = ("# The paper's tables, reproduced by `benchmarks/reproduce.py`\n\n"
             "Generated: do not edit by hand. Each section names the command that wrote it.\n")
    return title + "".join(f"\n{sections[key]}\n" for key in sorted(sections))
