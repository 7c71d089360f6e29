"""How far one method is from another, paired by seed and item, with a bootstrap interval.

The reproduced paper tables (``lrpo.evaluation.tables.reproduced_table_section``)
print under their rows' mean ± std, for each row, its difference to GRPO with a
95% interval (``difference_table``). Rows and GRPO
answer the same questions with the same seeds, so the difference is taken run
against run and question against question: what one hard question or one lucky
seed does to both sides cancels, and the interval is narrower than one built
from the two sides' spreads as if they were independent
(``lrpo.evaluation.tables.difference_interval``, for a baseline read from a
leaderboard, which keeps no per-question scores).

Per-item scores (``item_scores``): ``{lang: {item id: score}}``, each score the
sample's score under the evaluation's metric (``lrpo.evaluation.metrics``: 1.0 /
0.0 for a binary one, a fraction in [0, 1] for a continuous one), read from an
evaluation's samples (``samples.jsonl``, ``lrpo.evaluation.evaluator``). A run
record of ``benchmarks/reproduce.py`` keeps them under ``ITEM_SCORES``, so the
interval survives the deletion of the run's output directory; a record written
before they were kept has none (``has_item_scores``).

The method (``paired_difference``):

- runs are paired by seed, only seeds that both sides have; a side evaluated
  once (one run with seed None: the base model) is paired with every seed of
  the other;
- items are paired by (language, id): those scored by every paired run of both
  sides;
- the statistic is the difference (row − reference) of the macro average over
  the given languages of the per-language mean scores, averaged over the
  paired seeds; since both averages are linear, it is the mean over seeds and
  languages of the per-language mean of the per-item differences;
- the 95% interval is a percentile bootstrap: each resample draws the paired
  seeds with replacement and, independently, each language's items with
  replacement; when every language holds the same item ids (parallel
  benchmarks) one draw of items is shared by all languages, as
  ``lrpo.evaluation.scorecard.bootstrap_intervals`` does, because a hard
  problem is hard in every language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from lrpo.evaluation.metrics import ACCURACY, JUDGE_METRICS, SIMILARITY, Metric, scorecard_metric
from lrpo.evaluation.scorecard import BOOTSTRAP_RESAMPLES, _group_by_language
from lrpo.evaluation.tables import render_table

# The key of a run record that holds its per-item scores.
ITEM_SCORES = "item_scores"
# The metrics a scorecard can name, by name: which sample field holds each item's score.
KNOWN_METRICS = {metric.name: metric for metric in (ACCURACY, SIMILARITY, *JUDGE_METRICS.values())}


def scorecard_item_metric(scorecard: dict) -> Metric:
    """The ``Metric`` a scorecard was scored by (its ``metric``; accuracy for one written
    before scorecards named it). ValueError naming the metric when it is not one of
    ``KNOWN_METRICS``."""
    name, _ = scorecard_metric(scorecard)
    if name not in KNOWN_METRICS:
        raise ValueError(f"scorecard metric {name!r} is not one of {', '.join(KNOWN_METRICS)}: no sample field "
                         "to read its per-item scores from")
    return KNOWN_METRICS[name]


def item_scores(samples: Iterable[dict] | str | Path, metric: Metric = ACCURACY) -> dict[str, dict[str, float]]:
    """``{lang: {item id: score}}`` of an evaluation's scored samples, in the order they
    come: a list of sample dicts, or the path of a ``samples.jsonl``. The score is the
    sample's ``metric.field`` (1.0 / 0.0 for a binary metric, else a number in [0, 1]).
    ValueError (naming the sample) for a missing field, an item scored twice in one
    language or no samples; for a file, ``lrpo.tasks.data.DataError`` naming the file and line."""
    if isinstance(samples, (str, Path)):
        from lrpo.tasks.data import read_jsonl

        samples = [row for _, row in read_jsonl(Path(samples), ("id", "lang", metric.field))]
    by_lang = _group_by_language(list(samples), metric)
    return {lang: {item: score for item, (score, _) in items.items()} for lang, items in by_lang.items()}


def evaluation_item_scores(evaluation_dir: str | Path, scorecard: dict) -> dict[str, dict[str, float]] | None:
    """``item_scores`` of the evaluation written into ``evaluation_dir`` (its
    ``samples.jsonl``), read by the metric of its ``scorecard``; None when the
    directory holds no ``samples.jsonl``."""
    path = Path(evaluation_dir) / "samples.jsonl"
    return item_scores(path, scorecard_item_metric(scorecard)) if path.is_file() else None


def has_item_scores(runs: Sequence[Mapping]) -> bool:
    """Whether every run record holds per-item scores (records cached before they were kept do not)."""
    return bool(runs) and all(run.get(ITEM_SCORES) for run in runs)


def _pairs(row_runs: Sequence[Mapping], reference_runs: Sequence[Mapping]) -> list[tuple[Mapping, Mapping, int]]:
    """(row run, reference run, seed) for every seed both sides have; a side evaluated
    once (a single run with seed None) stands beside each seed of the other."""
    def by_seed(runs: Sequence[Mapping], side: str) -> dict:
        seeds = [run.get("seed") for run in runs]
        if None in seeds and len(runs) > 1:
            raise ValueError(f"{side} runs: a run without a seed (evaluated once) must be the side's only run, "
                             f"got seeds {seeds}")
        if len(set(seeds)) < len(seeds):
            raise ValueError(f"{side} runs: seed repeated in {seeds}")
        return dict(zip(seeds, runs, strict=True))

    rows, references = by_seed(row_runs, "row"), by_seed(reference_runs, "reference")
    if None in rows and None in references:
        return [(rows[None], references[None], None)]
    if None in rows:
        return [(rows[None], run, seed) for seed, run in references.items()]
    if None in references:
        return [(run, references[None], seed) for seed, run in rows.items()]
    return [(rows[seed], references[seed], seed) for seed in rows if seed in references]


def _paired_ids(runs: Sequence[Mapping], lang: str) -> list[str]:
    """The ids of ``lang`` scored by every run, in the first run's order."""
    for run in runs:
        if lang not in run[ITEM_SCORES]:
            raise ValueError(f"language {lang!r} has no item scores in the run of seed {run.get('seed')} "
                             f"(it has {', '.join(run[ITEM_SCORES])})")
    first, *rest = (run[ITEM_SCORES][lang] for run in runs)
    return [item for item in first if all(item in other for other in rest)]


