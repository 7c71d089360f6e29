"""Tables of scores: scorecards, comparisons and the reproduced paper tables.

All rates are fractions in [0, 1] and print as percentages with one decimal;
token counts print as they are, with one decimal; an aggregate's {"mean", "std"}
prints as "mean ± std" (std in points, or in tokens). Tables come as Markdown
(pipes) or aligned console text (``TABLE_STYLES``).

- ``format_table``: one scorecard (or a seed aggregate), language by language,
  with the cross-lingual measures (line fidelity, code-switching, response
  tokens) where the scorecard has them; the score column is named by the
  scorecard's metric ("accuracy %", "similarity %": ``lrpo.evaluation.scorecard``);
- ``format_comparison_table``: base model, GRPO and this run side by side;
- ``reproduced_table_section``: one table of ``benchmarks/reproduce.py`` (its
  rows' mean ± std over seeds; under it each row's difference to GRPO, paired
  by seed and item, ``lrpo.evaluation.paired.difference_table``), beside
  ``paper_numbers_table`` (the paper's rows for the same backbone and
  benchmark, in points as printed), and
  ``replace_section`` to put it into the Markdown file that holds every table.

The leaderboard's Markdown is ``lrpo.evaluation.leaderboard_markdown``. This
module is past 400 lines because its three kinds of tables share the cells'
formatting (percentages, counts, mean ± std).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from lrpo.evaluation.aggregate import CROSSLINGUAL_METRICS, aggregate_scorecards
from lrpo.evaluation.metrics import BINARY, scorecard_metric
from lrpo.evaluation.paper import OVERALL, SPLITS, find_row, paper_rows
from lrpo.evaluation.scorecard import delta

TABLE_STYLES = ("markdown", "console")


# How each column of numbers is scaled for printing: fractions as percentages, counts as they are.
PERCENT, COUNT = 100.0, 1.0
# The cross-lingual measures' column headers and scales in ``format_table``.
CROSSLINGUAL_COLUMNS = {"line_fidelity": ("line fidelity %", PERCENT),
                        "code_switching": ("code-switched %", PERCENT), "response_tokens": ("tokens", COUNT)}


def _scaled(value: float | None, signed: bool = False, scale: float = PERCENT) -> str:
    if value is None:
        return "-"
    return f"{value * scale:+.1f}" if signed else f"{value * scale:.1f}"


def percent(value: float | None, signed: bool = False) -> str:
    """A fraction as a percentage with one decimal ("24.9"); "-" for null."""
    return _scaled(value, signed)


def _cell(value, signed: bool = False, scale: float = PERCENT) -> str:
    """A plain value, or an aggregate's {"mean", "std"} as "mean ± std"; a fraction
    as a percentage (``scale`` PERCENT) or a count as it is (COUNT)."""
    if isinstance(value, dict):
        if value.get("std") is None:
            return _scaled(value["mean"], signed, scale)
        return f"{_scaled(value['mean'], signed, scale)} ± {value['std'] * scale:.1f}"
    return _scaled(value, signed, scale)


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
    """Languages × accuracy / 95% interval / fidelity / line fidelity /
    code-switched / response tokens / n, then the averages (all, seen, unseen),
    for a scorecard or an ``aggregate_scorecards`` result (cells "mean ± std").
    A cross-lingual column is left out when no language has a value (a scorecard
    written before they existed, or tokens a generator did not count)."""
    ci = scorecard.get("ci95") or {}
    per_language = scorecard["per_language"]
    measures = [metric for metric in CROSSLINGUAL_METRICS
                if any(_point(stats.get(metric)) is not None for stats in per_language.values())]

    def interval(bounds) -> str:
        return "-" if not bounds else f"{percent(bounds[0])}–{percent(bounds[1])}"

    def crosslingual(values: dict, suffix: str = "") -> list[str]:
        return [_cell(values.get(f"{metric}{suffix}"), scale=CROSSLINGUAL_COLUMNS[metric][1])
                for metric in measures]

    rows = []
    for lang, stats in per_language.items():
        rows.append([lang, _cell(stats["accuracy"]), interval(ci.get("per_language", {}).get(lang)),
                     _cell(stats["fidelity"]), *crosslingual(stats), str(stats["n"])])
    total = sum(stats["n"] for stats in per_language.values())
    rows.append(["average", _cell(scorecard["average"]), interval(ci.get("average")),
                 _cell(scorecard["fidelity_average"]), *crosslingual(scorecard, "_average"), str(total)])
    for name in ("seen", "unseen"):
        if _point(scorecard.get(f"{name}_average")) is not None:
            rows.append([_language_label(scorecard, name), _cell(scorecard[f"{name}_average"]),
                         interval(ci.get(f"{name}_average")), "", *crosslingual(scorecard, f"_{name}_average"),
                         ""])
    metric, kind = scorecard_metric(scorecard)
    header = ["language", f"{metric} %", "95% CI", "fidelity %",
              *(CROSSLINGUAL_COLUMNS[metric][0] for metric in measures), "n"]
    table = render_table(header, rows, style)
    consistency = scorecard.get("consistency")
    if kind != BINARY:
        consistency_note = f"- (not defined for a continuous {metric})"
    elif _point(consistency) is None:
        consistency_note = "- (no item correct in any language)"
    else:
        consistency_note = _cell(consistency)
    notes = [worst_language_note(scorecard), "consistency: " + consistency_note]
    baseline = scorecard.get("baseline")
    if baseline:
        notes.append(f"Δ average vs {baseline.get('method') or 'baseline'}: "
                     f"{_cell(baseline.get('delta_average'), signed=True)}")
    separator = "  \n" if style == "markdown" else "\n"
    return table + "\n\n" + separator.join(notes)


def worst_languages(scorecard: dict) -> list[str]:
    """Every language whose accuracy equals the worst one's (``worst_language``, the
    first listed of them): a scorecard names one, but several often tie (at 0 on
    a small evaluation)."""
    rates = {lang: _point(stats["accuracy"]) for lang, stats in scorecard["per_language"].items()}
    lowest = rates[scorecard["worst_language"]]
    return [lang for lang, rate in rates.items() if rate is not None and math.isclose(rate, lowest, abs_tol=1e-12)]


def worst_language_note(scorecard: dict) -> str:
    """"worst language: bn (8.5)", or "worst languages (tied): bn, sw, te (0.0)"."""
    tied = worst_languages(scorecard)
    rate = _cell(scorecard["per_language"][scorecard["worst_language"]]["accuracy"])
    if len(tied) == 1:
        return f"worst language: {tied[0]} ({rate})"
    return f"worst languages ({len(tied)} tied): {', '.join(tied)} ({rate})"


# z of a two-sided 95% normal interval.
Z95 = 1.959963984540054


def _adjusted_variance(rate: float, n: int) -> float:
    """Agresti-Caffo's variance of a rate: one success and one failure added, so
    that a rate of 0 or 1 on a few questions still has a width."""
    adjusted = (rate * n + 1) / (n + 2)
    return adjusted * (1 - adjusted) / (n + 2)


def difference_interval(pairs: Sequence[tuple[float, int, float, int]]) -> list[float] | None:
    """95% interval, as fractions, of the mean over languages of (this rate − reference
    rate); ``pairs``: one (this rate, its n, reference rate, its n) per language.

    The observed difference ± z95 x its standard error, from Agresti-Caffo's adjusted
    variances of the rates taken as independent. The two runs answer the same
    questions, so this is wider than a paired interval would be (conservative): the
    comparison keeps no per-question answers of a baseline read from a leaderboard.
    None when a pair lacks a rate or an n, or a rate is a seed aggregate.
    """
    if not pairs or any(not isinstance(value, (int, float)) for pair in pairs for value in pair):
        return None
    centre = sum(this - reference for this, _, reference, _ in pairs) / len(pairs)
    spread = math.sqrt(sum(_adjusted_variance(this, n_this) + _adjusted_variance(reference, n_reference)
                           for this, n_this, reference, n_reference in pairs))
    half = Z95 * spread / len(pairs)
    return [centre - half, centre + half]


def question_difference(pairs: Sequence[tuple[float, int, float, int]]) -> int | None:
    """How many more questions (or fewer, negative) this run answers correctly than the
    reference over ``pairs`` (as in ``difference_interval``); None unless both were
    scored on the same number of questions in each language."""
    if not pairs or any(n_this != n_reference or not isinstance(n_this, int) or isinstance(this, dict)
                        for this, n_this, _, n_reference in pairs):
        return None
    return round(sum((this - reference) * n for this, n, reference, _ in pairs))


def _column_label(card: dict, fallback: str) -> str:
    method = card.get("method")
    if fallback == "GRPO" and method in (None, "grpo"):
        return "GRPO"
    return str(method) if method else fallback


def format_comparison_table(base: dict | None, baseline: dict | None, this: dict, style: str = "console") -> str:
    """Languages × {base model, GRPO, this method, Δ, 95% interval of Δ, Δ in
    questions} plus the average, seen and unseen rows, then notes: which rows differ
    by one question only, and this run's worst language(s).

    Δ = this − GRPO, or this − base when there is no GRPO run; base and baseline
    may be None (their columns are left out). The interval is
    ``difference_interval`` over the row's languages; "Δ questions" is
    ``question_difference`` (blank when the two were scored on different numbers
    of questions). Both read the values as shares of questions answered correctly:
    for a continuous metric (similarity, judge ratings) they are left blank, and a
    note names the metric."""
    continuous = scorecard_metric(this)[1] != BINARY
    columns = [(card, label) for card, label in ((base, "base"), (baseline, "GRPO")) if card is not None]
    columns.append((this, "this"))
    reference = baseline if baseline is not None else base
    header = ["language"] + [_column_label(card, label) for card, label in columns]
    if reference is not None:
        name = "GRPO" if reference is baseline else "base"
        header += [f"Δ vs {name}", "95% CI of Δ", "Δ questions"]

    def accuracy(card: dict, lang: str) -> float | None:
        stats = card["per_language"].get(lang)
        return None if stats is None else _point(stats["accuracy"])

    def pairs(languages: Sequence[str]) -> list[tuple]:
        return [(this["per_language"][lang]["accuracy"], this["per_language"][lang].get("n"),
                 (reference["per_language"].get(lang) or {}).get("accuracy"),
                 (reference["per_language"].get(lang) or {}).get("n")) for lang in languages]

    one_question = []

    def row(label: str, values: list[float | None], languages: Sequence[str]) -> list[str]:
        cells = [label] + [percent(v) for v in values]
        if reference is not None:
            bounds = None if continuous else difference_interval(pairs(languages))
            questions = None if continuous else question_difference(pairs(languages))
            if questions in (-1, 1):
                one_question.append(label.split(" (")[0])
            cells += [percent(delta(values[-1], values[-2]), signed=True),
                      "-" if bounds is None else f"{percent(bounds[0], True)} to {percent(bounds[1], True)}",
                      "" if questions is None else f"{questions:+d}"]
        return cells

    languages = list(this["per_language"])
    rows = [row(lang, [accuracy(card, lang) for card, _ in columns], [lang]) for lang in languages]
    rows.append(row("average", [_point(card.get("average")) for card, _ in columns], languages))
    for name in ("seen", "unseen"):
        if _point(this.get(f"{name}_average")) is not None:
            values = [_point(card.get(f"{name}_average")) for card, _ in columns]
            rows.append(row(_language_label(this, name), values, this.get(f"{name}_languages") or []))
    notes = []
    if continuous:
        notes.append(f"values: mean {scorecard_metric(this)[0]} (%), a continuous score: no interval of Δ "
                     "or count of questions")
    if one_question:
        notes.append(f"one question apart (Δ questions ±1): {', '.join(one_question)}")
    notes.append(worst_language_note(this))
    separator = "  \n" if style == "markdown" else "\n"
    return render_table(header, rows, style) + "\n\n" + separator.join(notes)


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


# Marks of the paper's cells: recomputed from the row's own cells / flagged inconsistent by its README.
RECOMPUTED_MARK, INCONSISTENT_MARK = "†", "‡"


def paper_numbers_table(number: int, rows: Sequence[tuple[str, str | None]], records: Sequence[dict],
                        backbone: str, benchmark: str, same_setting: bool) -> str:
    """Markdown: the paper's row beside each of table ``number``'s rows, for
    ``backbone`` and ``benchmark`` (one of ``lrpo.evaluation.paper.BENCHMARKS``):
    that benchmark's seen / unseen / average and the overall seen / unseen /
    average, in points as printed, with a caption and footnotes.

    ``rows``: (label, the paper's method name, or None for a row the paper does not
    have); the paper's row is the one of this table, else of the lowest-numbered
    table that has the method (``lrpo.evaluation.paper.find_row``), and says which.
    ``records``: ``benchmarks/paper_results.csv``'s rows. Where a row's printed
    overall cells do not follow from its per-benchmark cells beyond rounding, the
    recomputed value is shown, marked ``RECOMPUTED_MARK``, and a footnote gives
    the printed one; cells the paper's README flags are marked ``INCONSISTENT_MARK``.
    ``same_setting``: our rows use the paper's backbone and (a version of) its
    benchmark; otherwise the caption says the numbers are for orientation only.
    """
    by_key = paper_rows(records)
    columns = [(benchmark, split) for split in SPLITS] + [(OVERALL, split) for split in SPLITS]
    header = ["Method", "Paper's row"] + [f"{name} {split}" for name, split in columns]
    lines, notes = [], []
    for label, method in rows:
        found = None if method is None else find_row(by_key, number, backbone, method)
        if found is None:
            lines.append([label, "-"] + ["-"] * len(columns))
            continue
        recomputed = found.recomputed_overall()
        cells = []
        for name, split in columns:
            value = found.cells.get((name, split))
            if name == OVERALL and split in recomputed:
                cells.append(f"{recomputed[split]:.2f}{RECOMPUTED_MARK}")
            elif value is None:
                cells.append("-")
            else:
                cells.append(f"{value:.2f}{INCONSISTENT_MARK if (name, split) in found.flagged else ''}")
        lines.append([label, f"{found.method} (T{found.table})"] + cells)
        if recomputed:
            printed = " / ".join(f"{split} {found.cells[(OVERALL, split)]:.2f}" for split in recomputed)
            notes.append(f"{RECOMPUTED_MARK} {found.method} (Table {found.table}): overall recomputed from the "
                         f"row's own per-benchmark cells by the paper's averaging rules "
                         f"(lrpo.evaluation.paper); the paper prints {printed}.")
        if found.flagged & set(columns):
            notes.append(f"{INCONSISTENT_MARK} {found.method} (Table {found.table}): flagged inconsistent in "
                         "the paper's data (the cell disagrees with the row's own average and overall); see the "
                         "note in benchmarks/paper_results.csv.")
    if not any(line[1] != "-" for line in lines):
        return f"None of these rows is in the paper's tables for {backbone} (benchmarks/paper_results.csv)."
    caption = (f"The paper's rows ({backbone}, {benchmark} and the overall of its five benchmarks; points, as "
               "printed; T<n> = the paper's table the row is from; - = a row the paper does not have). Source: "
               "benchmarks/paper_results.csv.")
    if not same_setting:
        caption += (" For orientation only: a different model or benchmark than ours, so compare which rows "
                    "come out ahead, not the values.")
    parts = [caption, render_table(header, lines, "markdown", right_align_from=2)]
    return "\n\n".join(parts + (["  \n".join(notes)] if notes else []))


def reproduced_table_section(number: int, title: str, scale: str, preset: str, command: str,
                             seeds: Sequence[int], rows: Sequence[tuple[str, Sequence[dict]]], paper: str,
                             wall_seconds: float, differences: str | None = None,
                             reading: str | None = None) -> str:
    """One reproduced table as a Markdown section between ``SECTION_START`` /
    ``SECTION_END`` comments: a header (command, model, task, seeds, rollout
    budgets, commit, date, wall time), ``seed_table`` of the rows, under it
    ``differences`` (the rows' paired differences to GRPO with their caption,
    ``lrpo.evaluation.paired.difference_table``; left out when None), ``reading``
    (plain words on what the benchmark can and cannot tell; left out when None)
    and the paper's numbers (``paper``, from ``paper_numbers_table``).

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
        *([differences, ""] if differences else []),
        *([reading, ""] if reading else []),
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