def _draw_weights(rng: np.random.Generator, n_resamples: int, size: int) -> np.ndarray:
    """(n_resamples, size): how often each of ``size`` things is drawn in each resample
    (``size`` draws with replacement), divided by ``size``."""
    draws = rng.integers(0, size, size=(n_resamples, size))
    counts = np.zeros((n_resamples, size))
    np.add.at(counts, (np.arange(n_resamples)[:, None], draws), 1.0)
    return counts / size


def paired_difference(row_runs: Sequence[Mapping], reference_runs: Sequence[Mapping], languages: Sequence[str],
                      n_resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> dict:
    """The difference of the row's runs to the reference's runs in the macro average over
    ``languages``, paired by seed and item, with its 95% percentile-bootstrap interval
    (the method: the module docstring).

    ``row_runs`` / ``reference_runs``: run records, each with ``"seed"`` (an int, or
    None for a run evaluated once) and ``ITEM_SCORES`` (``{lang: {item id: score}}``,
    scores fractions in [0, 1]). ``n_resamples`` bootstrap resamples drawn from
    ``numpy.random.default_rng(seed)``.

    Returns ``{"difference": row − reference, "ci95": [low, high], "seeds": the paired
    seeds (None for a pair of runs evaluated once), "items": {lang: paired items}}``,
    difference and bounds in the scores' units (fractions; tables print points).
    ValueError naming what is missing when nothing can be paired: no languages, a run
    without item scores or without one of ``languages``, no seed in both, no item of
    a language in every paired run; and for ``n_resamples`` < 1.
    """
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
    if not languages:
        raise ValueError("no languages to average over")
    for side, runs in (("row", row_runs), ("reference", reference_runs)):
        if not runs:
            raise ValueError(f"no {side} runs")
        missing = [run.get("seed") for run in runs if not run.get(ITEM_SCORES)]
        if missing:
            raise ValueError(f"{side} runs of seeds {missing} have no {ITEM_SCORES!r} (recorded before per-item "
                             "scores were kept)")
    pairs = _pairs(row_runs, reference_runs)
    if not pairs:
        raise ValueError(f"no seed in both: row seeds {[run.get('seed') for run in row_runs]}, reference seeds "
                         f"{[run.get('seed') for run in reference_runs]}")
    paired_runs = [run for row, reference, _ in pairs for run in (row, reference)]
    ids = {lang: _paired_ids(paired_runs, lang) for lang in languages}
    empty = [lang for lang, found in ids.items() if not found]
    if empty:
        raise ValueError(f"no item scored by every paired run in {', '.join(empty)}")
    # lang -> (paired seeds, items): row score − reference score of each item.
    differences = {lang: np.array([[row[ITEM_SCORES][lang][item] - reference[ITEM_SCORES][lang][item]
                                     for item in ids[lang]] for row, reference, _ in pairs], dtype=float)
                   for lang in languages}
    estimate = float(np.mean([table.mean() for table in differences.values()]))

    rng = np.random.default_rng(seed)
    seed_weights = _draw_weights(rng, n_resamples, len(pairs))
    first = ids[languages[0]]
    parallel = all(set(found) == set(first) for found in ids.values())
    if parallel:  # one item order for all languages, so that one draw picks the same items everywhere
        positions = {lang: {item: i for i, item in enumerate(found)} for lang, found in ids.items()}
        differences = {lang: table[:, [positions[lang][item] for item in first]]
                       for lang, table in differences.items()}
    shared = _draw_weights(rng, n_resamples, len(first)) if parallel else None
    draws = np.zeros(n_resamples)
    for table in differences.values():
        item_weights = shared if parallel else _draw_weights(rng, n_resamples, table.shape[1])
        # Per resample: sum over seeds and items of weight(seed) x difference x weight(item).
        draws += ((seed_weights @ table) * item_weights).sum(axis=1)
    draws /= len(languages)
    low, high = np.percentile(draws, [2.5, 97.5])
    return {"difference": estimate, "ci95": [float(low), float(high)], "seeds": [pair[2] for pair in pairs],
            "items": {lang: len(found) for lang, found in ids.items()}}


def format_difference(result: dict | None) -> str:
    """A ``paired_difference`` result in points with one decimal, "+3.2 [+1.0, +5.5]";
    "–" for None (nothing to pair)."""
    if result is None:
        return "–"
    low, high = result["ci95"]
    return f"{result['difference'] * 100:+.1f} [{low * 100:+.1f}, {high * 100:+.1f}]"


def differences(rows: Sequence[tuple[str, Sequence[Mapping]]], reference: str) -> dict[str, tuple] | None:
    """Each row but ``reference`` (one of the rows' labels) against the reference row:
    ``{label: (seen, average)}``, each a ``paired_difference`` result over the seen
    languages / all languages of the reference's first scorecard, or None where a
    record holds no per-item scores (``has_item_scores``) or there are no seen
    languages. ``rows`` as ``difference_table`` takes them. None when no row is
    labelled ``reference``."""
    runs = dict(rows)
    if reference not in runs:
        return None
    card = runs[reference][0]["scorecard"]
    groups = (card.get("seen_languages") or [], list(card["per_language"]))
    results = {}
    for label, row_runs in rows:
        if label == reference:
            continue
        paired = has_item_scores(row_runs) and has_item_scores(runs[reference])
        results[label] = tuple(paired_difference(row_runs, runs[reference], languages) if paired and languages
                               else None for languages in groups)
    return results


def difference_table(rows: Sequence[tuple[str, Sequence[Mapping]]], reference: str) -> str | None:
    """Markdown: each row but ``reference`` (one of the rows' labels) against the
    reference row, in the seen and the all-language average (``differences``) as
    "+3.2 [+1.0, +5.5]" (points, 95% interval), then a caption saying how it is
    computed and ``difference_reading`` of the seen column. "–" where a record holds
    no per-item scores (recorded before they were kept) or there are no seen languages.

    ``rows``: (label, run records: ``"scorecard"``, ``"seed"``, ``ITEM_SCORES``) in
    the table's order, as ``lrpo.evaluation.tables.reproduced_table_section`` takes
    them. None when no row is labelled ``reference``.
    """
    results = differences(rows, reference)
    if results is None:
        return None
    lines = [[label, *(format_difference(result) for result in pair)] for label, pair in results.items()]
    header = ["Method", f"Δ seen vs {reference} (95% CI)", f"Δ average vs {reference} (95% CI)"]
    once = any(run.get("seed") is None for _, row_runs in rows for run in row_runs)
    caption = (f"Δ vs {reference}: the row's seen / all-language average minus {reference}'s, in points, on the "
               "questions both answered, averaged over the seeds both ran"
               + (f" (a row evaluated once, the base model, against each of {reference}'s seeds)" if once else "")
               + f"; 95% percentile-bootstrap interval over {BOOTSTRAP_RESAMPLES} resamples of seeds and of "
               "questions (the same questions in every language when the languages hold the same ones). – = a run "
               "recorded before per-question scores were kept.")
    reading = difference_reading({label: pair[0] for label, pair in results.items()}, reference)
    return render_table(header, lines, "markdown") + "\n\n" + caption + (f"\n\n{reading}" if reading else "")


def difference_reading(results: Mapping[str, dict | None], reference: str) -> str:
    """In plain words, what the seen-average differences ``results`` (label ->
    ``paired_difference`` result, or None) say: for each row, whether its 95%
    interval excludes 0 (the row is told apart from ``reference``, above or below;
    listed first) or holds it (not told apart; with the interval's half-width, the
    resolution these seeds and questions give). A Markdown list under a lead line;
    "" when no row has a result."""
    told, untold = [], []
    for label, result in results.items():
        if result is None:
            continue
        low, high = (bound * 100 for bound in result["ci95"])
        points = result["difference"] * 100
        seeds = len(result["seeds"])
        if low > 0 or high < 0:
            side = "above" if low > 0 else "below"
            told.append(f"- **{label}** is {side} {reference}: {points:+.1f} seen points, the interval "
                        f"[{low:+.1f}, {high:+.1f}] excludes 0 ({seeds} paired seed{'s' * (seeds != 1)}).")
        else:
            untold.append(f"- **{label}** cannot be told apart from {reference}: {points:+.1f} seen points, the "
                          f"interval [{low:+.1f}, {high:+.1f}] holds 0 (half-width {(high - low) / 2:.1f} points "
                          f"at {seeds} seed{'s' * (seeds != 1)}).")
    if not told and not untold:
        return ""
    return "\n".join([f"Read against {reference} (seen average, 95% intervals above):", "", *told, *untold])
